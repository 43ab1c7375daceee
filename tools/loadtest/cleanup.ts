/**
 * After a run on a stack the load test started itself: removes from Redis what the run left in
 * its queue and what has no use once the report is written. Without it the edge's per-message
 * keys stay for DEDUP_WINDOW_SECONDS (a day): a 100,000-message run leaves ≈ 200,000 keys.
 *
 * Only keys of this run are removed, recognised by the run's control ids, so a second load test
 * on the same queue keeps its de-duplication while it runs:
 * - `<prefix>:<queue>:de:<vendor>:<sha256(control id)>:<body hash>` (BullMQ de-duplication),
 * - `<prefix>:<queue>:adt-ctl:<vendor>:<sha256(control id)>` (control id → last body hash),
 * - completed jobs of the run (their hash and the `completed` entry; their `deid` field names
 *   the control id hash), which BullMQ would otherwise keep for an hour, up to 10,000.
 * The key layout is the edge's (edge/node/bullmq-enqueuer.ts); the loadtest integration test
 * fails if it drifts. When the queue then holds no job at all, BullMQ's bookkeeping of the
 * queue (`events`, `meta`, `id`, ...) goes too; BullMQ recreates it on the next add.
 *
 * Kept: failed jobs (evidence, and what `npm run replay -- failed` re-drives), jobs still
 * queued (an aborted run; the next stack on this queue delivers them) and the per-vendor
 * `adt-seq:<vendor>` counters (a few keys; `seq` keeps rising on topics that runs reuse).
 * Keys are found with SCAN and removed with UNLINK, in batches; never KEYS or FLUSHDB.
 */
import { createHash } from "node:crypto";
import { Redis } from "ioredis";

export interface RedisCleanup {
  /** False when nothing was removed on purpose (a system the load test did not start) or on error. */
  done: boolean;
  /** `<prefix>:<queue>`, the key space that was cleaned; null when none was. */
  keyspace: string | null;
  removed: {
    dedupKeys: number;
    controlIdKeys: number;
    completedJobs: number;
    /** `events`, `meta`, `id`, ... of a queue left without jobs. */
    queueKeys: number;
    /** Every key removed (a completed job can be more than one key). */
    total: number;
  };
  kept: { failedJobs: number; queuedJobs: number };
  /** One line for people: what was removed, what was left and why. */
  note: string;
}

