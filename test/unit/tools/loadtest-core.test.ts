/**
 * The load test's own arithmetic: percentiles, control-id round trips, ACK scanning, and the
 * report's invariants (counts that add up) over arbitrary ledgers.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scanAcks } from "../../../tools/loadtest/ack.ts";
import { skippedCleanup } from "../../../tools/loadtest/cleanup.ts";
import { ControlIds, Ledger, Outcome } from "../../../tools/loadtest/ledger.ts";
import { buildReport, formatSummary, sustainedRate } from "../../../tools/loadtest/report.ts";
import { histogram, quantileSorted, summarize } from "../../../tools/loadtest/stats.ts";

/** A report of `ledger` with fixed, irrelevant run facts (times, machine, options). */
const reportOf = (ledger: Ledger, requests: number) =>
  buildReport({
    ledger,
    requests,
    startedAt: new Date(0),
    finishedAt: new Date(1),
    command: "t",
    machine: { cpus: 2, cpuModel: "x", memoryGb: 1, node: "v20", os: "linux", sharedNote: null },
    options: {},
    profile: { processes: [], eventLoopDelayMs: null, machine: null, notes: [] },
  });

describe("stats", () => {
  it("nearest-rank quantiles match the definition", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 500 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (xs, q) => {
          const sorted = Float64Array.from(xs).sort();
          const v = quantileSorted(sorted, q);
          const atOrBelow = xs.filter((x) => x <= v).length;
          // At least q of the samples are ≤ v, and v is a sample.
          expect(atOrBelow).toBeGreaterThanOrEqual(Math.ceil(q * xs.length));
          expect(xs).toContain(v);
        },
      ),
    );
  });

  it("summaries are ordered and histograms count every sample once", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 60_000, noNaN: true }), { maxLength: 300 }), (xs) => {
        const s = summarize(xs);
        expect(s.count).toBe(xs.length);
        if (xs.length) {
          expect(s.min).toBeLessThanOrEqual(s.p50);
          expect(s.p50).toBeLessThanOrEqual(s.p99);
          expect(s.p99).toBeLessThanOrEqual(s.max);
        }
        expect(histogram(xs).reduce((a, b) => a + b.count, 0)).toBe(xs.length);
      }),
    );
    expect(summarize([]).p99).toBeNaN();
    expect(quantileSorted(Float64Array.from([1, 2, 3, 4]), 0.5)).toBe(2);
    expect(quantileSorted(Float64Array.from([1, 2, 3, 4]), 0.99)).toBe(4);
  });
});

describe("control ids", () => {
  it("round-trip every index and reject ids of other runs", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (i) => {
        const ids = new ControlIds("LTabc123");
        const id = ids.make(i);
        expect(id.length).toBeLessThanOrEqual(20); // HL7 2.5 ST length of MSH-10
        expect(ids.indexOf(id)).toBe(i);
        expect(new ControlIds("LTzzz999").indexOf(id)).toBe(-1);
      }),
    );
    expect(new ControlIds("LTa").indexOf("LTa-1")).toBe(-1);
  });
});

describe("scanAcks", () => {
  it("reads code and control id of single and batch ACKs, any field separator", () => {
    expect(scanAcks("MSH|^~\\&|A|B|C|D|20250101||ACK^A01^ACK|X|P|2.5.1\rMSA|AA|C1\r")).toEqual([
      { code: "AA", controlId: "C1", text: undefined },
    ]);
    expect(scanAcks("MSH!^~\\&!A\r\nMSA!AR!C2!bad message\r\nERR!!PID^1\r\n")).toEqual([
      { code: "AR", controlId: "C2", text: "bad message" },
    ]);
    const batch = "FHS|^~\\&\rBHS|^~\\&\rMSH|^~\\&\rMSA|AA|B1\rMSH|^~\\&\rMSA|AE|B2|queue\rBTS|2\rFTS|1\r";
    expect(scanAcks(batch).map((a) => `${a.code}:${a.controlId}`)).toEqual(["AA:B1", "AE:B2"]);
    // "MSA|" inside a field is not a segment.
    expect(scanAcks("MSH|^~\\&|MSA|x\r")).toEqual([]);
  });
});

