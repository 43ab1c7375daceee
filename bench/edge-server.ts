/**
 * One server of the edge benchmark, in its own process so the load generator does not share
 * its event loop: `tsx bench/edge-server.ts <bare-web|bare|bullmq|edge> <port>`. Prints `ready` when
 * listening. The `edge` mode is the real thing (createApp + the Node dependencies, from env).
 */
import { serve } from "@hono/node-server";
import { Queue } from "bullmq";
import { Hono } from "hono";
import { createApp } from "../edge/app.ts";
import { EdgeEnvSchema } from "../edge/env.ts";
import { nodeBodyReader } from "../edge/node/body.ts";
import { createNodeDeps } from "../edge/node/setup.ts";
import { parseEnv } from "../shared/config/env.ts";
import { INGEST_JOB_NAME, INGEST_JOB_OPTIONS } from "../shared/queue/job.ts";

const [mode, portArg] = process.argv.slice(2);
const port = Number(portArg);

const decoder = new TextDecoder();
const MAX = 10 * 1024 * 1024;

/** The body as text the way the edge reads it on Node (straight from Node's request). */
async function nodeText(req: Request, env: unknown): Promise<string> {
  const body = await nodeBodyReader(req, env, MAX);
  if (!body.ok) throw new Error("body too large");
  return decoder.decode(body.bytes);
}

async function build(): Promise<{ fetch: (req: Request, env?: unknown) => Response | Promise<Response> }> {
  if (mode === "bare-web") {
    // Baseline 1a: Hono reading the body through the WHATWG Request (c.req.text()), nothing else.
    const app = new Hono();
    app.post("/v1/messages", async (c) => c.text(`ok ${(await c.req.text()).length}`));
    return app;
  }
  if (mode === "bare") {
    // Baseline 1b: Hono reading the body from Node's request, as the edge does, nothing else.
    const app = new Hono();
    app.post("/v1/messages", async (c) => c.text(`ok ${(await nodeText(c.req.raw, c.env)).length}`));
    return app;
  }
  if (mode === "bullmq") {
    // Baseline 2: Hono + one BullMQ add per request (what a minimal durable ACK costs).
    const queue = new Queue(process.env.INGEST_QUEUE ?? "bench", {
      connection: { url: process.env.REDIS_URL },
    });
    const app = new Hono();
    app.post("/v1/messages", async (c) => {
      const raw = await nodeText(c.req.raw, c.env);
      const job = await queue.add(
        INGEST_JOB_NAME,
        { raw },
        { ...INGEST_JOB_OPTIONS, jobId: crypto.randomUUID() },
      );
      return c.text(`ok ${job.id}`);
    });
    return app;
  }
  if (mode === "edge") {
    const env = parseEnv(EdgeEnvSchema, process.env);
    const { deps } = await createNodeDeps(env);
    return createApp(deps);
  }
  throw new Error(`unknown mode ${mode}`);
}

const app = await build();
serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => {
  process.stderr.write("ready\n");
});
// Exit normally on signals so `--cpu-prof` can write its profile.
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
