/**
 * Cloudflare Workers entry of the edge (wrangler.toml `main`). Builds `createApp(deps)` once per
 * isolate from the bindings, with the two Workers-specific dependencies from edge/runtime/:
 * the enqueue (and, without a static key set, the key lookup) go through the
 * `IngestQueueObject` Durable Object, which holds the Redis connection.
 *
 * - Vendor profiles are bundled: config/vendors.json is imported at build time (a Worker has no
 *   file system; VENDOR_PROFILES is not read here). Change the file, redeploy.
 * - API keys: `API_KEYS` secret (the key file's JSON, hashes only) when set, else the Redis hash
 *   through the queue objects, cached per isolate for KEY_CACHE_SECONDS. See edge/RUNTIMES.md.
 * - Rate limits and metrics are per isolate, like per process on Node.
 *
 * Run locally: `npm run edge:worker` (wrangler dev --local, against the local Redis).
 */
import vendorFile from "../../config/vendors.json" with { type: "json" };
import { parseVendorProfiles } from "../../shared/adt/profile.ts";
import { parseEnv } from "../../shared/config/env.ts";
import { createJsonLogger } from "../../shared/log/logger.ts";
import { MetricsRegistry } from "../../shared/metrics/registry.ts";
import { createApp } from "../app.ts";
import { EdgeEnvSchema } from "../env.ts";
import { CachedKeyStore, KeyFileError, parseKeyFile, StaticKeyStore } from "../key-store.ts";
import { TokenBucketLimiter } from "../rate-limit.ts";
import { durableEnqueuer } from "../runtime/durable-enqueuer.ts";
import { durableKeyStore } from "../runtime/durable-key-store.ts";
import { stringVars, type WorkerBindings } from "../runtime/worker-env.ts";

export { IngestQueueObject } from "../runtime/queue-object.ts";

// One app per isolate: built on the first request (bindings arrive with it) and reused, so the
// key cache, rate-limit buckets and metrics live as long as the isolate. Bindings of one
// deployment do not change while an isolate lives.
let built: ReturnType<typeof createApp> | undefined;

function staticKeys(text: string): StaticKeyStore {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    // JSON.parse's message quotes the text around the error; say only where the problem is.
    throw new KeyFileError(["API_KEYS: not valid JSON"], { cause });
  }
  return new StaticKeyStore(parseKeyFile(json));
}

function appFor(bindings: WorkerBindings): ReturnType<typeof createApp> {
  if (built !== undefined) return built;
  const env = parseEnv(EdgeEnvSchema, stringVars(bindings));
  const logger = createJsonLogger({ service: "edge", level: env.LOG_LEVEL, base: { runtime: "workerd" } });
  const ns = bindings.INGEST_QUEUE_OBJECT;
  const keys =
    bindings.API_KEYS !== undefined && bindings.API_KEYS.trim() !== ""
      ? staticKeys(bindings.API_KEYS)
      : new CachedKeyStore(durableKeyStore(ns), env.KEY_CACHE_SECONDS * 1000);
  const app = createApp({
    keys,
    enqueuer: durableEnqueuer(ns),
    rateLimiter: new TokenBucketLimiter({ ratePerSecond: env.RATE_LIMIT_RPS, burst: env.RATE_LIMIT_BURST }),
    profiles: parseVendorProfiles(vendorFile),
    logger,
    metrics: new MetricsRegistry(),
    maxBodyBytes: env.MAX_BODY_BYTES,
  });
  built = app;
  return app;
}

export default {
  fetch(request: Request, bindings: WorkerBindings): Response | Promise<Response> {
    return appFor(bindings).fetch(request);
  },
};
