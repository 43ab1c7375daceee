import { Hl7PathError } from "./errors.ts";

/**
 * A parsed path. All numbers are 1-based, as HL7 documents write them; `fieldRepetition`,
 * `component` and `subcomponent` are undefined when the path stops above them.
 */
export interface Hl7Path {
  readonly segment: string;
  readonly segmentRepetition: number;
  readonly field: number | undefined;
  readonly fieldRepetition: number;
  readonly component: number | undefined;
  readonly subcomponent: number | undefined;
}

const PATH = /^([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?(?:-(\d+)(?:\[(\d+)\])?(?:\.(\d+)(?:\.(\d+))?)?)?$/;
const RELATIVE = /^(\d+)(?:\[(\d+)\])?(?:\.(\d+)(?:\.(\d+))?)?$/;

// Paths are nearly always literals in code, so a small cache removes the regex from the hot path.
// Bounded so that computed paths cannot grow it without limit.
const cache = new Map<string, Hl7Path>();
const CACHE_LIMIT = 2048;

function positive(raw: string | undefined, path: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (n < 1 || !Number.isSafeInteger(n)) throw new Hl7PathError(`path "${path}": positions start at 1`);
  return n;
}

/**
 * Parses `SEG[segRep]-field[fieldRep].component.subcomponent`, e.g. `PID-3[2].1`, `OBX[2]-5`.
 *
 * @example
 * parsePath("PID-5[1].1.1") // { segment: "PID", segmentRepetition: 1, field: 5, fieldRepetition: 1, component: 1, subcomponent: 1 }
 */
export function parsePath(path: string): Hl7Path {
  const hit = cache.get(path);
  if (hit !== undefined) return hit;
  const m = PATH.exec(path);
  if (m === null)
    throw new Hl7PathError(`path "${path}" does not match SEG[n]-field[n].component.subcomponent`);
  const parsed: Hl7Path = Object.freeze({
    segment: m[1] as string,
    segmentRepetition: positive(m[2], path) ?? 1,
    field: positive(m[3], path),
    fieldRepetition: positive(m[4], path) ?? 1,
    component: positive(m[5], path),
    subcomponent: positive(m[6], path),
  });
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(path, parsed);
  return parsed;
}

/** Parses a path relative to a segment: `field[fieldRep].component.subcomponent`, e.g. `3[2].1`. */
export function parseRelativePath(path: string): Omit<Hl7Path, "segment" | "segmentRepetition"> & {
  field: number;
} {
  const m = RELATIVE.exec(path);
  if (m === null) throw new Hl7PathError(`path "${path}" does not match field[n].component.subcomponent`);
  return {
    field: positive(m[1], path) as number,
    fieldRepetition: positive(m[2], path) ?? 1,
    component: positive(m[3], path),
    subcomponent: positive(m[4], path),
  };
}
