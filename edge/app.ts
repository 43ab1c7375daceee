/**
 * `createApp(deps)`: the runtime-free Hono app of the edge. Entries (Node, Deno, workerd) build
 * the dependencies and call this; nothing here knows the runtime.
 *
 * Routes are plain Hono handlers (the ingest hot path skips per-request schema validation: its
 * body is HL7, checked by shared/hl7), and each route's zod schema is registered in the OpenAPI
 * registry, so /openapi.json is generated from the same definitions.
 *
 * @example
 * const app = createApp({ keys, enqueuer, rateLimiter, profiles, logger, metrics });
 * serve({ fetch: app.fetch, port: 8080 }); // Node; Deno.serve(app.fetch) on Deno
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Hono } from "hono";
import type { BlankEnv } from "hono/types";
import { errorFields } from "../shared/log/logger.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../shared/metrics/registry.ts";
import type { EdgeDeps } from "./deps.ts";
import { renderDocsPage } from "./docs-page.ts";
import { problemResponse } from "./errors.ts";
import { createEdgeMetrics } from "./metrics.ts";
import { messagesHandler, messagesRoute } from "./routes/messages.ts";

export type { EdgeDeps } from "./deps.ts";

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,128}$/;

const StatusSchema = z.object({ status: z.string() });
const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  summary: "Liveness",
  responses: {
    200: { description: "The process is up", content: { "application/json": { schema: StatusSchema } } },
  },
});
const readyRoute = createRoute({
  method: "get",
  path: "/readyz",
  summary: "Readiness: the queue (Redis) answers",
  responses: {
    200: { description: "Ready", content: { "application/json": { schema: StatusSchema } } },
    503: {
      description: "The queue is unreachable",
      content: { "application/json": { schema: StatusSchema } },
    },
  },
});
const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  summary: "Prometheus metrics",
  responses: {
    200: { description: "Prometheus text format 0.0.4", content: { "text/plain": { schema: z.string() } } },
  },
});

export const OPENAPI_INFO = {
  title: "adt-stream edge ingest API",
  version: "1.0.0",
  description:
    "Receives HL7 v2 ADT messages over HTTPS and answers with an HL7 acknowledgement once the message is durably queued.",
};

/**
 * Builds the app from its dependencies.
 *
 * @example
 * const app = createApp(deps);
 * const res = await app.request("/v1/messages", { method: "POST", headers, body });
 */
export function createApp(deps: EdgeDeps): Hono {
  // Typed as a plain Hono (the entries need nothing more), which keeps the v1 signature stable.
  const app = new OpenAPIHono<BlankEnv>();
  const metrics = createEdgeMetrics(deps.metrics);
  const ingest = messagesHandler(deps, metrics);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "basic", { type: "http", scheme: "basic" });
  for (const r of [messagesRoute, healthRoute, readyRoute, metricsRoute]) app.openAPIRegistry.registerPath(r);

  app.post("/v1/messages", (c) => {
    const given = c.req.header("x-request-id");
    const requestId = given !== undefined && REQUEST_ID_RE.test(given) ? given : crypto.randomUUID();
    return ingest(c.req.raw, requestId, c.env);
  });
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    try {
      await deps.enqueuer.ping();
      return c.json({ status: "ready" });
    } catch (err) {
      deps.logger.warn("readiness_failed", errorFields(err));
      return c.json({ status: "unavailable" }, 503);
    }
  });
  app.get("/metrics", async (c) =>
    c.body(await deps.metrics.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }),
  );
  app.doc31("/openapi.json", { openapi: "3.1.0", info: OPENAPI_INFO });
  app.get("/docs", (c) => {
    // The generator's OpenAPIObject types operations loosely; the page reads only the fields it shows.
    const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: OPENAPI_INFO }) as Parameters<
      typeof renderDocsPage
    >[0];
    return c.html(renderDocsPage(doc));
  });

  app.notFound(() => problemResponse("not_found"));
  // Known failures are answered where they happen; anything reaching here is a bug: log the
  // class (never its message, which could quote input) and answer a generic 500.
  app.onError((err) => {
    deps.logger.error("unhandled_error", {
      ...errorFields(err), // Frames only: the first stack line repeats the message.
      stack: err.stack?.split("\n").slice(1, 6).join(" | "),
    });
    return problemResponse("internal_error");
  });
  return app;
}
