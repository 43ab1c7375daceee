import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCalendarDate, parseTimestamp } from "./dtm.ts";
import { offsetMinutesAt } from "./zone.ts";

const ok = (text: string, zone = "UTC") => {
  const r = parseTimestamp(text, zone);
  if (!r.ok) throw new Error(`expected ${text} to parse in ${zone}: ${r.reason}`);
  return r.value;
};

describe("parseTimestamp: every DTM precision keeps its precision", () => {
  it.each([
    ["2024", "2024", "year", "2024-01-01T05:00:00.000Z"],
    ["202403", "2024-03", "month", "2024-03-01T05:00:00.000Z"],
    ["20240310", "2024-03-10", "day", "2024-03-10T05:00:00.000Z"],
    ["2024031014", "2024-03-10T14-04:00", "hour", "2024-03-10T18:00:00.000Z"],
    ["202403101405", "2024-03-10T14:05-04:00", "minute", "2024-03-10T18:05:00.000Z"],
    ["20240310140530", "2024-03-10T14:05:30-04:00", "second", "2024-03-10T18:05:30.000Z"],
    ["20240310140530.1", "2024-03-10T14:05:30.1-04:00", "fraction", "2024-03-10T18:05:30.100Z"],
    ["20240310140530.1234", "2024-03-10T14:05:30.1234-04:00", "fraction", "2024-03-10T18:05:30.123Z"],
  ])("%s in New York → %s (%s)", (input, value, precision, utc) => {
    expect(ok(input, "America/New_York")).toEqual({ value, precision, utc });
  });

  it("keeps an offset the sender wrote and ignores the profile zone then", () => {
    expect(ok("20240310140530.12+0130", "America/New_York")).toEqual({
      value: "2024-03-10T14:05:30.12+01:30",
      precision: "fraction",
      utc: "2024-03-10T12:35:30.120Z",
    });
    expect(ok("20240310-0500", "Asia/Tokyo")).toEqual({
      value: "2024-03-10",
      precision: "day",
      utc: "2024-03-10T05:00:00.000Z",
    });
  });

  it("reads naive times as UTC when the zone is UTC", () => {
    expect(ok("20240101000000")).toEqual({
      value: "2024-01-01T00:00:00+00:00",
      precision: "second",
      utc: "2024-01-01T00:00:00.000Z",
    });
  });

  it.each([
    ["Asia/Kolkata", "202406011200", "2024-06-01T12:00+05:30", "2024-06-01T06:30:00.000Z"],
    ["Pacific/Chatham", "202401011200", "2024-01-01T12:00+13:45", "2023-12-31T22:15:00.000Z"],
    ["Europe/London", "202407011200", "2024-07-01T12:00+01:00", "2024-07-01T11:00:00.000Z"],
    ["Australia/Sydney", "202407011200", "2024-07-01T12:00+10:00", "2024-07-01T02:00:00.000Z"],
  ])("applies %s's offset", (zone, input, value, utc) => {
    expect(ok(input, zone)).toMatchObject({ value, utc });
  });
});

describe("parseTimestamp: DST edges", () => {
  const NY = "America/New_York";
  it("last minute before the spring-forward gap is standard time", () => {
    expect(ok("202403100159", NY)).toMatchObject({
      value: "2024-03-10T01:59-05:00",
      utc: "2024-03-10T06:59:00.000Z",
    });
  });
  it("a time inside the gap keeps its digits with the pre-gap offset (same instant as 03:30 EDT)", () => {
    expect(ok("202403100230", NY)).toMatchObject({
      value: "2024-03-10T02:30-05:00",
      utc: "2024-03-10T07:30:00.000Z",
    });
  });
  it("first minute after the gap is daylight time", () => {
    expect(ok("202403100300", NY)).toMatchObject({
      value: "2024-03-10T03:00-04:00",
      utc: "2024-03-10T07:00:00.000Z",
    });
  });
  it("an hour that occurs twice at fall-back takes its first occurrence (daylight time)", () => {
    expect(ok("202411030130", NY)).toMatchObject({
      value: "2024-11-03T01:30-04:00",
      utc: "2024-11-03T05:30:00.000Z",
    });
  });
  it("the hour after the repeated hour is standard time", () => {
    expect(ok("202411030200", NY)).toMatchObject({
      value: "2024-11-03T02:00-05:00",
      utc: "2024-11-03T07:00:00.000Z",
    });
  });
  it("Europe/Berlin gap and overlap", () => {
    expect(ok("202403310230", "Europe/Berlin")).toMatchObject({ value: "2024-03-31T02:30+01:00" });
    expect(ok("202410270230", "Europe/Berlin")).toMatchObject({
      value: "2024-10-27T02:30+02:00",
      utc: "2024-10-27T00:30:00.000Z",
    });
  });
  it("Lord Howe's half-hour DST shift", () => {
    expect(ok("202404070145", "Australia/Lord_Howe")).toMatchObject({ value: "2024-04-07T01:45+11:00" });
    expect(ok("202404070215", "Australia/Lord_Howe")).toMatchObject({ value: "2024-04-07T02:15+10:30" });
  });
});

