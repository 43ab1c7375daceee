/**
 * The edge under Deno (`edge/entries/deno.ts`, as `npm run edge:deno` runs it) answers the
 * conformance requests exactly as createApp on Node does, and enqueues the same jobs.
 */
import { join } from "node:path";
import { freePort } from "../../support/private-stack.ts";
import { describeConformance } from "./conformance.ts";
import { repoRoot, startRuntime } from "./runtime-process.ts";

describeConformance("deno", async (env) => {
  const port = await freePort();
  return startRuntime({
    name: "deno",
    command: join(repoRoot, "node_modules/.bin/deno"),
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "--node-modules-dir=manual",
      "edge/entries/deno.ts",
    ],
    env: { ...env, PORT: String(port), HOST: "127.0.0.1", NO_COLOR: "1" },
    port,
  });
});
