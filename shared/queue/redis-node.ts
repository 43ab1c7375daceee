/**
 * The one place edge and workers open Redis connections on Node: a plain `Redis` or, with
 * `cluster: true` (REDIS_CLUSTER; MemoryDB is always a cluster), a `Cluster` seeded with the
 * URL's host. Node-only (ioredis).
 */
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";

export type RedisConnection = Redis | Cluster;

export interface RedisConnectOptions {
  /** REDIS_CLUSTER. */
  cluster: boolean;
  /** The caller's options (fail-fast for the enqueue side, `maxRetriesPerRequest: null` for workers). */
  options?: RedisOptions;
}

/**
 * Opens a connection to `url` (redis:// or rediss://). In cluster mode TLS (rediss://) and
 * username/password from the URL go to every node; nodes are addressed by the names the
 * cluster announces (`dnsLookup` is the identity, as MemoryDB's TLS certificates need).
 * Errors never include the URL (it may hold a password).
 *
 * @example
 * const redis = createRedisConnection(env.REDIS_URL, { cluster: env.REDIS_CLUSTER, options: { maxRetriesPerRequest: null } });
 */
export function createRedisConnection(url: string, opts: RedisConnectOptions): RedisConnection {
  const options = opts.options ?? {};
  if (!opts.cluster) return new Redis(url, options);

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("REDIS_URL is not a valid URL");
  }
  const tls = parsed.protocol === "rediss:";
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = parsed.port === "" ? 6379 : Number(parsed.port);
  // retryStrategy and enableOfflineQueue are the cluster's own (below), not the nodes'.
  const { retryStrategy, enableOfflineQueue, ...nodeOptions } = options;
  const redisOptions: ClusterOptions["redisOptions"] = {
    ...nodeOptions,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(tls ? { tls: { ...(options.tls ?? {}) } } : {}),
  };
  // Options that ioredis reads on the cluster itself rather than per node.
  const clusterOptions: ClusterOptions = {
    redisOptions,
    dnsLookup: (address, callback) => callback(null, address),
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    ...(options.enableAutoPipelining !== undefined
      ? { enableAutoPipelining: options.enableAutoPipelining }
      : {}),
    ...(options.lazyConnect !== undefined ? { lazyConnect: options.lazyConnect } : {}),
    ...(retryStrategy ? { clusterRetryStrategy: (times: number) => retryStrategy(times) } : {}),
  };
  return new Cluster([{ host, port }], clusterOptions);
}

/**
 * Resolves once `redis` is ready or after `timeoutMs`, whichever is first (never rejects): a
 * fail-fast connection (no offline queue) would fail commands sent before it is up, and a
 * cluster client needs a moment longer (slot map, one socket per node).
 */
export function waitReady(redis: RedisConnection, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off("ready", done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    if (redis.status === "ready") done();
    else redis.once("ready", done);
  });
}
