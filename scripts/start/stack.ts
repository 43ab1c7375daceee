/**
 * The whole system on one machine: local Redis + Kafka (reused when already running), the
 * edge and N worker processes. Used by `npm start` and by the load test; `stop()` undoes
 * exactly what `startStack` did, in the order that keeps queued messages safe.
 */
import { join } from "node:path";
import type { LocalStackConfig } from "../../infra/local/config.ts";
import { servicesDown, servicesUp } from "../../infra/local/services.ts";
import { type ManagedChild, startChild } from "./child.ts";
import { freeTcpPort } from "./ports.ts";

export interface StackOptions {
  cfg: LocalStackConfig;
  /** Repository root (entries and config are resolved from here). */
  root: string;
  /** Environment handed to the children (REDIS_URL etc. are filled in). */
  baseEnv: NodeJS.ProcessEnv;
  /** Edge port; 0 picks a free one. */
  port: number;
  host: string;
  workers: number;
  topicPrefix: string;
  queue: string;
  vendorProfiles: string;
  /** Extra variables for the edge only (rate limits for a load test). */
  edgeEnv?: NodeJS.ProcessEnv;
  workerEnv?: NodeJS.ProcessEnv;
  logDir: string;
  /** Progress lines ("starting kafka…"). */
  say?: (line: string) => void;
}

export interface RunningStack {
  url: string;
  redisUrl: string;
  kafkaBrokers: string[];
  edge: ManagedChild;
  workers: ManagedChild[];
  /** Edge /metrics and each worker's /metrics. */
  metricsUrls: { edge: string; workers: string[] };
  /** Services this call started (and `stop` will stop); reused ones are left alone. */
  startedServices: Array<"redis" | "kafka">;
  servicePids: { name: string; pid: number }[];
  /**
   * Edge first (stop accepting), then workers (finish in-flight; the rest stays queued in Redis),
   * then `beforeServices` (Redis and Kafka still up, nothing else writing: the load test's
   * cleanup), then services. Services are stopped even when `beforeServices` throws.
   */
  stop(say?: (line: string) => void, beforeServices?: () => Promise<void>): Promise<void>;
}

/**
 * @example
 * const stack = await startStack({ cfg, root, baseEnv: process.env, port: 8080, host: "127.0.0.1", workers: 1, ... });
 * // ... POST to stack.url ...
 * await stack.stop();
 */
export async function startStack(o: StackOptions): Promise<RunningStack> {
  const say = o.say ?? (() => {});
  say("local services: starting or reusing Redis and Kafka…");
  const { services, endpoints } = await servicesUp(o.cfg);
  const startedServices = services.filter((s) => s.startedNow).map((s) => s.name);
  for (const s of services) say(`  ${s.name}: ${s.startedNow ? "started" : "reused"} (${s.endpoint})`);
  const servicePids = services.flatMap((s) => (s.pid !== undefined ? [{ name: s.name, pid: s.pid }] : []));

  const common: NodeJS.ProcessEnv = {
    ...o.baseEnv,
    REDIS_URL: endpoints.redisUrl,
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(","),
    KAFKA_TOPIC_PREFIX: o.topicPrefix,
    INGEST_QUEUE: o.queue,
    VENDOR_PROFILES: o.vendorProfiles,
  };
  const workers: ManagedChild[] = [];
  const workerMetrics: string[] = [];
  let edge: ManagedChild | undefined;
  const stopAll = async (sayStop: (line: string) => void, beforeServices?: () => Promise<void>) => {
    if (edge) {
      sayStop(`stopping edge (pid ${edge.pid})…`);
      await edge.stop();
    }
    if (workers.length)
      sayStop(
        `stopping ${workers.length} worker(s) (pids ${workers.map((w) => w.pid).join(", ")}); queued messages stay in Redis…`,
      );
    await Promise.all(workers.map((w) => w.stop()));
    try {
      await beforeServices?.();
    } finally {
      if (startedServices.length) {
        sayStop(`stopping ${startedServices.join(" and ")}…`);
        await servicesDown(o.cfg, startedServices);
      }
    }
  };
  try {
    // Workers first: by the time the edge accepts a message something is there to take it.
    for (let i = 0; i < o.workers; i++) {
      const metricsPort = await freeTcpPort();
      say(`worker ${i + 1}/${o.workers}: starting…`);
      const { child } = await startChild({
        name: `worker-${i + 1}`,
        entry: "workers/main.ts",
        cwd: o.root,
        env: { ...common, METRICS_PORT: String(metricsPort), METRICS_HOST: "127.0.0.1", ...o.workerEnv },
        logFile: join(o.logDir, `worker-${i + 1}.log`),
        readyEvent: "worker_ready",
      });
      workers.push(child);
      workerMetrics.push(`http://127.0.0.1:${metricsPort}/metrics`);
    }
    say("edge: starting…");
    const port = o.port === 0 ? await freeTcpPort() : o.port;
    const started = await startChild({
      name: "edge",
      entry: "edge/entries/node.ts",
      cwd: o.root,
      env: { ...common, PORT: String(port), HOST: o.host, ...o.edgeEnv },
      logFile: join(o.logDir, "edge.log"),
      readyEvent: "edge_listening",
    });
    edge = started.child;
    const listening = Number(started.ready.port) || port;
    const hostForUrl = o.host === "0.0.0.0" ? "127.0.0.1" : o.host;
    const base = `http://${hostForUrl}:${listening}`;
    const edgeChild = edge;
    return {
      url: `${base}/v1/messages`,
      redisUrl: endpoints.redisUrl,
      kafkaBrokers: endpoints.kafkaBrokers,
      edge: edgeChild,
      workers,
      metricsUrls: { edge: `${base}/metrics`, workers: workerMetrics },
      startedServices,
      servicePids,
      stop: (s, beforeServices) => stopAll(s ?? say, beforeServices),
    };
  } catch (err) {
    await stopAll(say);
    throw err;
  }
}
