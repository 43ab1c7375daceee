/**
 * The Node `Enqueuer`: BullMQ over ioredis. Node-only (ioredis, node:crypto).
 *
 * How de-duplication, `seq` and the enqueue are one atomic step (one Lua script per message,
 * one Redis round trip per request):
 *
 * The script is a short prelude followed by BullMQ's own `addStandardJob` script (the very text
 * BullMQ ships, with the KEYS/ARGV BullMQ itself computes for the job), so the job is stored
 * exactly as `queue.add` would store it. The prelude, atomic with the add:
 * - if BullMQ's de-duplication key for (vendor, MSH-10, body hash) exists, the message is a
 *   duplicate: return that job's id (and its `seq`, read from the job while it exists); nothing
 *   is written;
 * - otherwise swap the control id's last body hash (SET … GET) to notice a reused control id
 *   with a different body (counted, never dropped), INCR the vendor's sequence, write the
 *   number into the job's JSON (it was serialised with a sentinel), and run BullMQ's add with
 *   the native `deduplication: { id, ttl }` option, which sets the de-duplication key with
 *   the job.
 * A batch is a MULTI/EXEC of these scripts: all or nothing. Since every step runs inside Redis
 * in one script, concurrent identical requests cannot both pass the check (exactly one job),
 * a resend can never be taken for a duplicate of something not stored, and `seq` has no gaps
 * from duplicates.
 *
 * Every Redis failure surfaces as `QueueUnavailableError` (→ 503 + Retry-After + AE): the
 * connection is configured to fail fast (no offline queue, bounded command time).
 *
 * Coupling: BullMQ's script text and argument layout are taken from the installed BullMQ at
 * start (`addStandardJob` source, `backend.addJobToTransaction` captured), so they always
 * match each other; the integration tests (storm, duplicates, batches) pin the behaviour.
 *
 * Keys: the BullMQ queue keys, plus `<prefix>:<queue>:adt-seq:<vendor>` and
 * `<prefix>:<queue>:adt-ctl:<vendor>:<hash>`, all under the one prefix. In a Redis Cluster
 * (`cluster: true`, MemoryDB) the prefix carries a hash tag (`{adt}`, checked by the env
 * schemas), so every key of the script and of a batch's MULTI lands in one slot.
 */
import { createHash } from "node:crypto";
import { Job, type JobsOptions, Queue } from "bullmq";
// BullMQ's own add script, run after our prelude (see above). Deep import: the package has no
// "exports" map, and taking the text from the installed version keeps it in step with the
// argument layout BullMQ computes.
import { addStandardJob } from "bullmq/dist/esm/scripts/addStandardJob-9.js";
import type { RedisOptions } from "ioredis";
import {
  INGEST_JOB_NAME,
  INGEST_JOB_OPTIONS,
  type IngestJob,
  parseIngestJob,
} from "../../shared/queue/job.ts";
import { createRedisConnection, type RedisConnection, waitReady } from "../../shared/queue/redis-node.ts";
import { type EnqueueRequest, type EnqueueResult, type Enqueuer, QueueUnavailableError } from "../deps.ts";

/** Placeholder `seq` the job JSON is serialised with; the script writes the real number. */
const SEQ_SENTINEL = Number.MAX_SAFE_INTEGER;

// KEYS[1..9] and ARGV[1..3] are BullMQ's addStandardJob inputs; ours follow them:
// KEYS[10] seq counter, KEYS[11] BullMQ de-duplication key, KEYS[12] control id → body hash;
// ARGV[4] window ms, ARGV[5] body hash, ARGV[6] job key prefix.
// Cluster note: every key is declared in KEYS except two built inside Lua from a prefix
// argument, as BullMQ's own scripts do: the duplicate's job hash (ARGV[6] .. existing, below)
// and the keys addStandardJob derives from KEYS[1]'s prefix. That is only valid in a cluster
// because the prefix carries a hash tag, so those keys hash to the same slot as KEYS.
const PRELUDE = `
local existing = redis.call('GET', KEYS[11])
if existing then
  local seq = -1
  local stored = redis.call('HGET', ARGV[6] .. existing, 'data')
  if stored then
    local ok, decoded = pcall(cjson.decode, stored)
    if ok and type(decoded) == 'table' and tonumber(decoded['seq']) then seq = tonumber(decoded['seq']) end
  end
  return {existing, seq, 0}
end
local prev = redis.call('SET', KEYS[12], ARGV[5], 'PX', ARGV[4], 'GET')
local reused = 0
if prev and prev ~= ARGV[5] then reused = 1 end
local adtSeq = redis.call('INCR', KEYS[10])
ARGV[2] = (string.gsub(ARGV[2], '"seq":${SEQ_SENTINEL}', '"seq":' .. adtSeq, 1))
local function bullmqAdd()
`;
const POSTLUDE = `
end
local added = bullmqAdd()
if type(added) == 'number' and added < 0 then
  return redis.error_reply('ADT_ADD_FAILED ' .. added)
end
return {tostring(added), adtSeq, reused}
`;

type EnqueueReply = [string, number, number];

interface EnqueueCommand {
  adtEnqueue(numKeys: number, ...args: (string | number | Buffer)[]): Promise<EnqueueReply>;
}

export interface BullmqEnqueuerOptions {
  /** redis:// or rediss:// URL. */
  redisUrl: string;
  queueName: string;
  /** De-duplication window in seconds (DEDUP_WINDOW_SECONDS). */
  dedupWindowSeconds: number;
  /** BullMQ key prefix; default "bull" (the workers must use the same). */
  prefix?: string;
  /** REDIS_CLUSTER: connect with the Cluster client (the prefix must hold a {hash tag}). */
  cluster?: boolean;
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
  readonly #redis: RedisConnection & EnqueueCommand;
  readonly #queue: Queue;
  readonly #prefix: string;
  readonly #windowMs: number;
  readonly #key: (...parts: string[]) => string;
  #closed = false;

