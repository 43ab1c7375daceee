/**
 * The load test tested: a small run through the real edge, workers, Redis and Kafka must
 * report zero lost with counts that add up, and so must a run in which a worker is killed
 * (SIGKILL) halfway. Each run starts its own stack on fresh queue and topic names; the shared
 * Redis and Kafka are reused and never stopped. A run on its own stack leaves none of its
 * per-message keys in Redis (also after an abort); a run against a system it did not start
 * touches none.
 */
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { loadLocalStackConfig } from "../../../infra/local/config.ts";
import { type RunningStack, startStack } from "../../../scripts/start/stack.ts";
import { DEFAULT_BULLMQ_PREFIX } from "../../../shared/queue/redis-prefix.ts";
import { DEFAULT_MIX } from "../../../tools/loadtest/generate.ts";
import { renderHtml } from "../../../tools/loadtest/html.ts";
import type { RunReport } from "../../../tools/loadtest/report.ts";
import { type LoadtestOptions, runLoadtest } from "../../../tools/loadtest/run.ts";
import { testServices, uniqueName } from "../../support/services.ts";

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

const prefix = process.env.BULLMQ_PREFIX || DEFAULT_BULLMQ_PREFIX;

/** Keys under `<prefix>:<queue>:`, counted by their first part (`de`, `adt-ctl`, ...; "job" for job hashes). */
async function queueKeys(redis: Redis, queue: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:${queue}:*`, "COUNT", 1000);
    cursor = next;
    for (const k of keys) {
      const first = k.slice(`${prefix}:${queue}:`.length).split(":")[0] as string;
      const kind = /^[0-9a-f]{8}-[0-9a-f]{4}-/.test(first) ? "job" : first;
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
  } while (cursor !== "0");
  return counts;
}

/** Test hygiene: whatever a test left under its (unique) queue. */
async function dropQueueKeys(redis: Redis, queue: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:${queue}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== "0");
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

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

  it("removes its own keys from Redis after the run, and only those", async () => {
    const o = options({ messages: 150, batchFraction: 0 });
    const redis = new Redis(testServices().redisUrl);
    cleanup = async () => {
      await dropQueueKeys(redis, o.queue);
      redis.disconnect();
    };
    // Another run's keys on the same queue (its de-duplication must keep working).
    const other = `${prefix}:${o.queue}:de:other:${"a".repeat(64)}:${"b".repeat(64)}`;
    const otherCtl = `${prefix}:${o.queue}:adt-ctl:other:${"a".repeat(64)}`;
    await redis.set(other, "job-of-another-run", "EX", 600);
    await redis.set(otherCtl, "b".repeat(64), "EX", 600);

    const { report } = await runLoadtest(o);
    const left = await queueKeys(redis, o.queue);
    const why = JSON.stringify({ left: [...left], cleanup: report.redisCleanup, counts: report.counts });
    expect(report.counts.lost, why).toBe(0);
    expect(report.counts.acknowledged.AA, why).toBe(150);
    expect(report.verdict.correct, why).toBe(true);
    // Only the other run's two keys and the per-vendor seq counters are left.
    expect(left.get("de"), why).toBe(1);
    expect(left.get("adt-ctl"), why).toBe(1);
    expect(await redis.exists(other, otherCtl), why).toBe(2);
    expect([...left.keys()].sort(), why).toEqual(["adt-ctl", "adt-seq", "de"]);
    expect(report.redisCleanup, why).toMatchObject({
      done: true,
      keyspace: `${prefix}:${o.queue}`,
      removed: { dedupKeys: 150, controlIdKeys: 150, completedJobs: 150 },
      kept: { failedJobs: 0, queuedJobs: 0 },
    });
    expect(report.redisCleanup?.note, why).toMatch(/^removed \d+ Redis key\(s\) of this run/);
  });

  it("also removes them when the run is aborted (Ctrl-C)", async () => {
    const abort = new AbortController();
    const o = options({
      messages: 1000,
      rate: 200,
      batchFraction: 0,
      signal: abort.signal,
      say: (line) => {
        if (line.startsWith("sending to")) setTimeout(() => abort.abort(), 1500);
      },
    });
    const redis = new Redis(testServices().redisUrl);
    cleanup = async () => {
      await dropQueueKeys(redis, o.queue);
      redis.disconnect();
    };
    const { report } = await runLoadtest(o);
    const left = await queueKeys(redis, o.queue);
    const why = JSON.stringify({ left: [...left], cleanup: report.redisCleanup, counts: report.counts });
    expect(report.counts.sent, why).toBeLessThan(1000);
    expect(report.counts.acknowledged.AA, why).toBeGreaterThan(0);
    expect(left.get("de"), why).toBeUndefined();
    expect(left.get("adt-ctl"), why).toBeUndefined();
    // Every accepted message had one de-duplication key, and it went.
    expect(report.redisCleanup?.removed.dedupKeys, why).toBe(report.counts.acknowledged.AA);
    expect(report.redisCleanup?.done, why).toBe(true);
  });

  it("leaves every key of a system it did not start (--url)", async () => {
    const name = uniqueName("lt-url");
    const stack: RunningStack = await startStack({
      cfg: loadLocalStackConfig(process.env, root),
      root,
      baseEnv: process.env,
      port: 0,
      host: "127.0.0.1",
      workers: 1,
      topicPrefix: `${name}.`,
      queue: name,
      vendorProfiles: "config/vendors.json",
      edgeEnv: { RATE_LIMIT_RPS: "10000000", RATE_LIMIT_BURST: "10000000" },
      logDir: join(tmpdir(), `adt-stream-${name}`),
    });
    const redis = new Redis(stack.redisUrl);
    cleanup = async () => {
      await stack.stop(() => {});
      await dropQueueKeys(redis, name);
      redis.disconnect();
    };
    const { report } = await runLoadtest(
      options({
        messages: 60,
        batchFraction: 0,
        url: stack.url,
        redisUrl: stack.redisUrl,
        kafkaBrokers: stack.kafkaBrokers,
        topicPrefix: `${name}.`,
        queue: name,
      }),
    );
    const left = await queueKeys(redis, name);
    const why = JSON.stringify({ left: [...left], cleanup: report.redisCleanup, counts: report.counts });
    expect(report.counts.lost, why).toBe(0);
    expect(left.get("de"), why).toBe(60);
    expect(left.get("adt-ctl"), why).toBe(60);
    expect(report.redisCleanup?.done, why).toBe(false);
    expect(report.redisCleanup?.note, why).toMatch(/left as they are/);
  });
});