describe("parseTimestamp: malformed values are rejected with a reason that does not quote them", () => {
  it.each([
    ["", "not an HL7 DTM"],
    ["24", "not an HL7 DTM"],
    ["2024-03-10", "not an HL7 DTM"],
    ["20240310 1405", "not an HL7 DTM"],
    ["2024031", "not an HL7 DTM"],
    ["20240310140530.12345", "not an HL7 DTM"],
    ["20240310140530+05", "not an HL7 DTM"],
    ["20241310", "month out of range"],
    ["20240010", "month out of range"],
    ["20230229", "day out of range"],
    ["20240431", "day out of range"],
    ["20240100", "day out of range"],
    ["2024031024", "hour out of range"],
    ["202403101460", "minute out of range"],
    ["20240310145960", "second out of range"],
    ["20240310+1500", "UTC offset out of range"],
    ["20240310+0160", "UTC offset out of range"],
    ["0000", "year out of range"],
  ])("%j → %s", (input, reason) => {
    const r = parseTimestamp(input, "UTC");
    expect(r.ok, input).toBe(false);
    if (!r.ok) {
      expect(r.reason).toContain(reason);
      if (input.length > 2) expect(r.reason).not.toContain(input);
    }
  });

  it("accepts 29 February only in leap years (2000 yes, 1900 no)", () => {
    expect(parseTimestamp("20000229", "UTC").ok).toBe(true);
    expect(parseTimestamp("19000229", "UTC").ok).toBe(false);
    expect(parseTimestamp("20240229", "UTC").ok).toBe(true);
  });
});

describe("parseCalendarDate (birth dates)", () => {
  it.each([
    ["1980", { value: "1980", precision: "year", date: null }],
    ["198005", { value: "1980-05", precision: "month", date: null }],
    ["19800512", { value: "1980-05-12", precision: "day", date: "1980-05-12" }],
    // A birth time with an offset must not move the date, however far the offset is.
    ["198005122330-1200", { value: "1980-05-12", precision: "day", date: "1980-05-12" }],
    ["198005120030+1400", { value: "1980-05-12", precision: "day", date: "1980-05-12" }],
  ])("%s → %j", (input, expected) => {
    expect(parseCalendarDate(input)).toEqual({ ok: true, value: expected });
  });

  it("rejects impossible dates", () => {
    expect(parseCalendarDate("19810229")).toMatchObject({
      ok: false,
      reason: "day out of range for its month",
    });
    expect(parseCalendarDate("1980-05-12").ok).toBe(false);
  });
});

// Properties: the digits the sender wrote survive; the instant agrees with the offset printed.
const zones = fc.constantFrom(
  "UTC",
  "America/New_York",
  "America/Chicago",
  "America/Los_Angeles",
  "Europe/Berlin",
  "Australia/Lord_Howe",
  "Asia/Kolkata",
  "Pacific/Chatham",
  "America/St_Johns",
);

const wallTime = fc
  .record({
    y: fc.integer({ min: 1970, max: 2099 }),
    mo: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 28 }),
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.integer({ min: 0, max: 59 }),
    fraction: fc.option(fc.stringMatching(/^\d{1,4}$/), { nil: undefined }),
  })
  .map((p) => {
    const two = (n: number) => String(n).padStart(2, "0");
    const dtm = `${p.y}${two(p.mo)}${two(p.d)}${two(p.h)}${two(p.mi)}${two(p.s)}${p.fraction === undefined ? "" : `.${p.fraction}`}`;
    return { ...p, dtm };
  });

describe("parseTimestamp properties", () => {
  it("value repeats the sender's digits, and utc + offset = the wall time written", () => {
    fc.assert(
      fc.property(wallTime, zones, (w, zone) => {
        const t = ok(w.dtm, zone);
        const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([+-])(\d{2}):(\d{2})$/.exec(
          t.value,
        );
        expect(m, t.value).not.toBeNull();
        const [, y, mo, d, h, mi, s, frac, sign, oh, om] = m!;
        expect(`${y}${mo}${d}${h}${mi}${s}${frac === undefined ? "" : `.${frac}`}`).toBe(w.dtm);
        const offset = (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om));
        const wallAsUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
        const utcMs = Date.parse(t.utc);
        expect(Math.floor(utcMs / 1000) * 1000 + offset * 60_000).toBe(wallAsUtc);
        // Outside DST gaps the offset printed is the zone's real offset at that instant.
        const real = offsetMinutesAt(zone, utcMs);
        if (real !== offset) {
          // Only a gap time may differ, and then by the gap's size at most (≤ 1 h here).
          expect(Math.abs(real - offset)).toBeLessThanOrEqual(60);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("an explicit offset is kept verbatim whatever the zone", () => {
    fc.assert(
      fc.property(wallTime, zones, fc.integer({ min: -12 * 60, max: 14 * 60 }), (w, zone, off) => {
        const abs = Math.abs(off);
        const suffix = `${off < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}${String(abs % 60).padStart(2, "0")}`;
        const t = ok(`${w.dtm}${suffix}`, zone);
        expect(t.value.endsWith(`${suffix.slice(0, 3)}:${suffix.slice(3)}`)).toBe(true);
        const wallAsUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
        expect(Math.floor(Date.parse(t.utc) / 1000) * 1000).toBe(wallAsUtc - off * 60_000);
      }),
    );
  });

  it("a naive wall time that is not in a gap round-trips through Intl exactly", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800 }), zones, (sec, zone) => {
        const instant = sec * 1000;
        const offset = offsetMinutesAt(zone, instant);
        const wall = new Date(instant + offset * 60_000);
        const two = (n: number) => String(n).padStart(2, "0");
        const dtm = `${wall.getUTCFullYear()}${two(wall.getUTCMonth() + 1)}${two(wall.getUTCDate())}${two(wall.getUTCHours())}${two(wall.getUTCMinutes())}${two(wall.getUTCSeconds())}`;
        const t = ok(dtm, zone);
        // Either the same instant, or (fall-back overlap) the earlier occurrence of that wall time.
        const got = Date.parse(t.utc);
        expect(got <= instant, `${zone} ${dtm}`).toBe(true);
        expect(instant - got).toBeLessThanOrEqual(60 * 60_000);
        if (got !== instant) expect(offsetMinutesAt(zone, got)).toBeGreaterThan(offset);
      }),
      { numRuns: 2000 },
    );
  });
});
