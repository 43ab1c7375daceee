import { describe, expect, it } from "vitest";
import { buildAck, Hl7ParseError, newControlId, parseMessage, readHeader } from "./index.ts";
import { generateAdtCorpus } from "./testing/corpus.ts";

const NOW = new Date("2024-03-04T05:06:07Z");
const ORIGINAL =
  "MSH|^~\\&|EPIC|HOSP|ADTSTREAM|LAKE|20240304050000||ADT^A08^ADT_A01|CTRL123|T|2.5.1\rPID|1||42^^^H^MR||Doe^Jane\r";

describe("buildAck", () => {
  it("answers AA with swapped sender/receiver, ACK^trigger^ACK, a new id and the same version/processing id", () => {
    const ack = buildAck(parseMessage(ORIGINAL), "AA", { now: NOW, controlId: "ACK1" });
    expect(ack).toBe(
      "MSH|^~\\&|ADTSTREAM|LAKE|EPIC|HOSP|20240304050607+0000||ACK^A08^ACK|ACK1|T|2.5.1\rMSA|AA|CTRL123\r",
    );
    const parsed = parseMessage(ack);
    expect(parsed.get("MSA-2")).toBe("CTRL123");
  });

  it("generates a fresh 20-character control id by default", () => {
    const a = parseMessage(buildAck(ORIGINAL, "AA")).get("MSH-10");
    const b = parseMessage(buildAck(ORIGINAL, "AA")).get("MSH-10");
    expect(a).toMatch(/^[0-9A-F]{20}$/);
    expect(a).not.toBe(b);
  });

  it("adds a v2.5 ERR segment from a parse error, without PHI", () => {
    const broken = `${ORIGINAL}PID|1||SECRET\u0000VALUE`;
    let error: Hl7ParseError | undefined;
    try {
      parseMessage(broken);
    } catch (err) {
      error = err as Hl7ParseError;
    }
    expect(error).toBeInstanceOf(Hl7ParseError);
    const ack = buildAck(broken, "AR", { now: NOW, controlId: "ACK2", errors: [error!] });
    expect(ack).not.toContain("SECRET");
    const m = parseMessage(ack);
    expect(m.get("MSA-1")).toBe("AR");
    expect(m.get("MSA-2")).toBe("CTRL123");
    expect(m.get("ERR-2")).toBe("PID^2^3");
    expect(m.get("ERR-3")).toBe("102^Data type error^HL70357");
    expect(m.get("ERR-4")).toBe("E");
    expect(m.get("ERR-8")).toBe("control character inside a segment");
    expect(m.get("MSA-3")).toBe("control character inside a segment");
  });

  it("uses ERR-1 (ELD) for versions before 2.5", () => {
    const v23 = ORIGINAL.replace("2.5.1", "2.3");
    const ack = buildAck(v23, "AE", {
      now: NOW,
      controlId: "X",
      errors: [{ hl7ErrorCode: 207, segmentName: "PV1", field: 3, text: "Bed & ward unknown" }],
    });
    const m = parseMessage(ack);
    expect(m.get("MSH-12")).toBe("2.3");
    expect(m.get("ERR-1")).toBe("PV1^1^3^207&Application internal error&HL70357");
    expect(m.get("MSA-3")).toBe("Bed & ward unknown");
  });

  it("leaves out MSA-3 for v2.7+, where it is withdrawn, and keeps the text in ERR-8", () => {
    const v27 = ORIGINAL.replace("2.5.1", "2.7");
    const m = parseMessage(buildAck(v27, "AE", { errors: [{ hl7ErrorCode: 207, text: "try later" }] }));
    expect(m.get("MSA-3")).toBeUndefined();
    expect(m.get("ERR-8")).toBe("try later");
    expect(m.get("ERR-2")).toBeUndefined();
  });

  it("supports enhanced-mode accept codes", () => {
    for (const code of ["CA", "CE", "CR"] as const) {
      expect(parseMessage(buildAck(ORIGINAL, code)).get("MSA-1")).toBe(code);
    }
  });

  it("answers a message too broken to parse from whatever MSH fields it can read", () => {
    const broken = "\u000bMSH|^~|EPIC|HOSP|ME|HERE|x||ADT^A01|C9|P|2.4\rgarbage";
    const m = parseMessage(buildAck(broken, "AR", { now: NOW, controlId: "Z" }));
    expect(m.get("MSH-3")).toBe("ME");
    expect(m.get("MSH-5")).toBe("EPIC");
    expect(m.get("MSH-9")).toBe("ACK^A01^ACK");
    expect(m.get("MSH-12")).toBe("2.4");
    expect(m.get("MSA-2")).toBe("C9");
  });

  it("drops control characters copied from a corrupt header, so the ACK stays readable", () => {
    const corrupt = "MSH|^~\\&|EP\u0000IC|HOSP|ME|HE\u000bRE|x||ADT^A01|C\u00079|P|2.4";
    const m = parseMessage(buildAck(corrupt, "AR", { now: NOW, controlId: "Z" }));
    expect([m.get("MSH-4"), m.get("MSH-5"), m.get("MSA-2")]).toEqual(["HERE", "EPIC", "C9"]);
  });

  it("still answers when no MSH can be found at all", () => {
    const m = parseMessage(
      buildAck("not hl7", "AR", {
        now: NOW,
        controlId: "Z",
        sendingApplication: "ADTSTREAM",
        errors: [{ hl7ErrorCode: 100 }],
      }),
    );
    expect(m.get("MSH-3")).toBe("ADTSTREAM");
    expect(m.get("MSH-9")).toBe("ACK");
    expect(m.get("MSH-12")).toBe("2.5");
    expect(m.get("MSA-2")).toBeUndefined();
    expect(m.get("ERR-3.1")).toBe("100");
  });

  it("keeps the original's custom delimiters", () => {
    const custom = "MSH*:!$%*A*B*C*D*1**ADT:A04*77*P*2.5";
    const ack = buildAck(custom, "AA", { now: NOW, controlId: "Q" });
    expect(ack).toBe("MSH*:!$%*C*D*A*B*20240304050607+0000**ACK:A04:ACK*Q*P*2.5\rMSA*AA*77\r");
  });

  it("accepts a header from readHeader", () => {
    const header = readHeader(new TextEncoder().encode(ORIGINAL));
    expect(header?.controlId).toBe("CTRL123");
    expect(parseMessage(buildAck(header!, "AA")).get("MSA-2")).toBe("CTRL123");
  });
});

