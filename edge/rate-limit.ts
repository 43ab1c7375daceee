/**
 * Per-vendor token bucket held in memory: cheap (no round trip per request), so the limit is
 * per edge instance; with N instances behind a load balancer a vendor gets up to N × the rate.
 * That is the intent: it protects each instance and the queue from one vendor's flood.
 */
import { type Clock, type RateDecision, type RateLimiter, systemClock } from "./deps.ts";

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export interface TokenBucketOptions {
  /** Sustained requests per second per vendor. */
  ratePerSecond: number;
  /** Bucket size: how many requests may arrive at once after a quiet period. */
  burst: number;
  clock?: Clock;
}

/**
 * @example
 * const limiter = new TokenBucketLimiter({ ratePerSecond: 100, burst: 200 });
 * const d = limiter.take("acme"); // { allowed: true, limit: 200, remaining: 199, … }
 */
export class TokenBucketLimiter implements RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;

  constructor(opts: TokenBucketOptions) {
    if (!(opts.ratePerSecond > 0) || !(opts.burst >= 1))
      throw new RangeError("rate must be > 0 and burst >= 1");
    this.#rate = opts.ratePerSecond;
    this.#burst = opts.burst;
    this.#clock = opts.clock ?? systemClock;
  }

  take(vendor: string): RateDecision {
    const now = this.#clock.monotonic();
    let b = this.#buckets.get(vendor);
    if (b === undefined) {
      b = { tokens: this.#burst, updatedMs: now };
      this.#buckets.set(vendor, b);
    } else {
      b.tokens = Math.min(this.#burst, b.tokens + ((now - b.updatedMs) / 1000) * this.#rate);
      b.updatedMs = now;
    }
    const allowed = b.tokens >= 1;
    if (allowed) b.tokens -= 1;
    const remaining = Math.floor(b.tokens);
    return {
      allowed,
      limit: this.#burst,
      remaining,
      resetSeconds: Math.ceil((this.#burst - b.tokens) / this.#rate),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / this.#rate)),
    };
  }
}
