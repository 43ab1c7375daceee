/**
 * The Durable Object that holds the edge's Redis connection on Cloudflare Workers.
 *
 * Why: a Worker isolate may not keep a socket open across requests (each request owns its
 * I/O), so the usual module-level ioredis client is impossible there. A Durable Object is one
 * long-lived instance whose I/O is shared by all requests it receives; it keeps one ioredis
 * connection and BullMQ's loaded scripts warm, exactly like a Node edge process does.
 *
 * What: it runs the same `BullmqEnqueuer` and `RedisKeyStore` as the Node edge (ioredis and
 * BullMQ run in workerd with `nodejs_compat`: its `node:net` opens real TCP connections), so the
 * Redis state it produces (keys, job layout, de-duplication, per-vendor `seq`) is the Node
 * edge's, byte for byte, and the same workers consume it.
 *
 * Sharding (see durable-enqueuer.ts): `vendor:<id>` objects enqueue one vendor's messages (a
 * batch is for one vendor, so it stays all-or-nothing in one object), `keys:<c>` objects look
 * up API keys (16 shards by the first hex digit of the key id), `health` answers readiness.
 * Each object opens its connection lazily, on its first call.
 *
 * Errors cross RPC as tagged values (`{ ok: false, error: "queue_unavailable" }`), never as
 * messages: nothing from Redis or the data travels back.
 */
import { DurableObject } from "cloudflare:workers";
import { Redis } from "ioredis";
import { parseEnv } from "../../shared/config/env.ts";
import { createJsonLogger, errorFields, type Logger } from "../../shared/log/logger.ts";
import { type EnqueueRequest, type EnqueueResult, QueueUnavailableError, type StoredKey } from "../deps.ts";
import { type EdgeEnv, EdgeEnvSchema } from "../env.ts";
import { BullmqEnqueuer, enqueueRedisOptions } from "../node/bullmq-enqueuer.ts";
import { RedisKeyStore } from "../node/redis-key-store.ts";
import type { QueueObjectRpc, QueueOutcome } from "./durable-enqueuer.ts";
import type { KeyObjectRpc } from "./durable-key-store.ts";
import { stringVars } from "./worker-env.ts";

/** As long as ioredis' connect timeout in `enqueueRedisOptions`. */
const CONNECT_WAIT_MS = 2000;

export class IngestQueueObject
  extends DurableObject<Record<string, unknown>>
  implements QueueObjectRpc, KeyObjectRpc
{
  #config: EdgeEnv | undefined;
  #log: Logger | undefined;
  #enqueuer: Promise<BullmqEnqueuer> | undefined;
  #keys: Promise<RedisKeyStore> | undefined;

  #env(): EdgeEnv {
    this.#config ??= parseEnv(EdgeEnvSchema, stringVars(this.env));
    return this.#config;
  }

  #logger(): Logger {
    this.#log ??= createJsonLogger({
      service: "edge",
      level: this.#env().LOG_LEVEL,
      base: { runtime: "workerd", component: "queue_object" },
    });
    return this.#log;
  }

  #queue(): Promise<BullmqEnqueuer> {
    if (this.#enqueuer === undefined) {
      const pending = this.#connect();
      this.#enqueuer = pending;
      // A failed set-up (bad config) must not stay cached: the next call tries again.
      pending.catch(() => {
        if (this.#enqueuer === pending) this.#enqueuer = undefined;
      });
    }
    return this.#enqueuer;
  }

  /**
   * The enqueue connection fails fast (no offline queue), which suits a long-running process
   * that connects at start; this object connects on its first call instead, so it waits (up to
   * the connect timeout) for the connection before that call is made.
   */
  async #connect(): Promise<BullmqEnqueuer> {
    const env = this.#env();
    const enqueuer = await BullmqEnqueuer.connect({
      redisUrl: env.REDIS_URL,
      queueName: env.INGEST_QUEUE,
      dedupWindowSeconds: env.DEDUP_WINDOW_SECONDS,
    });
    const deadline = Date.now() + CONNECT_WAIT_MS;
    for (;;) {
      try {
        await enqueuer.ping();
        return enqueuer;
      } catch {
        // Still connecting (or Redis is down: the call below then answers 503 as usual).
        if (Date.now() >= deadline) return enqueuer;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  #keyStore(): Promise<RedisKeyStore> {
    this.#keys ??= (async () => {
      // Offline queue on, unlike the enqueue side: the first lookup waits for the connection.
      const redis = new Redis(this.#env().REDIS_URL, { ...enqueueRedisOptions(), enableOfflineQueue: true });
      // Failures are answered per call (503); an unhandled 'error' event would reset the object.
      redis.on("error", () => {});
      return new RedisKeyStore(redis);
    })();
    return this.#keys;
  }

  async enqueue(request: EnqueueRequest): Promise<QueueOutcome<EnqueueResult[]>> {
    return this.#guard("enqueue", async () => (await this.#queue()).enqueue(request));
  }

  async ping(): Promise<QueueOutcome<null>> {
    return this.#guard("ping", async () => {
      await (await this.#queue()).ping();
      return null;
    });
  }

  async findKey(keyId: string): Promise<QueueOutcome<StoredKey | null>> {
    return this.#guard("key_lookup", async () => (await (await this.#keyStore()).find(keyId)) ?? null);
  }

  async #guard<T>(operation: string, run: () => Promise<T>): Promise<QueueOutcome<T>> {
    try {
      return { ok: true, value: await run() };
    } catch (err) {
      if (err instanceof QueueUnavailableError) {
        this.#logger().warn("queue_unavailable", { operation, ...errorFields(err.cause) });
        return { ok: false, error: "queue_unavailable" };
      }
      // Anything else is a bug: the Worker rethrows it as one, so the app answers as on Node.
      this.#logger().error("queue_object_error", { operation, ...errorFields(err) });
      return { ok: false, error: "internal" };
    }
  }
}
