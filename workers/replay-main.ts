/**
 * `npm run replay -- dlq [--vendor v] [--since ISO] [--until ISO] [--dry-run]`
 * `npm run replay -- failed [--vendor v] [--dry-run]`
 *
 * Same environment as the workers (REDIS_URL, INGEST_QUEUE, KAFKA_*). Prints one JSON summary
 * on stdout: counts only, no message content.
 */
import { parseArgs } from "node:util";
import { Queue } from "bullmq";
import { ConfigError } from "../shared/config/env.ts";
import { createJsonLogger, errorFields } from "../shared/log/logger.ts";
import { createRedisConnection } from "../shared/queue/redis-node.ts";
import { VENDOR_ID_PATTERN } from "../shared/vendor-id.ts";
import { parseWorkerEnv } from "./env.ts";
import { createKafka } from "./kafka/client.ts";
import { replayDlq, replayFailed } from "./replay.ts";

const USAGE = `usage: replay dlq [--vendor v] [--since ISO] [--until ISO] [--dry-run]
       replay failed [--vendor v] [--dry-run]`;

class UsageError extends Error {
  override name = "UsageError";
}

function instant(name: string, v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${name} must be an ISO 8601 date-time`);
  return d;
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      vendor: { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      "dry-run": { type: "boolean", default: false },
    },
  });
  const mode = positionals[0];
  if ((mode !== "dlq" && mode !== "failed") || positionals.length !== 1) throw new UsageError(USAGE);
  if (values.vendor !== undefined && !VENDOR_ID_PATTERN.test(values.vendor))
    throw new UsageError("--vendor is not a valid vendor id");
  if (mode === "failed" && (values.since || values.until))
    throw new UsageError("--since/--until apply to dlq only");
  // `failed` needs no Kafka; the shared schema requires brokers, so give it a placeholder.
  const env = parseWorkerEnv(
    mode === "failed" ? { KAFKA_BROKERS: "unused:9092", ...process.env } : process.env,
  );
  const logger = createJsonLogger({
    service: "replay",
    level: env.LOG_LEVEL,
    write: (l) => console.error(l),
  });
  const connection = createRedisConnection(env.REDIS_URL, {
    cluster: env.REDIS_CLUSTER,
    options: { maxRetriesPerRequest: 3 },
  });
  const queue = new Queue(env.INGEST_QUEUE, { connection, prefix: env.BULLMQ_PREFIX });
  try {
    const common = {
      queue,
      logger,
      dryRun: values["dry-run"],
      ...(values.vendor ? { vendor: values.vendor } : {}),
    };
    const summary =
      mode === "dlq"
        ? await replayDlq({
            ...common,
            kafka: createKafka(env, logger),
            prefix: env.KAFKA_TOPIC_PREFIX,
            ...(values.since ? { since: instant("since", values.since) } : {}),
            ...(values.until ? { until: instant("until", values.until) } : {}),
          })
        : await replayFailed(common);
    console.log(JSON.stringify(summary));
  } finally {
    await queue.close();
    await connection.quit().catch(() => undefined);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    if (
      err instanceof UsageError ||
      err instanceof ConfigError ||
      (err as { code?: string })?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
    ) {
      console.error((err as Error).message);
      process.exit(2);
    }
    console.error(
      JSON.stringify({ level: "error", service: "replay", event: "replay_failed", ...errorFields(err) }),
    );
    process.exit(1);
  },
);
