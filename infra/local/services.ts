import type { LocalStackConfig } from "./config.ts";
import { ensureKafka, kafkaStatus, stopKafka } from "./kafka.ts";
import { type EnsureResult, ensureRedis, redisStatus, type ServiceStatus, stopRedis } from "./redis.ts";

export interface StackEndpoints {
  redisUrl: string;
  kafkaBrokers: string[];
}

/** Brings up Redis and Kafka, reusing healthy ones; reports which were started now. */
export async function servicesUp(
  cfg: LocalStackConfig,
): Promise<{ services: EnsureResult[]; endpoints: StackEndpoints }> {
  // Sequential on purpose: on two cores the JVM start-up and Redis compete otherwise.
  const redis = await ensureRedis(cfg);
  const kafka = await ensureKafka(cfg);
  return { services: [redis, kafka], endpoints: endpointsOf(cfg) };
}

export function endpointsOf(cfg: LocalStackConfig): StackEndpoints {
  return { redisUrl: `redis://127.0.0.1:${cfg.redisPort}`, kafkaBrokers: [`127.0.0.1:${cfg.kafkaPort}`] };
}

/** Stops only what `servicesUp` started (PID files); reused external services are left alone. */
export async function servicesDown(
  cfg: LocalStackConfig,
  only?: ReadonlyArray<"redis" | "kafka">,
): Promise<string[]> {
  const stopped: string[] = [];
  // Kafka first: it has no dependency on Redis, but stopping in reverse start order is the habit to keep.
  if (!only || only.includes("kafka")) {
    const pid = await stopKafka(cfg);
    if (pid !== undefined) stopped.push(`kafka (pid ${pid})`);
  }
  if (!only || only.includes("redis")) {
    const pid = await stopRedis(cfg);
    if (pid !== undefined) stopped.push(`redis (pid ${pid})`);
  }
  return stopped;
}

export async function servicesStatus(cfg: LocalStackConfig): Promise<ServiceStatus[]> {
  return [await redisStatus(cfg), await kafkaStatus(cfg)];
}
