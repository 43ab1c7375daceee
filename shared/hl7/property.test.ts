import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodingCharacters, escapeHl7, type Hl7Delimiters, parseMessage, unescapeHl7 } from "./index.ts";

// Characters HL7 allows as delimiters: printable, non-alphanumeric ASCII.
const DELIMITER_POOL = [..."|^~\\&#!$%*+,-./:;<=>?@[]_`{}'\"()"];

const delimitersArb: fc.Arbitrary<Hl7Delimiters> = fc
  .tuple(fc.shuffledSubarray(DELIMITER_POOL, { minLength: 6, maxLength: 6 }), fc.boolean())
  .map(([[field, component, repetition, escapeChar, subcomponent, truncation], withTruncation]) => {
    const d = {
      field: field!,
      component: component!,
      repetition: repetition!,
      escape: escapeChar!,
      subcomponent: subcomponent!,
    };
    return withTruncation ? { ...d, truncation: truncation! } : d;
  });

// Text a value may hold once decoded: anything but control characters (tab allowed), plus a
// few delimiter-like characters to make escaping matter.
const textArb = fc.string({
  unit: fc.oneof(
    fc.constantFrom(...DELIMITER_POOL, "\r", "\n", " ", "\t", "é", "Ω", "😀"),
    fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }).filter((c) => c >= " " && c <= "~"),
  ),
  maxLength: 12,
});

