import { z } from "zod";
import { parseEnv } from "../shared/config/env.ts";
import { INGEST_QUEUE } from "../shared/queue/job.ts";
import { DEFAULT_BULLMQ_PREFIX, hasHashTag, PREFIX_NEEDS_HASH_TAG } from "../shared/queue/redis-prefix.ts";

// Environment variables arrive as strings; these helpers turn them into typed values with
// defaults, so a bad value fails at start with the variable's name (parseEnv), never later.
const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);
const bool = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .default(def ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");

export const KAFKA_AUTH_MODES = ["none", "msk-iam", "sasl-oauthbearer-unsecured", "sasl-plain"] as const;
export type KafkaAuthMode = (typeof KAFKA_AUTH_MODES)[number];

/**
 * The workers' configuration, parsed once in `workers/main.ts`. Names are shared with the CDK
 * task definitions (infra/aws) and `npm start`; keep them stable.
 */
export const WorkerEnvSchema = z
  .object({
    REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL"),
    /** REDIS_URL is a Redis Cluster (MemoryDB always is): connect with ioredis's Cluster client. */
    REDIS_CLUSTER: bool(false),
    /** BullMQ key prefix, the same as the edge's; needs a {hash tag} when REDIS_CLUSTER=true. */
    BULLMQ_PREFIX: z.string().min(1).default(DEFAULT_BULLMQ_PREFIX),
    KAFKA_BROKERS: z
      .string()
      .min(1)
      .transform((s) =>
        s
          .split(",")
          .map((b) => b.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, "each broker must be host:port")).min(1)),
    KAFKA_AUTH: z.enum(KAFKA_AUTH_MODES).default("none"),
    /** PEM file with the CA(s) to trust for TLS; unset means the system roots (what MSK needs). */
    KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
    /** TLS server name to verify when brokers are addressed by something else (local tests: localhost). */
    KAFKA_SSL_SERVERNAME: z.string().min(1).optional(),
    AWS_REGION: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as eu-west-2")
      .optional(),
    /** Signer credentials: a role to assume, or a named profile; neither = default chain. */
    MSK_ROLE_ARN: z.string().startsWith("arn:", "must be an IAM role ARN").optional(),
    MSK_ROLE_SESSION_NAME: z.string().min(2).max(64).optional(),
    AWS_PROFILE: z.string().min(1).optional(),
    /** sasl-plain only (local tests, or a non-MSK broker). */
    KAFKA_SASL_USERNAME: z.string().min(1).optional(),
    KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
    /** sasl-oauthbearer-unsecured only: the scope the local broker requires. */
    KAFKA_OAUTH_SCOPE: z.string().min(1).default("adt-stream"),
    KAFKA_CLIENT_ID: z.string().min(1).default("adt-stream-worker"),
    KAFKA_TOPIC_PREFIX: z
      .string()
      .regex(/^[a-zA-Z0-9._-]*$/, "may hold only letters, digits, dot, dash and underscore")
      .default(""),
    /** true locally (topics created when missing); false in production (topics must exist). */
    KAFKA_CREATE_TOPICS: bool(true),
    KAFKA_PARTITIONS: int(6, 1, 10_000),
    KAFKA_REPLICATION: int(1, 1, 10),
    /** How long the producer waits to gather records from concurrent jobs into one request. */
    KAFKA_LINGER_MS: int(5, 0, 1000),
    KAFKA_MAX_BATCH_RECORDS: int(2000, 1, 100_000),
    /** Largest record we send; the broker default `message.max.bytes` is ~1 MiB. */
    KAFKA_MAX_RECORD_BYTES: int(1_000_000, 1024, 100_000_000),
    KAFKA_COMPRESSION: z.enum(["gzip", "none"]).default("gzip"),
    /** kafkajs's own retries of one request before the job goes back to BullMQ's backoff. */
    KAFKA_RETRIES: int(5, 1, 100),
    /** Per produce request; the job is retried by BullMQ after this. */
    KAFKA_REQUEST_TIMEOUT_MS: int(30_000, 1000, 300_000),
    VENDOR_PROFILES: z.string().min(1).default("config/vendors.json"),
    INGEST_QUEUE: z.string().min(1).default(INGEST_QUEUE),
    /** Jobs in flight per process; they wait on shared Kafka batches, so more jobs = bigger batches. */
    WORKER_CONCURRENCY: int(256, 1, 10_000),
    /** Total time a job keeps retrying Kafka failures before it is parked in the failed set. */
    RETRY_FOR_HOURS: z.coerce
      .number()
      .positive()
      .max(24 * 30)
      .default(24),
    RETRY_MAX_DELAY_MS: int(60_000, 100, 3_600_000),
    /** BullMQ lock: a crashed worker's jobs are taken over after roughly this long. */
    WORKER_LOCK_MS: int(30_000, 1000, 600_000),
    WORKER_STALLED_INTERVAL_MS: int(30_000, 500, 600_000),
    /** A job that stalls more often than this (a crash loop) is failed and kept for replay. */
    WORKER_MAX_STALLED: int(5, 0, 1000),
    METRICS_PORT: int(9464, 0, 65_535),
    /** Interface the metrics server binds to; 0.0.0.0 in a container so the scraper reaches it. */
    METRICS_HOST: z.string().min(1).default("0.0.0.0"),
    CLOUDWATCH_EMF: bool(false),
    EMF_INTERVAL_MS: int(60_000, 1000, 3_600_000),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
    SHUTDOWN_TIMEOUT_MS: int(30_000, 1000, 600_000),
  })
  .superRefine((env, ctx) => {
    if (env.REDIS_CLUSTER && !hasHashTag(env.BULLMQ_PREFIX))
      ctx.addIssue({ code: "custom", path: ["BULLMQ_PREFIX"], message: PREFIX_NEEDS_HASH_TAG });
    if (env.KAFKA_AUTH === "msk-iam" && !env.AWS_REGION)
      ctx.addIssue({ code: "custom", path: ["AWS_REGION"], message: "required when KAFKA_AUTH=msk-iam" });
    if (env.KAFKA_AUTH === "sasl-plain") {
      for (const key of ["KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"] as const)
        if (!env[key])
          ctx.addIssue({ code: "custom", path: [key], message: "required when KAFKA_AUTH=sasl-plain" });
    }
  });

export type WorkerEnv = z.infer<typeof WorkerEnvSchema>;

/**
 * Parses the workers' environment; throws `ConfigError` naming each bad variable.
 *
 * @example
 * const env = parseWorkerEnv(process.env);
 */
export function parseWorkerEnv(env: Record<string, string | undefined>): WorkerEnv {
  // An empty variable (`KAFKA_SSL_CA_FILE=` in a compose file) means "not set", not "invalid".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  return parseEnv(WorkerEnvSchema, present);
}
