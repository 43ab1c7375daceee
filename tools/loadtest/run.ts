/**
 * One load test run, end to end: generate traffic, start the system (or use a running one),
 * consume the vendor topics, send, wait for every acknowledged message to show up on Kafka,
 * and build the report. Everything it started is stopped, whatever happens; with a stack of its
 * own, the run's keys are removed from Redis once edge and workers are down (cleanup.ts).
 */
import { randomBytes } from "node:crypto";
import { cpus, platform, release, totalmem } from "node:os";
import { resolve } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { loadLocalStackConfig } from "../../infra/local/config.ts";
import { createKey } from "../../scripts/start/keys.ts";
import { type RunningStack, startStack } from "../../scripts/start/stack.ts";
import { loadVendorProfiles } from "../../shared/adt/profile-file.ts";
import { topicName } from "../../shared/kafka/topics.ts";
import { DEFAULT_BULLMQ_PREFIX } from "../../shared/queue/redis-prefix.ts";
import { cleanupRunKeys, type RedisCleanup, skippedCleanup } from "./cleanup.ts";
import { ControlIds, Ledger, Outcome } from "./ledger.ts";
import { ensureTopics, startMatcher } from "./matcher.ts";
import { type ProfiledProcess, Profiler, profileNotes } from "./profiler.ts";
import { Progress } from "./progress.ts";
import { buildReport, type RunReport } from "./report.ts";
import { sendAll } from "./sender.ts";
import { generateTraffic } from "./traffic.ts";

export interface LoadtestOptions {
  messages: number;
  vendors: string[];
  connections: number;
  rate: number | undefined;
  mix: Record<string, number>;
  batchFraction: number;
  batchSize: number;
  seed: number;
  /** Use a running system at this URL instead of starting one. */
  url: string | undefined;
  /** vendor → key, for `url`; without it keys are created in `redisUrl`. */
  keys: Record<string, string>;
  redisUrl: string | undefined;
  kafkaBrokers: string[] | undefined;
  topicPrefix: string;
  queue: string;
  vendorProfiles: string;
  /** Own stack: worker processes and their concurrency. */
  workers: number;
  workerConcurrency: number | undefined;
  partitions: number;
  /** Give up waiting for deliveries after this long without a new one. */
  drainTimeoutMs: number;
  requestTimeoutMs: number;
  /** SIGKILL worker 1 once this many messages were acknowledged (fault drill). */
  killWorkerAfter: number | undefined;
  /** Extra environment for the workers of an own stack (e.g. short stall detection for a drill). */
  workerEnv: NodeJS.ProcessEnv;
  progress: boolean;
  /** Aborting stops sending and waiting; the report covers what was sent, the stack is stopped. */
  signal?: AbortSignal;
  command: string;
  sharedNote: string | null;
  root: string;
  say: (line: string) => void;
}

export const LOADTEST_QUEUE = "adt-loadtest";
export const LOADTEST_TOPIC_PREFIX = "loadtest.";

export class LoadtestError extends Error {
  override name = "LoadtestError";
}

/**
 * @example
 * const { report } = await runLoadtest({ ...defaults, messages: 300 });
 * report.counts.lost; // 0
 */
