import { resolve } from "node:path";
import { z } from "zod";

const port = z.coerce.number().int().min(1).max(65535);

/**
 * Settings of the local Redis + Kafka stack, read once from the environment.
 * Defaults match what the rest of the project expects (redis://127.0.0.1:6379, 127.0.0.1:9092).
 */
const LocalStackEnv = z.object({
  ADT_DATA_DIR: z.string().min(1).default(".data"),
  ADT_CACHE_DIR: z.string().min(1).default(".cache"),
  REDIS_PORT: port.default(6379),
  KAFKA_PORT: port.default(9092),
  KAFKA_CONTROLLER_PORT: port.default(9093),
  KAFKA_SASL_PORT: port.default(9094),
  KAFKA_HEAP: z
    .string()
    .regex(/^\d+[mg]$/, "must look like 512m or 1g")
    .default("1g"),
});

export interface LocalStackConfig {
  root: string;
  dataDir: string;
  cacheDir: string;
  redisPort: number;
  kafkaPort: number;
  kafkaControllerPort: number;
  kafkaSaslPort: number;
  kafkaHeap: string;
  /** Pinned in infra/local/kafka/pom.xml; repeated here only to name the cache folder. */
  kafkaVersion: string;
}

export const KAFKA_VERSION = "3.9.1";

export class LocalConfigError extends Error {
  override name = "LocalConfigError";
}

/** Parses the environment; a bad value fails with the variable's name. */
export function loadLocalStackConfig(
  env: Record<string, string | undefined> = process.env,
  root = process.cwd(),
): LocalStackConfig {
  const parsed = LocalStackEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new LocalConfigError(`invalid local stack environment: ${problems}`);
  }
  const e = parsed.data;
  const ports = [e.REDIS_PORT, e.KAFKA_PORT, e.KAFKA_CONTROLLER_PORT, e.KAFKA_SASL_PORT];
  if (new Set(ports).size !== ports.length) {
    throw new LocalConfigError(
      "REDIS_PORT, KAFKA_PORT, KAFKA_CONTROLLER_PORT and KAFKA_SASL_PORT must all differ",
    );
  }
  return {
    root,
    dataDir: resolve(root, e.ADT_DATA_DIR),
    cacheDir: resolve(root, e.ADT_CACHE_DIR),
    redisPort: e.REDIS_PORT,
    kafkaPort: e.KAFKA_PORT,
    kafkaControllerPort: e.KAFKA_CONTROLLER_PORT,
    kafkaSaslPort: e.KAFKA_SASL_PORT,
    kafkaHeap: e.KAFKA_HEAP,
    kafkaVersion: KAFKA_VERSION,
  };
}
