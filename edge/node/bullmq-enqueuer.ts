/**
 * The Node `Enqueuer`: BullMQ over ioredis. Node-only (ioredis, node:crypto).
 *
 * How de-duplication, `seq` and the enqueue stay atomic (and why nothing is ever lost):
 *
 * 1. `reserve` (one Lua script, one round trip, atomic in Redis): per message, if BullMQ's
 *    de-duplication key for (vendor, MSH-10, body hash) exists, the message is a duplicate of
 *    that job (its `seq` is read from the job when it still exists); otherwise the vendor's
 *    sequence counter is INCRed for it, and the control id's last body hash is swapped (SET …
 *    GET) to notice a reused control id with a different body (counted, never dropped).
 * 2. `add` (one round trip): the new jobs are added with BullMQ's own add script and its
 *    native `deduplication: { id, ttl }` option, which sets the de-duplication key atomically
 *    *with* the job. One message = one script call; a batch = FlowProducer.addBulk, a single
 *    MULTI/EXEC, so a batch is all-or-nothing.
 *
 * The de-duplication key is written only together with its job (step 2), so a crash or a
 * Redis failure between the steps can never make a resend look like a duplicate of something
 * that was not stored: it costs at most an unused `seq` (a gap). Two concurrent identical
 * requests may both pass step 1; BullMQ's add script then lets exactly one job in and returns
 * the winner's id to the other, which is reported as a duplicate (its reserved `seq` is a gap).
 * So `seq` is increasing in arrival order per vendor, with possible gaps.
 *
 * Every Redis failure surfaces as `QueueUnavailableError` (→ 503 + Retry-After + AE): the
 * connection is configured to fail fast (no offline queue, bounded command time).
 *
 * Keys (standalone Redis, as BullMQ itself requires without hash tags): the BullMQ queue keys,
 * plus `<prefix>:<queue>:adt-seq:<vendor>` and `<prefix>:<queue>:adt-ctl:<vendor>:<hash>`.
 */
import { createHash } from "node:crypto";
import { FlowProducer, Queue } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import {
  INGEST_JOB_NAME,
  INGEST_JOB_OPTIONS,
  type IngestJob,
  parseIngestJob,
} from "../../shared/queue/job.ts";
import { type EnqueueRequest, type EnqueueResult, type Enqueuer, QueueUnavailableError } from "../deps.ts";

const RESERVE_SCRIPT = `
local windowMs = ARGV[1]
local jobPrefix = ARGV[2]
local out = {}
local n = (#KEYS - 1) / 2
for i = 0, n - 1 do
  local dedupKey = KEYS[2 + i * 2]
  local ctlKey = KEYS[3 + i * 2]
  local hash = ARGV[3 + i]
  local existing = redis.call('GET', dedupKey)
  if existing then
    local seq = -1
    local data = redis.call('HGET', jobPrefix .. existing, 'data')
    if data then
      local ok, decoded = pcall(cjson.decode, data)
      if ok and type(decoded) == 'table' and tonumber(decoded['seq']) then seq = tonumber(decoded['seq']) end
    end
    out[#out + 1] = existing
    out[#out + 1] = seq
    out[#out + 1] = 0
  else
    local prev = redis.call('SET', ctlKey, hash, 'PX', windowMs, 'GET')
    local reused = 0
    if prev and prev ~= hash then reused = 1 end
    out[#out + 1] = ''
    out[#out + 1] = redis.call('INCR', KEYS[1])
    out[#out + 1] = reused
  end
end
return out
`;

type ReserveReply = (string | number)[];

interface ReserveCommand {
  adtReserve(numKeys: number, ...args: (string | number)[]): Promise<ReserveReply>;
}

export interface BullmqEnqueuerOptions {
  /** redis:// or rediss:// URL. */
  redisUrl: string;
  queueName: string;
  /** De-duplication window in seconds (DEDUP_WINDOW_SECONDS). */
  dedupWindowSeconds: number;
  /** BullMQ key prefix; default "bull" (the workers must use the same). */
  prefix?: string;
  /** How long `connect` waits for the first connection before returning anyway; default 3000 ms. */
  readyTimeoutMs?: number;
  /** Upper bound for one Redis command; default 2000 ms. */
  commandTimeoutMs?: number;
}

/**
 * Redis options for the enqueue side: fail fast so a request is answered 503 instead of
 * hanging while Redis is away (the worker side uses `maxRetriesPerRequest: null` instead).
 */
