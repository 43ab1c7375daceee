import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import type { LocalStackConfig } from "./config.ts";
import { LocalServiceError } from "./errors.ts";
import {
  ensureTls,
  kafkaPaths,
  LOG4J_PROPERTIES,
  requireJava,
  resolveKafkaJars,
  serverProperties,
} from "./kafka-files.ts";
import {
  isAlive,
  portOpen,
  readPid,
  sleep,
  spawnDetached,
  stopFromPidFile,
  tail,
  writePid,
} from "./process.ts";
import { classifyService, type EnsureResult, type ServiceStatus } from "./redis.ts";

/**
 * A real metadata request, not just an open port: the broker is ready only once it has
 * finished KRaft start-up and registered itself, which is what clients need.
 */
export async function kafkaReady(brokers: string[], timeoutMs = 3000): Promise<boolean> {
  const kafka = new Kafka({
    clientId: "adt-stream-health",
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function kafkaStatus(cfg: LocalStackConfig): Promise<ServiceStatus> {
  return classifyService(
    "kafka",
    `127.0.0.1:${cfg.kafkaPort} (PLAINTEXT), localhost:${cfg.kafkaSaslPort} (SASL_SSL)`,
    readPid(kafkaPaths(cfg).pidFile),
    await kafkaReady([`127.0.0.1:${cfg.kafkaPort}`]),
    "not answering metadata requests",
  );
}

function formatStorage(cfg: LocalStackConfig, java: string, libs: string): void {
  const p = kafkaPaths(cfg);
  if (existsSync(join(p.logDirs, "meta.properties"))) return;
  // A KRaft cluster id is 16 random bytes, base64url without padding.
  const clusterId = randomBytes(16).toString("base64url");
  const r = spawnSync(
    java,
    [
      "-cp",
      `${libs}/*`,
      `-Dlog4j.configuration=file:${p.log4j}`,
      "kafka.tools.StorageTool",
      "format",
      "-t",
      clusterId,
      "-c",
      p.serverProperties,
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0) {
    throw new LocalServiceError(
      "kafka",
      `formatting the KRaft storage failed:\n${(r.stdout + r.stderr).slice(-3000)}`,
    );
  }
}

/** Starts a single-node KRaft broker unless a healthy one already answers on the port. */
export async function ensureKafka(cfg: LocalStackConfig): Promise<EnsureResult> {
  const current = await kafkaStatus(cfg);
  if (current.state !== "stopped" && current.detail?.startsWith("healthy"))
    return { ...current, startedNow: false };
  if (current.state === "ours") {
    // Started earlier and still booting (e.g. a parallel `up`): wait for it rather than start another.
    if (await waitReady(cfg, current.pid!, 60_000))
      return { ...current, detail: "healthy", startedNow: false };
    throw new LocalServiceError(
      "kafka",
      `our broker (pid ${current.pid}) runs but does not answer; run services:down`,
    );
  }
  for (const port of [cfg.kafkaPort, cfg.kafkaControllerPort, cfg.kafkaSaslPort]) {
    if (await portOpen(port)) {
      throw new LocalServiceError(
        "kafka",
        `port ${port} is taken by another program; set KAFKA_PORT / KAFKA_CONTROLLER_PORT / KAFKA_SASL_PORT`,
      );
    }
  }
  const java = requireJava();
  const libs = resolveKafkaJars(cfg);
  const p = kafkaPaths(cfg);
  mkdirSync(p.dir, { recursive: true });
  const creds = ensureTls(cfg);
  writeFileSync(p.serverProperties, serverProperties(cfg, creds), { mode: 0o600 });
  writeFileSync(p.log4j, LOG4J_PROPERTIES);
  formatStorage(cfg, java, libs);
  const pid = spawnDetached(
    java,
    [
      `-Xms256m`,
      `-Xmx${cfg.kafkaHeap}`,
      "-XX:+UseG1GC",
      "-Djava.awt.headless=true",
      `-Dlog4j.configuration=file:${p.log4j}`,
      "-cp",
      `${libs}/*`,
      "kafka.Kafka",
      p.serverProperties,
    ],
    { cwd: p.dir, logFile: p.logFile },
  );
  writePid(p.pidFile, pid);
  if (await waitReady(cfg, pid, 120_000)) {
    return {
      name: "kafka",
      state: "ours",
      pid,
      endpoint: current.endpoint,
      detail: "healthy",
      startedNow: true,
    };
  }
  const log = tail(p.logFile, 40);
  await stopFromPidFile(p.pidFile);
  throw new LocalServiceError("kafka", `the broker failed to become ready; last log lines:\n${log}`);
}

async function waitReady(cfg: LocalStackConfig, pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && isAlive(pid)) {
    if ((await kafkaReady([`127.0.0.1:${cfg.kafkaPort}`])) && (await portOpen(cfg.kafkaSaslPort)))
      return true;
    await sleep(500);
  }
  return false;
}

export async function stopKafka(cfg: LocalStackConfig): Promise<number | undefined> {
  return stopFromPidFile(kafkaPaths(cfg).pidFile);
}
