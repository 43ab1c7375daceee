import { describe, expect, it } from "vitest";
import { Hl7ErrorCode, Hl7ParseError, Hl7PathError, parseMessage } from "./index.ts";

// The ADT^A04 example from HL7 v2.5 chapter 2/3 (MASSIE), as the standard prints it.
const STANDARD_A04 = [
  "MSH|^~\\&|REGADT|MCM|IFENG||199112311501||ADT^A04^ADT_A01|000001|P|2.5|||",
  "EVN|A04|199112311501||||199112311501",
  'PID|||191919^^^GENHOS^MR~371-66-9256^^^USSSA^SS|253763|MASSIE^JAMES^A||19560129|M|||171 ZOBERLEIN^^ISHPEMING^MI^49849^""^||(900)485-5344|(900)485-5344||S|C|10199925^^^GENHOS^AN|371-66-9256||',
  'NK1|1|MASSIE^ELLEN|SPOUSE|171 ZOBERLEIN^^ISHPEMING^MI^49849^""^|(900)485-5344|(900)545-1234~(900)545-1200|EC^EMERGENCY CONTACT',
  'NK1|2|MASSIE^MARYLOU|MOTHER|300 ZOBERLEIN^^ISHPEMING^MI^49849^""^|(900)485-5344|(900)545-1234~(900)545-1200|EC^EMERGENCY CONTACT',
  "PV1||O|O/R||||0148^ADDISON^JAMES|0148^ADDISON^JAMES|0148^ADDISON^JAMES|AMB|||||||0148^ADDISON^JAMES|S|1400|A|||||||||||||||||||GENHOS|||||199501101410|",
  "PV2||||||||199901101400||||||||||||||||||||||||||199901101400",
].join("\r");

/** Parses and expects an Hl7ParseError; returns it for further assertions. */
function rejects(input: string | Uint8Array): Hl7ParseError {
  try {
    parseMessage(input);
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(Hl7ParseError);
    return err as Hl7ParseError;
  }
  throw new Error(`expected a parse error for ${JSON.stringify(input)}`);
}

describe("parseMessage on the standard's ADT^A04 example", () => {
  const msg = parseMessage(STANDARD_A04);

  it("reads MSH-1 and MSH-2 as the delimiters themselves", () => {
    expect(msg.get("MSH-1")).toBe("|");
    expect(msg.get("MSH-2")).toBe("^~\\&");
    expect(msg.delimiters).toEqual({
      field: "|",
      component: "^",
      repetition: "~",
      escape: "\\",
      subcomponent: "&",
    });
  });

  it("numbers MSH fields so that MSH-3 is the sending application", () => {
    expect(msg.get("MSH-3")).toBe("REGADT");
    expect(msg.get("MSH-4")).toBe("MCM");
    expect(msg.get("MSH-7")).toBe("199112311501");
    expect(msg.get("MSH-10")).toBe("000001");
    expect(msg.get("MSH-12")).toBe("2.5");
  });

  it("returns ER7 for structured elements and text for leaves", () => {
    expect(msg.get("MSH-9")).toBe("ADT^A04^ADT_A01");
    expect(msg.get("MSH-9.1")).toBe("ADT");
    expect(msg.get("MSH-9.2")).toBe("A04");
    expect(msg.get("MSH-9.3")).toBe("ADT_A01");
    expect(msg.get("PID-5")).toBe("MASSIE^JAMES^A");
    expect(msg.get("PID-5[1].1.1")).toBe("MASSIE");
    expect(msg.get("PID-8")).toBe("M");
  });

  it("addresses field repetitions 1-based, omitted meaning 1", () => {
    expect(msg.get("PID-3")).toBe("191919^^^GENHOS^MR");
    expect(msg.get("PID-3.1")).toBe("191919");
    expect(msg.get("PID-3[2].1")).toBe("371-66-9256");
    expect(msg.get("PID-3[2].4")).toBe("USSSA");
    expect(msg.get("PID-3[3].1")).toBeUndefined();
    expect(msg.getAll("PID-3.5")).toEqual(["MR", "SS"]);
  });

  it("addresses segment repetitions", () => {
    expect(msg.get("NK1-2.2")).toBe("ELLEN");
    expect(msg.get("NK1[2]-2.2")).toBe("MARYLOU");
    expect(msg.get("NK1[3]-2.2")).toBeUndefined();
    expect(msg.segments("NK1").map((s) => s.get("2.1"))).toEqual(["MASSIE", "MASSIE"]);
    expect(msg.segments().map((s) => s.name)).toEqual(["MSH", "EVN", "PID", "NK1", "NK1", "PV1", "PV2"]);
  });

  it("keeps the HL7 null distinct from empty", () => {
    expect(msg.get("PID-11.6")).toBe('""');
    expect(msg.get("PID-11.2")).toBeUndefined();
    expect(msg.get("PID-1")).toBeUndefined();
  });

  it("gives undefined for anything absent", () => {
    expect(msg.get("PV1-44")).toBe("199501101410");
    expect(msg.get("PV1-45")).toBeUndefined();
    expect(msg.get("PV1-99")).toBeUndefined();
    expect(msg.get("ZZZ-1")).toBeUndefined();
    expect(msg.get("PV1-3.2")).toBeUndefined();
    expect(msg.segment("OBX")).toBeUndefined();
  });

  it("round-trips byte for byte", () => {
    expect(msg.toString()).toBe(STANDARD_A04);
    expect(parseMessage(`${STANDARD_A04}\r`).toString()).toBe(`${STANDARD_A04}\r`);
  });
});

