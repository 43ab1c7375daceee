/**
 * Deno entry of the edge: `Deno.serve` around `createApp(deps)`. Deno runs the Node
 * implementations unchanged (BullMQ and ioredis load from node_modules through Deno's npm
 * compatibility, `--node-modules-dir=manual`), so the queue, keys and Redis state are the Node
 * edge's. Same environment schema (edge/env.ts), read from `Deno.env`.
 *
 * Run: `npm run edge:deno`, i.e.
 *   deno run --allow-net --allow-env --allow-read --node-modules-dir=manual edge/entries/deno.ts
 * (`--allow-env`: ioredis and BullMQ read the environment; `--allow-read`: node_modules and the
 * vendor profile / key files.)
 */
import { Redis } from "ioredis";
import { VendorProfileError } from "../../shared/adt/errors.ts";
import { parseVendorProfiles } from "../../shared/adt/profile.ts";
import { ConfigError, parseEnv } from "../../shared/config/env.ts";
import { createJsonLogger, errorFields } from "../../shared/log/logger.ts";
import { MetricsRegistry } from "../../shared/metrics/registry.ts";
import { createApp } from "../app.ts";
import type { KeyStore } from "../deps.ts";
import { type EdgeEnv, EdgeEnvSchema } from "../env.ts";
import { CachedKeyStore, KeyFileError, parseKeyFile, StaticKeyStore } from "../key-store.ts";
import { BullmqEnqueuer, enqueueRedisOptions } from "../node/bullmq-enqueuer.ts";
import { RedisKeyStore } from "../node/redis-key-store.ts";
import { TokenBucketLimiter } from "../rate-limit.ts";

/** Reads a JSON file; the error names the variable and path, never the content. */
function readJson(variable: string, path: string, fail: (reason: string, cause: unknown) => Error): unknown {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (cause) {
    throw fail(`${variable}: cannot read ${path}`, cause);
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw fail(`${variable}: ${path} is not valid JSON`, cause);
  }
}

function keyStore(env: EdgeEnv): { keys: KeyStore; close(): void } {
  if (env.API_KEYS_FILE !== undefined) {
    const json = readJson("API_KEYS_FILE", env.API_KEYS_FILE, (r, cause) => new KeyFileError([r], { cause }));
    return { keys: new StaticKeyStore(parseKeyFile(json)), close() {} };
  }
  const redis = new Redis(env.REDIS_URL, { ...enqueueRedisOptions(), enableOfflineQueue: true });
  redis.on("error", () => {}); // answered per request (503), see RedisKeyStore
  return {
    keys: new CachedKeyStore(new RedisKeyStore(redis), env.KEY_CACHE_SECONDS * 1000),
    close: () => redis.disconnect(),
  };
}

async function main(): Promise<void> {
  const env = parseEnv(EdgeEnvSchema, Deno.env.toObject());
  const logger = createJsonLogger({ service: "edge", level: env.LOG_LEVEL, base: { runtime: "deno" } });
  const profiles = parseVendorProfiles(
    readJson(
      "VENDOR_PROFILES",
      env.VENDOR_PROFILES,
      (reason, cause) => new VendorProfileError([{ vendor: "(file)", key: "(file)", reason }], { cause }),
    ),
  );
  const { keys, close: closeKeys } = keyStore(env);
  const enqueuer = await BullmqEnqueuer.connect({
    redisUrl: env.REDIS_URL,
    queueName: env.INGEST_QUEUE,
    dedupWindowSeconds: env.DEDUP_WINDOW_SECONDS,
  });
  const app = createApp({
    keys,
    enqueuer,
    rateLimiter: new TokenBucketLimiter({ ratePerSecond: env.RATE_LIMIT_RPS, burst: env.RATE_LIMIT_BURST }),
    profiles,
    logger,
    metrics: new MetricsRegistry(),
    maxBodyBytes: env.MAX_BODY_BYTES,
  });

  const stop = new AbortController();
  const server = Deno.serve(
    {
      hostname: env.HOST,
      port: env.PORT,
      signal: stop.signal,
      onListen: (addr) => logger.info("edge_listening", { host: addr.hostname, port: addr.port }),
    },
    app.fetch,
  );
  // SIGTERM/SIGINT: stop accepting, let in-flight requests finish (Deno.serve drains them on
  // abort), then close the queue so every confirmed enqueue has been answered.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => {
      logger.info("edge_stopping", { signal });
      stop.abort();
    });
  }
  await server.finished;
  await enqueuer.close();
  closeKeys();
  logger.info("edge_stopped");
}

try {
  await main();
} catch (err) {
  // Config and file errors name variables and positions only; anything else: class and code.
  const known =
    err instanceof ConfigError || err instanceof VendorProfileError || err instanceof KeyFileError;
  console.error(
    JSON.stringify({
      level: "error",
      service: "edge",
      runtime: "deno",
      event: "edge_start_failed",
      ...errorFields(err),
      ...(known ? { message: (err as Error).message } : {}),
    }),
  );
  Deno.exit(1);
}
