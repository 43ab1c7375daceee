/**
 * Worker process entry (`npm run workers`): parses the environment once, loads vendor
 * profiles, starts the BullMQ → Kafka worker and its metrics server, and logs `worker_ready`
 * when it consumes. SIGTERM/SIGINT close it gracefully; a second signal forces the exit.
 */
import { loadVendorProfiles } from "../shared/adt/profile-file.ts";
import { ConfigError } from "../shared/config/env.ts";
import { createJsonLogger, errorFields } from "../shared/log/logger.ts";
import { parseWorkerEnv } from "./env.ts";
import { startMetricsServer } from "./metrics-server.ts";
import { installShutdown } from "./shutdown.ts";
import { startWorkerRuntime } from "./worker.ts";

async function main(): Promise<void> {
  let env: ReturnType<typeof parseWorkerEnv>;
  try {
    env = parseWorkerEnv(process.env);
  } catch (err) {
    // ConfigError names variables, never values.
    if (err instanceof ConfigError)
      console.error(JSON.stringify({ level: "error", event: "config_invalid", problems: err.problems }));
    process.exit(2);
  }
  const logger = createJsonLogger({ service: "workers", level: env.LOG_LEVEL, base: { pid: process.pid } });
  const profiles = loadVendorProfiles(env.VENDOR_PROFILES);
  const runtime = await startWorkerRuntime(env, { logger, profiles });
  const metricsServer = await startMetricsServer({
    registry: runtime.metrics.registry,
    port: env.METRICS_PORT,
    host: env.METRICS_HOST,
    healthy: runtime.isRunning,
  });
  installShutdown({
    logger,
    timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    close: async () => {
      await runtime.close();
      await metricsServer.close();
    },
  });
  logger.info("worker_ready", {
    queue: env.INGEST_QUEUE,
    concurrency: env.WORKER_CONCURRENCY,
    kafka_auth: env.KAFKA_AUTH,
    topic_prefix: env.KAFKA_TOPIC_PREFIX,
    vendors: profiles.size,
    metrics_port: metricsServer.port,
  });
}

main().catch((err: unknown) => {
  console.error(
    JSON.stringify({ level: "error", service: "workers", event: "worker_start_failed", ...errorFields(err) }),
  );
  process.exit(1);
});