describe("messy input", () => {
  const base = ["MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5", "PID|1||42^^^H^MR||Doe^Jane", "PV1|1|I"];

  it("accepts \\n, \\r\\n and mixed terminators and normalises them to \\r", () => {
    for (const sep of ["\n", "\r\n", "\n\r"]) {
      const m = parseMessage(base.join(sep) + sep);
      expect(m.get("PID-5.2"), JSON.stringify(sep)).toBe("Jane");
      expect(m.segmentCount).toBe(3);
      expect(m.toString()).toBe(`${base.join("\r")}\r`);
    }
    const mixed = parseMessage(`${base[0]}\r\n${base[1]}\n${base[2]}\r`);
    expect(mixed.toString()).toBe(`${base.join("\r")}\r`);
  });

  it("skips a BOM and blank lines", () => {
    const m = parseMessage(`\uFEFF\r\n${base.join("\r\n\r\n")}\r\n\r\n`);
    expect(m.segmentCount).toBe(3);
    expect(m.toString()).toBe(`${base.join("\r")}\r`);
  });

  it("ignores trailing delimiters", () => {
    const m = parseMessage(
      "MSH|^~\\&|A|B|C|D|20240101||ADT^A01^|1|P|2.5|||\rPID|1||42^^^H^MR~||Doe^Jane^^^|||",
    );
    expect(m.get("MSH-9")).toBe("ADT^A01^");
    expect(m.get("MSH-9.3")).toBeUndefined();
    expect(m.get("PID-3[2]")).toBeUndefined();
    expect(m.getAll("PID-3.1")).toEqual(["42", undefined]);
    expect(m.get("PID-5.2")).toBe("Jane");
    expect(m.get("PID-8")).toBeUndefined();
  });

  it("reads custom delimiters including a truncation character", () => {
    const m = parseMessage("MSH*:!$%#*APP*FAC*****ADT:A08*X9*P*2.7\rPID*1**7:::H!8:::S**Mc$T$Kay:Anne%Marie");
    expect(m.delimiters).toEqual({
      field: "*",
      component: ":",
      repetition: "!",
      escape: "$",
      subcomponent: "%",
      truncation: "#",
    });
    expect(m.get("MSH-1")).toBe("*");
    expect(m.get("MSH-2")).toBe(":!$%#");
    expect(m.get("MSH-9.2")).toBe("A08");
    expect(m.get("PID-3[2].1")).toBe("8");
    expect(m.get("PID-5.1")).toBe("Mc%Kay");
    expect(m.get("PID-5.2")).toBe("Anne%Marie");
    expect(m.get("PID-5.2.2")).toBe("Marie");
  });

  it("reads Z-segments like any other", () => {
    const m = parseMessage(`${base.join("\r")}\rZPI|1|VIP^Very Important|""\rZ01|x`);
    expect(m.get("ZPI-2.2")).toBe("Very Important");
    expect(m.get("Z01-1")).toBe("x");
  });

  it("decodes escapes only in leaves and keeps them in structured ER7", () => {
    const m = parseMessage(`${base[0]}\rNTE|1||Line one\\.br\\Smith \\T\\ Sons\\F\\\\X0D0A\\^second`);
    expect(m.get("NTE-3")).toBe("Line one\\.br\\Smith \\T\\ Sons\\F\\\\X0D0A\\^second");
    expect(m.get("NTE-3.1")).toBe("Line one\\.br\\Smith & Sons|\r\n");
    expect(m.get("NTE-3.1", { formatting: "text" })).toBe("Line one\nSmith & Sons|\r\n");
    expect(m.get("NTE-3.1", { formatting: "strip" })).toBe("Line oneSmith & Sons|\r\n");
  });

  it("handles a multi-megabyte embedded document lazily", () => {
    const doc = "QUJD".repeat(2 * 1024 * 1024); // 8 MiB of base64
    const text = `${base.join("\r")}\rOBX|1|ED|PDF^Report||^application^pdf^Base64^${doc}||||||F\rZXX|end`;
    const m = parseMessage(text);
    expect(m.get("OBX-5.5")?.length).toBe(doc.length);
    expect(m.get("OBX-11")).toBe("F");
    expect(m.get("ZXX-1")).toBe("end");
    expect(m.toString()).toBe(text);
  });

  it("reads a segment with only a name", () => {
    const m = parseMessage(`${base[0]}\rZNM`);
    expect(m.get("ZNM-1")).toBeUndefined();
    expect(m.segment("ZNM")?.fieldCount).toBe(0);
    expect(m.segment("ZNM")?.toString()).toBe("ZNM");
  });

  it("accepts bytes, decoded per MSH-18", () => {
    const utf8 = new TextEncoder().encode(`${base[0]}|||||UNICODE UTF-8\rPID|1||1||Müller^Zoë`);
    expect(parseMessage(utf8).get("PID-5.2")).toBe("Zoë");
    const latin1 = Uint8Array.from(
      [...`MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5||||||8859/1\rPID|1||1||M\u00fcller`].map((c) =>
        c.charCodeAt(0),
      ),
    );
    expect(parseMessage(latin1).get("PID-5.1")).toBe("Müller");
  });
});