export interface CleanupOptions {
  redisUrl: string;
  /** BullMQ prefix of the stack (BULLMQ_PREFIX, default "bull"). */
  prefix: string;
  queue: string;
  /** Every control id (MSH-10) the run generated. */
  controlIds: Iterable<string>;
  /** Keys per SCAN step and per UNLINK; default 1000. */
  batch?: number;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** Escapes Redis glob characters so a prefix or queue name matches only itself. */
const globEscape = (s: string) => s.replace(/[*?[\]\\]/g, "\\$&");

/** BullMQ keys of a queue's bookkeeping, removed only when the queue holds no job at all. */
const QUEUE_BOOKKEEPING = ["events", "meta", "id", "stalled-check", "stalled", "marker", "pc", "limiter"];

/** A cleanup that did nothing, with the reason (e.g. the run used a system it did not start). */
export function skippedCleanup(note: string): RedisCleanup {
  return {
    done: false,
    keyspace: null,
    removed: { dedupKeys: 0, controlIdKeys: 0, completedJobs: 0, queueKeys: 0, total: 0 },
    kept: { failedJobs: 0, queuedJobs: 0 },
    note,
  };
}

/**
 * @example
 * const c = await cleanupRunKeys({ redisUrl, prefix: "bull", queue: "adt-loadtest", controlIds });
 * c.removed.total; // ≈ 3 × messages after a clean run
 */
export async function cleanupRunKeys(o: CleanupOptions): Promise<RedisCleanup> {
  const batch = o.batch ?? 1000;
  const keyspace = `${o.prefix}:${o.queue}`;
  const ours = new Set<string>();
  for (const id of o.controlIds) ours.add(sha256(id));
  const redis = new Redis(o.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const removed = { dedupKeys: 0, controlIdKeys: 0, completedJobs: 0, queueKeys: 0, total: 0 };
  const unlink = async (keys: string[]): Promise<number> => (keys.length ? await redis.unlink(...keys) : 0);
  try {
    await redis.connect();

    // 1. De-duplication and control-id keys of this run: one pass over the queue's key space.
    const de = `${keyspace}:de:`;
    const ctl = `${keyspace}:adt-ctl:`;
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${globEscape(keyspace)}:*`, "COUNT", batch);
      cursor = next;
      const dedup: string[] = [];
      const control: string[] = [];
      for (const k of keys) {
        const parts = k.split(":");
        // de:<vendor>:<control id hash>:<body hash>; adt-ctl:<vendor>:<control id hash>
        if (k.startsWith(de) && ours.has(parts[parts.length - 2] ?? "")) dedup.push(k);
        else if (k.startsWith(ctl) && ours.has(parts[parts.length - 1] ?? "")) control.push(k);
      }
      removed.dedupKeys += await unlink(dedup);
      removed.controlIdKeys += await unlink(control);
    } while (cursor !== "0");

    // 2. Completed jobs of this run. ZSCAN may return a member twice; ZREM tells which were new.
    const completedKey = `${keyspace}:completed`;
    cursor = "0";
    do {
      const [next, flat] = await redis.zscan(completedKey, cursor, "COUNT", batch);
      cursor = next;
      const ids = flat.filter((_, i) => i % 2 === 0);
      if (!ids.length) continue;
      const pipe = redis.pipeline();
      for (const id of ids) pipe.hget(`${keyspace}:${id}`, "deid");
      const deids = (await pipe.exec()) ?? [];
      const mine = ids.filter((_, i) => {
        const deid = deids[i]?.[1];
        if (typeof deid !== "string") return false;
        const parts = deid.split(":");
        return ours.has(parts[parts.length - 2] ?? "");
      });
      if (!mine.length) continue;
      const gone = await redis.zrem(completedKey, ...mine);
      removed.completedJobs += gone;
      removed.total += await unlink(mine.flatMap((id) => [`${keyspace}:${id}`, `${keyspace}:${id}:logs`]));
    } while (cursor !== "0");

    // 3. What is left: jobs are kept; with none at all, the queue's bookkeeping goes too.
    const [failedJobs, wait, active, paused, delayed, prioritized, children, completed] = await Promise.all([
      redis.zcard(`${keyspace}:failed`),
      redis.llen(`${keyspace}:wait`),
      redis.llen(`${keyspace}:active`),
      redis.llen(`${keyspace}:paused`),
      redis.zcard(`${keyspace}:delayed`),
      redis.zcard(`${keyspace}:prioritized`),
      redis.zcard(`${keyspace}:waiting-children`),
      redis.zcard(completedKey),
    ]);
    const queuedJobs = wait + active + paused + delayed + prioritized + children;
    if (failedJobs + queuedJobs + completed === 0)
      removed.queueKeys = await unlink(QUEUE_BOOKKEEPING.map((k) => `${keyspace}:${k}`));
    removed.total += removed.dedupKeys + removed.controlIdKeys + removed.queueKeys;

    const left: string[] = [];
    if (failedJobs)
      left.push(
        `kept ${failedJobs} failed job(s) in ${keyspace}:failed (evidence; npm run replay -- failed)`,
      );
    if (queuedJobs)
      left.push(`kept ${queuedJobs} job(s) still queued (a later stack on ${o.queue} delivers them)`);
    if (completed) left.push(`kept ${completed} completed job(s) of other runs`);
    const note =
      `removed ${removed.total.toLocaleString("en-US")} Redis key(s) of this run from ${keyspace} ` +
      `(${removed.dedupKeys.toLocaleString("en-US")} de-duplication, ${removed.controlIdKeys.toLocaleString("en-US")} control-id, ` +
      `${removed.completedJobs.toLocaleString("en-US")} completed job(s), ${removed.queueKeys} queue bookkeeping)` +
      (left.length ? `; ${left.join("; ")}` : "");
    return { done: true, keyspace, removed, kept: { failedJobs, queuedJobs }, note };
  } finally {
    redis.disconnect();
  }
}
