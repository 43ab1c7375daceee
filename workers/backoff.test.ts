import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cappedDelay, cappedExponentialBackoff, scheduledWaitMs } from "./backoff.ts";

describe("capped exponential backoff", () => {
  it("doubles from the base, caps at the maximum, and stops once the scheduled waits reach the window", () => {
    const s = cappedExponentialBackoff({ baseMs: 1000, maxMs: 60_000, retryForMs: 24 * 3600_000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6, 7, 8, 100].map((n) => s(n))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
    // 24 h: 63 s of doubling, then 60 s steps → gives up after ~1446 retries.
    const last = Array.from({ length: 2000 }, (_, i) => i + 1).findIndex((n) => s(n) === -1) + 1;
    expect(last).toBe(1446);
    expect(scheduledWaitMs(last - 1, 1000, 60_000)).toBeGreaterThanOrEqual(24 * 3600_000);
    expect(scheduledWaitMs(last - 2, 1000, 60_000)).toBeLessThan(24 * 3600_000);
  });

  it("scheduledWaitMs equals the sum of the capped delays (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 200_000 }),
        (n, base, maxExtra) => {
          const max = base + maxExtra;
          let sum = 0;
          for (let k = 1; k <= n; k++) sum += cappedDelay(k, base, max);
          expect(scheduledWaitMs(n, base, max)).toBe(sum);
        },
      ),
    );
  });

  it("with jitter stays within ±jitter of the capped delay, never above the cap, never 0 (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const s = cappedExponentialBackoff({
            baseMs: 500,
            maxMs: 30_000,
            retryForMs: Number.MAX_SAFE_INTEGER,
            random: () => r,
          });
          const d = s(attempt);
          const nominal = cappedDelay(attempt, 500, 30_000);
          expect(d).toBeGreaterThanOrEqual(Math.max(1, Math.floor(nominal * 0.8)));
          expect(d).toBeLessThanOrEqual(Math.min(30_000, Math.ceil(nominal * 1.2)));
        },
      ),
    );
  });
});
