import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { topicName } from "../../../shared/kafka/topics.ts";
import { readQueueStats } from "../../../workers/queue-stats.ts";
import { adtJob } from "../../../workers/testing/adt-jobs.ts";
import { readAllKcat } from "../../support/kafka.ts";
import { privateKafka } from "../../support/private-stack.ts";
import { testServices, uniqueName } from "../../support/services.ts";
import { waitFor } from "../../support/wait.ts";
import {
  dropQueue,
  enqueue,
  idCounts,
  ingestIdsKcat,
  startTestWorker,
  testQueue,
  testWorkerEnv,
} from "./helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("workers: Kafka outage", () => {
  it("loses no job when the broker stops while jobs flow and comes back later", async () => {
    const services = testServices();
    const kafka = await privateKafka();
    cleanups.push(() => kafka.destroy());
    const env = testWorkerEnv(
      { ...services, kafkaBrokers: [kafka.endpoint] },
      {
        RETRY_MAX_DELAY_MS: "1000",
        KAFKA_REQUEST_TIMEOUT_MS: "5000",
        KAFKA_RETRIES: "2",
        WORKER_CONCURRENCY: "32",
      },
    );
    const queue = testQueue(env);
    cleanups.push(() => dropQueue(queue));
    const runtime = await startTestWorker(env);
    cleanups.push(() => runtime.close());

    const jobs = Array.from({ length: 300 }, (_, i) => adtJob("demo", i + 1));
    await enqueue(queue, jobs.slice(0, 100));
    await waitFor(
      "first jobs produced",
      async () => ((await queue.getJobCounts("completed")).completed ?? 0) >= 50,
    );
    await kafka.stop();
    await enqueue(queue, jobs.slice(100, 200));
    // The backlog waits in Redis and shows in the metrics while the broker is away.
    const during = await waitFor(
      "retries while Kafka is down",
      async () => {
        const s = await readQueueStats(queue);
        return (
          runtime.metrics.jobs.get({ vendor: "demo", outcome: "retry" }) > 0 && s.waiting + s.delayed > 0 && s
        );
      },
      { timeoutMs: 45_000 },
    );
    expect(during.oldestAgeSeconds).toBeGreaterThan(0);
    await enqueue(queue, jobs.slice(200));
    await kafka.start();
    await waitFor(
      "every job completed after the restart",
      async () => {
        const c = await queue.getJobCounts("completed", "failed");
        expect(c.failed).toBe(0);
        return c.completed === jobs.length;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );

    const events = readAllKcat([kafka.endpoint], topicName(env.KAFKA_TOPIC_PREFIX, "demo", "events"));
    const raw = readAllKcat([kafka.endpoint], topicName(env.KAFKA_TOPIC_PREFIX, "demo", "raw"));
    const e = idCounts(events);
    const r = idCounts(raw);
    const missing = jobs.filter((j) => !e.ids.has(j.id) || !r.ids.has(j.id)).map((j) => j.seq);
    expect(missing, `missing seqs ${missing.join(",")}`).toEqual([]);
    expect(e.ids.size).toBe(jobs.length);
    console.info(`kafka outage: ${jobs.length} jobs, duplicates events=${e.duplicates} raw=${r.duplicates}`);
    expect(events.length).toBe(jobs.length + e.duplicates);
  });
});

function spawnWorker(env: Record<string, string>): {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ["--import", "tsx", "workers/main.ts"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let buf = "";
  child.stdout?.on("data", (d: Buffer) => {
    buf += d.toString("utf8");
    const parts = buf.split("\n");
    buf = parts.pop() ?? "";
    lines.push(...parts);
  });
  child.stderr?.on("data", (d: Buffer) => lines.push(d.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, lines, exited };
}

describe("workers: process killed mid-batch", () => {
  it("recovers the stalled jobs of a SIGKILLed worker on restart: nothing lost, then a graceful SIGTERM", async () => {
    const services = testServices();
    const childEnv = {
      REDIS_URL: services.redisUrl,
      KAFKA_BROKERS: services.kafkaBrokers.join(","),
      INGEST_QUEUE: uniqueName("wq-kill"),
      KAFKA_TOPIC_PREFIX: `${uniqueName("wt-kill")}.`,
      KAFKA_PARTITIONS: "3",
      METRICS_PORT: "0",
      WORKER_CONCURRENCY: "16",
      WORKER_LOCK_MS: "2000",
      WORKER_STALLED_INTERVAL_MS: "1000",
      KAFKA_LINGER_MS: "20",
      LOG_LEVEL: "info",
    };
    const env = testWorkerEnv(services, childEnv);
    const queue = testQueue(env);
    cleanups.push(() => dropQueue(queue));
    const jobs = Array.from({ length: 3000 }, (_, i) => adtJob("demo", i + 1));
    await enqueue(queue, jobs);

    const first = spawnWorker(childEnv);
    cleanups.push(async () => void first.child.kill("SIGKILL"));
    await waitFor("worker_ready", () => first.lines.some((l) => l.includes('"event":"worker_ready"')), {
      timeoutMs: 30_000,
    });
    await waitFor(
      "some jobs done",
      async () => ((await queue.getJobCounts("completed")).completed ?? 0) >= 300,
      {
        timeoutMs: 30_000,
        intervalMs: 20,
      },
    );
    first.child.kill("SIGKILL");
    await first.exited;
    const atKill = await queue.getJobCounts("active", "completed");
    expect(atKill.completed).toBeLessThan(jobs.length); // it really was mid-stream

    const second = spawnWorker(childEnv);
    cleanups.push(async () => void second.child.kill("SIGKILL"));
    await waitFor(
      "every job completed after the restart",
      async () => {
        const c = await queue.getJobCounts("completed", "failed");
        expect(c.failed).toBe(0);
        return c.completed === jobs.length;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );

    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    const events = second.lines.map((l) => l.match(/"event":"(\w+)"/)?.[1]).filter(Boolean);
    expect(events).toContain("shutdown_complete");

    const { ids, duplicates } = ingestIdsKcat(
      services.kafkaBrokers,
      topicName(childEnv.KAFKA_TOPIC_PREFIX, "demo", "events"),
    );
    expect(jobs.filter((j) => !ids.has(j.id)).length).toBe(0);
    console.info(
      `SIGKILL: ${atKill.active} active at kill, ${atKill.completed} completed; duplicates after restart: ${duplicates}`,
    );
    // Logs are metadata only: no message text, names or identifiers from the HL7.
    const allLogs = [...first.lines, ...second.lines].join("\n");
    expect(allLogs).not.toMatch(/SMITH|NGUYEN|GARCIA|OKAFOR|MAIN ST|\b10\d{4}\b/);
  });
});
