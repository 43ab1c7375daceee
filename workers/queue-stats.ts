import type { Queue } from "bullmq";

export interface QueueStats {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** Seconds since the oldest waiting or delayed job was enqueued; 0 when there is none. */
  oldestAgeSeconds: number;
}

/**
 * Reads backlog figures from BullMQ. "Oldest" covers waiting jobs and jobs delayed for a
 * retry, since during a Kafka outage the backlog sits in the delayed set.
 *
 * @example
 * const s = await readQueueStats(queue); // { waiting: 12, delayed: 0, oldestAgeSeconds: 0.4, ... }
 */
export async function readQueueStats(queue: Queue, now = Date.now()): Promise<QueueStats> {
  const counts = await queue.getJobCounts("waiting", "active", "delayed", "failed", "prioritized");
  // asc=true: the wait list's oldest job first; the delayed set is ordered by due time, whose
  // first entry is in practice among the oldest (all retries share one backoff curve).
  const [oldestWaiting] = await queue.getJobs(["wait"], 0, 0, true);
  const [firstDelayed] = await queue.getJobs(["delayed"], 0, 0, true);
  const stamps = [oldestWaiting?.timestamp, firstDelayed?.timestamp].filter(
    (t): t is number => typeof t === "number",
  );
  const oldest = stamps.length ? Math.min(...stamps) : undefined;
  return {
    waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
    oldestAgeSeconds: oldest === undefined ? 0 : Math.max(0, (now - oldest) / 1000),
  };
}
