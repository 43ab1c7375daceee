/**
 * HL7 v2 DTM / TS values → ISO 8601, keeping the precision the sender used.
 *
 * HL7 writes `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]` (v2.3–2.4 TS lacks the bare-hour
 * form; accepting it everywhere is harmless). A value without an offset is a wall-clock time in
 * the vendor's time zone. Birth dates are calendar dates: they are never moved by a zone.
 */
import { localToInstant, utcEpoch } from "./zone.ts";

export type TimestampPrecision = "year" | "month" | "day" | "hour" | "minute" | "second" | "fraction";
export type DatePrecision = "year" | "month" | "day";

/** A point in time at the precision the sender used (shape of `Timestamp` in the schema). */
export interface Timestamp {
  /** ISO 8601 at source precision; from hour precision on it carries the offset (`±HH:MM`). */
  value: string;
  precision: TimestampPrecision;
  /** Start of the period `value` names, as an RFC 3339 UTC instant (`…T…Z`), for ordering. */
  utc: string;
}

/** A calendar date at source precision (shape of `CalendarDate` in the schema). */
export interface CalendarDate {
  /** `YYYY`, `YYYY-MM` or `YYYY-MM-DD`. */
  value: string;
  precision: DatePrecision;
  /** `value` when it names a whole day, otherwise null: a guessed day is worse than none. */
  date: string | null;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const DTM_RE =
  /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?)?)?(?:([+-])(\d{2})(\d{2}))?$/;

interface DtmParts {
  y: number;
  mo: number | undefined;
  d: number | undefined;
  h: number | undefined;
  mi: number | undefined;
  s: number | undefined;
  fraction: string | undefined;
  offsetMinutes: number | undefined;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function daysInMonth(y: number, mo: number): number {
  if (mo === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
}

function splitDtm(text: string): Parsed<DtmParts> {
  const m = DTM_RE.exec(text);
  if (m === null) return { ok: false, reason: "not an HL7 DTM (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ])" };
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
  const parts: DtmParts = {
    y: Number(m[1]),
    mo: num(m[2]),
    d: num(m[3]),
    h: num(m[4]),
    mi: num(m[5]),
    s: num(m[6]),
    fraction: m[7],
    offsetMinutes:
      m[8] === undefined ? undefined : (m[8] === "-" ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])),
  };
  if (parts.y < 1) return { ok: false, reason: "year out of range" };
  if (parts.mo !== undefined && (parts.mo < 1 || parts.mo > 12))
    return { ok: false, reason: "month out of range" };
  if (parts.d !== undefined && (parts.d < 1 || parts.d > daysInMonth(parts.y, parts.mo!)))
    return { ok: false, reason: "day out of range for its month" };
  if (parts.h !== undefined && parts.h > 23) return { ok: false, reason: "hour out of range" };
  if (parts.mi !== undefined && parts.mi > 59) return { ok: false, reason: "minute out of range" };
  if (parts.s !== undefined && parts.s > 59) return { ok: false, reason: "second out of range" };
  if (m[9] !== undefined && (Number(m[9]) > 14 || Number(m[10]) > 59))
    return { ok: false, reason: "UTC offset out of range" };
  return { ok: true, value: parts };
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * Converts an HL7 DTM/TS value to a {@link Timestamp}. A value without an offset is read as
 * wall-clock time in `timeZone` (IANA name; DST gaps and overlaps resolved as described in
 * `localToInstant`). Returns a reason (never quoting the input) when it is malformed.
 *
 * | HL7                      | value                           | precision |
 * |--------------------------|---------------------------------|-----------|
 * | `2024`                   | `2024`                          | year      |
 * | `202403`                 | `2024-03`                       | month     |
 * | `20240310`               | `2024-03-10`                    | day       |
 * | `2024031014`             | `2024-03-10T14-04:00`           | hour      |
 * | `202403101405`           | `2024-03-10T14:05-04:00`        | minute    |
 * | `20240310140530`         | `2024-03-10T14:05:30-04:00`     | second    |
 * | `20240310140530.1234+0100` | `2024-03-10T14:05:30.1234+01:00` | fraction |
 *
 * @example
 * parseTimestamp("202403101405", "America/New_York");
 * // { ok: true, value: { value: "2024-03-10T14:05-04:00", precision: "minute", utc: "2024-03-10T18:05:00.000Z" } }
 */
export function parseTimestamp(text: string, timeZone: string): Parsed<Timestamp> {
  const split = splitDtm(text);
  if (!split.ok) return split;
  const p = split.value;
  const fractionMs = p.fraction === undefined ? 0 : Math.floor(Number(`0.${p.fraction}`) * 1000 + 1e-9);
  const wall = utcEpoch(p.y, p.mo ?? 1, p.d ?? 1, p.h ?? 0, p.mi ?? 0, p.s ?? 0, fractionMs);
  let epochMs: number;
  let offset: number;
  if (p.offsetMinutes !== undefined) {
    offset = p.offsetMinutes;
    epochMs = wall - offset * 60_000;
  } else {
    ({ epochMs, offsetMinutes: offset } = localToInstant(timeZone, wall));
  }
  let value = pad(p.y, 4);
  let precision: TimestampPrecision = "year";
  if (p.mo !== undefined) {
    value += `-${pad(p.mo)}`;
    precision = "month";
  }
  if (p.d !== undefined) {
    value += `-${pad(p.d)}`;
    precision = "day";
  }
  if (p.h !== undefined) {
    value += `T${pad(p.h)}`;
    precision = "hour";
    if (p.mi !== undefined) {
      value += `:${pad(p.mi)}`;
      precision = "minute";
    }
    if (p.s !== undefined) {
      value += `:${pad(p.s)}`;
      precision = "second";
    }
    if (p.fraction !== undefined) {
      value += `.${p.fraction}`;
      precision = "fraction";
    }
    value += formatOffset(offset);
  }
  return { ok: true, value: { value, precision, utc: new Date(epochMs).toISOString() } };
}

/**
 * Converts an HL7 date (DT, or the date part of a DTM such as PID-7) to a {@link CalendarDate}.
 * Any time of day and offset are validated and then ignored: a birth date is the date the
 * sender wrote, never shifted by a time zone.
 *
 * @example
 * parseCalendarDate("19800229"); // { ok: true, value: { value: "1980-02-29", precision: "day", date: "1980-02-29" } }
 * parseCalendarDate("198002");   // { ok: true, value: { value: "1980-02", precision: "month", date: null } }
 */
export function parseCalendarDate(text: string): Parsed<CalendarDate> {
  const split = splitDtm(text);
  if (!split.ok) return split;
  const p = split.value;
  let value = pad(p.y, 4);
  let precision: DatePrecision = "year";
  if (p.mo !== undefined) {
    value += `-${pad(p.mo)}`;
    precision = "month";
  }
  if (p.d !== undefined) {
    value += `-${pad(p.d)}`;
    precision = "day";
  }
  return { ok: true, value: { value, precision, date: precision === "day" ? value : null } };
}
