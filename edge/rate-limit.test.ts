import { describe, expect, it } from "vitest";
import type { Clock } from "./deps.ts";
import { TokenBucketLimiter } from "./rate-limit.ts";

/** A clock the test moves by hand (a real Clock implementation, not a mock). */
class ManualClock implements Clock {
  ms = 0;
  now() {
    return this.ms;
  }
  monotonic() {
    return this.ms;
  }
}

describe("TokenBucketLimiter", () => {
  it("allows the burst, then refuses with Retry-After until tokens refill at the rate", () => {
    const clock = new ManualClock();
    const l = new TokenBucketLimiter({ ratePerSecond: 2, burst: 3, clock });
    expect([1, 2, 3].map(() => l.take("a").allowed)).toEqual([true, true, true]);
    const refused = l.take("a");
    expect(refused).toMatchObject({ allowed: false, limit: 3, remaining: 0, retryAfterSeconds: 1 });
    clock.ms += 500; // one token at 2/s
    expect(l.take("a").allowed).toBe(true);
    expect(l.take("a").allowed).toBe(false);
  });

  it("keeps vendors apart and never exceeds the burst", () => {
    const clock = new ManualClock();
    const l = new TokenBucketLimiter({ ratePerSecond: 1, burst: 2, clock });
    l.take("a");
    l.take("a");
    expect(l.take("a").allowed).toBe(false);
    expect(l.take("b").allowed).toBe(true);
    clock.ms += 3_600_000;
    expect(l.take("a").remaining).toBe(1);
  });

  it("rejects nonsense configuration", () => {
    expect(() => new TokenBucketLimiter({ ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
  });
});
