/**
 * Shared setup for the edge route tests: the real app (`createApp`) over the real BullMQ
 * enqueuer and Redis key store, a fresh queue and key hash per test, keys made with the real
 * generator, and readers for what landed in the queue.
 */
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { createApp } from "../../../edge/app.ts";
import type { BodyReader } from "../../../edge/body.ts";
import type { EdgeDeps, KeyStore, RateLimiter } from "../../../edge/deps.ts";
import { CachedKeyStore } from "../../../edge/key-store.ts";
import { generateApiKey } from "../../../edge/keys.ts";
import { BullmqEnqueuer } from "../../../edge/node/bullmq-enqueuer.ts";
import { RedisKeyStore } from "../../../edge/node/redis-key-store.ts";
import { TokenBucketLimiter } from "../../../edge/rate-limit.ts";
import { parseVendorProfiles } from "../../../shared/adt/profile.ts";
import type { LogFields, Logger } from "../../../shared/log/logger.ts";
import { MetricsRegistry } from "../../../shared/metrics/registry.ts";
import { type IngestJob, parseIngestJob } from "../../../shared/queue/job.ts";
import { uniqueName } from "../../support/services.ts";

export const HL7 = "application/hl7-v2";

/** A valid ADT^A01 (v2.5.1). Test data only: the "patient" is invented. */
export function adtMessage(
  controlId: string,
  opts: { trigger?: string; type?: string; version?: string; patientName?: string; extra?: string } = {},
): string {
  return [
    `MSH|^~\\&|EPIC|GENERAL HOSP|ADT-STREAM|HUB|20240101120000||${opts.type ?? "ADT"}^${opts.trigger ?? "A01"}^ADT_A01|${controlId}|P|${opts.version ?? "2.5.1"}`,
    "EVN|A01|20240101120000",
    `PID|1||PATID12345^^^HOSP^MR||${opts.patientName ?? "ZZTESTPATIENT^JANE"}||19800101|F`,
    `PV1|1|I|WARD1^101^A${opts.extra ?? ""}`,
  ].join("\r");
}

/** Captured log lines, as the JSON the real logger would write. */
export class CapturingLogger implements Logger {
  readonly lines: string[] = [];
  constructor(private readonly base: LogFields = {}) {}
  #emit(level: string, event: string, fields?: LogFields) {
    this.lines.push(JSON.stringify({ level, event, ...this.base, ...fields }));
  }
  debug(e: string, f?: LogFields) {
    this.#emit("debug", e, f);
  }
  info(e: string, f?: LogFields) {
    this.#emit("info", e, f);
  }
  warn(e: string, f?: LogFields) {
    this.#emit("warn", e, f);
  }
  error(e: string, f?: LogFields) {
    this.#emit("error", e, f);
  }
  child(fields: LogFields): Logger {
    const c = new CapturingLogger({ ...this.base, ...fields });
    // Children write into the same list.
    (c as { lines: string[] }).lines = this.lines;
    return c;
  }
}

export interface EdgeFixture {
  app: ReturnType<typeof createApp>;
  deps: EdgeDeps;
  logger: CapturingLogger;
  queueName: string;
  vendor: string;
  /** A valid key of `vendor`. */
  key: string;
  keyStore: RedisKeyStore;
  redis: Redis;
  /** Jobs waiting in the queue (parsed with the contract schema). */
  jobs(): Promise<IngestJob[]>;
  /** Adds another key for a vendor; returns the key. */
  addKey(vendor: string): Promise<{ key: string; keyId: string }>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  redisUrl: string;
  vendor?: string;
  profilesJson?: unknown;
  rateLimiter?: RateLimiter;
  maxBodyBytes?: number;
  keys?: (store: RedisKeyStore) => KeyStore;
  dedupWindowSeconds?: number;
  readBody?: BodyReader;
}

export async function edgeFixture(opts: FixtureOptions): Promise<EdgeFixture> {
  const queueName = uniqueName("edge-q");
  const vendor = opts.vendor ?? uniqueName("vendor");
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1 });
  const keyStore = new RedisKeyStore(redis, uniqueName("keys"));
  const enqueuer = await BullmqEnqueuer.connect({
    redisUrl: opts.redisUrl,
    queueName,
    dedupWindowSeconds: opts.dedupWindowSeconds ?? 3600,
  });
  const logger = new CapturingLogger();
  const deps: EdgeDeps = {
    keys: opts.keys ? opts.keys(keyStore) : new CachedKeyStore(keyStore, 0),
    enqueuer,
    rateLimiter: opts.rateLimiter ?? new TokenBucketLimiter({ ratePerSecond: 10_000, burst: 10_000 }),
    profiles: parseVendorProfiles(opts.profilesJson ?? { vendors: {} }),
    logger,
    metrics: new MetricsRegistry(),
    maxBodyBytes: opts.maxBodyBytes,
    readBody: opts.readBody,
  };
  const app = createApp(deps);
  const queue = new Queue(queueName, { connection: { url: opts.redisUrl } });
  const addKey = async (v: string) => {
    const k = await generateApiKey(v, new Date());
    await keyStore.put(k.stored);
    return { key: k.key, keyId: k.stored.keyId };
  };
  const { key } = await addKey(vendor);
  return {
    app,
    deps,
    logger,
    queueName,
    vendor,
    key,
    keyStore,
    redis,
    addKey,
    jobs: async () => {
      const jobs = await queue.getJobs(["waiting", "prioritized", "delayed", "active"]);
      return jobs.map((j) => parseIngestJob(j.data)).sort((a, b) => a.seq - b.seq);
    },
    close: async () => {
      await queue.close();
      await enqueuer.close();
      redis.disconnect();
    },
  };
}

/** POSTs a body with a Bearer key through `app.request` (no server). */
export function post(
  f: Pick<EdgeFixture, "app" | "key">,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(
    f.app.request("/v1/messages", {
      method: "POST",
      headers: { authorization: `Bearer ${f.key}`, "content-type": HL7, ...headers },
      // Uint8Array<ArrayBufferLike> is a valid body at runtime; the DOM typing wants ArrayBuffer-backed views.
      body: body as BodyInit,
    }),
  );
}

/** ACK text split into segments (ACKs end every segment with \r). */
export function segments(ack: string): string[][] {
  return ack
    .split("\r")
    .filter((s) => s !== "")
    .map((s) => s.split("|"));
}

export function msa(ack: string): string[] {
  const s = segments(ack).find((x) => x[0] === "MSA");
  if (s === undefined) throw new Error(`no MSA in ${JSON.stringify(ack)}`);
  return s;
}
