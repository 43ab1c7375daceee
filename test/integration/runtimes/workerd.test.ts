/**
 * The edge under workerd (`edge/entries/worker.ts` with its Durable Object, run by
 * `wrangler dev --local` as `npm run edge:worker` does) answers the conformance requests
 * exactly as createApp on Node does, and enqueues the same jobs: BullMQ and ioredis run inside
 * the Durable Object over workerd's node:net, against the local Redis.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../../../edge/keys.ts";
import { freePort } from "../../support/private-stack.ts";
import { uniqueName } from "../../support/services.ts";
import {
  adt,
  type Case,
  describeConformance,
  httpSender,
  nodeReference,
  run,
  VENDOR,
} from "./conformance.ts";
import { type RuntimeProcess, repoRoot, startRuntime } from "./runtime-process.ts";

const scratch = mkdtempSync(join(tmpdir(), "adt-stream-workerd-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Starts the Worker under `wrangler dev --local` with `env` as its variables. */
async function startWorker(env: Record<string, string>): Promise<RuntimeProcess> {
  const port = await freePort();
  const inspectorPort = await freePort();
  // Variables reach the Worker (and its Durable Objects) as bindings, from an env file as
  // `.env` would hold them; nothing of it is secret here.
  const envFile = join(scratch, `worker-${port}.env`);
  writeFileSync(
    envFile,
    Object.entries(env)
      .map(([k, v]) => `${k}='${v}'\n`)
      .join(""),
  );
  return startRuntime({
    name: "workerd",
    command: join(repoRoot, "node_modules/.bin/wrangler"),
    args: [
      ...["dev", "--local", "--ip", "127.0.0.1", "--port", String(port)],
      ...["--inspector-port", String(inspectorPort), "--env-file", envFile],
      ...["--persist-to", join(scratch, `state-${port}`), "--show-interactive-dev-session=false"],
      ...["--log-level", "warn"],
    ],
    env: { WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
    port,
    startTimeoutMs: 90_000,
  });
}

describeConformance("workerd", startWorker);

/**
 * Redis unreachable, keys from the static `API_KEYS` binding: the Durable Object's
 * "queue_unavailable" must come out of the Worker as the same 503 + Retry-After + AE the Node
 * edge answers (API_KEYS_FILE, same dead Redis), and readiness must fail the same way.
 */
describe("edge on workerd with Redis unreachable and a static key binding answers like Node", () => {
  let worker: RuntimeProcess | undefined;
  let reference: Awaited<ReturnType<typeof nodeReference>> | undefined;

  afterAll(async () => {
    await worker?.stop();
    await reference?.close();
  });

  it("answers 503 + Retry-After + AE for enqueues, 503 for /readyz, and the rest as usual", async () => {
    const deadRedis = `redis://127.0.0.1:${await freePort()}`; // nothing listens there
    const { key, stored } = await generateApiKey(VENDOR, new Date());
    const keyFileJson = JSON.stringify({ keys: [stored] });
    const keyFile = join(scratch, "keys.json");
    writeFileSync(keyFile, keyFileJson);
    const queue = uniqueName("conf-dead");
    reference = await nodeReference(deadRedis, queue, { API_KEYS_FILE: keyFile });
    worker = await startWorker({ REDIS_URL: deadRedis, INGEST_QUEUE: queue, API_KEYS: keyFileJson });

    const auth = { authorization: `Bearer ${key}`, "content-type": "application/hl7-v2" };
    const all: Case[] = [
      { name: "healthz", method: "GET", path: "/healthz" },
      { name: "readyz", method: "GET", path: "/readyz" },
      {
        name: "valid ADT → 503 AE",
        method: "POST",
        path: "/v1/messages",
        headers: auth,
        body: adt("DEAD0001"),
      },
      {
        name: "valid ADT, JSON → 503",
        method: "POST",
        path: "/v1/messages",
        headers: { ...auth, accept: "application/json" },
        body: adt("DEAD0002"),
      },
      {
        name: "unsupported version → AR (no Redis needed)",
        method: "POST",
        path: "/v1/messages",
        headers: auth,
        body: adt("DEAD0003", { version: "9.9" }),
      },
      {
        name: "unknown key → 401",
        method: "POST",
        path: "/v1/messages",
        headers: {
          ...auth,
          authorization: "Bearer adt_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        },
        body: adt("DEAD0004"),
      },
    ];
    const expected = await run(all, reference.send);
    const actual = await run(all, httpSender(worker.baseUrl));
    expect(expected.map((o) => o.status)).toEqual([200, 503, 503, 503, 400, 401]);
    expect(expected[2]?.retryAfter).toMatch(/^\d+$/);
    for (let i = 0; i < all.length; i++) {
      expect(actual[i], `workerd: ${all[i]!.name}\n${worker.output().slice(-2000)}`).toEqual(expected[i]);
    }
  });
});
