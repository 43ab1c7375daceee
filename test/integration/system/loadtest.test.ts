/**
 * The load test tested: a small run through the real edge, workers, Redis and Kafka must
 * report zero lost with counts that add up, and so must a run in which a worker is killed
 * (SIGKILL) halfway. Each run starts its own stack on fresh queue and topic names; the shared
 * Redis and Kafka are reused and never stopped.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_MIX } from "../../../tools/loadtest/generate.ts";
import { renderHtml } from "../../../tools/loadtest/html.ts";
import type { RunReport } from "../../../tools/loadtest/report.ts";
import { type LoadtestOptions, runLoadtest } from "../../../tools/loadtest/run.ts";
import { uniqueName } from "../../support/services.ts";

const root = resolve(import.meta.dirname, "../../..");

function options(over: Partial<LoadtestOptions>): LoadtestOptions {
  const name = uniqueName("lt");
  return {
    messages: 300,
    vendors: [],
    connections: 8,
    rate: undefined,
    mix: { ...DEFAULT_MIX },
    batchFraction: 0.1,
    batchSize: 5,
    seed: 7,
    url: undefined,
    keys: {},
    redisUrl: undefined,
    kafkaBrokers: undefined,
    topicPrefix: `${name}.`,
    queue: name,
    vendorProfiles: "config/vendors.json",
    workers: 1,
    workerConcurrency: undefined,
    partitions: 3,
    drainTimeoutMs: 45_000,
    requestTimeoutMs: 30_000,
    killWorkerAfter: undefined,
    workerEnv: {},
    progress: false,
    command: "test",
    sharedNote: null,
    root,
    say: () => {},
    ...over,
  };
}

/** The invariants every report must satisfy, with the report in the message when one fails. */
function expectCountsAddUp(r: RunReport): void {
  const c = r.counts;
  const why = JSON.stringify(c);
  const acked = Object.values(c.acknowledged).reduce((a, b) => a + b, 0);
  expect(c.sent, why).toBe(c.messages);
  expect(acked + c.notAnswered, why).toBe(c.sent);
  expect(c.deliveredToEvents + c.deliveredToDlq, why).toBe(c.delivered);
  expect(c.delivered + c.lost, why).toBe(c.acknowledged.AA);
  expect(r.latencyMs.endToEnd.count, why).toBe(c.deliveredToEvents + c.deliveredWithoutAa);
  expect(
    r.histogramsMs.endToEnd.reduce((a, b) => a + b.count, 0),
    why,
  ).toBe(r.latencyMs.endToEnd.count);
  expect(
    r.timeline.reduce((a, p) => a + p.sent, 0),
    why,
  ).toBe(c.sent);
  expect(
    r.timeline.reduce((a, p) => a + p.delivered, 0),
    why,
  ).toBe(r.latencyMs.endToEnd.count);
}

describe("loadtest", () => {
  it("delivers every acknowledged message of a small mixed run and its report adds up", async () => {
    const { report } = await runLoadtest(options({}));
    expectCountsAddUp(report);
    expect(report.counts.acknowledged.AA, JSON.stringify(report.counts)).toBe(300);
    expect(report.counts.lost).toBe(0);
    expect(report.counts.delivered).toBe(300);
    expect(report.verdict.correct).toBe(true);
    expect(report.verdict.line).toMatch(/^VERDICT PASS: 300\/300 .* 0 lost/);
    // Three vendors from config/vendors.json, some batches among the requests.
    expect(String(report.options.vendors).split(",").length).toBeGreaterThanOrEqual(3);
    expect(report.counts.requests).toBeLessThan(300);
    expect(report.latencyMs.endToEnd.p99).toBeGreaterThanOrEqual(report.latencyMs.endToEnd.p50);
    const html = renderHtml(report);
    expect(html).toContain("<svg");
    expect(html).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)/);
  });

  it("loses nothing when a worker is SIGKILLed halfway through", async () => {
    const { report, stack } = await runLoadtest(
      options({
        messages: 1200,
        workers: 2,
        // Open-loop, so the kill lands while traffic is still flowing.
        rate: 200,
        batchFraction: 0,
        killWorkerAfter: 500,
        // Hand a dead worker's jobs over in seconds instead of the production 30 s.
        workerEnv: { WORKER_LOCK_MS: "3000", WORKER_STALLED_INTERVAL_MS: "1000" },
        drainTimeoutMs: 60_000,
      }),
    );
    expectCountsAddUp(report);
    expect(report.options.killWorkerAfter).toBe(500);
    // The drill really happened: worker 1 died of SIGKILL, worker 2 finished the job.
    expect(await stack?.workers[0]?.exited).toBe("SIGKILL");
    expect(report.counts.acknowledged.AA, JSON.stringify(report.counts)).toBe(1200);
    expect(report.counts.lost, JSON.stringify(report.counts)).toBe(0);
    expect(report.verdict.correct).toBe(true);
  });
});
