/**
 * One server of the edge benchmark, in its own process so the load generator does not share
 * its event loop: `tsx bench/edge-server.ts <bare|bullmq|edge> <port>`. Prints `ready` when
 * listening. The `edge` mode is the real thing (createApp + the Node dependencies, from env).
 */
import { serve } from "@hono/node-server";
import { Queue } from "bullmq";
import { Hono } from "hono";
import { createApp } from "../edge/app.ts";
import { EdgeEnvSchema } from "../edge/env.ts";
import { createNodeDeps } from "../edge/node/setup.ts";
import { parseEnv } from "../shared/config/env.ts";
import { INGEST_JOB_NAME, INGEST_JOB_OPTIONS } from "../shared/queue/job.ts";

const [mode, portArg] = process.argv.slice(2);
const port = Number(portArg);

async function build(): Promise<{ fetch: (req: Request) => Response | Promise<Response> }> {
  if (mode === "bare") {
    // Baseline 1: Hono reading the body and answering, nothing else.
    const app = new Hono();
    app.post("/v1/messages", async (c) => c.text(`ok ${(await c.req.text()).length}`));
    return app;
  }
  if (mode === "bullmq") {
    // Baseline 2: Hono + one BullMQ add per request (what a minimal durable ACK costs).
    const queue = new Queue(process.env.INGEST_QUEUE ?? "bench", {
      connection: { url: process.env.REDIS_URL },
    });
    const app = new Hono();
    app.post("/v1/messages", async (c) => {
      const raw = await c.req.text();
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
