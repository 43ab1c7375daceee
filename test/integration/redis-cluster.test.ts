/**
 * REDIS_CLUSTER=true against a real local Redis Cluster (3 masters, no replicas; MemoryDB is
 * always a cluster): the edge app built by createNodeDeps accepts a message and a resend
 * (enqueued once), a batch (one MULTI in one slot), and an in-process worker delivers the
 * jobs to the shared Kafka. The redis-server processes are this file's own, stopped by PID.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../edge/app.ts";
import { EdgeEnvSchema } from "../../edge/env.ts";
import { generateApiKey } from "../../edge/keys.ts";
import { RedisKeyStore } from "../../edge/node/redis-key-store.ts";
import { createNodeDeps, type NodeEdge } from "../../edge/node/setup.ts";
import { ConfigError, parseEnv } from "../../shared/config/env.ts";
import { topicName } from "../../shared/kafka/topics.ts";
import { createRedisConnection, type RedisConnection } from "../../shared/queue/redis-node.ts";
import { parseWorkerEnv } from "../../workers/env.ts";
import { readAllKcat } from "../support/kafka.ts";
import { freePort } from "../support/private-stack.ts";
import { testServices, uniqueName } from "../support/services.ts";
import { waitFor } from "../support/wait.ts";
import { adtMessage, CapturingLogger, HL7, msa } from "./edge/helpers.ts";
import { profilesFrom, startTestWorker } from "./workers/helpers.ts";

const servers: ChildProcess[] = [];
let dir = "";
let redisUrl = "";
const closers: Array<() => Promise<void>> = [];

async function clusterInfo(port: number): Promise<string> {
  const r = spawnSync("redis-cli", ["-p", String(port), "cluster", "info"], {
    encoding: "utf8",
    timeout: 5000,
  });
  return r.stdout ?? "";
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "adt-redis-cluster-"));
  const ports = [await freePort(), await freePort(), await freePort()];
  for (const port of ports) {
    const nodeDir = join(dir, String(port));
    spawnSync("mkdir", ["-p", nodeDir]);
    const p = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        join(nodeDir, "nodes.conf"),
        "--appendonly",
        "yes",
        "--dir",
        nodeDir,
        "--save",
        "",
      ],
      { stdio: "ignore" },
    );
    servers.push(p);
  }
  for (const port of ports)
    await waitFor(
      `redis ${port} up`,
      () =>
        spawnSync("redis-cli", ["-p", String(port), "ping"])
          .stdout?.toString()
          .trim() === "PONG",
      {
        timeoutMs: 10_000,
      },
    );
  const created = spawnSync(
    "redis-cli",
    [
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ],
    { encoding: "utf8", timeout: 30_000 },
  );
  if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stderr}`);
  for (const port of ports)
    await waitFor(
      `cluster_state:ok on ${port}`,
      async () => (await clusterInfo(port)).includes("cluster_state:ok"),
      {
        timeoutMs: 20_000,
      },
    );
  redisUrl = `redis://127.0.0.1:${ports[0]}`;
}, 60_000);

afterAll(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  for (const p of servers) if (p.pid !== undefined && p.exitCode === null) process.kill(p.pid, "SIGTERM");
  await Promise.all(
    servers.map((p) => (p.exitCode !== null ? undefined : new Promise((r) => p.once("exit", r)))),
  );
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("REDIS_CLUSTER=true", () => {
  it("refuses a BULLMQ_PREFIX without a hash tag, naming the variable only", () => {
    const edge = () =>
      parseEnv(EdgeEnvSchema, { REDIS_CLUSTER: "true", REDIS_URL: "redis://u:secret@h:6379" });
    expect(edge).toThrow(ConfigError);
    expect(edge).toThrow(/BULLMQ_PREFIX: must contain a \{hash tag\}/);
    expect(edge).not.toThrow(/secret/);
    const worker = () =>
      parseWorkerEnv({
        REDIS_CLUSTER: "true",
        REDIS_URL: "redis://h:6379",
        KAFKA_BROKERS: "k:9092",
        BULLMQ_PREFIX: "{}x",
      });
    expect(worker).toThrow(/BULLMQ_PREFIX: must contain a \{hash tag\}/);
    expect(parseWorkerEnv({ REDIS_URL: "redis://h:6379", KAFKA_BROKERS: "k:9092" }).BULLMQ_PREFIX).toBe(
      "bull",
    );
  });

  it("edge accepts a message once (resend is a duplicate) and a batch; a worker delivers them to Kafka", async () => {
    const services = testServices();
    const prefix = `{${uniqueName("adt")}}`;
    const vendor = uniqueName("cluster");
    const common = { REDIS_URL: redisUrl, REDIS_CLUSTER: "true", BULLMQ_PREFIX: prefix };
    const edgeEnv = parseEnv(EdgeEnvSchema, { ...common, KEY_CACHE_SECONDS: "0" });

    // A key in the cluster, written through the same factory (the edge reads it from there).
    const admin: RedisConnection = createRedisConnection(redisUrl, {
      cluster: true,
      options: { maxRetriesPerRequest: 3 },
    });
    closers.push(async () => void admin.disconnect());
    const k = await generateApiKey(vendor, new Date());
    await new RedisKeyStore(admin).put(k.stored);

    const logger = new CapturingLogger();
    const edge: NodeEdge = await createNodeDeps(edgeEnv, logger);
    closers.push(() => edge.close());
    // The edge does not wait for Redis at start (readiness answers 503 meanwhile); wait until
    // both cluster connections (queue and key store) answer, as a load balancer would.
    await waitFor(
      "edge cluster connections ready",
      async () => {
        await edge.deps.enqueuer.ping();
        return (await edge.deps.keys.find(k.stored.keyId)) !== undefined;
      },
      { timeoutMs: 20_000 },
    );
    const app = createApp(edge.deps);
    const post = (body: string) =>
      app.request("/v1/messages", {
        method: "POST",
        headers: { authorization: `Bearer ${k.key}`, "content-type": HL7 },
        body,
      });

    const msg = adtMessage("CL-1");
    const first = await post(msg);
    expect(first.status).toBe(200);
    expect(msa(await first.text())[1]).toBe("AA");
    expect(first.headers.get("x-duplicate")).toBe("false");
    const second = await post(msg);
    expect(second.status).toBe(200);
    expect(msa(await second.text())[1]).toBe("AA");
    expect(second.headers.get("x-duplicate")).toBe("true");
    expect(second.headers.get("x-ingest-id")).toBe(first.headers.get("x-ingest-id"));
    const batch = await post(`${adtMessage("CL-2")}\r${adtMessage("CL-3")}\r`);
    expect(batch.status).toBe(200);

    // The keys really live under the tagged prefix, all in one slot.
    const queue = new Queue(edgeEnv.INGEST_QUEUE, { connection: admin, prefix });
    closers.push(() => queue.close());
    const counts = await queue.getJobCounts("waiting", "prioritized", "delayed", "active", "completed");
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(3);

    const workerEnv = parseWorkerEnv({
      ...common,
      KAFKA_BROKERS: services.kafkaBrokers.join(","),
      INGEST_QUEUE: edgeEnv.INGEST_QUEUE,
      KAFKA_TOPIC_PREFIX: `${uniqueName("ct")}.`,
      KAFKA_PARTITIONS: "1",
      METRICS_PORT: "0",
      WORKER_CONCURRENCY: "8",
    });
    const runtime = await startTestWorker(workerEnv, profilesFrom({ [vendor]: {} }));
    closers.push(() => runtime.close());
    await waitFor("3 jobs completed", async () => (await queue.getJobCounts("completed")).completed === 3, {
      timeoutMs: 30_000,
    });

    const events = readAllKcat(
      services.kafkaBrokers,
      topicName(workerEnv.KAFKA_TOPIC_PREFIX, vendor, "events"),
    );
    const ids = events.map((r) => r.headers["ingest-id"]);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect(ids).toContain(first.headers.get("x-ingest-id"));
  });
});
