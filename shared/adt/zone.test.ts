import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeOffset, isValidTimeZone, localToInstant, offsetMinutesAt, utcEpoch } from "./zone.ts";

const ZONES = [
  "America/New_York",
  "Europe/London",
  "Australia/Lord_Howe",
  "Asia/Kathmandu",
  "America/St_Johns",
  "Pacific/Apia", // skipped a whole day in 2011
  "Africa/Casablanca", // Ramadan DST: several transitions a year
];

describe("offsetMinutesAt (cached) agrees with Intl everywhere", () => {
  it("on random instants 1850–2100, including local-mean-time eras", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(1850, 0, 1), max: Date.UTC(2100, 0, 1) }),
        (zone, t) => {
          expect(offsetMinutesAt(zone, t), `${zone} ${new Date(t).toISOString()}`).toBe(
            computeOffset(zone, t),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("on every minute around New York's 2024 transitions", () => {
    for (const start of [Date.UTC(2024, 2, 10, 5), Date.UTC(2024, 10, 3, 4)]) {
      for (let t = start; t < start + 4 * 3_600_000; t += 60_000) {
        expect(offsetMinutesAt("America/New_York", t)).toBe(computeOffset("America/New_York", t));
      }
    }
  });

  it("knows the values", () => {
    expect(offsetMinutesAt("America/New_York", Date.UTC(2024, 6, 1))).toBe(-240);
    expect(offsetMinutesAt("America/New_York", Date.UTC(2024, 0, 1))).toBe(-300);
    expect(offsetMinutesAt("Asia/Kathmandu", Date.UTC(2024, 0, 1))).toBe(345);
    expect(offsetMinutesAt("UTC", Date.UTC(2024, 0, 1))).toBe(0);
  });
});

describe("localToInstant", () => {
  it("Apia's skipped day (30 Dec 2011) resolves with the offset before the gap", () => {
    const r = localToInstant("Pacific/Apia", utcEpoch(2011, 12, 30, 12));
    expect(r.offsetMinutes).toBe(-600);
  });
});

describe("isValidTimeZone", () => {
  it("accepts IANA names and rejects others", () => {
    expect(isValidTimeZone("America/New_York")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("America/Springfield")).toBe(false);
    expect(isValidTimeZone("EST5EDT6")).toBe(false);
  });
});

describe("utcEpoch", () => {
  it("does not map years 0–99 onto 1900–1999", () => {
    expect(new Date(utcEpoch(50, 1, 1)).getUTCFullYear()).toBe(50);
    expect(utcEpoch(2024, 3, 10, 2, 30)).toBe(Date.UTC(2024, 2, 10, 2, 30));
  });
});