describe("newControlId", () => {
  it("gives 20 upper-case hex characters, all distinct across several refills of its random pool", () => {
    const ids = Array.from({ length: 5000 }, () => newControlId());
    for (const id of ids) expect(id).toMatch(/^[0-9A-F]{20}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every hex digit shows up in every position (a stuck byte or a reused slice would not).
    for (let pos = 0; pos < 20; pos++) expect(new Set(ids.map((id) => id[pos])).size).toBe(16);
  });
});

describe("readHeader", () => {
  it("reads MSH-3..12 and MSH-18 without parsing the rest", () => {
    const h = readHeader(`\uFEFF\r\n${ORIGINAL.replace("2.5.1", "2.5.1|||AL|NE||8859/1")}\u0000garbage`);
    expect(h).toMatchObject({
      delimitersValid: true,
      sendingApplication: "EPIC",
      sendingFacility: "HOSP",
      receivingApplication: "ADTSTREAM",
      receivingFacility: "LAKE",
      dateTime: "20240304050000",
      messageType: "ADT^A08^ADT_A01",
      messageCode: "ADT",
      triggerEvent: "A08",
      messageStructure: "ADT_A01",
      controlId: "CTRL123",
      processingId: "T",
      version: "2.5.1",
      charset: "8859/1",
    });
  });

  it("agrees with parseMessage on every corpus message", () => {
    for (const text of generateAdtCorpus({ count: 100, seed: 21, escapeRate: 0.5 })) {
      const h = readHeader(text)!;
      const m = parseMessage(text);
      const raw = (n: number) => m.segment("MSH")!.toString().split("|")[n - 1] ?? "";
      expect([
        h.sendingApplication,
        h.sendingFacility,
        h.dateTime,
        h.messageType,
        h.controlId,
        h.processingId,
      ]).toEqual([3, 4, 7, 9, 10, 11].map(raw));
      expect([h.messageCode, h.triggerEvent, h.messageStructure, h.version, h.charset]).toEqual([
        m.get("MSH-9.1"),
        m.get("MSH-9.2"),
        m.get("MSH-9.3"),
        m.get("MSH-12"),
        m.get("MSH-18"),
      ]);
    }
  });

  it("finds MSH after batch headers and returns undefined without one", () => {
    expect(readHeader(`FHS|^~\\&\rBHS|^~\\&\r${ORIGINAL}`)?.controlId).toBe("CTRL123");
    expect(readHeader("PID|1|x")).toBeUndefined();
    expect(readHeader(new Uint8Array())).toBeUndefined();
  });
});
