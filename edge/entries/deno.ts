/**
 * Deno entry of the edge: `Deno.serve` around `createApp(deps)`. Deno runs the Node dependency
 * set (`createNodeDeps`: BullMQ, ioredis, node:fs) unchanged, loaded from node_modules through
 * Deno's npm compatibility (`--node-modules-dir=manual`), so the queue, keys and Redis state are
 * the Node edge's. Same environment schema (edge/env.ts), read from `Deno.env`.
 *
 * Run: `npm run edge:deno`, i.e.
 *   deno run --allow-net --allow-env --allow-read --node-modules-dir=manual edge/entries/deno.ts
 * (`--allow-env`: ioredis and BullMQ read the environment; `--allow-read`: node_modules and the
 * vendor profile / key files.)
 */
import { VendorProfileError } from "../../shared/adt/errors.ts";
import { ConfigError, parseEnv } from "../../shared/config/env.ts";
import { createJsonLogger, errorFields } from "../../shared/log/logger.ts";
import { createApp } from "../app.ts";
import { EdgeEnvSchema } from "../env.ts";
import { KeyFileError } from "../key-store.ts";
import { createNodeDeps } from "../node/setup.ts";

async function main(): Promise<void> {
  const env = parseEnv(EdgeEnvSchema, Deno.env.toObject());
  const logger = createJsonLogger({ service: "edge", level: env.LOG_LEVEL, base: { runtime: "deno" } });
  // The Node dependency set runs as is: node:fs, ioredis and BullMQ work under Deno's npm layer.
  const edge = await createNodeDeps(env, logger);
  const app = createApp(edge.deps);

  const stop = new AbortController();
  const server = Deno.serve(
    {
      hostname: env.HOST,
      port: env.PORT,
      signal: stop.signal,
      onListen: (addr) => logger.info("edge_listening", { host: addr.hostname, port: addr.port }),
    },
    app.fetch,
  );
  // SIGTERM/SIGINT: stop accepting, let in-flight requests finish (Deno.serve drains them on
  // abort), then close the queue so every confirmed enqueue has been answered.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => {
      logger.info("edge_stopping", { signal });
      stop.abort();
    });
  }
  await server.finished;
  await edge.close();
  logger.info("edge_stopped");
}

try {
  await main();
} catch (err) {
  // Config and file errors name variables and positions only; anything else: class and code.
  const known =
    err instanceof ConfigError || err instanceof VendorProfileError || err instanceof KeyFileError;
  console.error(
    JSON.stringify({
      level: "error",
      service: "edge",
      runtime: "deno",
      event: "edge_start_failed",
      ...errorFields(err),
      ...(known ? { message: (err as Error).message } : {}),
    }),
  );
  Deno.exit(1);
}
