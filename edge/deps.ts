/**
 * The dependencies `createApp(deps)` receives. Everything the edge needs from the outside world
 * (key storage, the durable queue, rate limiting, time, logs, metrics, vendor profiles) comes
 * in through these interfaces, so the app itself runs unchanged on Node, Deno and workerd; only
 * the entries (`edge/entries/*.ts`) pick implementations.
 *
 * STABILITY: the Deno/Workers entries (edge/entries/deno.ts, edge/entries/worker.ts,
 * edge/runtime/) implement these. Changes are announced here, newest first:
 * - v1.2: EdgeDeps.readBody (optional; default reads the WHATWG Request). Node passes
 *   `nodeBodyReader`, which reads Node's request directly. Backwards compatible.
 * - v1.1: EdgeDeps.sha256Hex (optional; default Web Crypto). Node passes node:crypto's
 *   synchronous hash, which avoids a thread-pool hop per digest. Backwards compatible.
 * - v1 (initial): KeyStore, Enqueuer (+ QueueUnavailableError), RateLimiter, Clock, EdgeDeps.
 */
import type { VendorProfile } from "../shared/adt/profile.ts";
import type { Logger } from "../shared/log/logger.ts";
import type { MetricsRegistry } from "../shared/metrics/registry.ts";
import type { BodyReader } from "./body.ts";

// ---------------------------------------------------------------------------------------------
// API keys
// ---------------------------------------------------------------------------------------------

/**
 * One stored API key. The key itself (`adt_<keyId>_<secret>`) is shown once at creation; only
 * `secretHash` (lowercase hex SHA-256 of the secret part) is ever stored.
 */
export interface StoredKey {
  readonly keyId: string;
  readonly vendor: string;
  readonly secretHash: string;
  /** ISO-8601 creation time. */
  readonly createdAt: string;
  /** ISO-8601 revocation time; a revoked key is answered 403, not 401. */
  readonly revokedAt?: string | undefined;
}

/** Read side of key storage, all the request path needs. */
export interface KeyStore {
  /** The key with this id, revoked or not; `undefined` when there is none. */
  find(keyId: string): Promise<StoredKey | undefined>;
}

/** Write side, used by the key CLI (and tests); not needed by the request path. */
export interface KeyAdmin extends KeyStore {
  put(key: StoredKey): Promise<void>;
  list(): Promise<StoredKey[]>;
  /** Marks the key revoked; returns false when there is no such key. */
  revoke(keyId: string, at: string): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// Durable enqueue (with de-duplication and the per-vendor sequence)
// ---------------------------------------------------------------------------------------------

/** One structurally checked message, ready to become an ingest job. */
export interface EnqueueMessage {
  /** Ingest id (UUID) the app proposes; a duplicate answers with the original's id instead. */
  readonly id: string;
  /** MSH-10. */
  readonly controlId: string;
  /** `MSH-9.1^MSH-9.2`. */
  readonly messageType: string;
  /** The message text as received (after charset decoding and MLLP unframing). */
  readonly raw: string;
  /** Lowercase hex SHA-256 of `raw`; with vendor and control id it is the de-duplication key. */
  readonly bodyHash: string;
}

export interface EnqueueRequest {
  readonly vendor: string;
  /** ISO-8601 time the request arrived. */
  readonly receivedAt: string;
  /** One message, or every message of a batch (all enqueued, or none). */
  readonly messages: readonly EnqueueMessage[];
}

export interface EnqueueResult {
  /** The job id: the proposed id, or for a duplicate the id of the job that already holds it. */
  readonly id: string;
  /**
   * Per-vendor sequence number of the job. For a duplicate, the original job's `seq` when it is
   * still known, else `null` (the original job completed and was cleaned up).
   */
  readonly seq: number | null;
  /** True when (vendor, MSH-10, body hash) was already enqueued within the window. */
  readonly duplicate: boolean;
  /**
   * True when the control id was seen within the window with a *different* body; the message
   * is enqueued anyway (never dropped) and counted.
   */
  readonly controlIdReused: boolean;
}

/**
 * The durable queue. One call de-duplicates, assigns each new message its per-vendor `seq` and
 * adds the job(s) all-or-nothing; it resolves only once Redis has confirmed the write, so the
 * app may answer AA. Results are in the order of `request.messages`.
 *
 * Throws {@link QueueUnavailableError} when the queue cannot be reached or did not confirm (the
 * app answers 503 + Retry-After + AE); nothing of the request may be left half-written.
 */
export interface Enqueuer {
  enqueue(request: EnqueueRequest): Promise<EnqueueResult[]>;
  /** Resolves when the queue is reachable (for /readyz); rejects otherwise. */
  ping(): Promise<void>;
}

/**
 * The queue (Redis) did not confirm an enqueue or a ping. Retryable by the sender: the app
 * answers 503 with Retry-After. The message never quotes data, only the operation.
 */
export class QueueUnavailableError extends Error {
  override readonly name = "QueueUnavailableError";
  readonly retryable = true;
  constructor(operation: string, options?: { cause?: unknown }) {
    super(`queue unavailable during ${operation}`, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Rate limiting, time
// ---------------------------------------------------------------------------------------------

export interface RateDecision {
  readonly allowed: boolean;
  /** Requests per window the vendor may send (RateLimit-Limit). */
  readonly limit: number;
  /** Requests left now (RateLimit-Remaining). */
  readonly remaining: number;
  /** Seconds until the bucket is full again (RateLimit-Reset). */
  readonly resetSeconds: number;
  /** When refused: whole seconds to wait before retrying (Retry-After, ≥ 1). */
  readonly retryAfterSeconds: number;
}

/** Per-vendor admission; `take` consumes one request's worth when allowed. */
export interface RateLimiter {
  take(vendor: string): RateDecision | Promise<RateDecision>;
}

export interface Clock {
  /** Milliseconds since the epoch (wall clock; receivedAt, key creation). */
  now(): number;
  /** A monotonic millisecond reading for durations (performance.now()). */
  monotonic(): number;
}

/** The real clock: works in Node, Deno and workerd. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

// ---------------------------------------------------------------------------------------------
// Everything together
// ---------------------------------------------------------------------------------------------

/** Lowercase hex SHA-256 of a string's UTF-8 bytes, sync or async. */
export type Sha256Hex = (text: string) => string | Promise<string>;

export interface EdgeDeps {
  keys: KeyStore;
  enqueuer: Enqueuer;
  rateLimiter: RateLimiter;
  /** Profiles by vendor id; a vendor without one uses `DEFAULT_PROFILE` from shared/adt. */
  profiles: ReadonlyMap<string, VendorProfile>;
  logger: Logger;
  /** The app registers its metrics here and renders it at GET /metrics. */
  metrics: MetricsRegistry;
  clock?: Clock;
  /** Largest accepted request body in bytes (413 beyond). Default 10 MiB. */
  maxBodyBytes?: number;
  /** Retry-After seconds sent with 503 when the queue is unavailable. Default 5. */
  queueRetryAfterSeconds?: number;
  /** Ingest id generator; default `crypto.randomUUID()`. */
  newId?: () => string;
  /** Lowercase hex SHA-256 of a string's UTF-8 bytes; default Web Crypto (`crypto.subtle`). */
  sha256Hex?: Sha256Hex;
  /**
   * Reads the ingest body within `maxBodyBytes`; default `readBodyLimited` over the WHATWG
   * Request. The Node entry passes `nodeBodyReader`, which reads Node's request directly.
   */
  readBody?: BodyReader;
}
