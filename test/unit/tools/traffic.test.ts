/**
 * The generated traffic is what real vendors send: every message parses with our HL7 library,
 * carries its control id, uses its vendor's delimiters and terminators, respects the vendor
 * profile (accepted triggers, sending facilities, required fields), and batches split back
 * into the same messages. Plus the send tool's input splitting and the status-line metrics.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bucketsOf, parseProm, sumOf, windowQuantile } from "../../../scripts/start/prom.ts";
import { isAccepted } from "../../../shared/adt/profile.ts";
import { loadVendorProfiles } from "../../../shared/adt/profile-file.ts";
import { encodeMllp, parseMessage, splitBatch } from "../../../shared/hl7/index.ts";
import {
  DEFAULT_MIX,
  escapeValue,
  generateMessage,
  parseMix,
  STANDARD_DELIMITERS,
  styleFor,
} from "../../../tools/loadtest/generate.ts";
import { ControlIds, Ledger } from "../../../tools/loadtest/ledger.ts";
import { createRng } from "../../../tools/loadtest/rng.ts";
import { generateTraffic } from "../../../tools/loadtest/traffic.ts";
import { splitInput } from "../../../tools/send/input.ts";

const root = resolve(import.meta.dirname, "../../..");
const profiles = loadVendorProfiles(resolve(root, "config/vendors.json"));

describe("generated ADT traffic", () => {
  it("parses, keeps control ids and honours each vendor profile", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 1, max: 60 }), (seed, messages) => {
        const ids = new ControlIds("LTtest1");
        const ledger = new Ledger(messages);
        const vendors = [...profiles.keys()];
        const { requests } = generateTraffic({
          messages,
          vendors,
          profiles,
          mix: DEFAULT_MIX,
          batchFraction: 0.3,
          batchSize: 4,
          seed,
          ids,
          ledger,
        });
        expect(requests.reduce((a, r) => a + r.count, 0)).toBe(messages);
        let expected = 0;
        for (const req of requests) {
          const vendor = vendors[req.vendor] as string;
          const profile = profiles.get(vendor)!;
          const texts = splitBatch(req.body.toString("utf8")).messages;
          expect(texts.length).toBe(req.count);
          for (const text of texts) {
            const m = parseMessage(text);
            expect(m.get("MSH-10")).toBe(ids.make(expected));
            expect(ledger.vendorIndex[expected]).toBe(req.vendor);
            expected++;
            expect(isAccepted(profile, m.get("MSH-9.1") ?? "", m.get("MSH-9.2") ?? "")).toBe(true);
            if (profile.sendingFacilities) expect(profile.sendingFacilities).toContain(m.get("MSH-4.1"));
            for (const path of profile.required) expect(m.get(path), `${vendor} ${path}`).toBeTruthy();
            expect(m.get("PID-5.1")).toBeTruthy();
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it("writes each vendor's own delimiters and terminators", () => {
    const rng = createRng(3);
    const acme = generateMessage(rng, styleFor("acme-hie", 1), "C1", "A01", new Date()).text;
    expect(acme.startsWith("MSH|@~\\#|")).toBe(true);
    expect(acme).toContain("\r\n");
    expect(parseMessage(acme).get("PID-3.4")).toBe("ACME");
    const stMary = generateMessage(rng, styleFor("st-mary", 2), "C2", "A08", new Date()).text;
    expect(stMary).not.toContain("\r");
    expect(parseMessage(stMary).segment("ZPV")).toBeDefined();
  });

  it("escapes delimiters inside values so they read back unchanged", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (value) => {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters cannot appear in ER7 values, so the property leaves them out.
        const clean = value.replace(/[\r\n\x00-\x1f\x7f]/g, "");
        const text = `MSH|^~\\&|A|B|||20250101||ADT^A01|X|P|2.5.1\rNTE|1||${escapeValue(clean, STANDARD_DELIMITERS)}\r`;
        expect(parseMessage(text).get("NTE-3") ?? "").toBe(clean);
      }),
    );
  });

  it("parses a trigger mix and rejects nonsense", () => {
    expect(parseMix("A01=10, A08=30")).toEqual({ A01: 10, A08: 30 });
    expect(() => parseMix("A01")).toThrow(/A01=10/);
    expect(() => parseMix("A99=1")).toThrow(/not generated/);
    expect(() => parseMix("A01=0")).toThrow(/positive/);
  });
});

describe("send tool input", () => {
  it("splits single, batch and MLLP-framed files", () => {
    const single = readFileSync(resolve(root, "examples/adt-a01.hl7"));
    expect(splitInput("a", single).messages.map((m) => parseMessage(m.text).get("MSH-10"))).toEqual([
      "DEMO-A01-0001",
    ]);
    const batch = readFileSync(resolve(root, "examples/batch.hl7"));
    expect(splitInput("b", batch).messages.map((m) => parseMessage(m.text).get("MSH-10"))).toEqual([
      "DEMO-B-0001",
      "DEMO-B-0002",
      "DEMO-B-0003",
    ]);
    const mllp = readFileSync(resolve(root, "examples/mllp.hl7"));
    expect(splitInput("c", mllp).messages.map((m) => parseMessage(m.text).get("MSH-10"))).toEqual([
      "DEMO-M-0001",
      "DEMO-M-0002",
    ]);
    // A frame may itself hold a batch.
    const framed = encodeMllp(batch);
    expect(splitInput("d", framed).messages).toHaveLength(3);
    expect(() => splitInput("e", new Uint8Array())).toThrow(/no HL7 message/);
  });
});

describe("status metrics", () => {
  it("sums counters and takes window quantiles from cumulative buckets", () => {
    const before = parseProm('h_bucket{le="0.1"} 10\nh_bucket{le="0.5"} 10\nh_bucket{le="+Inf"} 10\n');
    const after = parseProm(
      '# HELP x\nx_total{vendor="a",outcome="produced"} 3\nx_total{vendor="b",outcome="produced"} 4\nx_total{vendor="b",outcome="dlq"} 1\n' +
        'h_bucket{le="0.1"} 11\nh_bucket{le="0.5"} 110\nh_bucket{le="+Inf"} 110\n',
    );
    expect(sumOf(after, "x_total", { outcome: "produced" })).toBe(7);
    expect(windowQuantile(bucketsOf(before, "h"), bucketsOf(after, "h"), 0.99)).toBe(0.5);
    expect(windowQuantile(bucketsOf(after, "h"), bucketsOf(after, "h"), 0.99)).toBeUndefined();
  });
});
