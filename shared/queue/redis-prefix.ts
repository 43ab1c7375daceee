/**
 * BullMQ key prefix rules shared by the edge and the workers (no Node imports: the edge's env
 * schema also runs in Deno and workerd).
 *
 * In a Redis Cluster (Amazon MemoryDB always is one) every key a script or MULTI touches must
 * hash to one slot; BullMQ's scripts build keys from the prefix, so the prefix must carry a
 * hash tag, e.g. `{adt}`. Redis hashes only the text between the first `{` and the next `}`,
 * and only when it is non-empty.
 */

/** The default BULLMQ_PREFIX (BullMQ's own default). */
export const DEFAULT_BULLMQ_PREFIX = "bull";

/**
 * True when `key` holds a Redis Cluster hash tag (non-empty text between the first `{` and the
 * next `}`).
 *
 * @example
 * hasHashTag("{adt}"); // true
 * hasHashTag("bull"); // false
 * hasHashTag("{}x"); // false
 */
export function hasHashTag(key: string): boolean {
  const open = key.indexOf("{");
  if (open < 0) return false;
  const close = key.indexOf("}", open + 1);
  return close > open + 1;
}

/** The ConfigError text for a cluster prefix without a hash tag (names the variable only). */
export const PREFIX_NEEDS_HASH_TAG = "must contain a {hash tag} (e.g. {adt}) when REDIS_CLUSTER=true";
