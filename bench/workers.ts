/**
 * Worker benchmark: `npm run bench:workers`.
 *
 * Pre-fills a fresh BullMQ queue with realistic ADT jobs (as the edge enqueues them), then
 * drains it (a) with a BullMQ worker whose processor does nothing (the baseline: what BullMQ
 * alone costs on this Redis) and (b) with the real worker (validate, parse, normalise, batched
 * idempotent produce with acks=all, complete after the ack), same concurrency, in one run.
 * Rounds are interleaved and the best round of each is reported, so a noisy neighbour hurts
 * both alike. Throughput is counted from the first to the last completed job.
 *
 * Env: REDIS_URL, KAFKA_BROKERS (default: the local services), BENCH_JOBS (default 20000),
 * BENCH_ROUNDS (default 2), WORKER_CONCURRENCY (default 256), KAFKA_LINGER_MS (default 5).
 */
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { loadVendorProfiles } from "../shared/adt/profile-file.ts";
import { silentLogger } from "../shared/log/logger.ts";
import { INGEST_JOB_NAME, INGEST_JOB_OPTIONS } from "../shared/queue/job.ts";
import { parseWorkerEnv } from "../workers/env.ts";
import { createKafka } from "../workers/kafka/client.ts";
import { adtJob } from "../workers/testing/adt-jobs.ts";
import { startWorkerRuntime } from "../workers/worker.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? "127.0.0.1:9092";
const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = process.env.WORKER_CONCURRENCY ?? "256";
const LINGER = process.env.KAFKA_LINGER_MS ?? "5";
const run = `${Date.now().toString(36)}`;

interface Result {
  name: string;
  jobsPerS: number;
  wallS: number;
  /** CPU time of this process (user + system) per job while draining; less sensitive to a busy VM. */
  cpuUsPerJob: number;
  extra: string;
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function prefill(queueName: string): Promise<{ queue: Queue; connection: Redis }> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection });
  const vendors = ["demo", "acme-hie"];
  for (let start = 0; start < JOBS; start += 1000) {
    const chunk = Array.from({ length: Math.min(1000, JOBS - start) }, (_, i) => {
      const seq = start + i + 1;
      const data = adtJob(vendors[seq % 2] as string, seq, { patient: seq % 5000 });
      return { name: INGEST_JOB_NAME, data, opts: { ...INGEST_JOB_OPTIONS, jobId: data.id } };
    });
    await queue.addBulk(chunk);
  }
  return { queue, connection };
}

/**
 * Polls the queue (every 20 ms) and returns when the first job left the queue and when the last
 * did. Polling rather than worker events: the real worker may complete jobs before a listener
 * could be attached, and both runs are measured the same way. Counted from what is left to do,
 * since `removeOnComplete` trims the completed set.
 */
async function completionTimes(queue: Queue): Promise<{ first: number; last: number }> {
  let first = 0;
  for (;;) {
    const c = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "failed");
    const t = performance.now();
    if (c.failed) throw new Error(`${c.failed} jobs failed`);
    const left = (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0);
    if (!first && left < JOBS) first = t;
    if (left === 0) return { first, last: t };
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function baseline(round: number): Promise<Result> {
  const name = `bench-base-${run}-${round}`;
  const { queue, connection } = await prefill(name);
  const started = performance.now();
  const cpu0 = cpuNow();
  const worker = new Worker(name, async () => undefined, {
    connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
    concurrency: Number(CONCURRENCY),
  });
  const { first, last } = await completionTimes(queue);
  const wall = (performance.now() - started) / 1000;
  const cpuUsPerJob = (cpuNow() - cpu0) / JOBS;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await connection.quit();
  return {
    name: "BullMQ only (empty processor)",
    jobsPerS: (JOBS - 1) / ((last - first) / 1000),
    wallS: wall,
    cpuUsPerJob,
    extra: "",
  };
}

async function workers(round: number, compression: "gzip" | "none"): Promise<Result> {
  const name = `bench-work-${run}-${round}-${compression}`;
  const prefix = `bench-${run}-${round}-${compression}.`;
  const env = parseWorkerEnv({
    REDIS_URL,
    KAFKA_BROKERS,
    INGEST_QUEUE: name,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_PARTITIONS: "6",
    WORKER_CONCURRENCY: CONCURRENCY,
    KAFKA_LINGER_MS: LINGER,
    KAFKA_COMPRESSION: compression,
    METRICS_PORT: "0",
  });
  const profiles = loadVendorProfiles("config/vendors.json");
  const { queue, connection } = await prefill(name);
  const started = performance.now();
  const cpu0 = cpuNow();
  const runtime = await startWorkerRuntime(env, { logger: silentLogger, profiles });
  const { first, last } = await completionTimes(queue);
  const wall = (performance.now() - started) / 1000;
  const cpuUsPerJob = (cpuNow() - cpu0) / JOBS;
  const m = runtime.metrics;
  const produced =
    m.jobs.get({ vendor: "demo", outcome: "produced" }) +
    m.jobs.get({ vendor: "acme-hie", outcome: "produced" });
  const batches = Number(/^adt_worker_batch_records_count (\d+)$/m.exec(await m.registry.render())?.[1] ?? 0);
  const p50 = m.produceSeconds.quantile(0.5) ?? Number.NaN;
  const p99 = m.produceSeconds.quantile(0.99) ?? Number.NaN;
  await runtime.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await connection.quit();
  // Drop the benchmark's topics so the shared broker does not accumulate them.
  const admin = createKafka(env, silentLogger).admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  if (produced !== JOBS) throw new Error(`produced ${produced} of ${JOBS}`);
  return {
    name: `workers → Kafka (${compression}, linger ${LINGER} ms)`,
    jobsPerS: (JOBS - 1) / ((last - first) / 1000),
    wallS: wall,
    cpuUsPerJob,
    extra: `${batches} produce requests (${Math.round((2 * JOBS) / batches)} records each), request p50 ≤ ${p50 * 1000} ms, p99 ≤ ${p99 * 1000} ms`,
  };
}

async function main(): Promise<void> {
  console.log(
    `bench:workers — ${JOBS} jobs per run, concurrency ${CONCURRENCY}, ${ROUNDS} interleaved rounds, Node ${process.version}`,
  );
  const best = new Map<string, Result>();
  const keep = (r: Result) => {
    const prev = best.get(r.name);
    if (!prev || r.jobsPerS > prev.jobsPerS) best.set(r.name, r);
    console.log(
      `  round: ${r.name}: ${Math.round(r.jobsPerS)} jobs/s (wall ${r.wallS.toFixed(1)} s, CPU ${Math.round(r.cpuUsPerJob)} µs/job) ${r.extra}`,
    );
  };
  for (let round = 1; round <= ROUNDS; round++) {
    keep(await baseline(round));
    keep(await workers(round, "gzip"));
    keep(await workers(round, "none"));
  }
  const base = [...best.values()].find((r) => r.name.startsWith("BullMQ"))?.jobsPerS ?? Number.NaN;
  console.log(
    "\n| run | jobs/s (best round) | wall s | CPU µs/job | share of BullMQ-only | notes |\n|---|---:|---:|---:|---:|---|",
  );
  for (const r of best.values())
    console.log(
      `| ${r.name} | ${Math.round(r.jobsPerS).toLocaleString("en-US")} | ${r.wallS.toFixed(1)} | ${Math.round(r.cpuUsPerJob)} | ${((100 * r.jobsPerS) / base).toFixed(0)} % | ${r.extra} |`,
    );
  const load = await import("node:os").then((os) => os.loadavg()[0]?.toFixed(1));
  console.log(`\nload average (1 min) at the end: ${load}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
