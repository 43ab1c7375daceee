/**
 * `npm start`: the whole system on this machine. Brings up (or reuses) Redis and Kafka,
 * starts the workers and the edge, makes sure the demo vendor has an API key, prints the URL,
 * the key and a curl that sends the sample ADT, then shows a live status line. Ctrl-C stops
 * the edge, then the workers (queued messages stay in Redis for next time), then the
 * services this run started.
 *
 * Environment: PORT (8080), HOST (127.0.0.1), ADT_WORKERS (1), KAFKA_TOPIC_PREFIX, INGEST_QUEUE,
 * VENDOR_PROFILES, ADT_DEMO_KEY_FILE (.data/demo-key.txt), ADT_STATUS_INTERVAL_MS, plus the
 * local stack's REDIS_PORT / KAFKA_PORT / ADT_DATA_DIR.
 */
import { relative, resolve } from "node:path";
import { z } from "zod";
import { loadLocalStackConfig } from "../infra/local/config.ts";
import { topicName } from "../shared/kafka/topics.ts";
import { INGEST_QUEUE } from "../shared/queue/job.ts";
import { ensureKeyFile } from "./start/keys.ts";
import { type RunningStack, startStack } from "./start/stack.ts";
import { formatStatus, type StatusSnapshot, snapshot, statusBetween } from "./start/status.ts";

const root = resolve(import.meta.dirname, "..");
const DEMO_VENDOR = "demo";
// Module scope so that a failure after start-up (key creation, say) still stops what started.
let stack: RunningStack | undefined;

const StartEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default("127.0.0.1"),
  ADT_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default(""),
  INGEST_QUEUE: z.string().min(1).default(INGEST_QUEUE),
  VENDOR_PROFILES: z.string().min(1).default("config/vendors.json"),
  ADT_DEMO_KEY_FILE: z.string().min(1).optional(),
  ADT_STATUS_INTERVAL_MS: z.coerce.number().int().min(200).optional(),
});

async function main(): Promise<void> {
  const parsed = StartEnv.safeParse(process.env);
  if (!parsed.success) {
    console.error(
      `npm start: invalid environment: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
    process.exit(2);
  }
  const env = parsed.data;
  const cfg = loadLocalStackConfig(process.env, root);
  const tty = process.stdout.isTTY === true;
  const say = (line: string) => console.log(line);

  let stopping: Promise<void> | undefined;
  let statusTimer: NodeJS.Timeout | undefined;
  const shutdown = (signal: string) => {
    if (stopping) {
      say(`(${signal} again: still stopping, please wait)`);
      return;
    }
    if (statusTimer) clearInterval(statusTimer);
    if (tty) process.stdout.write("\n");
    say(`${signal}: stopping…`);
    stopping = (async () => {
      await stack?.stop(say);
      say("stopped.");
    })();
    stopping.then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`stopping failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));

  stack = await startStack({
    cfg,
    root,
    baseEnv: process.env,
    port: env.PORT,
    host: env.HOST,
    workers: env.ADT_WORKERS,
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
    queue: env.INGEST_QUEUE,
    vendorProfiles: env.VENDOR_PROFILES,
    logDir: resolve(cfg.dataDir, "logs"),
    say,
  });
  if (stopping) return; // Ctrl-C during start-up: shutdown() owns the rest.

  const keyFile = resolve(root, env.ADT_DEMO_KEY_FILE ?? resolve(cfg.dataDir, "demo-key.txt"));
  const { key, created } = await ensureKeyFile(stack.redisUrl, DEMO_VENDOR, keyFile);
  const sample = resolve(root, "examples/adt-a01.hl7");
  // Paths inside the repository read best relative to it (the README runs from there).
  const shown = (p: string) => (process.cwd() === root && p.startsWith(`${root}/`) ? relative(root, p) : p);
  const curl =
    `curl -sS -X POST ${stack.url} -H 'Authorization: Bearer ${key}' ` +
    `-H 'Content-Type: application/hl7-v2' --data-binary @${shown(sample)}`;
  say("");
  say("adt-stream is running.");
  say(`  endpoint   ${stack.url}`);
  say(`  vendor     ${DEMO_VENDOR}`);
  say(`  API key    ${key}  (${created ? "new, saved in" : "from"} ${shown(keyFile)})`);
  say(
    `  topics     ${topicName(env.KAFKA_TOPIC_PREFIX, DEMO_VENDOR, "events")} (and .raw, .dlq) on ${stack.kafkaBrokers.join(",")}`,
  );
  say(`  logs       ${shown(resolve(cfg.dataDir, "logs"))}/`);
  say(`  processes  edge pid ${stack.edge.pid}; workers pid ${stack.workers.map((w) => w.pid).join(", ")}`);
  say("");
  say("Send the sample ADT^A01 (the answer is the HL7 ACK; a resend is answered AA as a duplicate):");
  say(`  ${curl}`);
  say(`or: npm run send -- examples/   (every sample, ACKs shown readably)`);
  say("Ctrl-C stops everything this command started; queued messages stay in Redis.");
  say("");

  let prev: StatusSnapshot = await snapshot(stack.metricsUrls);
  const interval = env.ADT_STATUS_INTERVAL_MS ?? (tty ? 1000 : 5000);
  statusTimer = setInterval(async () => {
    if (!stack || stopping) return;
    const next = await snapshot(stack.metricsUrls);
    const line = formatStatus(statusBetween(prev, next));
    prev = next;
    if (stopping) return;
    if (tty) process.stdout.write(`\r\x1b[2K${line}`);
    else say(`status: ${line}`);
  }, interval);
}

main().catch(async (err: unknown) => {
  console.error(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
  await stack?.stop((line) => console.error(line)).catch(() => {});
  process.exit(1);
});
