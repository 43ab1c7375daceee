import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { Hl7PathError, parseMessage, parsePath } from "./index.ts";
import {
  absolutePathCache,
  type Hl7Path,
  PATH_CACHE_LIMIT,
  PATH_CACHE_MAX_KEY_LENGTH,
  PathCache,
  parseRelativePath,
  relativePathCache,
} from "./path.ts";

// The caches are module state shared with every other test in this worker: leave them empty.
afterEach(() => {
  absolutePathCache.clear();
  relativePathCache.clear();
});

/** A position written with optional leading zeros, which keep a path valid at any length. */
const positionArb = fc
  .tuple(fc.integer({ min: 1, max: 300 }), fc.nat({ max: 3 }))
  .map(([n, zeros]) => ({ n, text: `${"0".repeat(zeros)}${n}` }));
const segmentArb = fc
  .tuple(
    fc.constantFrom(..."ABMPXZ"),
    fc.constantFrom(..."ABCDEGHIKNORSTVXZ0123456789"),
    fc.constantFrom(..."0123456789ABDIXZ"),
  )
  .map((cs) => cs.join(""));

/** The relative part of a path and the positions it names. */
const relativeArb = fc
  .record({
    field: positionArb,
    rep: fc.option(positionArb, { nil: undefined }),
    component: fc.option(positionArb, { nil: undefined }),
    subcomponent: fc.option(positionArb, { nil: undefined }),
  })
  .map(({ field, rep, component, subcomponent }) => {
    const sub = component === undefined ? undefined : subcomponent;
    const text =
      field.text +
      (rep === undefined ? "" : `[${rep.text}]`) +
      (component === undefined ? "" : `.${component.text}`) +
      (sub === undefined ? "" : `.${sub.text}`);
    const parsed = {
      field: field.n,
      fieldRepetition: rep?.n ?? 1,
      component: component?.n,
      subcomponent: sub?.n,
    };
    return { text, parsed };
  });

const absoluteArb = fc
  .record({
    segment: segmentArb,
    segRep: fc.option(positionArb, { nil: undefined }),
    rest: fc.option(relativeArb, { nil: undefined }),
  })
  .map(({ segment, segRep, rest }) => {
    const text = segment + (segRep === undefined ? "" : `[${segRep.text}]`) + (rest ? `-${rest.text}` : "");
    const parsed: Hl7Path = {
      segment,
      segmentRepetition: segRep?.n ?? 1,
      field: rest?.parsed.field,
      fieldRepetition: rest?.parsed.fieldRepetition ?? 1,
      component: rest?.parsed.component,
      subcomponent: rest?.parsed.subcomponent,
    };
    return { text, parsed };
  });

