/**
 * Deno rows of the edge benchmark: `npm run bench:edge:deno` on its own, or
 * `runDenoEdgeBench({ node: false })` from bench/edge.ts so the Deno rows sit beside its Node
 * ones in one run.
 *
 * Measures, with autocannon in this process and each server as a child process:
 * - on Node (BENCH_NODE=0 skips; bench/edge-server.ts from `bench:edge`): bare Hono and the full edge;
 * - baseline: bare Hono under Deno.serve (reads the body, answers a constant; bench/edge-deno-bare.ts);
 * - ours: the real edge under Deno (edge/entries/deno.ts: auth with a Redis-stored key, HL7
 *   structural check, de-duplication, per-vendor seq, durable BullMQ enqueue in the local Redis).
 * Every ingest request carries a new control id, so each one is a real enqueue (no duplicates).
 * Optionally (BENCH_WORKERD=1) the edge under workerd via `wrangler dev --local` (Worker →
 * Durable Object → Redis), with wrangler's local proxy in front: indicative only, not a
 * production figure.
 *
 * Options (env, as bench/edge.ts): BENCH_SECONDS per target (default 10), BENCH_CONNECTIONS (default 32),
 * REDIS_URL (default redis://127.0.0.1:6379; `npm run services:up` first).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { generateApiKey } from "../edge/keys.ts";
import { API_KEYS_HASH, RedisKeyStore } from "../edge/node/redis-key-store.ts";
import { type RuntimeProcess, repoRoot, startRuntime } from "../test/integration/runtimes/runtime-process.ts";
import { freePort } from "../test/support/private-stack.ts";
import { nextBenchMessage } from "./edge-message.ts";

export interface EdgeBenchRow {
  runtime: string;
  target: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

const DENO = join(repoRoot, "node_modules/.bin/deno");
const DENO_FLAGS = ["run", "--allow-net", "--allow-env", "--allow-read", "--node-modules-dir=manual"];

interface CannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

function cannon(url: string, key: string, seconds: number, connections: number): Promise<CannonResult> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections,
        duration: seconds,
        requests: [
          {
            method: "POST",
            path: "/v1/messages",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/hl7-v2" },
            setupRequest: (req: Record<string, unknown>) => ({ ...req, body: nextBenchMessage() }),
          },
        ],
      },
      (err: unknown, result: CannonResult) => (err ? reject(err) : resolve(result)),
    );
  });
}

async function measure(
  runtime: string,
  target: string,
  proc: RuntimeProcess,
  key: string,
  seconds: number,
  connections: number,
): Promise<EdgeBenchRow> {
  await cannon(proc.baseUrl, key, Math.min(2, seconds), connections); // warm-up (JIT, connections)
  const r = await cannon(proc.baseUrl, key, seconds, connections);
  return {
    runtime,
    target,
    requestsPerSecond: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

async function withProcess<T>(start: Promise<RuntimeProcess>, use: (p: RuntimeProcess) => Promise<T>) {
  const proc = await start;
  try {
    return await use(proc);
  } finally {
    await proc.stop();
  }
}

/** Env for the real edge: a fresh queue, rate limits out of the way (measuring the path, not the limiter). */
const edgeEnv = (redisUrl: string, queue: string) => ({
  REDIS_URL: redisUrl,
  INGEST_QUEUE: queue,
  RATE_LIMIT_RPS: "1000000",
  RATE_LIMIT_BURST: "10000000",
  LOG_LEVEL: "warn",
});

/**
 * Runs the Deno (and, when asked, workerd) targets one after another and returns their rows.
 *
 * @example
 * const rows = await runDenoEdgeBench({ seconds: 10, connections: 32 });
 * console.table(rows);
 */
