import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import type { LocalStackConfig } from "./config.ts";
import { LocalServiceError } from "./errors.ts";
import {
  isAlive,
  portOpen,
  readPid,
  sleep,
  spawnDetached,
  stopFromPidFile,
  tail,
  which,
  writePid,
} from "./process.ts";

export interface ServiceStatus {
  name: "redis" | "kafka";
  /** `ours`: started by `services:up` (PID file); `external`: already running, reused, never stopped. */
  state: "ours" | "external" | "stopped";
  pid?: number;
  endpoint: string;
  detail?: string;
}

export interface EnsureResult extends ServiceStatus {
  startedNow: boolean;
}

function paths(cfg: LocalStackConfig) {
  const dir = join(cfg.dataDir, "redis");
  return { dir, pidFile: join(cfg.dataDir, "pids", "redis.pid"), logFile: join(dir, "redis.log") };
}

/** Sends PING with the inline protocol; true on +PONG. */
export function redisPing(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    let buf = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolvePromise(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => {
      buf += d.toString("latin1");
      if (buf.includes("\r\n")) done(buf.startsWith("+PONG"));
    });
    socket.once("error", () => done(false));
  });
}

function redisServerBinary(): string {
  const found = which("redis-server");
  if (found) return found;
  if (process.getuid?.() === 0 && which("apt-get")) {
    console.error("redis-server not found; installing Debian's redis-server with apt-get");
    for (const args of [
      ["update", "-qq"],
      ["install", "-y", "-qq", "redis-server"],
    ]) {
      const r = spawnSync("apt-get", args, {
        stdio: "inherit",
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      });
      if (r.status !== 0)
        throw new LocalServiceError("redis", `apt-get ${args[0]} failed (exit ${r.status})`);
    }
    const installed = which("redis-server");
    if (installed) return installed;
  }
  throw new LocalServiceError(
    "redis",
    "redis-server is not installed. Install it with `sudo apt-get install redis-server` (Debian/Ubuntu) and run again.",
  );
}

export async function redisStatus(cfg: LocalStackConfig): Promise<ServiceStatus> {
  return classifyService(
    "redis",
    `redis://127.0.0.1:${cfg.redisPort}`,
    readPid(paths(cfg).pidFile),
    await redisPing(cfg.redisPort),
    "not answering PING",
  );
}

/**
 * Ours when the PID file names a live process (whether or not it answers yet); external when
 * only the port answers, so `services:down` never touches it; stopped otherwise.
 */
export function classifyService(
  name: ServiceStatus["name"],
  endpoint: string,
  pid: number | undefined,
  healthy: boolean,
  unhealthyDetail: string,
): ServiceStatus {
  if (pid !== undefined && isAlive(pid)) {
    return { name, state: "ours", pid, endpoint, detail: healthy ? "healthy" : unhealthyDetail };
  }
  if (healthy) return { name, state: "external", endpoint, detail: "healthy (not started by us)" };
  return { name, state: "stopped", endpoint };
}

/** Starts Redis unless a healthy one already answers on the port. AOF on, no eviction. */
export async function ensureRedis(cfg: LocalStackConfig): Promise<EnsureResult> {
  const current = await redisStatus(cfg);
  if (current.state !== "stopped" && current.detail?.startsWith("healthy"))
    return { ...current, startedNow: false };
  if (current.state === "ours") {
    throw new LocalServiceError(
      "redis",
      `our redis-server (pid ${current.pid}) runs but does not answer; run services:down`,
    );
  }
  if (await portOpen(cfg.redisPort)) {
    throw new LocalServiceError(
      "redis",
      `port ${cfg.redisPort} is taken by something that is not Redis; set REDIS_PORT`,
    );
  }
  const binary = redisServerBinary();
  const { dir, pidFile, logFile } = paths(cfg);
  mkdirSync(dir, { recursive: true });
  // `appendfsync everysec` is the production default we document (≤ 1 s loss window on power loss);
  // noeviction because an evicted job would be a lost, already-acknowledged message.
  const pid = spawnDetached(
    binary,
    [
      "--bind",
      "127.0.0.1",
      "--port",
      String(cfg.redisPort),
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--appendfsync",
      "everysec",
      "--maxmemory-policy",
      "noeviction",
      "--save",
      "",
      "--daemonize",
      "no",
      "--protected-mode",
      "yes",
    ],
    { cwd: dir, logFile },
  );
  writePid(pidFile, pid);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (await redisPing(cfg.redisPort)) {
      return {
        name: "redis",
        state: "ours",
        pid,
        endpoint: `redis://127.0.0.1:${cfg.redisPort}`,
        startedNow: true,
      };
    }
    if (!isAlive(pid)) break;
    await sleep(100);
  }
  await stopFromPidFile(pidFile);
  throw new LocalServiceError("redis", `redis-server failed to start; last log lines:\n${tail(logFile)}`);
}

export async function stopRedis(cfg: LocalStackConfig): Promise<number | undefined> {
  return stopFromPidFile(paths(cfg).pidFile);
}
