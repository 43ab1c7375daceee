export interface BackoffOptions {
  /** First delay; doubles per attempt. */
  baseMs: number;
  /** Longest wait between two tries (so a recovered Kafka is used within a minute). */
  maxMs: number;
  /** Stop retrying once the waits scheduled so far add up to this. */
  retryForMs: number;
  /** ±fraction of randomness, so a fleet of retries does not hit a recovering broker at once. */
  jitter?: number;
  random?: () => number;
}

/** The capped delay before try `n + 1` (n = attempts made, from 1), without jitter. */
export function cappedDelay(attemptsMade: number, baseMs: number, maxMs: number): number {
  // 2 ** n is Infinity for huge n, which min() turns into the cap.
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
}

/** Sum of the capped delays of the first `attemptsMade` retries (closed form, no loop). */
export function scheduledWaitMs(attemptsMade: number, baseMs: number, maxMs: number): number {
  if (attemptsMade <= 0) return 0;
  // Doubling phase: base, 2·base, … while below the cap; then the cap for every further try.
  const doubling = Math.max(0, Math.min(attemptsMade, Math.floor(Math.log2(maxMs / baseMs)) + 1));
  return baseMs * (2 ** doubling - 1) + (attemptsMade - doubling) * maxMs;
}

/**
 * BullMQ custom backoff strategy (`settings.backoffStrategy`) for the job option
 * `backoff: { type: INGEST_BACKOFF_TYPE }`: exponential from `baseMs`, capped at `maxMs`, and -1
 * (BullMQ: do not retry, move to failed) once the waits scheduled so far reach `retryForMs`.
 * Counted from attempts rather than the enqueue time, so a job that sat in Redis while every
 * worker was down, or one re-driven by `replay failed` (attempts reset), gets its full window.
 *
 * @example
 * const strategy = cappedExponentialBackoff({ baseMs: 1000, maxMs: 60_000, retryForMs: 24 * 3600_000 });
 * strategy(3); // ~4000 (±20 %)
 */
export function cappedExponentialBackoff(opts: BackoffOptions): (attemptsMade: number) => number {
  const random = opts.random ?? Math.random;
  const jitter = opts.jitter ?? 0.2;
  return (attemptsMade) => {
    if (scheduledWaitMs(attemptsMade - 1, opts.baseMs, opts.maxMs) >= opts.retryForMs) return -1;
    const delay = cappedDelay(attemptsMade, opts.baseMs, opts.maxMs);
    const jittered = delay * (1 - jitter + 2 * jitter * random());
    // Never above the cap, and at least 1 ms: 0 would mean "retry now" to BullMQ.
    return Math.max(1, Math.round(Math.min(jittered, opts.maxMs)));
  };
}
