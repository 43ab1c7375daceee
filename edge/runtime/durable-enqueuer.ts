/**
 * The Workers side of the enqueue: an {@link Enqueuer} that forwards each call to the Durable
 * Object holding the Redis connection for the request's vendor. A Worker isolate may not share
 * a socket between requests, a Durable Object may: so the connection (and BullMQ's loaded
 * scripts) live in one object per vendor (`idFromName("vendor:<id>")`), which also keeps one
 * vendor's enqueues in arrival order on one connection.
 *
 * Errors do not cross the RPC boundary as classes (workerd re-creates a plain Error), so the
 * object answers with a tagged outcome and this side turns `queue_unavailable` back into
 * {@link QueueUnavailableError}. A failure of the RPC itself (object reset, overloaded) is also
 * a queue outage to the sender: 503 + Retry-After, and it may retry.
 */
import type { DurableObjectNamespace } from "cloudflare:workers";
import { type EnqueueRequest, type EnqueueResult, type Enqueuer, QueueUnavailableError } from "../deps.ts";

/** What the queue object answers over RPC (plain data, structured-clone safe). */
export type QueueOutcome<T> = { ok: true; value: T } | { ok: false; error: "queue_unavailable" | "internal" };

/** A queue object failed in a way that is not an outage (a bug); the app answers it as one. */
export class QueueObjectError extends Error {
  override readonly name = "QueueObjectError";
  constructor(operation: string) {
    super(`queue object failed during ${operation}`);
  }
}

/** The RPC surface of {@link IngestQueueObject} that the Worker calls. */
export interface QueueObjectRpc {
  enqueue(request: EnqueueRequest): Promise<QueueOutcome<EnqueueResult[]>>;
  ping(): Promise<QueueOutcome<null>>;
}

/** The Durable Object namespace binding of the queue objects. */
export type QueueNamespace = DurableObjectNamespace<QueueObjectRpc>;

/** Object names: one per vendor, plus one for readiness probes (which carry no vendor). */
export const vendorShard = (vendor: string): string => `vendor:${vendor}`;
export const HEALTH_SHARD = "health";

/**
 * An Enqueuer for `createApp` on Workers.
 *
 * @example
 * const enqueuer = durableEnqueuer(env.INGEST_QUEUE_OBJECT);
 * const app = createApp({ ...deps, enqueuer });
 */
export function durableEnqueuer(ns: QueueNamespace): Enqueuer {
  const stub = (name: string) => ns.get(ns.idFromName(name));
  return {
    async enqueue(request) {
      return unwrap("enqueue", () => stub(vendorShard(request.vendor)).enqueue(request));
    },
    async ping() {
      await unwrap("ping", () => stub(HEALTH_SHARD).ping());
    },
  };
}

/**
 * Calls a queue object and turns its tagged outcome back into a value or the error the app
 * expects: `queue_unavailable` and a failed RPC become {@link QueueUnavailableError} (503).
 */
export async function unwrap<T>(operation: string, call: () => Promise<QueueOutcome<T>>): Promise<T> {
  let outcome: QueueOutcome<T>;
  try {
    outcome = await call();
  } catch (cause) {
    throw new QueueUnavailableError(`${operation} (durable object call)`, { cause });
  }
  if (outcome.ok) return outcome.value;
  if (outcome.error === "internal") throw new QueueObjectError(operation);
  throw new QueueUnavailableError(operation);
}
