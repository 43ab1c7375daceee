/**
 * Latency statistics for the load test, computed exactly from every sample (100,000 doubles
 * sort in a few milliseconds, so there is no reason to approximate).
 */

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/**
 * The q-quantile of ascending `sorted` by the nearest-rank method (the smallest sample with at
 * least q of all samples at or below it): p99 of 100 samples is the 99th value.
 *
 * @example quantileSorted(Float64Array.from([1, 2, 3, 4]), 0.5) // 2
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)));
  return sorted[rank - 1] as number;
}

/** Summary of samples (any order); NaN fields when there are none. */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] as number;
  return {
    count: n,
    min: n ? (sorted[0] as number) : Number.NaN,
    mean: n ? sum / n : Number.NaN,
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
    p999: quantileSorted(sorted, 0.999),
    max: n ? (sorted[n - 1] as number) : Number.NaN,
  };
}

/** Upper bounds (ms) of the latency histogram in the report: roughly logarithmic. */
export const HISTOGRAM_BOUNDS_MS = [
  0.5,
  1,
  2,
  3,
  5,
  7.5,
  10,
  15,
  20,
  30,
  50,
  75,
  100,
  150,
  200,
  250,
  300,
  400,
  500,
  750,
  1000,
  1500,
  2000,
  3000,
  5000,
  10_000,
  30_000,
  Number.POSITIVE_INFINITY,
] as const;

export interface HistogramBucket {
  /** Upper bound in ms (inclusive); `null` for +Inf in JSON. */
  le: number | null;
  count: number;
}

/** Counts samples per bucket (not cumulative). */
export function histogram(
  samples: ArrayLike<number>,
  bounds: readonly number[] = HISTOGRAM_BOUNDS_MS,
): HistogramBucket[] {
  const counts = new Array<number>(bounds.length).fill(0);
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] as number;
    let b = 0;
    while (b < bounds.length - 1 && v > (bounds[b] as number)) b++;
    counts[b] = (counts[b] ?? 0) + 1;
  }
  return bounds.map((le, i) => ({ le: Number.isFinite(le) ? le : null, count: counts[i] ?? 0 }));
}

/**
 * A fixed-size ring of recent samples for the live progress line ("p99 over the last few
 * seconds") without keeping or sorting everything while the run is on.
 */
export class RecentWindow {
  readonly #values: Float64Array;
  #next = 0;
  #filled = 0;
  constructor(capacity = 4096) {
    this.#values = new Float64Array(capacity);
  }
  add(v: number): void {
    this.#values[this.#next] = v;
    this.#next = (this.#next + 1) % this.#values.length;
    if (this.#filled < this.#values.length) this.#filled++;
  }
  quantile(q: number): number {
    return quantileSorted(this.#values.slice(0, this.#filled).sort(), q);
  }
  clear(): void {
    this.#next = 0;
    this.#filled = 0;
  }
}