export function enqueueRedisOptions(commandTimeoutMs = 2000): RedisOptions {
  return {
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // Concurrent requests' commands share one socket write (fewer syscalls on both sides).
    enableAutoPipelining: true,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/**
 * @example
 * const enqueuer = await BullmqEnqueuer.connect({ redisUrl, queueName: "adt-ingest", dedupWindowSeconds: 86400 });
 * const [r] = await enqueuer.enqueue({ vendor, receivedAt, messages: [m] });
 * await enqueuer.close();
 */
export class BullmqEnqueuer implements Enqueuer {
  readonly #redis: Redis & ReserveCommand;
  readonly #queue: Queue;
  readonly #flows: FlowProducer;
  readonly #prefix: string;
  readonly #queueName: string;
  readonly #windowMs: number;
  #closed = false;

  private constructor(redis: Redis, opts: BullmqEnqueuerOptions) {
    redis.defineCommand("adtReserve", { lua: RESERVE_SCRIPT });
    this.#redis = redis as Redis & ReserveCommand;
    this.#prefix = opts.prefix ?? "bull";
    this.#queueName = opts.queueName;
    this.#windowMs = opts.dedupWindowSeconds * 1000;
    this.#queue = new Queue(opts.queueName, { connection: redis, prefix: this.#prefix });
    this.#flows = new FlowProducer({ connection: redis, prefix: this.#prefix });
    // Connection errors are answered per request (503); without a listener they would crash.
    this.#queue.on("error", () => {});
    this.#flows.on("error", () => {});
  }

  /**
   * Creates the enqueuer. It does not wait for Redis: when Redis is down at start the edge
   * still starts (readiness says 503) and answers 503 until it is back.
   */
  static async connect(opts: BullmqEnqueuerOptions): Promise<BullmqEnqueuer> {
    const redis = new Redis(opts.redisUrl, {
      ...enqueueRedisOptions(opts.commandTimeoutMs),
      lazyConnect: false,
    });
    redis.on("error", () => {});
    // Without an offline queue, commands sent before the connection is up fail at once; give
    // the first connection a moment so a fresh edge does not answer its first requests 503.
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        redis.off("ready", done);
        resolve();
      };
      const timer = setTimeout(done, opts.readyTimeoutMs ?? 3000);
      if (redis.status === "ready") done();
      else redis.once("ready", done);
    });
    return new BullmqEnqueuer(redis, opts);
  }

  #key(...parts: string[]): string {
    return [this.#prefix, this.#queueName, ...parts].join(":");
  }

  async enqueue(request: EnqueueRequest): Promise<EnqueueResult[]> {
    const { vendor, messages } = request;
    if (messages.length === 0) return [];
    const dedupIds = messages.map((m) => `${vendor}:${sha256(m.controlId)}:${m.bodyHash}`);
    const keys: string[] = [this.#key("adt-seq", vendor)];
    for (let i = 0; i < messages.length; i++) {
      keys.push(this.#key("de", dedupIds[i]!), this.#key("adt-ctl", vendor, sha256(messages[i]!.controlId)));
    }
    let reply: ReserveReply;
    try {
      reply = await this.#redis.adtReserve(
        keys.length,
        ...keys,
        this.#windowMs,
        this.#key(""),
        ...messages.map((m) => m.bodyHash),
      );
    } catch (err) {
      throw new QueueUnavailableError("reserve", { cause: err });
    }

    const results: EnqueueResult[] = [];
    const jobs: { index: number; job: IngestJob; dedupId: string }[] = [];
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      const existing = String(reply[i * 3]);
      const seq = Number(reply[i * 3 + 1]);
      const reused = Number(reply[i * 3 + 2]) === 1;
      if (existing !== "") {
        results.push({ id: existing, seq: seq > 0 ? seq : null, duplicate: true, controlIdReused: false });
        continue;
      }
      // The payload contract is checked before it goes in (a failure here is a bug, not input).
      const job = parseIngestJob({
        v: 1,
        id: m.id,
        vendor,
        receivedAt: request.receivedAt,
        seq,
        controlId: m.controlId,
        messageType: m.messageType,
        raw: m.raw,
      });
      results.push({ id: m.id, seq, duplicate: false, controlIdReused: reused });
      jobs.push({ index: i, job, dedupId: dedupIds[i]! });
    }
    if (jobs.length === 0) return results;

    const opts = (j: (typeof jobs)[number]) => ({
      ...INGEST_JOB_OPTIONS,
      jobId: j.job.id,
      deduplication: { id: j.dedupId, ttl: this.#windowMs },
    });
    let ids: string[];
    try {
      if (jobs.length === 1) {
        const j = jobs[0]!;
        const added = await this.#queue.add(INGEST_JOB_NAME, j.job, opts(j));
        ids = [String(added.id)];
      } else {
        // One MULTI/EXEC: the whole batch or nothing.
        const nodes = await this.#flows.addBulk(
          jobs.map((j) => ({
            name: INGEST_JOB_NAME,
            queueName: this.#queueName,
            data: j.job,
            opts: opts(j),
          })),
        );
        ids = nodes.map((n) => String(n.job.id));
      }
    } catch (err) {
      throw new QueueUnavailableError("add", { cause: err });
    }
    jobs.forEach((j, k) => {
      const id = ids[k]!;
      if (id !== j.job.id) {
        // Lost a race with an identical concurrent request: BullMQ kept the other job.
        results[j.index] = { id, seq: null, duplicate: true, controlIdReused: false };
      }
    });
    return results;
  }

  async ping(): Promise<void> {
    try {
      await this.#redis.ping();
    } catch (err) {
      throw new QueueUnavailableError("ping", { cause: err });
    }
  }

  /** Closes the queue and the connection; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([this.#queue.close(), this.#flows.close()]);
    this.#redis.disconnect();
  }
}
