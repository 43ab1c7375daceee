/**
 * IANA time-zone arithmetic on top of `Intl` only, so it runs unchanged in Node, Deno and
 * Cloudflare workerd (no Temporal yet, no Node APIs, no bundled tz database).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();
const DAY_MS = 86_400_000;

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    // h23: some engines print midnight as "24" with hour12:false; h23 never does.
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when `zone` is a time-zone name this runtime's `Intl` knows (e.g. `America/New_York`). */
export function isValidTimeZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** UTC fields → epoch ms without `Date.UTC`'s mapping of years 0–99 onto 1900–1999. */
export function utcEpoch(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  if (y >= 100) return Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

const isUtc = (zone: string) => zone === "UTC" || zone === "Etc/UTC" || zone === "Etc/GMT" || zone === "GMT";

/**
 * `Intl` formatting costs microseconds per call and the mapper needs several per timestamp,
 * so offsets are cached per zone and UTC day: a day whose first and last millisecond share an
 * offset is cached whole (every day but the one or two transition days a year). Transition days
 * are cached per 15-minute bucket the same way (modern offsets are multiples of 15 minutes and
 * change on such boundaries); a bucket that still holds a change (historic local mean time) is
 * computed exactly every time. Bounded: cleared when full.
 */
const BUCKET_MS = 15 * 60_000;
const CACHE_LIMIT = 50_000;
const offsetCache = new Map<string, number>();
/** Marks a day that holds a transition, so its 15-minute buckets are used instead. */
const MIXED = Number.NaN;

function cachedSpan(zone: string, kind: "d" | "q", index: number, spanMs: number): number {
  const key = `${zone} ${kind}${index}`;
  const hit = offsetCache.get(key);
  if (hit !== undefined) return hit;
  const start = computeOffset(zone, index * spanMs);
  const end = computeOffset(zone, (index + 1) * spanMs - 1);
  const value = start === end ? start : MIXED;
  if (offsetCache.size >= CACHE_LIMIT) offsetCache.clear();
  offsetCache.set(key, value);
  return value;
}

/**
 * Offset of `zone` from UTC at the instant `epochMs`, in whole minutes (east positive).
 * Historic local-mean-time offsets with seconds are rounded to the minute.
 *
 * @example
 * offsetMinutesAt("America/New_York", Date.UTC(2024, 6, 1)); // -240
 */
export function offsetMinutesAt(zone: string, epochMs: number): number {
  if (isUtc(zone)) return 0;
  const day = cachedSpan(zone, "d", Math.floor(epochMs / DAY_MS), DAY_MS);
  if (!Number.isNaN(day)) return day;
  const quarter = cachedSpan(zone, "q", Math.floor(epochMs / BUCKET_MS), BUCKET_MS);
  return Number.isNaN(quarter) ? computeOffset(zone, epochMs) : quarter;
}

/** The offset straight from `Intl`, without the cache (exported for tests). */
export function computeOffset(zone: string, epochMs: number): number {
  const parts = formatterFor(zone).formatToParts(new Date(epochMs));
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let s = 0;
  let bc = false;
  for (const p of parts) {
    switch (p.type) {
      case "year":
        y = Number(p.value);
        break;
      case "month":
        mo = Number(p.value);
        break;
      case "day":
        d = Number(p.value);
        break;
      case "hour":
        h = Number(p.value);
        break;
      case "minute":
        mi = Number(p.value);
        break;
      case "second":
        s = Number(p.value);
        break;
      case "era":
        bc = p.value.startsWith("B");
        break;
    }
  }
  if (bc) y = 1 - y;
  const wall = utcEpoch(y, mo, d, h, mi, s);
  const base = Math.floor(epochMs / 1000) * 1000;
  return Math.round((wall - base) / 60_000);
}

/**
 * Resolves a wall-clock time in `zone` (given as if it were UTC, `wallMs`) to an instant.
 *
 * DST edges follow the "compatible" rule of Temporal and most calendars: a time that occurs
 * twice (fall back) takes its first occurrence; a time that never occurs (spring forward gap)
 * takes the offset in force before the gap, which lands the same distance past the gap.
 * The returned offset always reproduces `wallMs` as `epochMs + offset`, so callers can print
 * the wall time exactly as the sender wrote it next to the offset.
 *
 * @example
 * // 2024-03-10 02:30 does not exist in New York: it resolves to 07:30Z, written 02:30-05:00.
 * localToInstant("America/New_York", utcEpoch(2024, 3, 10, 2, 30)); // { epochMs: …07:30Z, offsetMinutes: -300 }
 */
export function localToInstant(zone: string, wallMs: number): { epochMs: number; offsetMinutes: number } {
  if (isUtc(zone)) return { epochMs: wallMs, offsetMinutes: 0 };
  // Real zones change offset at most once within any 48 hours, so the offsets a day either
  // side are the only two candidates.
  const before = offsetMinutesAt(zone, wallMs - DAY_MS);
  const after = offsetMinutesAt(zone, wallMs + DAY_MS);
  const candidates: Array<{ epochMs: number; offsetMinutes: number }> = [];
  for (const off of before === after ? [before] : [before, after]) {
    const epochMs = wallMs - off * 60_000;
    if (offsetMinutesAt(zone, epochMs) === off) candidates.push({ epochMs, offsetMinutes: off });
  }
  if (candidates.length === 0) {
    return { epochMs: wallMs - before * 60_000, offsetMinutes: before };
  }
  // Ambiguous: the earlier instant is the first occurrence.
  candidates.sort((a, b) => a.epochMs - b.epochMs);
  return candidates[0]!;
}
