/**
 * `npm run loadtest -- [options]`: realistic ADT traffic through the whole system, every
 * acknowledged message matched to its Kafka record, a summary with a verdict, and the report
 * as JSON and as a self-contained HTML page (default: reports/loadtest-<time>.{json,html}).
 *
 * Exit code: 0 when nothing was lost and every message was acknowledged AA; 1 otherwise;
 * 3 with --strict when the performance targets were missed; 2 for bad options.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_MIX, parseMix } from "./loadtest/generate.ts";
import { renderHtml } from "./loadtest/html.ts";
import { formatSummary } from "./loadtest/report.ts";
import { LOADTEST_QUEUE, LOADTEST_TOPIC_PREFIX, type LoadtestOptions, runLoadtest } from "./loadtest/run.ts";

const root = resolve(import.meta.dirname, "..");

const HELP = `usage: npm run loadtest -- [options]

  --messages N          messages to send (default 10000)
  --vendors a,b         vendors (default: every vendor in the profiles file)
  --connections C       keep-alive HTTP connections (default 32)
  --rate R              open-loop arrivals, messages/s (default: closed-loop, as fast as ACKs return)
  --mix A01=12,A08=30   trigger mix (default: a typical acute-care feed, 14 triggers)
  --batch-fraction F    share of messages sent in FHS/BHS batches (default 0.02)
  --batch-size K        messages per batch (default 10)
  --seed S              traffic seed (default 1)
  --workers W           worker processes of the stack it starts (default 2)
  --worker-concurrency  jobs per worker process (default: the workers' own)
  --partitions P        partitions of topics it creates (default 6)
  --kill-worker-after N SIGKILL worker 1 after N acknowledged messages (fault drill)
  --url URL             use a running edge instead of starting a stack
  --keys v=key,...      API keys for --url (else created in --redis-url)
  --redis-url URL       Redis of the running system (key creation)
  --kafka-brokers h:p   Kafka of the running system (default 127.0.0.1:9092 with --url)
  --topic-prefix P      topic prefix (default "${LOADTEST_TOPIC_PREFIX}" for its own stack, KAFKA_TOPIC_PREFIX with --url)
  --queue Q             ingest queue of its own stack (default ${LOADTEST_QUEUE}); afterwards the run's
                        keys there are removed from Redis (with --url nothing is removed)
  --report FILE         JSON report (default reports/loadtest-<time>.json)
  --html FILE           HTML report (default next to the JSON)
  --shared-note TEXT    say in the report that the machine was shared (and how)
  --drain-timeout S     stop waiting for records after S s without one (default 60)
  --strict              exit 3 when the performance targets are missed
  --no-progress         no live progress line
`;

function fail(message: string): never {
  console.error(`loadtest: ${message}\n\n${HELP}`);
  process.exit(2);
}

function num(v: string | undefined, name: string, def: number | undefined, min = 0): number | undefined {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) fail(`--${name} must be a number ≥ ${min}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: "string" },
      vendors: { type: "string" },
      connections: { type: "string" },
      rate: { type: "string" },
      mix: { type: "string" },
      "batch-fraction": { type: "string" },
      "batch-size": { type: "string" },
      seed: { type: "string" },
      workers: { type: "string" },
      "worker-concurrency": { type: "string" },
      partitions: { type: "string" },
      "kill-worker-after": { type: "string" },
      url: { type: "string" },
      keys: { type: "string" },
      "redis-url": { type: "string" },
      "kafka-brokers": { type: "string" },
      "topic-prefix": { type: "string" },
      queue: { type: "string" },
      report: { type: "string" },
      html: { type: "string" },
      "shared-note": { type: "string" },
      "drain-timeout": { type: "string" },
      strict: { type: "boolean", default: false },
      "no-progress": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  let mix: Record<string, number> = { ...DEFAULT_MIX };
  try {
    if (values.mix) mix = parseMix(values.mix);
  } catch (err) {
    fail((err as Error).message);
  }
  const keys: Record<string, string> = {};
  for (const pair of (values.keys ?? "").split(",").filter(Boolean)) {
    const eq = pair.indexOf("=");
    if (eq <= 0) fail("--keys takes vendor=key pairs separated by commas");
    keys[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const external = values.url !== undefined;
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const reportFile = resolve(values.report ?? `reports/loadtest-${stamp}.json`);
  const htmlFile = resolve(values.html ?? `${reportFile.replace(/\.json$/, "")}.html`);
  const batchFraction = num(values["batch-fraction"], "batch-fraction", 0.02) as number;
  if (batchFraction > 1) fail("--batch-fraction is a share between 0 and 1");

  const opts: LoadtestOptions = {
    messages: num(values.messages, "messages", 10_000, 1) as number,
    vendors: (values.vendors ?? "")
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean),
    connections: num(values.connections, "connections", 32, 1) as number,
    rate: num(values.rate, "rate", undefined, 1),
    mix,
    batchFraction,
    batchSize: num(values["batch-size"], "batch-size", 10, 1) as number,
    seed: num(values.seed, "seed", 1) as number,
    url: values.url,
    keys,
    redisUrl: values["redis-url"],
    kafkaBrokers:
      values["kafka-brokers"]?.split(",").map((b) => b.trim()) ?? (external ? ["127.0.0.1:9092"] : undefined),
    topicPrefix:
      values["topic-prefix"] ?? (external ? (process.env.KAFKA_TOPIC_PREFIX ?? "") : LOADTEST_TOPIC_PREFIX),
    queue: values.queue ?? LOADTEST_QUEUE,
    vendorProfiles: process.env.VENDOR_PROFILES ?? "config/vendors.json",
    workers: num(values.workers, "workers", 2, 1) as number,
    workerConcurrency: num(values["worker-concurrency"], "worker-concurrency", undefined, 1),
    partitions: num(values.partitions, "partitions", 6, 1) as number,
    drainTimeoutMs: (num(values["drain-timeout"], "drain-timeout", 60, 1) as number) * 1000,
    requestTimeoutMs: 30_000,
    killWorkerAfter: num(values["kill-worker-after"], "kill-worker-after", undefined, 1),
    workerEnv: {},
    progress: !values["no-progress"],
    command: `npm run loadtest -- ${process.argv.slice(2).join(" ")}`.trim(),
    sharedNote: values["shared-note"] ?? null,
    root,
    say: (line) => console.error(line),
  };
  if (opts.killWorkerAfter !== undefined) {
    if (external) fail("--kill-worker-after needs the stack the load test starts itself");
    // Take a killed worker's jobs over within seconds, not the production 30 s.
    opts.workerEnv = { WORKER_LOCK_MS: "5000", WORKER_STALLED_INTERVAL_MS: "2000" };
  }

  // Ctrl-C: the stack's children run in their own process groups (so the terminal's SIGINT does
  // not reach them); stop sending, report what was sent and stop what this run started.
  const abort = new AbortController();
  const onSignal = (signal: string) => {
    if (abort.signal.aborted) return;
    console.error(`\n${signal}: stopping the load test (the report covers what was sent)…`);
    abort.abort();
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  opts.signal = abort.signal;

  const { report } = await runLoadtest(opts);
  mkdirSync(dirname(reportFile), { recursive: true });
  writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  mkdirSync(dirname(htmlFile), { recursive: true });
  writeFileSync(htmlFile, renderHtml(report));
  console.log(formatSummary(report));
  console.log(`report: ${reportFile}\n        ${htmlFile}`);
  if (!report.verdict.correct) process.exit(1);
  if (values.strict && !report.verdict.targetsMet) process.exit(3);
}

main().catch((err: unknown) => {
  console.error(`loadtest failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  process.exit(1);
});
