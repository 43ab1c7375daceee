/**
 * `createApp(deps)`: the runtime-free Hono app of the edge. Entries (Node, Deno, workerd) build
 * the dependencies and call this; nothing here knows the runtime.
 *
 * @example
 * const app = createApp({ keys, enqueuer, rateLimiter, profiles, logger, metrics });
 * serve({ fetch: app.fetch, port: 8080 }); // Node; Deno.serve(app.fetch) on Deno
 */
import { Hono } from "hono";
import { PROMETHEUS_CONTENT_TYPE } from "../shared/metrics/registry.ts";
import type { EdgeDeps } from "./deps.ts";

export type { EdgeDeps } from "./deps.ts";

export function createApp(deps: EdgeDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    try {
      await deps.enqueuer.ping();
      return c.json({ status: "ready" });
    } catch {
      return c.json({ status: "unavailable" }, 503);
    }
  });
  app.get("/metrics", async (c) =>
    c.body(await deps.metrics.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }),
  );
  return app;
}
