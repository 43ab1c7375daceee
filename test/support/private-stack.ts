import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalStackConfig, loadLocalStackConfig } from "../../infra/local/config.ts";
import { ensureKafka, stopKafka } from "../../infra/local/kafka.ts";
import { ensureRedis, stopRedis } from "../../infra/local/redis.ts";

/** A TCP port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * A Redis or Kafka of a test's own, on its own ports and data folder, for fault tests that
 * stop and restart a service: stopping the shared one would break every other test.
 * The Kafka jars come from the shared cache, so only the first start anywhere downloads them.
 */
export interface PrivateService {
  cfg: LocalStackConfig;
  /** redis://127.0.0.1:port or 127.0.0.1:port */
  endpoint: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the service and deletes its data folder. */
  destroy(): Promise<void>;
}

async function privateConfig(): Promise<LocalStackConfig> {
  const dataDir = mkdtempSync(join(tmpdir(), "adt-stream-private-"));
  const shared = loadLocalStackConfig();
  return loadLocalStackConfig({
    ADT_DATA_DIR: dataDir,
    ADT_CACHE_DIR: shared.cacheDir,
    REDIS_PORT: String(await freePort()),
    KAFKA_PORT: String(await freePort()),
    KAFKA_CONTROLLER_PORT: String(await freePort()),
    KAFKA_SASL_PORT: String(await freePort()),
    KAFKA_HEAP: "512m",
  });
}

export async function privateRedis(): Promise<PrivateService> {
  const cfg = await privateConfig();
  const svc: PrivateService = {
    cfg,
    endpoint: `redis://127.0.0.1:${cfg.redisPort}`,
    start: async () => void (await ensureRedis(cfg)),
    stop: async () => void (await stopRedis(cfg)),
    destroy: async () => {
      await stopRedis(cfg);
      rmSync(cfg.dataDir, { recursive: true, force: true });
    },
  };
  await svc.start();
  return svc;
}

export async function privateKafka(): Promise<PrivateService> {
  const cfg = await privateConfig();
  const svc: PrivateService = {
    cfg,
    endpoint: `127.0.0.1:${cfg.kafkaPort}`,
    start: async () => void (await ensureKafka(cfg)),
    stop: async () => void (await stopKafka(cfg)),
    destroy: async () => {
      await stopKafka(cfg);
      rmSync(cfg.dataDir, { recursive: true, force: true });
    },
  };
  await svc.start();
  return svc;
}
