/**
 * The baseline server for the Deno rows of the edge benchmark: bare Hono under `Deno.serve`,
 * answering the ingest POST with a constant after reading the body (no auth, no checks, no
 * Redis). Started by bench/edge-deno.ts; PORT from the environment.
 */
import { Hono } from "hono";

const app = new Hono();
app.post("/v1/messages", async (c) => {
  await c.req.text();
  return c.text("ok");
});
app.get("/healthz", (c) => c.json({ status: "ok" }));

Deno.serve(
  { hostname: "127.0.0.1", port: Number(Deno.env.get("PORT") ?? "8090"), onListen: () => {} },
  app.fetch,
);
