import { describe, expect, it } from "vitest";
import { parseMessage } from "../index.ts";
import { generateAdtCorpus } from "./corpus.ts";

describe("generateAdtCorpus", () => {
  it("is deterministic per seed and differs across seeds", () => {
    expect(generateAdtCorpus({ count: 20, seed: 3 })).toEqual(generateAdtCorpus({ count: 20, seed: 3 }));
    expect(generateAdtCorpus({ count: 20, seed: 3 })).not.toEqual(generateAdtCorpus({ count: 20, seed: 4 }));
  });

  it("produces well-formed ADT messages with the fields the benchmark reads", () => {
    const corpus = generateAdtCorpus({ count: 300, seed: 11, escapeRate: 0.5 });
    const ids = new Set<string>();
    for (const text of corpus) {
      const m = parseMessage(text);
      expect(m.toString()).toBe(text);
      expect(m.get("MSH-9.1")).toBe("ADT");
      expect(m.get("MSH-9.2")).toMatch(/^A\d\d$/);
      expect(m.get("PID-3[1].5")).toBe("MR");
      expect(m.get("PID-5.1")).toBeTruthy();
      expect(m.get("PID-7")).toMatch(/^\d{8}$/);
      expect(m.get("PV1-2")).toMatch(/^[IOEP]$/);
      expect(m.get("PV1-44")).toMatch(/^\d{14}$/);
      ids.add(m.get("MSH-10") ?? "");
    }
    expect(ids.size).toBe(corpus.length);
    expect(corpus.some((t) => t.includes("\\T\\"))).toBe(true);
  });

  it("embeds large documents on request and honours the terminator", () => {
    const [doc] = generateAdtCorpus({
      count: 1,
      seed: 1,
      documentRate: 1,
      documentBytes: 300_000,
      terminator: "\n",
    });
    expect(doc!.length).toBeGreaterThan(400_000);
    expect(doc).not.toContain("\r");
    expect(
      parseMessage(doc!)
        .segments("OBX")
        .some((s) => s.get("2") === "ED"),
    ).toBe(true);
  });
});