export async function runDenoEdgeBench(
  opts: { seconds?: number; connections?: number; redisUrl?: string; workerd?: boolean; node?: boolean } = {},
): Promise<EdgeBenchRow[]> {
  const seconds = opts.seconds ?? 10;
  const connections = opts.connections ?? 32;
  const redisUrl = opts.redisUrl ?? "redis://127.0.0.1:6379";
  const queueName = `bench-edge-deno-${Date.now().toString(36)}`;
  const redis = new Redis(redisUrl);
  const created = await generateApiKey("demo", new Date());
  await new RedisKeyStore(redis).put(created.stored);
  const rows: EdgeBenchRow[] = [];
  const scratch = mkdtempSync(join(tmpdir(), "adt-stream-bench-"));
  try {
    if (opts.node !== false) {
      // Node rows from bench/edge.ts's own server, so both runtimes are measured in this run.
      const nodeServer = async (mode: string, env: Record<string, string>) => {
        const port = await freePort();
        return startRuntime({
          name: `node ${mode}`,
          command: process.execPath,
          args: ["--import", "tsx", "bench/edge-server.ts", mode, String(port)],
          env,
          port,
          anyAnswerMeansUp: true,
        });
      };
      rows.push(
        await withProcess(nodeServer("bare", {}), (p) =>
          measure("node", "bare Hono POST (baseline)", p, created.key, seconds, connections),
        ),
      );
      rows.push(
        await withProcess(nodeServer("edge", edgeEnv(redisUrl, `${queueName}-node`)), (p) =>
          measure("node", "edge: auth + checks + durable enqueue", p, created.key, seconds, connections),
        ),
      );
    }
    const denoPort = await freePort();
    rows.push(
      await withProcess(
        startRuntime({
          name: "deno bare",
          command: DENO,
          args: [...DENO_FLAGS, "bench/edge-deno-bare.ts"],
          env: { PORT: String(denoPort) },
          port: denoPort,
        }),
        (p) => measure("deno", "bare Hono POST (baseline)", p, created.key, seconds, connections),
      ),
    );
    const edgePort = await freePort();
    rows.push(
      await withProcess(
        startRuntime({
          name: "deno edge",
          command: DENO,
          args: [...DENO_FLAGS, "edge/entries/deno.ts"],
          env: { ...edgeEnv(redisUrl, queueName), PORT: String(edgePort), HOST: "127.0.0.1" },
          port: edgePort,
        }),
        (p) => measure("deno", "edge: auth + checks + durable enqueue", p, created.key, seconds, connections),
      ),
    );
    if (opts.workerd) {
      const port = await freePort();
      const envFile = join(scratch, "worker.env");
      writeFileSync(
        envFile,
        Object.entries(edgeEnv(redisUrl, `${queueName}-workerd`))
          .map(([k, v]) => `${k}=${v}\n`)
          .join(""),
      );
      rows.push(
        await withProcess(
          startRuntime({
            name: "workerd edge",
            command: join(repoRoot, "node_modules/.bin/wrangler"),
            args: [
              ...["dev", "--local", "--ip", "127.0.0.1", "--port", String(port)],
              ...["--inspector-port", String(await freePort()), "--env-file", envFile],
              ...["--persist-to", join(scratch, "state"), "--log-level", "warn"],
            ],
            env: { WRANGLER_SEND_METRICS: "false", CI: "1" },
            port,
            startTimeoutMs: 90_000,
          }),
          (p) =>
            measure(
              "workerd (wrangler dev)",
              "edge via Durable Object",
              p,
              created.key,
              seconds,
              connections,
            ),
        ),
      );
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    for (const q of [queueName, `${queueName}-node`, `${queueName}-workerd`]) {
      const queue = new Queue(q, { connection: redis });
      await queue.obliterate({ force: true });
      await queue.close();
      // The enqueuer's own keys (sequence, control-id tracking) are not BullMQ's to remove.
      const own = await redis.keys(`bull:${q}:adt-*`);
      for (let i = 0; i < own.length; i += 500) await redis.del(...own.slice(i, i + 500));
    }
    await redis.hdel(API_KEYS_HASH, created.stored.keyId);
    redis.disconnect();
  }
  return rows;
}

/** Prints rows as an aligned table with each target's share of its runtime's baseline. */
export function printRows(rows: EdgeBenchRow[]): void {
  const baseline = new Map(rows.filter((r) => r.target.includes("baseline")).map((r) => [r.runtime, r]));
  console.log(
    [
      "runtime".padEnd(24),
      "target".padEnd(40),
      "req/s".padStart(8),
      "p50 ms".padStart(7),
      "p99 ms".padStart(7),
    ]
      .concat(["non-2xx".padStart(8), "errors".padStart(7), "vs bare".padStart(8)])
      .join(" "),
  );
  for (const r of rows) {
    const base = baseline.get(r.runtime);
    const ratio =
      base && base !== r ? `${((100 * r.requestsPerSecond) / base.requestsPerSecond).toFixed(0)}%` : "";
    console.log(
      [
        r.runtime.padEnd(24),
        r.target.padEnd(40),
        String(r.requestsPerSecond).padStart(8),
        String(r.p50Ms).padStart(7),
        String(r.p99Ms).padStart(7),
        String(r.non2xx).padStart(8),
        String(r.errors).padStart(7),
        ratio.padStart(8),
      ].join(" "),
    );
  }
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const rows = await runDenoEdgeBench({
    seconds: Number(process.env.BENCH_SECONDS ?? 10),
    connections: Number(process.env.BENCH_CONNECTIONS ?? 32),
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    workerd: process.env.BENCH_WORKERD === "1",
    node: process.env.BENCH_NODE !== "0",
  });
  console.log(
    `edge benchmark by runtime (autocannon, ${process.env.BENCH_CONNECTIONS ?? 32} connections, ${process.env.BENCH_SECONDS ?? 10} s per target)`,
  );
  printRows(rows);
}
