import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildAck,
  decodeHl7Bytes,
  Hl7ParseError,
  MllpDecoder,
  parseMessage,
  readHeader,
  splitBatch,
  unescapeHl7,
} from "./index.ts";
import { generateAdtCorpus } from "./testing/corpus.ts";

// Bounded, deterministic fuzzing: a fixed seed and a few thousand inputs keep the unit suite
// fast and reproducible. A hang would show up as the file's test timeout, not as a flaky number.
const SEED = 20240101;
const SEEDS = generateAdtCorpus({ count: 40, seed: 5, escapeRate: 0.5 });
const PATHS = [
  "MSH-1",
  "MSH-2",
  "MSH-9",
  "MSH-9.2",
  "MSH-10",
  "PID-3[2].4",
  "PID-5.1.1",
  "PV1-44",
  "OBX[2]-5",
  "ZPI-4",
  "EVN",
];
const NOISE = [...'|^~\\&#\r\n\r\n \t\u0000\u000b\u001c\u007fMSHPIDBHSBTSFHSFTSX0D"é😀'];

/** Runs `f`; anything thrown must be an Hl7ParseError. */
function onlyParseErrors(label: string, input: unknown, f: () => void): void {
  try {
    f();
  } catch (err) {
    if (!(err instanceof Hl7ParseError)) {
      throw new Error(`${label} threw ${String(err)} for ${JSON.stringify(input)}`, { cause: err });
    }
  }
}

/** What a successful parse must support without throwing, and stay stable through. */
function exercise(text: string): void {
  const m = parseMessage(text);
  // Anything accepted holds no control character (other than tab and the terminators).
  expect(/[^\t\n\r\x20-\x7e\x80-\uffff]/.test(text), JSON.stringify(text)).toBe(false);
  for (const p of PATHS) m.get(p);
  for (const s of m.segments()) {
    for (let f = 1; f <= Math.min(s.fieldCount, 60); f++) s.get(`${f}.1`, { formatting: "text" });
  }
  m.getAll("PID-3.1");
  const canonical = m.toString();
  // Re-parsing the canonical form must give the same canonical form.
  expect(parseMessage(canonical).toString()).toBe(canonical);
}

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.string({ unit: fc.constantFrom(...NOISE), maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("duplicate" as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 200 }),
  }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, ms: Mutation[]): string {
  let t = text;
  for (const m of ms) {
    const at = t.length === 0 ? 0 : m.at % (t.length + 1);
    if (m.kind === "insert") t = t.slice(0, at) + m.text + t.slice(at);
    else if (m.kind === "delete") t = t.slice(0, at) + t.slice(at + m.length);
    else if (m.kind === "truncate") t = t.slice(0, at);
    else t = t.slice(0, at) + t.slice(at, at + m.length) + t.slice(at);
  }
  return t;
}

describe("fuzz: the library either works or throws Hl7ParseError", () => {
  it("parseMessage, readHeader, buildAck and splitBatch on mutated ADT messages", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SEEDS),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        (seed, ms) => {
          const input = mutate(seed, ms);
          onlyParseErrors("parseMessage", input, () => exercise(input));
          onlyParseErrors("splitBatch", input, () => {
            for (const m of splitBatch(input).messages)
              onlyParseErrors("parseMessage(split)", m, () => exercise(m));
          });
          readHeader(input);
          // buildAck must answer anything: it is what the edge sends back for broken input.
          const ack = buildAck(input, "AR", { errors: [{ hl7ErrorCode: 100 }] });
          expect(parseMessage(ack).get("MSA-1"), JSON.stringify(input)).toBe("AR");
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it("parseMessage on random text", () => {
    const arb = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: fc.constantFrom(...NOISE), maxLength: 300 }),
      fc.string({ unit: fc.constantFrom(...NOISE), maxLength: 300 }).map((s) => `MSH|^~\\&|${s}`),
    );
    fc.assert(
      fc.property(arb, (input) => {
        onlyParseErrors("parseMessage", input, () => exercise(input));
        onlyParseErrors("splitBatch", input, () => splitBatch(input));
        expect(typeof unescapeHl7(input)).toBe("string");
        expect(parseMessage(buildAck(input, "AE")).get("MSA-1"), JSON.stringify(input)).toBe("AE");
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it("byte decoding and MLLP decoding on random bytes", () => {
    const bytes = fc.uint8Array({ maxLength: 300 });
    fc.assert(
      fc.property(bytes, fc.array(fc.nat({ max: 300 }), { maxLength: 5 }), (input, cuts) => {
        onlyParseErrors("decodeHl7Bytes", input, () => decodeHl7Bytes(input));
        onlyParseErrors("parseMessage(bytes)", input, () => parseMessage(input));
        readHeader(input);
        const decoder = new MllpDecoder({ maxFrameSize: 64 });
        let prev = 0;
        for (const cut of [...cuts.sort((a, b) => a - b), input.length]) {
          const part = input.subarray(prev, Math.max(prev, cut));
          prev = Math.max(prev, cut);
          onlyParseErrors("MllpDecoder.push", input, () => decoder.push(part));
        }
        // After errors the decoder keeps what it has not read; drain it, bounded by the input size.
        for (let i = 0; i <= input.length; i++) {
          let done = false;
          onlyParseErrors("MllpDecoder.end", input, () => {
            decoder.end();
            done = true;
          });
          if (done) break;
        }
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });
});
