/**
 * The edge under Deno (`edge/entries/deno.ts`, as `npm run edge:deno` runs it) answers the
 * conformance requests exactly as createApp on Node does and enqueues the same jobs; it stops
 * cleanly on SIGTERM and refuses a bad configuration without echoing values.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../../support/private-stack.ts";
import { testServices, uniqueName } from "../../support/services.ts";
import { describeConformance } from "./conformance.ts";
import { repoRoot, startRuntime } from "./runtime-process.ts";

const DENO = join(repoRoot, "node_modules/.bin/deno");
const ARGS = [
  "run",
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--node-modules-dir=manual",
  "edge/entries/deno.ts",
];

async function startDeno(env: Record<string, string>) {
  const port = await freePort();
  return startRuntime({
    name: "deno",
    command: DENO,
    args: ARGS,
    env: { ...env, PORT: String(port), HOST: "127.0.0.1", NO_COLOR: "1" },
    port,
  });
}

describeConformance("deno", startDeno);

describe("edge on deno: lifecycle", () => {
  it("drains and exits 0 on SIGTERM, logging edge_stopping and edge_stopped", async () => {
    const { redisUrl } = testServices();
    const deno = await startDeno({ REDIS_URL: redisUrl, INGEST_QUEUE: uniqueName("deno-stop") });
    const res = await fetch(`${deno.baseUrl}/readyz`);
    expect(res.status).toBe(200);
    await deno.stop();
    expect(deno.exitCode(), deno.output()).toBe(0);
    const events = deno
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events).toEqual(expect.arrayContaining(["edge_listening", "edge_stopping", "edge_stopped"]));
  });

  it("refuses a bad environment, naming the variable but never a value", () => {
    const r = spawnSync(DENO, ARGS, {
      cwd: repoRoot,
      env: {
        ...process.env,
        NO_COLOR: "1",
        PORT: "not-a-port",
        REDIS_URL: "memcached://u:s3cretpw@10.0.0.1",
      },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain("edge_start_failed");
    expect(r.stderr).toContain("PORT");
    expect(r.stderr).toContain("REDIS_URL");
    expect(r.stderr).not.toContain("s3cretpw");
    expect(r.stderr).not.toContain("not-a-port");
  });
});
