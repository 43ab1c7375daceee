/**
 * Node entry: `npm run edge`. Parses the environment once, builds the dependencies, serves the
 * app with @hono/node-server (keep-alive on), logs one `edge_listening` line with the port
 * when ready, and on SIGTERM/SIGINT stops accepting, lets in-flight requests finish, then
 * closes Redis.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { ConfigError, parseEnv } from "../../shared/config/env.ts";
import { createJsonLogger, errorFields } from "../../shared/log/logger.ts";
import { createApp } from "../app.ts";
import { EdgeEnvSchema } from "../env.ts";
import { createNodeDeps } from "../node/setup.ts";

// Straight to stdout (synchronous for files and pipes on Linux), without console.log's formatting.
const write = (line: string) => void process.stdout.write(`${line}\n`);
const bootLog = createJsonLogger({ service: "edge", write });

async function main(): Promise<void> {
  const env = parseEnv(EdgeEnvSchema, process.env);
  const log = createJsonLogger({ service: "edge", level: env.LOG_LEVEL, write });
  const edge = await createNodeDeps(env, log);
  const app = createApp(edge.deps);
  const server = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, (info: AddressInfo) => {
    log.info("edge_listening", { port: info.port, host: info.address });
  });
  // Keep-alive longer than typical load balancer idle timeouts (ALB: 60 s), so the LB closes first.
  if ("keepAliveTimeout" in server) {
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("edge_stopping", { signal });
    // close() stops accepting and resolves once in-flight requests are answered.
    server.close(async (err) => {
      await edge.close();
      log.info("edge_stopped", { clean: err === undefined });
      process.exit(err === undefined ? 0 : 1);
    });
    if ("closeIdleConnections" in server) server.closeIdleConnections();
    setTimeout(() => {
      log.warn("edge_shutdown_timeout", {});
      process.exit(1);
    }, 15_000).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err) => {
  // ConfigError and VendorProfileError messages name variables/keys, never values.
  const safe = err instanceof ConfigError || (err instanceof Error && err.name === "VendorProfileError");
  bootLog.error("edge_start_failed", {
    ...errorFields(err),
    message: safe ? (err as Error).message : undefined,
  });
  process.exit(1);
});
