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

/** A parsed segment-relative path (`3[2].4.1`); same numbering as {@link Hl7Path}. */
export type Hl7RelativePath = Omit<Hl7Path, "segment" | "segmentRepetition"> & { readonly field: number };

const PATH = /^([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?(?:-(\d+)(?:\[(\d+)\])?(?:\.(\d+)(?:\.(\d+))?)?)?$/;
const RELATIVE = /^(\d+)(?:\[(\d+)\])?(?:\.(\d+)(?:\.(\d+))?)?$/;

/** Entries per cache. The mapper uses a few hundred distinct paths; a hostile message more. */
export const PATH_CACHE_LIMIT = 2048;
/**
 * Longer strings are parsed but not stored. Real paths are under 30 characters, but leading
 * zeros (`PID-0003`) keep a path valid at any length, so the entry bound alone bounds no bytes.
 */
export const PATH_CACHE_MAX_KEY_LENGTH = 64;

/**
 * Parsed paths by path string. Paths are nearly always literals or short templates in code, so
 * a hit skips the regex (with `positive`, ~18% of a CPU profile of parse + `toAdtEvent`).
 * `get` is public API and may be fed computed strings, hence the bounds: at most `limit`
 * entries (the oldest is evicted first) and only keys up to `maxKeyLength`. Only successful
 * parses are stored, so an invalid path throws on every call. Values must be immutable: every
 * caller shares them.
 */
export class PathCache<T> {
  readonly #map = new Map<string, T>();
  readonly #parse: (path: string) => T;
  readonly #limit: number;
  readonly #maxKeyLength: number;

  constructor(
    parse: (path: string) => T,
    limit = PATH_CACHE_LIMIT,
    maxKeyLength = PATH_CACHE_MAX_KEY_LENGTH,
  ) {
    if (!(limit >= 1)) throw new RangeError("PathCache limit must be at least 1");
    this.#parse = parse;
    this.#limit = limit;
    this.#maxKeyLength = maxKeyLength;
  }

  get(path: string): T {
    const hit = this.#map.get(path);
    if (hit !== undefined) return hit;
    const parsed = this.#parse(path);
    if (path.length <= this.#maxKeyLength) {
      if (this.#map.size >= this.#limit) this.#map.delete(this.#map.keys().next().value as string);
      this.#map.set(path, parsed);
    }
    return parsed;
  }

  /** Whether `path` is stored (for tests). */
  has(path: string): boolean {
    return this.#map.has(path);
  }

  get size(): number {
    return this.#map.size;
  }

  clear(): void {
    this.#map.clear();
  }
}

function positive(raw: string | undefined, path: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (n < 1 || !Number.isSafeInteger(n)) throw new Hl7PathError(`path "${path}": positions start at 1`);
  return n;
}

function parseAbsolute(path: string): Hl7Path {
  const m = PATH.exec(path);
  if (m === null)
    throw new Hl7PathError(`path "${path}" does not match SEG[n]-field[n].component.subcomponent`);
  return Object.freeze({
    segment: m[1] as string,
    segmentRepetition: positive(m[2], path) ?? 1,
    field: positive(m[3], path),
    fieldRepetition: positive(m[4], path) ?? 1,
    component: positive(m[5], path),
    subcomponent: positive(m[6], path),
  });
}

function parseRelative(path: string): Hl7RelativePath {
  const m = RELATIVE.exec(path);
  if (m === null) throw new Hl7PathError(`path "${path}" does not match field[n].component.subcomponent`);
  return Object.freeze({
    field: positive(m[1], path) as number,
    fieldRepetition: positive(m[2], path) ?? 1,
    component: positive(m[3], path),
    subcomponent: positive(m[4], path),
  });
}

/** The module's caches; exported for tests only (index.ts does not re-export them). */
export const absolutePathCache = new PathCache(parseAbsolute);
export const relativePathCache = new PathCache(parseRelative);

/**
 * Parses `SEG[segRep]-field[fieldRep].component.subcomponent`, e.g. `PID-3[2].1`, `OBX[2]-5`.
 * The result is frozen and may be shared with other callers.
 *
 * @example
 * parsePath("PID-5[1].1.1") // { segment: "PID", segmentRepetition: 1, field: 5, fieldRepetition: 1, component: 1, subcomponent: 1 }
 */
export function parsePath(path: string): Hl7Path {
  return absolutePathCache.get(path);
}

/**
 * Parses a path relative to a segment: `field[fieldRep].component.subcomponent`, e.g. `3[2].1`.
 * The result is frozen and may be shared with other callers.
 */
export function parseRelativePath(path: string): Hl7RelativePath {
  return relativePathCache.get(path);
}
