import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildAck, buildBatchAck, Hl7ErrorCode, Hl7ParseError, parseMessage, splitBatch } from "./index.ts";
import { generateAdtCorpus } from "./testing/corpus.ts";

const msg = (id: string) =>
  `MSH|^~\\&|S|SF|R|RF|20240101||ADT^A01^ADT_A01|${id}|P|2.5\rPID|1||${id}^^^H^MR\r`;
const NOW = new Date("2024-01-02T03:04:05Z");

function code(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(Hl7ParseError);
    return (err as Hl7ParseError).code;
  }
  return "no error";
}

describe("splitBatch", () => {
  it("splits a FHS/BHS file and checks BTS-1/FTS-1", () => {
    const file = `FHS|^~\\&|S|SF|R|RF|20240101||||F001\rBHS|^~\\&|S|SF|R|RF|20240101||||B001\r${msg("1")}${msg("2")}BTS|2\rFTS|1\r`;
    const b = splitBatch(file);
    expect(b.messages).toEqual([msg("1"), msg("2")]);
    expect(b.batches).toHaveLength(1);
    expect(b.fileHeader).toContain("F001");
    expect(b.batches[0]?.header).toContain("B001");
    expect(b.messages.map((m) => parseMessage(m).get("MSH-10"))).toEqual(["1", "2"]);
  });

  it("splits several batches in one file", () => {
    const file = `FHS|^~\\&\rBHS|^~\\&\r${msg("1")}BTS|1\rBHS|^~\\&\r${msg("2")}${msg("3")}BTS|2\rFTS|2`;
    const b = splitBatch(file);
    expect(b.batches.map((g) => g.messages.length)).toEqual([1, 2]);
    expect(b.messages).toHaveLength(3);
  });

  it("splits a bare multi-MSH stream with any terminators", () => {
    const stream = `${msg("1")}${msg("2")}${msg("3")}`.replace(/\r/g, "\r\n");
    expect(splitBatch(stream).messages).toEqual([msg("1"), msg("2"), msg("3")]);
    expect(splitBatch(msg("9")).messages).toEqual([msg("9")]);
  });

  it("accepts empty counts and an empty batch", () => {
    expect(splitBatch(`BHS|^~\\&\r${msg("1")}BTS|`).messages).toHaveLength(1);
    expect(splitBatch("BHS|^~\\&\rBTS|0").messages).toHaveLength(0);
  });

  it("rejects wrong counts", () => {
    expect(code(() => splitBatch(`BHS|^~\\&\r${msg("1")}BTS|2`))).toBe(Hl7ErrorCode.BATCH_COUNT_MISMATCH);
    expect(code(() => splitBatch(`FHS|^~\\&\rBHS|^~\\&\r${msg("1")}BTS|1\rFTS|3`))).toBe(
      Hl7ErrorCode.BATCH_COUNT_MISMATCH,
    );
    expect(code(() => splitBatch(`BHS|^~\\&\r${msg("1")}BTS|x`))).toBe(Hl7ErrorCode.BATCH_COUNT_MISMATCH);
  });

  it("rejects broken envelopes", () => {
    expect(code(() => splitBatch(`BHS|^~\\&\r${msg("1")}`))).toBe(Hl7ErrorCode.BAD_BATCH_STRUCTURE);
    expect(code(() => splitBatch(`FHS|^~\\&\rBHS|^~\\&\r${msg("1")}BTS|1`))).toBe(
      Hl7ErrorCode.BAD_BATCH_STRUCTURE,
    );
    expect(code(() => splitBatch(`${msg("1")}FHS|^~\\&`))).toBe(Hl7ErrorCode.BAD_BATCH_STRUCTURE);
    expect(code(() => splitBatch(`BHS|^~\\&\rBHS|^~\\&\r${msg("1")}BTS|1`))).toBe(
      Hl7ErrorCode.BAD_BATCH_STRUCTURE,
    );
    expect(code(() => splitBatch(`FHS|^~\\&\rFTS|0\r${msg("1")}`))).toBe(Hl7ErrorCode.BAD_BATCH_STRUCTURE);
    expect(code(() => splitBatch("PID|1|x"))).toBe(Hl7ErrorCode.NO_MSH);
    expect(code(() => splitBatch("\r\n"))).toBe(Hl7ErrorCode.EMPTY);
    expect(code(() => splitBatch("BHS|^^\\&"))).toBe(Hl7ErrorCode.BAD_DELIMITERS);
  });
});

