/**
 * The edge under workerd (`edge/entries/worker.ts` with its Durable Object, run by
 * `wrangler dev --local` as `npm run edge:worker` does) answers the conformance requests
 * exactly as createApp on Node does, and enqueues the same jobs: BullMQ and ioredis run inside
 * the Durable Object over workerd's node:net, against the local Redis.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { freePort } from "../../support/private-stack.ts";
import { describeConformance } from "./conformance.ts";
import { repoRoot, startRuntime } from "./runtime-process.ts";

const scratch = mkdtempSync(join(tmpdir(), "adt-stream-workerd-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describeConformance("workerd", async (env) => {
  const port = await freePort();
  const inspectorPort = await freePort();
  // Variables reach the Worker (and its Durable Objects) as bindings, from an env file as
  // `.dev.vars` would hold them; nothing of it is secret here.
  const envFile = join(scratch, "worker.env");
  writeFileSync(
    envFile,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
  );
  return startRuntime({
    name: "workerd",
    command: join(repoRoot, "node_modules/.bin/wrangler"),
    args: [
      "dev",
      "--local",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--env-file",
      envFile,
      "--persist-to",
      join(scratch, "state"),
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    env: { WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
    port,
    startTimeoutMs: 90_000,
  });
});