/** Calls `f` and returns what it threw (or fails the test when it returns). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

describe("parsePath / parseRelativePath cache", () => {
  it("a cached parse equals the first (uncached) parse and the positions written", () => {
    fc.assert(
      fc.property(absoluteArb, relativeArb, (abs, rel) => {
        absolutePathCache.clear();
        relativePathCache.clear();
        const first = parsePath(abs.text);
        expect(first, abs.text).toEqual(abs.parsed);
        expect(parsePath(abs.text), abs.text).toBe(first);
        expect(absolutePathCache.has(abs.text)).toBe(true);
        const firstRel = parseRelativePath(rel.text);
        expect(firstRel, rel.text).toEqual(rel.parsed);
        expect(parseRelativePath(rel.text), rel.text).toBe(firstRel);
      }),
      { numRuns: 1000 },
    );
  });

  it("returns frozen results, so a caller cannot change what others get", () => {
    const p = parsePath("PID-5[2].1");
    const r = parseRelativePath("5[2].1");
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(r)).toBe(true);
    // ES modules are strict: writing to a frozen object throws.
    expect(() => {
      (p as { field: number | undefined }).field = 9;
    }).toThrow(TypeError);
    expect(() => {
      (r as { field: number }).field = 9;
    }).toThrow(TypeError);
    expect(parsePath("PID-5[2].1").field).toBe(5);
    expect(parseRelativePath("5[2].1").field).toBe(5);
  });

  it.each([
    ["", "absolute"],
    ["pid-3", "absolute"],
    ["PID-0", "absolute"],
    ["PID[0]-3", "absolute"],
    ["PID-3[0]", "absolute"],
    ["PID-3.", "absolute"],
    ["PID-3.1.1.1", "absolute"],
    [`PID-${"9".repeat(20)}`, "absolute"],
    ["", "relative"],
    ["0", "relative"],
    ["3[0]", "relative"],
    ["3.0.1", "relative"],
    ["PID-3", "relative"],
    ["3.1.1.1", "relative"],
    [`${"9".repeat(20)}`, "relative"],
  ] as const)("%j (%s) throws the same Hl7PathError on every call and is never stored", (path, kind) => {
    const parse = kind === "absolute" ? parsePath : parseRelativePath;
    const cache = kind === "absolute" ? absolutePathCache : relativePathCache;
    const errors = [1, 2, 3].map(() => thrown(() => parse(path)));
    for (const e of errors) {
      expect(e).toBeInstanceOf(Hl7PathError);
      expect((e as Error).message).toBe((errors[0] as Error).message);
    }
    expect(cache.has(path)).toBe(false);
    expect(cache.size).toBe(0);
  });

  it("any string either throws every time or gives the same frozen result every time", () => {
    const pathish = fc.string({ unit: fc.constantFrom(..."PIDOBX0123[]-.a "), maxLength: 16 });
    fc.assert(
      fc.property(pathish, (s) => {
        for (const parse of [parsePath, parseRelativePath] as const) {
          let first: unknown;
          try {
            first = parse(s);
          } catch (e) {
            expect(e, s).toBeInstanceOf(Hl7PathError);
            expect(
              thrown(() => parse(s)),
              s,
            ).toEqual(e);
            continue;
          }
          expect(Object.isFrozen(first), s).toBe(true);
          expect(parse(s), s).toBe(first);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("stays within its bound when fed more distinct paths than it holds", () => {
    const msg = parseMessage("MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\rPID|1||42^^^H^MR||DOE^JANE");
    const pid = msg.segment("PID")!;
    const fields: Record<number, [string, string]> = {
      1: ["1", "1"],
      3: ["42^^^H^MR", "42"],
      5: ["DOE^JANE", "DOE"],
    };
    for (let i = 1; i <= 3 * PATH_CACHE_LIMIT; i++) {
      expect(msg.get(`PID-${i}`)).toBe(fields[i]?.[0]);
      expect(pid.get(`${i}.1`)).toBe(fields[i]?.[1]);
      expect(absolutePathCache.size).toBeLessThanOrEqual(PATH_CACHE_LIMIT);
      expect(relativePathCache.size).toBeLessThanOrEqual(PATH_CACHE_LIMIT);
    }
    expect(absolutePathCache.size).toBe(PATH_CACHE_LIMIT);
    // Evicted paths parse again, with the same answer.
    expect(absolutePathCache.has("PID-5")).toBe(false);
    expect(msg.get("PID-5.2")).toBe("JANE");
    expect(pid.get("5.2")).toBe("JANE");
  });

  it("parses but does not store paths longer than the key limit", () => {
    const long = `PID-${"0".repeat(PATH_CACHE_MAX_KEY_LENGTH)}5.2`;
    const msg = parseMessage("MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\rPID|1||42||DOE^JANE");
    expect(msg.get(long)).toBe("JANE");
    expect(msg.segment("PID")!.get(long.slice(4))).toBe("JANE");
    expect(absolutePathCache.has(long)).toBe(false);
    expect(relativePathCache.has(long.slice(4))).toBe(false);
    expect(absolutePathCache.size + relativePathCache.size).toBe(0);
  });
});

describe("PathCache", () => {
  it("evicts the oldest entry first and never holds more than its limit", () => {
    let calls = 0;
    const cache = new PathCache((p) => {
      calls++;
      return Object.freeze({ p });
    }, 3);
    for (const p of ["a", "b", "c", "a", "d", "e"]) cache.get(p);
    // "a" was a hit the second time (no re-parse), then "d" evicted "a" and "e" evicted "b".
    expect(calls).toBe(5);
    expect(cache.size).toBe(3);
    expect(["a", "b", "c", "d", "e"].map((p) => cache.has(p))).toEqual([false, false, true, true, true]);
    expect(cache.get("a")).toEqual({ p: "a" });
    expect(calls).toBe(6);
  });

  it("rejects a limit below 1", () => {
    expect(() => new PathCache((p) => p, 0)).toThrow(RangeError);
  });
});