describe("buildBatchAck", () => {
  it("wraps ACKs with swapped headers and references the original control ids", () => {
    const file = `FHS|^~\\&|S|SF|R|RF|20240101||||F001\rBHS|^~\\&|S|SF|R|RF|20240101||||B001\r${msg("1")}${msg("2")}BTS|2\rFTS|1\r`;
    const batch = splitBatch(file);
    const acks = batch.messages.map((m, i) =>
      buildAck(m, i === 0 ? "AA" : "AE", { now: NOW, controlId: `A${i}` }),
    );
    const reply = buildBatchAck(batch, acks, { now: NOW, controlId: "R1" });
    expect(
      reply
        .split("\r")
        .filter((l) => l !== "")
        .map((l) => l.slice(0, 3)),
    ).toEqual(["FHS", "BHS", "MSH", "MSA", "MSH", "MSA", "BTS", "FTS"]);
    expect(
      reply.startsWith(
        "FHS|^~\\&|R|RF|S|SF|20240102030405+0000||||R1|F001\rBHS|^~\\&|R|RF|S|SF|20240102030405+0000||||R1|B001\r",
      ),
    ).toBe(true);
    const back = splitBatch(reply);
    expect(back.messages.map((m) => parseMessage(m).get("MSA-1"))).toEqual(["AA", "AE"]);
    expect(back.messages.map((m) => parseMessage(m).get("MSA-2"))).toEqual(["1", "2"]);
  });

  it("builds a BHS envelope for a bare multi-MSH stream", () => {
    const batch = splitBatch(`${msg("1")}${msg("2")}`);
    const reply = buildBatchAck(
      batch,
      batch.messages.map((m) => buildAck(m, "AA")),
    );
    const back = splitBatch(reply);
    expect(back.fileHeader).toBeUndefined();
    expect(back.batches[0]?.header?.startsWith("BHS|^~\\&")).toBe(true);
    expect(back.messages).toHaveLength(2);
  });

  it("refuses a wrong number of ACKs", () => {
    const batch = splitBatch(`${msg("1")}${msg("2")}`);
    expect(() => buildBatchAck(batch, [])).toThrow(RangeError);
  });
});

describe("splitBatch properties", () => {
  const pool = generateAdtCorpus({ count: 30, seed: 8 });

  it("gives back exactly the messages that were wrapped, in any envelope and with any terminators", () => {
    const batchArb = fc.array(fc.array(fc.constantFrom(...pool), { maxLength: 4 }), {
      minLength: 1,
      maxLength: 3,
    });
    fc.assert(
      fc.property(
        batchArb,
        fc.boolean(),
        fc.constantFrom("\r", "\n", "\r\n"),
        (groups, withFile, terminator) => {
          const lines: string[] = [];
          if (withFile) lines.push("FHS|^~\\&|S|F|R|RF|20240101||||F1");
          for (const g of groups) {
            lines.push("BHS|^~\\&|S|F|R|RF|20240101||||B1");
            for (const m of g) lines.push(m.replace(/\r$/, ""));
            lines.push(`BTS|${g.length}`);
          }
          if (withFile) lines.push(`FTS|${groups.length}`);
          const text = lines.join("\r").replace(/\r/g, terminator) + terminator;
          const batch = splitBatch(text);
          expect(batch.batches.map((b) => b.messages.length)).toEqual(groups.map((g) => g.length));
          expect(batch.messages).toEqual(groups.flat());
          const reply = splitBatch(
            buildBatchAck(
              batch,
              batch.messages.map((m) => buildAck(m, "AA")),
            ),
          );
          expect(reply.messages.map((m) => parseMessage(m).get("MSA-2"))).toEqual(
            groups.flat().map((m) => parseMessage(m).get("MSH-10")),
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});