export async function runLoadtest(
  o: LoadtestOptions,
): Promise<{ report: RunReport; stack: RunningStack | undefined }> {
  const say = o.say;
  const runId = randomBytes(4).toString("hex").slice(0, 6);
  const ids = new ControlIds(`LT${runId}`);
  const ledger = new Ledger(o.messages);
  const profiles = loadVendorProfiles(resolve(o.root, o.vendorProfiles));
  const vendors = o.vendors.length ? o.vendors : [...profiles.keys()];
  if (vendors.length > 255) throw new LoadtestError("at most 255 vendors per run");

  const t0gen = performance.now();
  const { requests, bytes } = generateTraffic({
    messages: o.messages,
    vendors,
    profiles,
    mix: o.mix,
    batchFraction: o.batchFraction,
    batchSize: o.batchSize,
    seed: o.seed,
    ids,
    ledger,
  });
  say(
    `generated ${o.messages.toLocaleString("en-US")} messages (${(bytes / 1048576).toFixed(1)} MB, ${requests.length.toLocaleString("en-US")} requests, ` +
      `${vendors.join(", ")}) in ${Math.round(performance.now() - t0gen)} ms; run id ${runId}`,
  );

  let stack: RunningStack | undefined;
  let matcher: Awaited<ReturnType<typeof startMatcher>> | undefined;
  let report: RunReport | undefined;
  try {
    let url = o.url;
    let redisUrl = o.redisUrl;
    let brokers = o.kafkaBrokers;
    if (!url) {
      const cfg = loadLocalStackConfig(process.env, o.root);
      stack = await startStack({
        cfg,
        root: o.root,
        baseEnv: process.env,
        port: 0,
        host: "127.0.0.1",
        workers: o.workers,
        topicPrefix: o.topicPrefix,
        queue: o.queue,
        vendorProfiles: o.vendorProfiles,
        // A load test measures capacity, not the per-vendor rate limit.
        edgeEnv: { RATE_LIMIT_RPS: "10000000", RATE_LIMIT_BURST: "10000000" },
        workerEnv: {
          KAFKA_PARTITIONS: String(o.partitions),
          ...(o.workerConcurrency ? { WORKER_CONCURRENCY: String(o.workerConcurrency) } : {}),
          ...o.workerEnv,
        },
        logDir: resolve(cfg.dataDir, "logs", `loadtest-${runId}`),
        say,
      });
      url = stack.url;
      redisUrl = stack.redisUrl;
      brokers = stack.kafkaBrokers;
    }
    if (!brokers?.length)
      throw new LoadtestError("Kafka brokers are needed to match records (--kafka-brokers)");
    const keys: string[] = [];
    for (const v of vendors) {
      const given = o.keys[v];
      if (given) keys.push(given);
      else if (redisUrl) keys.push(await createKey(redisUrl, v));
      else
        throw new LoadtestError(
          `no key for vendor ${v}: pass --keys ${v}=<key> or --redis-url to create one`,
        );
    }

    const kafka = new Kafka({ clientId: `adt-loadtest-${runId}`, brokers, logLevel: logLevel.NOTHING });
    const allTopics = vendors.flatMap((v) =>
      (["events", "raw", "dlq"] as const).map((k) => topicName(o.topicPrefix, v, k)),
    );
    await ensureTopics(kafka, allTopics, o.partitions);
    const readTopics = allTopics.filter((t) => !t.endsWith(".raw"));

    const t0 = performance.now();
    const now = () => performance.now() - t0;
    let acked = 0;
    let delivered = 0;
    let sent = 0;
    const progress = new Progress(() => ({ total: o.messages, sent, acked, delivered }), {
      out: o.progress ? process.stderr : undefined,
    });
    matcher = await startMatcher({
      kafka,
      topicPrefix: o.topicPrefix,
      topics: readTopics,
      ledger,
      ids,
      now,
      onRecord: (i, _kind, at, first) => {
        if (!first) return;
        delivered++;
        progress.e2eWindow.add(at - (ledger.sentAt[i] as number));
      },
    });

    const procs: ProfiledProcess[] = [{ name: "loadtest (this)", pid: process.pid }];
    if (stack) {
      procs.push({ name: "edge", pid: stack.edge.pid });
      stack.workers.forEach((w) => void procs.push({ name: w.name, pid: w.pid }));
      for (const s of stack.servicePids) procs.push({ name: s.name, pid: s.pid });
    }
    const profiler = new Profiler(procs);
    profiler.start();
    if (o.progress) progress.start();
    let killed = false;
    say(
      `sending to ${url} over ${o.connections} keep-alive connection(s), ${o.rate ? `open-loop at ${o.rate.toLocaleString("en-US")} msg/s` : "closed-loop"}…`,
    );
    await sendAll(requests, ledger, ids, {
      url: new URL(url),
      keys,
      connections: o.connections,
      rate: o.rate,
      timeoutMs: o.requestTimeoutMs,
      now,
      shouldStop: () => o.signal?.aborted === true,
      onAnswered: (req) => {
        sent += req.count;
        for (let i = req.first; i < req.first + req.count; i++) {
          if (ledger.outcome[i] !== Outcome.AA) continue;
          acked++;
          progress.ackWindow.add((ledger.ackAt[i] as number) - (ledger.sentAt[i] as number));
        }
        if (!killed && stack && o.killWorkerAfter !== undefined && acked >= o.killWorkerAfter) {
          killed = true;
          const w = stack.workers[0];
          if (w) {
            w.kill();
            say(`\nkilled ${w.name} (pid ${w.pid}) with SIGKILL after ${acked} acknowledged messages`);
          }
        }
      },
    });

    // Wait until every AA message is on Kafka, or until deliveries stop arriving.
    let lastDelivered = -1;
    let lastChange = performance.now();
    for (;;) {
      if (delivered >= acked || o.signal?.aborted) break;
      if (delivered !== lastDelivered) {
        lastDelivered = delivered;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > o.drainTimeoutMs) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // A short grace for late duplicates, so they are counted rather than missed.
    await new Promise((r) => setTimeout(r, 500));
    if (o.progress) progress.stop();
    const prof = profiler.stop();
    await matcher.stop();
    matcher = undefined;

    const cpuList = cpus();
    report = buildReport({
      ledger,
      requests: requests.length,
      startedAt: new Date(Date.now() - now()),
      finishedAt: new Date(),
      command: o.command,
      machine: {
        cpus: cpuList.length,
        cpuModel: cpuList[0]?.model.trim() ?? "unknown",
        memoryGb: Math.round(totalmem() / 1073741824),
        node: process.version,
        os: `${platform()} ${release()}`,
        sharedNote: o.sharedNote,
      },
      options: {
        messages: o.messages,
        vendors: vendors.join(","),
        connections: o.connections,
        rate: o.rate ?? null,
        mix: Object.entries(o.mix)
          .map(([k, v]) => `${k}=${v}`)
          .join(","),
        batchFraction: o.batchFraction,
        batchSize: o.batchSize,
        seed: o.seed,
        ownStack: stack !== undefined,
        workers: stack ? o.workers : null,
        workerConcurrency: o.workerConcurrency ?? null,
        partitions: o.partitions,
        topicPrefix: o.topicPrefix,
        killWorkerAfter: o.killWorkerAfter ?? null,
      },
      profile: {
        processes: prof.processes,
        eventLoopDelayMs: prof.eventLoopDelayMs,
        machine: prof.machine ?? null,
        notes: profileNotes(prof.processes, cpuList.length, prof.machine),
      },
    });
    return { report, stack };
  } finally {
    await matcher?.stop().catch(() => {});
    let cleanup = skippedCleanup(
      "ran against a system the load test did not start: its Redis keys were left as they are",
    );
    const own = stack;
    // Between the workers and the services: nothing writes any more, Redis still runs (and a
    // Redis this run started is stopped with the keys already gone). Also after Ctrl-C.
    if (own)
      await own.stop(say, async () => {
        cleanup = await cleanUp(own, o, ids, say);
      });
    if (report) {
      if (report.counts.deliveredToDlq)
        cleanup.note += `; ${report.counts.deliveredToDlq} DLQ record(s) stay on the Kafka dlq topics (Kafka is never cleaned)`;
      report.redisCleanup = cleanup;
    }
  }
}

/** Removes the run's keys from the own stack's Redis; never throws (a failure is reported). */
async function cleanUp(
  stack: RunningStack,
  o: LoadtestOptions,
  ids: ControlIds,
  say: (line: string) => void,
): Promise<RedisCleanup> {
  // The stack's children got process.env, so this is the prefix they used.
  const prefix = process.env.BULLMQ_PREFIX || DEFAULT_BULLMQ_PREFIX;
  say(`redis: removing this run's keys from ${prefix}:${o.queue}…`);
  let cleanup: RedisCleanup;
  try {
    cleanup = await cleanupRunKeys({
      redisUrl: stack.redisUrl,
      prefix,
      queue: o.queue,
      controlIds: (function* () {
        for (let i = 0; i < o.messages; i++) yield ids.make(i);
      })(),
    });
  } catch (err) {
    cleanup = skippedCleanup(
      `could not remove this run's keys from ${prefix}:${o.queue} (${err instanceof Error ? err.message : String(err)}); they expire after DEDUP_WINDOW_SECONDS`,
    );
  }
  say(`redis: ${cleanup.note}`);
  return cleanup;
}
