/**
 * Builds the edge's dependencies on Node from a parsed environment. Shared by the Node entry,
 * the benchmark and tests that run the real thing.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadVendorProfiles } from "../../shared/adt/profile-file.ts";
import { createJsonLogger, type Logger } from "../../shared/log/logger.ts";
import { MetricsRegistry } from "../../shared/metrics/registry.ts";
import { createRedisConnection, type RedisConnection, waitReady } from "../../shared/queue/redis-node.ts";
import type { EdgeDeps, KeyStore } from "../deps.ts";
import type { EdgeEnv } from "../env.ts";
import { CachedKeyStore, parseKeyFile, StaticKeyStore } from "../key-store.ts";
import { TokenBucketLimiter } from "../rate-limit.ts";
import { nodeBodyReader } from "./body.ts";
import { BullmqEnqueuer, enqueueRedisOptions } from "./bullmq-enqueuer.ts";
import { RedisKeyStore } from "./redis-key-store.ts";

export interface NodeEdge {
  deps: EdgeDeps;
  /** Closes Redis connections; idempotent. */
  close(): Promise<void>;
}

/**
 * @example
 * const { deps, close } = await createNodeDeps(parseEnv(EdgeEnvSchema, process.env));
 * const app = createApp(deps);
 */
export async function createNodeDeps(env: EdgeEnv, logger?: Logger): Promise<NodeEdge> {
  // process.stdout.write skips console.log's argument formatting (one line per request adds up).
  const log =
    logger ??
    createJsonLogger({
      service: "edge",
      level: env.LOG_LEVEL,
      write: (line) => process.stdout.write(`${line}\n`),
    });
  const profiles = loadVendorProfiles(env.VENDOR_PROFILES);
  // Not awaited yet: the key store's connection comes up meanwhile (one wait, not two, when
  // Redis is away at start).
  const connecting = BullmqEnqueuer.connect({
    redisUrl: env.REDIS_URL,
    queueName: env.INGEST_QUEUE,
    dedupWindowSeconds: env.DEDUP_WINDOW_SECONDS,
    prefix: env.BULLMQ_PREFIX,
    cluster: env.REDIS_CLUSTER,
  });
  let keyRedis: RedisConnection | undefined;
  let keys: KeyStore;
  if (env.API_KEYS_FILE !== undefined) {
    keys = new StaticKeyStore(parseKeyFile(JSON.parse(readFileSync(env.API_KEYS_FILE, "utf8"))));
  } else {
    keyRedis = createRedisConnection(env.REDIS_URL, {
      cluster: env.REDIS_CLUSTER,
      options: enqueueRedisOptions(),
    });
    keyRedis.on("error", () => {});
    keys = new CachedKeyStore(new RedisKeyStore(keyRedis), env.KEY_CACHE_SECONDS * 1000);
  }
  // Like the enqueuer, the key store's fail-fast connection gets a moment to come up, so a fresh
  // edge does not answer its first requests 503 (a cluster client also has to learn the slots).
  const [enqueuer] = await Promise.all([connecting, keyRedis ? waitReady(keyRedis, 3000) : undefined]);
  const deps: EdgeDeps = {
    keys,
    enqueuer,
    rateLimiter: new TokenBucketLimiter({ ratePerSecond: env.RATE_LIMIT_RPS, burst: env.RATE_LIMIT_BURST }),
    profiles,
    logger: log,
    metrics: new MetricsRegistry(),
    maxBodyBytes: env.MAX_BODY_BYTES,
    // Synchronous and in-thread: Web Crypto's digest is asynchronous (thread pool) on Node.
    sha256Hex: (text) => createHash("sha256").update(text).digest("hex"),
    readBody: nodeBodyReader,
  };
  let closed = false;
  return {
    deps,
    close: async () => {
      if (closed) return;
      closed = true;
      await enqueuer.close();
      keyRedis?.disconnect();
    },
  };
}