describe("segments and paths", () => {
  const m = parseMessage("MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\rOBX|1|ST|a||first\rOBX|2|ST|b||second~again");

  it("reads OBX[2]-5 and segment-relative paths", () => {
    expect(m.get("OBX[2]-5")).toBe("second");
    expect(m.get("OBX[2]-5[2]")).toBe("again");
    const obx = m.segments("OBX");
    expect(obx.map((s) => s.get("5"))).toEqual(["first", "second"]);
    expect(obx[1]?.repetitions(5)).toBe(2);
    expect(obx[1]?.fieldCount).toBe(5);
    expect(m.segment("MSH")?.fieldCount).toBe(12);
    expect(m.segment("MSH")?.get("9.2")).toBe("A01");
  });

  it("finds segment repetitions in long messages too", () => {
    const obx = Array.from({ length: 150 }, (_, i) => `OBX|${i + 1}|NM|c||${i * 2}`);
    const long = parseMessage(`MSH|^~\\&|A|B|C|D|1||ORU^R01|1|P|2.5\r${obx.join("\r")}\rZZZ|end`);
    expect(long.get("OBX[77]-5")).toBe("152");
    expect(long.get("OBX[150]-1")).toBe("150");
    expect(long.get("OBX[151]-1")).toBeUndefined();
    expect(long.get("ZZZ-1")).toBe("end");
    expect(long.segments("OBX")).toHaveLength(150);
  });

  it("returns the whole segment for a segment-only path", () => {
    expect(m.get("OBX[2]")).toBe("OBX|2|ST|b||second~again");
  });

  it("rejects malformed paths with Hl7PathError", () => {
    for (const p of ["PID", "pid-3", "PID-0", "PID-3[0]", "PID-3.", "PID3", "PID-3.1.1.1", ""]) {
      if (p === "PID") continue; // a segment-only path is valid
      expect(() => m.get(p), p).toThrow(Hl7PathError);
    }
  });
});

