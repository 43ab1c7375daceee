/**
 * Runtime-free key stores: a static one (from a JSON file's content, for setups without key
 * management) and a short-lived cache in front of a remote store (so the request path does
 * not pay a Redis round trip per request; a revocation takes effect within the TTL).
 */
import { z } from "zod";
import { VENDOR_ID_PATTERN } from "../shared/vendor-id.ts";
import { type Clock, type KeyStore, type StoredKey, systemClock } from "./deps.ts";

export const StoredKeySchema = z.object({
  keyId: z.string().regex(/^[0-9a-f]{16}$/, "keyId is 16 lowercase hex characters"),
  vendor: z.string().regex(VENDOR_ID_PATTERN, "vendor ids are lowercase letters, digits and dashes"),
  secretHash: z.string().regex(/^[0-9a-f]{64}$/, "secretHash is a hex SHA-256"),
  createdAt: z.iso.datetime({ offset: true }),
  revokedAt: z.iso.datetime({ offset: true }).nullish(),
});

export const KeyFileSchema = z.object({ keys: z.array(StoredKeySchema) });

/** The key file is invalid; names positions and keys, never hashes. */
export class KeyFileError extends Error {
  override readonly name = "KeyFileError";
  constructor(
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid API key file: ${problems.join("; ")}`, options);
  }
}

/**
 * Parses the content of an API_KEYS_FILE (`{ "keys": [StoredKey…] }`, as `npm run keys --
 * export` writes it).
 *
 * @example
 * const store = new StaticKeyStore(parseKeyFile(JSON.parse(text)));
 */
export function parseKeyFile(json: unknown): StoredKey[] {
  const r = KeyFileSchema.safeParse(json);
  if (!r.success)
    throw new KeyFileError(
      r.error.issues.map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`),
      { cause: r.error },
    );
  const seen = new Set<string>();
  for (const k of r.data.keys) {
    if (seen.has(k.keyId)) throw new KeyFileError([`duplicate keyId ${k.keyId}`]);
    seen.add(k.keyId);
  }
  return r.data.keys.map((k) => ({ ...k, revokedAt: k.revokedAt ?? undefined }));
}

/** Keys fixed at start (API_KEYS_FILE). */
export class StaticKeyStore implements KeyStore {
  readonly #byId: ReadonlyMap<string, StoredKey>;
  constructor(keys: readonly StoredKey[]) {
    this.#byId = new Map(keys.map((k) => [k.keyId, k]));
  }
  async find(keyId: string): Promise<StoredKey | undefined> {
    return this.#byId.get(keyId);
  }
}

/**
 * Caches found keys (and their revocation state) for `ttlMs`. Unknown ids are not cached, so
 * a new key works at once; a revocation is seen within `ttlMs`. `ttlMs` 0 disables caching.
 *
 * @example
 * const keys = new CachedKeyStore(new RedisKeyStore(redis), 10_000);
 */
export class CachedKeyStore implements KeyStore {
  readonly #cache = new Map<string, { key: StoredKey; until: number }>();
  constructor(
    private readonly inner: KeyStore,
    private readonly ttlMs: number,
    private readonly clock: Clock = systemClock,
    private readonly maxEntries = 10_000,
  ) {}
  async find(keyId: string): Promise<StoredKey | undefined> {
    const now = this.clock.monotonic();
    const hit = this.#cache.get(keyId);
    if (hit !== undefined && hit.until > now) return hit.key;
    const key = await this.inner.find(keyId);
    if (key !== undefined && this.ttlMs > 0) {
      if (this.#cache.size >= this.maxEntries) this.#cache.clear();
      this.#cache.set(keyId, { key, until: now + this.ttlMs });
    } else if (hit !== undefined) {
      this.#cache.delete(keyId);
    }
    return key;
  }
}
