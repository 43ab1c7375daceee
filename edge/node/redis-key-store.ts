/**
 * API keys in a Redis hash (`adt:api-keys`: keyId → JSON StoredKey). Node-only (ioredis); the
 * CLI writes, the edge reads. Only hashes are stored.
 *
 * Cluster-safe as is: every command (HGET, HSET, HGETALL) touches the one hash key, so no
 * command spans slots and the key needs no hash tag.
 */
import type { RedisConnection } from "../../shared/queue/redis-node.ts";
import type { KeyAdmin, StoredKey } from "../deps.ts";
import { QueueUnavailableError } from "../deps.ts";
import { StoredKeySchema } from "../key-store.ts";

export const API_KEYS_HASH = "adt:api-keys";

/**
 * @example
 * const store = new RedisKeyStore(new Redis(url));
 * await store.put(stored);
 * await store.find(stored.keyId);
 */
export class RedisKeyStore implements KeyAdmin {
  constructor(
    private readonly redis: RedisConnection,
    private readonly hashKey = API_KEYS_HASH,
  ) {}

  async find(keyId: string): Promise<StoredKey | undefined> {
    let raw: string | null;
    try {
      raw = await this.redis.hget(this.hashKey, keyId);
    } catch (err) {
      // Key lookups share Redis with the queue: the same "try again later" applies.
      throw new QueueUnavailableError("key lookup", { cause: err });
    }
    return raw === null ? undefined : decode(raw);
  }

  async put(key: StoredKey): Promise<void> {
    await this.redis.hset(this.hashKey, key.keyId, JSON.stringify(StoredKeySchema.parse(key)));
  }

  async list(): Promise<StoredKey[]> {
    const all = await this.redis.hgetall(this.hashKey);
    return Object.values(all)
      .map(decode)
      .filter((k): k is StoredKey => k !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async revoke(keyId: string, at: string): Promise<boolean> {
    const key = await this.find(keyId);
    if (key === undefined) return false;
    if (key.revokedAt) return true;
    await this.put({ ...key, revokedAt: at });
    return true;
  }
}

function decode(raw: string): StoredKey | undefined {
  try {
    const k = StoredKeySchema.parse(JSON.parse(raw));
    return { ...k, revokedAt: k.revokedAt ?? undefined };
  } catch {
    // A corrupt entry authenticates nobody.
    return undefined;
  }
}