describe("errors name the position and never the value", () => {
  const secret = "SECRETNAME";

  it.each([
    ["empty", "", Hl7ErrorCode.EMPTY, undefined, undefined],
    ["blank", "\r\n  \r\n", Hl7ErrorCode.EMPTY, undefined, undefined],
    ["not MSH", `PID|1||${secret}`, Hl7ErrorCode.NO_MSH, 1, undefined],
    ["batch", `FHS|^~\\&|${secret}`, Hl7ErrorCode.NO_MSH, 1, undefined],
    ["garbage first", `${secret}|x`, Hl7ErrorCode.NO_MSH, 1, undefined],
    ["short MSH", "MSH", Hl7ErrorCode.BAD_DELIMITERS, 1, 1],
    ["alnum separator", `MSHA^~\\&A${secret}`, Hl7ErrorCode.BAD_DELIMITERS, 1, 1],
    ["three encoding chars", `MSH|^~\\|${secret}`, Hl7ErrorCode.BAD_DELIMITERS, 1, 2],
    ["repeated delimiter", `MSH|^^\\&|${secret}`, Hl7ErrorCode.BAD_DELIMITERS, 1, 2],
    ["no MSH-9", `MSH|^~\\&|${secret}|B|C|D|1|||1|P|2.5`, Hl7ErrorCode.MISSING_FIELD, 1, 9],
    ["no MSH-10", `MSH|^~\\&|${secret}|B|C|D|1||ADT^A01||P|2.5`, Hl7ErrorCode.MISSING_FIELD, 1, 10],
    [
      "lowercase segment",
      `MSH|^~\\&|A|B|C|D|1||ADT^A01|1\rpid|1|${secret}`,
      Hl7ErrorCode.BAD_SEGMENT_NAME,
      2,
      undefined,
    ],
    [
      "text line",
      `MSH|^~\\&|A|B|C|D|1||ADT^A01|1\rPID|1\r${secret} wrapped line`,
      Hl7ErrorCode.BAD_SEGMENT_NAME,
      3,
      undefined,
    ],
    [
      "wrong separator",
      `MSH|^~\\&|A|B|C|D|1||ADT^A01|1\rPID*1*${secret}`,
      Hl7ErrorCode.BAD_SEGMENT_NAME,
      2,
      undefined,
    ],
    [
      "second MSH",
      `MSH|^~\\&|A|B|C|D|1||ADT^A01|1\rMSH|^~\\&|${secret}`,
      Hl7ErrorCode.MULTIPLE_MESSAGES,
      2,
      undefined,
    ],
    ["NUL", `MSH|^~\\&|A|B|C|D|1||ADT^A01|1\rPID|1||${secret}\u0000`, Hl7ErrorCode.CONTROL_CHARACTER, 2, 3],
    ["MLLP byte", `\u000bMSH|^~\\&|A|B|C|D|1||ADT^A01|1`, Hl7ErrorCode.NO_MSH, 1, undefined],
    ["VT in MSH-3", `MSH|^~\\&|A\u000b${secret}|B|C|D|1||ADT^A01|1`, Hl7ErrorCode.CONTROL_CHARACTER, 1, 3],
  ])("%s", (_label, input, code, segmentIndex, field) => {
    const err = rejects(input);
    expect(err.code).toBe(code);
    expect(err.segmentIndex).toBe(segmentIndex);
    expect(err.field).toBe(field);
    expect(err.message).not.toContain(secret);
    expect(err.name).toBe("Hl7ParseError");
    expect(err.hl7ErrorCode).toBeGreaterThanOrEqual(100);
  });

  it("can skip the MSH-9/MSH-10 requirement", () => {
    expect(parseMessage("MSH|^~\\&|A", { requireHeaderFields: false }).get("MSH-3")).toBe("A");
  });

  it("names the segment and sequence for control characters", () => {
    const err = rejects("MSH|^~\\&|A|B|C|D|1||ADT^A01|1\rOBX|1\rOBX|2|ST|x||va\u0007lue");
    expect([err.segmentName, err.segmentIndex, err.segmentSequence, err.field]).toEqual(["OBX", 3, 2, 5]);
    expect(err.message).toBe("segment 3 (OBX), field 5: control character inside a segment");
  });
});
