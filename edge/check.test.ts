import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_PROFILE, parseVendorProfiles } from "../shared/adt/profile.ts";
import { encodeMllp } from "../shared/hl7/index.ts";
import { checkBody, HL7_V2_VERSIONS } from "./check.ts";

const enc = new TextEncoder();
const msg = (controlId: string, type = "ADT^A01^ADT_A01", version = "2.5.1") =>
  `MSH|^~\\&|APP|FAC|REC|RFAC|20240101120000||${type}|${controlId}|P|${version}\rPID|1||1^^^H^MR\r`;

describe("checkBody", () => {
  it("never throws on arbitrary bytes: it accepts or names a problem", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const r = checkBody(bytes, undefined, DEFAULT_PROFILE);
        if (!r.ok && r.scope === "body") expect(r.problem.code).toMatch(/^[A-Z_]+$/);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on arbitrary text after a valid MSH", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (tail) => {
        checkBody(enc.encode(msg("C1") + tail), undefined, DEFAULT_PROFILE);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps control id, message type and the raw text, for any valid control id", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9.-]{1,40}$/),
        fc.constantFrom(...HL7_V2_VERSIONS),
        (id, v) => {
          const text = msg(id, "ADT^A08", v);
          const r = checkBody(enc.encode(text), undefined, DEFAULT_PROFILE);
          expect(r.ok).toBe(true);
          if (r.ok) expect(r.messages).toEqual([{ raw: text, controlId: id, messageType: "ADT^A08" }]);
        },
      ),
    );
  });

  it("unframes MLLP and splits several frames into messages", () => {
    const bytes = new Uint8Array([...encodeMllp(msg("A")), ...encodeMllp(msg("B"))]);
    const r = checkBody(bytes, undefined, DEFAULT_PROFILE);
    expect(r.ok && r.messages.map((m) => m.controlId)).toEqual(["A", "B"]);
  });

  it("names the failing position for header problems", () => {
    const cases: [string, string, number | undefined][] = [
      [msg("X", "ADT^A01", "2.99"), "UNSUPPORTED_VERSION", 12],
      [msg("X", "ADT^A01", ""), "MISSING_FIELD", 12],
      [msg("X", "ADT"), "MISSING_FIELD", 9],
      [msg("X", "adt^a01"), "BAD_MESSAGE_TYPE", 9],
      [msg("X", "ORU^R01"), "UNSUPPORTED_MESSAGE_TYPE", 9],
      [msg("X".repeat(200)), "BAD_CONTROL_ID", 10],
    ];
    for (const [text, code, field] of cases) {
      const r = checkBody(enc.encode(text), undefined, DEFAULT_PROFILE);
      expect(r.ok, text).toBe(false);
      if (!r.ok && r.scope === "messages")
        expect(r.problems[0]).toMatchObject({ code, field, segmentName: "MSH" });
      else throw new Error(`expected a message-level problem for ${JSON.stringify(text)}`);
    }
  });

  it("applies the vendor profile's accepted triggers", () => {
    const profile = parseVendorProfiles({ vendors: { v: { accept: { ADT: ["A01"], ORU: ["*"] } } } }).get(
      "v",
    )!;
    expect(checkBody(enc.encode(msg("1", "ADT^A01")), undefined, profile).ok).toBe(true);
    expect(checkBody(enc.encode(msg("1", "ORU^R01")), undefined, profile).ok).toBe(true);
    const r = checkBody(enc.encode(msg("1", "ADT^A08")), undefined, profile);
    expect(!r.ok && r.scope === "messages" && r.problems[0]?.code).toBe("UNSUPPORTED_EVENT");
  });

  it("decodes with the HTTP charset when given, else MSH-18", () => {
    const latin = Uint8Array.from(msg("É1"), (c) => c.charCodeAt(0));
    const viaHttp = checkBody(latin, "iso-8859-1", DEFAULT_PROFILE);
    expect(viaHttp.ok && viaHttp.messages[0]!.controlId).toBe("É1");
    const asUtf8 = checkBody(latin, undefined, DEFAULT_PROFILE);
    expect(!asUtf8.ok && asUtf8.scope === "body" && asUtf8.problem.code).toBe("INVALID_ENCODING");
  });
});