describe("escape / unescape", () => {
  it("unescape(escape(x)) === x for any text and any delimiters", () => {
    fc.assert(
      fc.property(delimitersArb, fc.string({ maxLength: 40 }), textArb, (d, any, text) => {
        expect(unescapeHl7(escapeHl7(any, d), d)).toBe(any);
        expect(unescapeHl7(escapeHl7(text, d), d)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it("escaped text holds no delimiter and no line break", () => {
    fc.assert(
      fc.property(delimitersArb, textArb, (d, text) => {
        const e = escapeHl7(text, d);
        for (const ch of [d.field, d.component, d.repetition, d.subcomponent, "\r", "\n"])
          expect(e).not.toContain(ch);
      }),
      { numRuns: 300 },
    );
  });

  it("decodes the standard sequences", () => {
    expect(unescapeHl7("\\F\\\\S\\\\T\\\\R\\\\E\\")).toBe("|^&~\\");
    expect(unescapeHl7("a\\X41424344\\b")).toBe("aABCDb");
    expect(unescapeHl7("\\XC3A9\\")).toBe("é");
    expect(unescapeHl7("\\XE9\\")).toBe("é"); // not UTF-8: read as ISO-8859-1
    expect(unescapeHl7("\\H\\bold\\N\\")).toBe("\\H\\bold\\N\\");
    expect(unescapeHl7("\\H\\bold\\N\\", undefined, { formatting: "strip" })).toBe("bold");
    expect(unescapeHl7("a\\.sp2\\b\\.in+4\\c", undefined, { formatting: "text" })).toBe("a\n\nbc");
    expect(unescapeHl7("\\Zvendor\\x", undefined, { formatting: "strip" })).toBe("x");
    expect(unescapeHl7("\\C2842\\x", undefined, { formatting: "strip" })).toBe("x");
  });

  it("keeps malformed or unterminated sequences literally", () => {
    expect(unescapeHl7("C:\\path")).toBe("C:\\path");
    expect(unescapeHl7("\\Q\\")).toBe("\\Q\\");
    expect(unescapeHl7("\\X4\\")).toBe("\\X4\\");
    expect(unescapeHl7("\\\\F\\")).toBe("\\|");
    expect(unescapeHl7("\\P\\")).toBe("\\P\\"); // no truncation character declared
    expect(unescapeHl7("\\P\\", { ...defaults, truncation: "#" })).toBe("#");
  });
});

const defaults: Hl7Delimiters = {
  field: "|",
  component: "^",
  repetition: "~",
  escape: "\\",
  subcomponent: "&",
};

/** A generated message: its ER7 text and the decoded value at every subcomponent. */
interface Model {
  text: string;
  d: Hl7Delimiters;
  // segments[i] = { name, fields[f-1][rep-1][comp-1][sub-1] = decoded text }
  segments: { name: string; fields: string[][][][] }[];
}

const segNameArb = fc
  .tuple(
    // No B, F or M first letters: BHS/BTS/FHS/FTS/MSH are envelope segments, not body segments.
    fc.constantFrom(..."ACDEGIJKLNOPQRSTUVWXYZ"),
    fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
    fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
  )
  .map(([a, b, c]) => a + b + c);

const fieldArb = fc.array(
  fc.array(fc.array(textArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
  {
    minLength: 1,
    maxLength: 2,
  },
);

const modelArb: fc.Arbitrary<Model> = fc
  .record({
    d: delimitersArb,
    segs: fc.array(fc.record({ name: segNameArb, fields: fc.array(fieldArb, { maxLength: 6 }) }), {
      maxLength: 5,
    }),
    trailing: fc.boolean(),
    controlId: fc.stringMatching(/^[A-Za-z0-9]{1,12}$/),
  })
  .map(({ d, segs, trailing, controlId }) => {
    const enc = (f: string[][][]): string =>
      f
        .map((rep) =>
          rep.map((comp) => comp.map((s) => escapeHl7(s, d)).join(d.subcomponent)).join(d.component),
        )
        .join(d.repetition);
    const msh = [
      "MSH",
      encodingCharacters(d),
      "APP",
      "FAC",
      "",
      "",
      "20240101",
      "",
      `ADT${d.component}A01`,
      controlId,
      "P",
      "2.5",
    ].join(d.field);
    const lines = [msh, ...segs.map((s) => [s.name, ...s.fields.map(enc)].join(d.field))];
    const text = lines.join("\r") + (trailing ? "\r" : "");
    return { text, d, segments: segs };
  });

describe("parseMessage on generated well-formed messages", () => {
  it("toString() gives back the input", () => {
    fc.assert(
      fc.property(modelArb, (m) => {
        expect(parseMessage(m.text).toString()).toBe(m.text);
      }),
      { numRuns: 400 },
    );
  });

  it("reads every subcomponent back as the value that was written", () => {
    fc.assert(
      fc.property(modelArb, (m) => {
        const msg = parseMessage(m.text);
        expect(msg.delimiters).toEqual(m.d);
        const seen = new Map<string, number>();
        for (const seg of m.segments) {
          const n = (seen.get(seg.name) ?? 0) + 1;
          seen.set(seg.name, n);
          seg.fields.forEach((field, fi) => {
            field.forEach((rep, ri) => {
              rep.forEach((comp, ci) => {
                comp.forEach((sub, si) => {
                  const path = `${seg.name}[${n}]-${fi + 1}[${ri + 1}].${ci + 1}.${si + 1}`;
                  expect(msg.get(path), path).toBe(sub === "" ? undefined : sub);
                });
              });
            });
          });
          expect(msg.get(`${seg.name}[${n}]-${seg.fields.length + 1}`)).toBeUndefined();
        }
      }),
      { numRuns: 300 },
    );
  });

  it("returns ER7 for a field with structure and text for a leaf field", () => {
    fc.assert(
      fc.property(modelArb, (m) => {
        const msg = parseMessage(m.text);
        const d = m.d;
        const seg = m.segments.find(
          (s, i) => m.segments.findIndex((t) => t.name === s.name) === i && s.fields.length > 0,
        );
        if (seg === undefined) return;
        const rep = seg.fields[0]![0]!;
        const structured = rep.length > 1 || rep[0]!.length > 1;
        const expected = structured
          ? rep.map((c) => c.map((s) => escapeHl7(s, d)).join(d.subcomponent)).join(d.component)
          : rep[0]![0]!;
        // An all-empty structure is just delimiters: still ER7 text, returned as sent.
        expect(msg.get(`${seg.name}-1`)).toBe(expected === "" ? undefined : expected);
      }),
      { numRuns: 300 },
    );
  });
});
