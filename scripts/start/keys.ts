/**
 * API keys for local runs: the demo vendor's key, created on first `npm start` and kept in a
 * git-ignored file so the printed curl keeps working across restarts, and throwaway keys for
 * load-test vendors. Keys are stored hashed in Redis through the edge's own key store.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Redis } from "ioredis";
import { generateApiKey, parseApiKey } from "../../edge/keys.ts";
import { RedisKeyStore } from "../../edge/node/redis-key-store.ts";

/**
 * Creates a key for `vendor` and returns it (the only time it exists in clear text).
 *
 * @example const key = await createKey("redis://127.0.0.1:6379", "acme-hie");
 */
export async function createKey(redisUrl: string, vendor: string): Promise<string> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
    const { key, stored } = await generateApiKey(vendor, new Date());
    await new RedisKeyStore(redis).put(stored);
    return key;
  } finally {
    redis.disconnect();
  }
}

/**
 * The key in `file` when Redis still knows it (and it is not revoked) for `vendor`; otherwise
 * a new one, written to `file` with owner-only permissions.
 */
export async function ensureKeyFile(
  redisUrl: string,
  vendor: string,
  file: string,
): Promise<{ key: string; created: boolean }> {
  if (existsSync(file)) {
    const key = readFileSync(file, "utf8").trim();
    const parsed = parseApiKey(key);
    if (parsed) {
      const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
      try {
        await redis.connect();
        const stored = await new RedisKeyStore(redis).find(parsed.keyId);
        if (stored && stored.vendor === vendor && !stored.revokedAt) return { key, created: false };
      } finally {
        redis.disconnect();
      }
    }
  }
  const key = await createKey(redisUrl, vendor);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, created: true };
}
