/**
 * API keys on Workers when no static key set is bound: each lookup goes to a queue object
 * (`keys:<first hex digit of the key id>`, 16 shards) that reads the same Redis hash as the
 * Node edge (`RedisKeyStore`). In front of it the isolate keeps `CachedKeyStore` (as Node does),
 * so a busy vendor costs one round trip per key per KEY_CACHE_SECONDS, and a revocation in
 * Redis is seen everywhere within that time.
 */
import type { DurableObjectNamespace } from "cloudflare:workers";
import type { KeyStore, StoredKey } from "../deps.ts";
import { type QueueOutcome, unwrap } from "./durable-enqueuer.ts";

/** The key-lookup RPC of {@link IngestQueueObject}. */
export interface KeyObjectRpc {
  findKey(keyId: string): Promise<QueueOutcome<StoredKey | null>>;
}

export const keyShard = (keyId: string): string => `keys:${keyId.charAt(0)}`;

/**
 * @example
 * const keys = new CachedKeyStore(durableKeyStore(env.INGEST_QUEUE_OBJECT), 10_000);
 */
export function durableKeyStore(ns: DurableObjectNamespace<KeyObjectRpc>): KeyStore {
  return {
    async find(keyId) {
      const stub = ns.get(ns.idFromName(keyShard(keyId)));
      return (await unwrap("key lookup", () => stub.findKey(keyId))) ?? undefined;
    },
  };
}