describe("report", () => {
  const outcomes = fc.constantFrom(
    Outcome.pending,
    Outcome.AA,
    Outcome.AA,
    Outcome.AA,
    Outcome.AE,
    Outcome.AR,
    Outcome.http,
    Outcome.network,
  );
  const entry = fc.record({
    outcome: outcomes,
    sent: fc.double({ min: 0, max: 20_000, noNaN: true }),
    ackAfter: fc.double({ min: 0.1, max: 2000, noNaN: true }),
    deliveredAfter: fc.option(fc.double({ min: 0.1, max: 5000, noNaN: true })),
    dlq: fc.boolean(),
    extraDeliveries: fc.integer({ min: 0, max: 2 }),
  });

  it("counts add up for any ledger", () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 300 }), (entries) => {
        const ledger = new Ledger(entries.length);
        entries.forEach((e, i) => {
          ledger.outcome[i] = e.outcome;
          if (e.outcome === Outcome.pending) return;
          ledger.sentAt[i] = e.sent;
          if (e.outcome !== Outcome.network) ledger.ackAt[i] = e.sent + e.ackAfter;
          if (e.deliveredAfter !== null) {
            for (let k = 0; k <= e.extraDeliveries; k++)
              ledger.delivered(i, e.dlq ? "dlq" : "events", e.sent + e.deliveredAfter + k);
          }
        });
        const r = reportOf(ledger, entries.length);
        const c = r.counts;
        const acked = Object.values(c.acknowledged).reduce((a, b) => a + b, 0);
        const why = JSON.stringify(c);
        expect(c.sent, why).toBe(entries.filter((e) => e.outcome !== Outcome.pending).length);
        expect(acked + c.notAnswered, why).toBe(c.sent);
        expect(c.delivered + c.lost, why).toBe(c.acknowledged.AA);
        expect(c.deliveredToEvents + c.deliveredToDlq, why).toBe(c.delivered);
        const expectedLost = entries.filter(
          (e) => e.outcome === Outcome.AA && e.deliveredAfter === null,
        ).length;
        expect(c.lost, why).toBe(expectedLost);
        expect(r.verdict.correct, why).toBe(c.lost === 0 && c.acknowledged.AA === entries.length);
        expect(r.timeline.reduce((a, p) => a + p.sent, 0)).toBe(c.sent);
        expect(r.verdict.line.startsWith(r.verdict.correct ? "VERDICT PASS" : "VERDICT FAIL")).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("flags a lost message and names the reference design", () => {
    const ledger = new Ledger(2);
    for (const i of [0, 1]) {
      ledger.outcome[i] = Outcome.AA;
      ledger.sentAt[i] = 0;
      ledger.ackAt[i] = 5;
    }
    ledger.delivered(0, "events", 40);
    const r = reportOf(ledger, 2);
    expect(r.counts.lost).toBe(1);
    expect(r.verdict.correct).toBe(false);
    expect(r.verdict.line).toMatch(/^VERDICT FAIL: 1\/2 .*1 lost.*reference ≈ 56 msg\/s and 4–5 s/);
  });

  it("says in the summary what happened to the run's Redis keys, once runLoadtest has filled it in", () => {
    const r = reportOf(new Ledger(0), 0);
    expect(r.redisCleanup).toBeNull();
    expect(formatSummary(r)).not.toMatch(/^ {2}redis /m);
    r.redisCleanup = skippedCleanup(
      "ran against a system the load test did not start: its Redis keys were left",
    );
    expect(formatSummary(r)).toMatch(/^ {2}redis +ran against a system .* keys were left$/m);
  });

  it("sustained rate ignores warm-up and tail but not a mid-run stall", () => {
    const tl = (xs: number[]) =>
      xs.map((delivered, t) => ({
        t,
        sent: 0,
        acked: 0,
        delivered,
        ackP50: null,
        ackP99: null,
        e2eP50: null,
        e2eP99: null,
      }));
    expect(sustainedRate(tl([10, 1000, 1000, 1000, 1000, 1000, 20]), 5030)).toBe(1000);
    expect(sustainedRate(tl([1000, 1000, 0, 0, 0, 1000, 1000]), 4000)).toBeCloseTo(4000 / 7);
  });
});
