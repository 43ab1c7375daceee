/**
 * `npm run bench:edge`: requests/s and latency of the edge ingest path against two baselines
 * measured in the same run with autocannon, each server in its own process on this machine:
 *
 *   bare      Hono POST that reads the body and answers (upper bound for any HTTP handler)
 *   bullmq    Hono + one BullMQ `queue.add` per request (the cost of a durable enqueue)
 *   edge      our full path: key auth, rate limit, content type, size, charset, structural
 *             HL7 check, body hash, de-dup + seq + enqueue (2 Redis round trips), HL7 ACK,
 *             metrics, one JSON log line (to /dev/null)
 *
 * Every request carries a distinct message (unique MSH-10), so the edge really enqueues each
 * one. Env: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 32), REDIS_URL.
 * Queues are deleted afterwards.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { Redis } from "ioredis";
import { generateApiKey } from "../edge/keys.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const root = join(import.meta.dirname, "..");

// A typical ~1 KB ADT^A01 with invented data; MSH-10 is replaced per request.
const TEMPLATE = [
  "MSH|^~\\&|EPIC|GENERAL HOSP|ADT-STREAM|HUB|20240101120000||ADT^A01^ADT_A01|CTRL|P|2.5.1",
  "EVN|A01|20240101120000",
  "PID|1||PATID12345^^^HOSP^MR~998877^^^SSA^SS||ZZTEST^JANE^Q||19800101|F|||1 MAIN ST^^SPRINGFIELD^IL^62701^USA||(217)555-0100|||M||ACCT001",
  "NK1|1|ZZTEST^JOHN|SPO|1 MAIN ST^^SPRINGFIELD^IL^62701^USA|(217)555-0101",
  "PV1|1|I|WARD1^101^A^GENERAL HOSP||||1234^WELBY^MARCUS^^^DR|||MED||||7|||1234^WELBY^MARCUS^^^DR|IN||||||||||||||||||||||||||20240101120000",
  "PV2|||CHEST PAIN",
  "DG1|1||R07.9^CHEST PAIN, UNSPECIFIED^I10|||A",
  "AL1|1|DA|PCN^PENICILLIN|MO|RASH",
].join("\r");

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

function startServer(mode: string, port: number, env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/edge-server.ts", mode, String(port)], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      if (err.includes("ready")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`${mode} server exited ${code}: ${err}`)));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  child.removeAllListeners("exit");
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

function load(name: string, port: number, headers: Record<string, string>): Promise<Row> {
  let n = 0;
  const run = autocannon({
    url: `http://127.0.0.1:${port}/v1/messages`,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: "POST",
        headers,
        setupRequest: (req) => {
          n++;
          return { ...req, body: TEMPLATE.replace("|CTRL|", `|B${process.pid}-${n}|`) };
        },
      },
    ],
  });
  return new Promise((resolve, reject) => {
    run.once("done", (r) =>
      resolve({
        name,
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors,
      }),
    );
    run.once("error", reject);
  });
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== "0");
}

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const dir = mkdtempSync(join(tmpdir(), "bench-edge-"));
  const vendor = "bench-vendor";
  const { key, stored } = await generateApiKey(vendor, new Date());
  const keysFile = join(dir, "keys.json");
  writeFileSync(keysFile, JSON.stringify({ keys: [stored] }));
  const stamp = Date.now().toString(36);
  const headers = { "content-type": "application/hl7-v2", authorization: `Bearer ${key}` };
  const scenarios: { name: string; mode: string; queue: string }[] = [
    { name: "bare Hono POST", mode: "bare", queue: `bench-bare-${stamp}` },
    { name: "Hono + 1 BullMQ add", mode: "bullmq", queue: `bench-bullmq-${stamp}` },
    { name: "edge full ingest path", mode: "edge", queue: `bench-edge-${stamp}` },
  ];
  const rows: Row[] = [];
  let port = 18_500 + Math.floor(Math.random() * 500);
  try {
    for (const s of scenarios) {
      port++;
      const server = await startServer(s.mode, port, {
        REDIS_URL,
        INGEST_QUEUE: s.queue,
        PORT: String(port),
        API_KEYS_FILE: keysFile,
        RATE_LIMIT_RPS: "10000000",
        RATE_LIMIT_BURST: "10000000",
        LOG_LEVEL: "info",
      });
      try {
        // Warm-up (JIT, connections), then the measured run.
        const warm = autocannon({
          url: `http://127.0.0.1:${port}/v1/messages`,
          connections: 8,
          duration: 2,
          method: "POST",
          headers,
          body: TEMPLATE,
        });
        await new Promise((r) => warm.once("done", r));
        rows.push(await load(s.name, port, headers));
      } finally {
        await stopServer(server);
        await deleteKeys(redis, `bull:${s.queue}:*`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    redis.disconnect();
  }
  console.log(
    `edge benchmark: Node ${process.version}, ${CONNECTIONS} connections, ${SECONDS} s per scenario, ~${TEMPLATE.length} B messages`,
  );
  console.log("| scenario | req/s | p50 ms | p99 ms | non-2xx | errors |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const r of rows)
    console.log(
      `| ${r.name} | ${Math.round(r.rps).toLocaleString("en-US")} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} |`,
    );
  const edge = rows.find((r) => r.name.startsWith("edge"));
  const bull = rows.find((r) => r.name.startsWith("Hono +"));
  if (edge && bull) console.log(`edge ÷ (Hono + 1 BullMQ add): ${(edge.rps / bull.rps).toFixed(2)}× req/s`);
}

await main();
