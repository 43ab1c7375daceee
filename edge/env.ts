/**
 * The edge's environment, parsed once at the entry with `parseEnv(EdgeEnvSchema, env)` from
 * shared/config (a bad value fails fast naming the variable, never echoing it).
 */
import { z } from "zod";
import { INGEST_QUEUE } from "../shared/queue/job.ts";
import { DEFAULT_BULLMQ_PREFIX, hasHashTag, PREFIX_NEEDS_HASH_TAG } from "../shared/queue/redis-prefix.ts";

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));
const bool = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .default(def ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");

export const EdgeEnvSchema = z
  .object({
    PORT: int(8080, 1, 65535),
    /** 127.0.0.1 locally; set 0.0.0.0 in containers. */
    HOST: z.string().min(1).default("127.0.0.1"),
    REDIS_URL: z
      .string()
      .default("redis://127.0.0.1:6379")
      .refine((v) => /^rediss?:\/\//.test(v), "must be a redis:// or rediss:// URL"),
    /** REDIS_URL is a Redis Cluster (MemoryDB always is): connect with ioredis's Cluster client. */
    REDIS_CLUSTER: bool(false),
    /** BullMQ key prefix, the same as the workers'; needs a {hash tag} when REDIS_CLUSTER=true. */
    BULLMQ_PREFIX: z.string().min(1).default(DEFAULT_BULLMQ_PREFIX),
    VENDOR_PROFILES: z.string().min(1).default("config/vendors.json"),
    INGEST_QUEUE: z.string().min(1).default(INGEST_QUEUE),
    /** Largest request body in bytes (413 beyond). */
    MAX_BODY_BYTES: int(10 * 1024 * 1024, 1024, 512 * 1024 * 1024),
    /** Resends of (vendor, MSH-10, body) within this window are answered AA without a new job. */
    DEDUP_WINDOW_SECONDS: int(86_400, 1, 30 * 86_400),
    /** Sustained requests per second per vendor (per edge instance). */
    RATE_LIMIT_RPS: z.coerce.number().positive().default(500),
    /** Requests a vendor may send at once after a quiet period. */
    RATE_LIMIT_BURST: int(1000, 1, 10_000_000),
    /** A static JSON file of key hashes; when unset, keys live in Redis (`npm run keys`). */
    API_KEYS_FILE: optionalString,
    /** How long a looked-up key (and its revocation state) is cached; 0 disables. */
    KEY_CACHE_SECONDS: z.coerce.number().min(0).max(3600).default(10),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  })
  .superRefine((env, ctx) => {
    if (env.REDIS_CLUSTER && !hasHashTag(env.BULLMQ_PREFIX))
      ctx.addIssue({ code: "custom", path: ["BULLMQ_PREFIX"], message: PREFIX_NEEDS_HASH_TAG });
  });

export type EdgeEnv = z.infer<typeof EdgeEnvSchema>;