  private constructor(redis: RedisConnection, opts: BullmqEnqueuerOptions) {
    redis.defineCommand("adtEnqueue", { lua: `${PRELUDE}${addStandardJob.content}${POSTLUDE}` });
    this.#redis = redis as RedisConnection & EnqueueCommand;
    this.#prefix = opts.prefix ?? "bull";
    this.#windowMs = opts.dedupWindowSeconds * 1000;
    this.#key = (...parts) => [this.#prefix, opts.queueName, ...parts].join(":");
    this.#queue = new Queue(opts.queueName, { connection: redis, prefix: this.#prefix });
    // Connection errors are answered per request (503); without a listener they would crash.
    this.#queue.on("error", () => {});
  }

  /**
   * Creates the enqueuer. It does not wait for Redis: when Redis is down at start the edge
   * still starts (readiness says 503) and answers 503 until it is back.
   */
  static async connect(opts: BullmqEnqueuerOptions): Promise<BullmqEnqueuer> {
    const redis = createRedisConnection(opts.redisUrl, {
      cluster: opts.cluster ?? false,
      options: { ...enqueueRedisOptions(opts.commandTimeoutMs), lazyConnect: false },
    });
    redis.on("error", () => {});
    // Without an offline queue, commands sent before the connection is up fail at once; give
    // the first connection a moment so a fresh edge does not answer its first requests 503.
    await waitReady(redis, opts.readyTimeoutMs ?? 3000);
    return new BullmqEnqueuer(redis, opts);
  }

  /**
   * The KEYS and ARGV BullMQ's own add would send for this job: BullMQ builds them (msgpack
   * arguments, encoded options, keys) and hands them to a client that only records them.
   */
  async #bullmqAddArgs(job: IngestJob, opts: JobsOptions): Promise<(string | Buffer)[]> {
    let captured: (string | Buffer)[] | undefined;
    const recorder = {
      runCommand: (name: string, args: (string | Buffer)[]) => {
        if (!name.startsWith("addStandardJob:")) throw new Error(`unexpected BullMQ command ${name}`);
        captured = args;
        return Promise.resolve(job.id);
      },
    };
    const backend = this.#queue.backend as unknown as {
      addJobToTransaction(
        client: typeof recorder,
        json: ReturnType<Job["asJSON"]>,
        id: string,
      ): Promise<string>;
    };
    await backend.addJobToTransaction(
      recorder,
      new Job(this.#queue, INGEST_JOB_NAME, job, opts, job.id).asJSON(),
      job.id,
    );
    if (captured === undefined || captured.length !== addStandardJob.keys + 3)
      throw new Error("BullMQ did not produce addStandardJob arguments");
    return captured;
  }

  async enqueue(request: EnqueueRequest): Promise<EnqueueResult[]> {
    const { vendor, messages } = request;
    if (messages.length === 0) return [];
    const seqKey = this.#key("adt-seq", vendor);
    const calls: (string | number | Buffer)[][] = [];
    for (const m of messages) {
      // The payload contract is checked before it goes in (a failure here is a bug, not input);
      // `seq` is the sentinel the script replaces.
      const job = parseIngestJob({
        v: 1,
        id: m.id,
        vendor,
        receivedAt: request.receivedAt,
        seq: SEQ_SENTINEL,
        controlId: m.controlId,
        messageType: m.messageType,
        raw: m.raw,
      });
      const controlIdHash = sha256(m.controlId);
      const dedupId = `${vendor}:${controlIdHash}:${m.bodyHash}`;
      const opts: JobsOptions = {
        ...INGEST_JOB_OPTIONS,
        jobId: m.id,
        deduplication: { id: dedupId, ttl: this.#windowMs },
      };
      const bull = await this.#bullmqAddArgs(job, opts);
      const keys = [
        ...bull.slice(0, addStandardJob.keys),
        seqKey,
        this.#key("de", dedupId),
        this.#key("adt-ctl", vendor, controlIdHash),
      ];
      const argv = [...bull.slice(addStandardJob.keys), this.#windowMs, m.bodyHash, this.#key("")];
      calls.push([keys.length, ...keys, ...argv]);
    }

    let replies: EnqueueReply[];
    try {
      if (calls.length === 1) {
        const [numKeys, ...rest] = calls[0]!;
        replies = [await this.#redis.adtEnqueue(numKeys as number, ...rest)];
      } else {
        // One MULTI/EXEC: the whole batch or nothing.
        const multi = this.#redis.multi() as unknown as EnqueueCommand & {
          exec(): Promise<[Error | null, EnqueueReply][] | null>;
        };
        for (const [numKeys, ...rest] of calls) void multi.adtEnqueue(numKeys as number, ...rest);
        const out = await multi.exec();
        if (out === null) throw new Error("transaction aborted");
        replies = out.map(([err, reply]) => {
          if (err) throw err;
          return reply;
        });
      }
    } catch (err) {
      throw new QueueUnavailableError("enqueue", { cause: err });
    }

    return replies.map(([id, seq, reused], i) => {
      const proposed = messages[i]!.id;
      const s = Number(seq);
      if (id !== proposed) return { id, seq: s > 0 ? s : null, duplicate: true, controlIdReused: false };
      return { id, seq: s, duplicate: false, controlIdReused: Number(reused) === 1 };
    });
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
    await this.#queue.close().catch(() => {});
    this.#redis.disconnect();
  }
}
