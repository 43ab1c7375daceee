import type { Job } from "bullmq";

export interface BackoffOptions {
  /** First delay; doubles per attempt. */
  baseMs: number;
  /** Longest wait between two tries (so a recovered Kafka is used within a minute). */
  maxMs: number;
  /** Stop retrying once this long has passed since the job was enqueued. */
  retryForMs: number;
  /** ±fraction of randomness, so a fleet of retries does not hit a recovering broker at once. */
  jitter?: number;
  now?: () => number;
  random?: () => number;
}

/**
 * BullMQ custom backoff strategy (`settings.backoffStrategy`) for the job option
 * `backoff: { type: INGEST_BACKOFF_TYPE }`: exponential from `baseMs`, capped at `maxMs`, and -1
 * (BullMQ: do not retry, move to failed) once `retryForMs` has passed since `job.timestamp`.
 * The failed job is kept and `npm run replay -- failed` re-drives it.
 *
 * @example
 * const strategy = cappedExponentialBackoff({ baseMs: 1000, maxMs: 60_000, retryForMs: 24 * 3600_000 });
 * strategy(3, "adt-capped-exponential", err, job); // ~4000 (±20 %)
 */
export function cappedExponentialBackoff(
  opts: BackoffOptions,
): (attemptsMade: number, type?: string, err?: Error, job?: Pick<Job, "timestamp">) => number {
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const jitter = opts.jitter ?? 0.2;
  return (attemptsMade, _type, _err, job) => {
    const elapsed = job ? now() - job.timestamp : 0;
    if (elapsed >= opts.retryForMs) return -1;
    // 2^(n-1) overflows to Infinity for huge n, which min() handles.
    const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attemptsMade - 1));
    const jittered = exp * (1 - jitter + 2 * jitter * random());
    // Never sleep past the deadline by more than one capped step, and never below 1 ms
    // (0 would mean "retry immediately" to BullMQ, skipping the delayed set).
    return Math.max(1, Math.round(Math.min(jittered, opts.maxMs)));
  };
}
