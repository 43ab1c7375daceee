/**
 * The real Node entry (`edge/entries/node.ts`, what `npm run edge` starts) and the key CLI
 * (`npm run keys`), as child processes against the real Redis: a key created with the CLI
 * authenticates, the message lands in the queue, revocation takes effect, a bad environment
 * fails naming the variable, and SIGTERM shuts down cleanly.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { parseIngestJob } from "../../../shared/queue/job.ts";
import { freePort } from "../../support/private-stack.ts";
import { testServices, uniqueName } from "../../support/services.ts";
import { waitFor } from "../../support/wait.ts";
import { adtMessage, HL7, msa } from "./helpers.ts";

const root = resolve(import.meta.dirname, "../../..");
const run = promisify(execFile);
const tsx = (args: string[], env: Record<string, string>) =>
  run(process.execPath, ["--import", "tsx", ...args], { cwd: root, env: { ...process.env, ...env } });

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

function startEdge(env: Record<string, string>): { child: ChildProcess; lines: () => string[] } {
  const child = spawn(process.execPath, ["--import", "tsx", "edge/entries/node.ts"], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return { child, lines: () => out.split("\n").filter((l) => l !== "") };
}

describe("Node entry and key CLI", () => {
  it("serves with a CLI-created key, logs edge_listening, honours revocation and stops cleanly on SIGTERM", async () => {
    const { redisUrl } = testServices();
    const vendor = uniqueName("cli-vendor");
    const queueName = uniqueName("edge-node");
    const created = await tsx(["edge/node/keys-cli.ts", "create", vendor], { REDIS_URL: redisUrl });
    const key = created.stdout.trim().split("\n").at(-1)!;
    const keyId = /^adt_([0-9a-f]{16})_/.exec(key)?.[1];
    expect(keyId, created.stdout).toBeDefined();
    const listed = await tsx(["edge/node/keys-cli.ts", "list"], { REDIS_URL: redisUrl });
    expect(listed.stdout).toContain(`${keyId}\t${vendor}\t`);
    expect(listed.stdout).not.toContain(key.split("_").at(-1));

    const port = await freePort();
    const edge = startEdge({
      REDIS_URL: redisUrl,
      PORT: String(port),
      INGEST_QUEUE: queueName,
      KEY_CACHE_SECONDS: "0",
      LOG_LEVEL: "info",
    });
    const listening = await waitFor(
      "edge_listening",
      () => edge.lines().find((l) => l.includes('"edge_listening"')),
      { timeoutMs: 30_000 },
    );
    expect(JSON.parse(listening)).toMatchObject({ event: "edge_listening", port });

    const url = `http://127.0.0.1:${port}/v1/messages`;
    const res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": HL7 },
      body: adtMessage("NODE-1"),
    });
    const ack = await res.text();
    expect(res.status, ack).toBe(200);
    expect(msa(ack).slice(1, 3)).toEqual(["AA", "NODE-1"]);
    const queue = new Queue(queueName, { connection: { url: redisUrl } });
    try {
      const jobs = (await queue.getJobs(["waiting"])).map((j) => parseIngestJob(j.data));
      expect(jobs.map((j) => [j.vendor, j.controlId, j.seq])).toEqual([[vendor, "NODE-1", 1]]);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }

    await tsx(["edge/node/keys-cli.ts", "revoke", keyId!], { REDIS_URL: redisUrl });
    const revoked = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": HL7 },
      body: adtMessage("NODE-2"),
    });
    expect(revoked.status).toBe(403);

    const exited = new Promise<number | null>((r) => edge.child.once("exit", (code) => r(code)));
    edge.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(edge.lines().some((l) => l.includes('"edge_stopped"'))).toBe(true);
    // No line of the run carries the key or the message body.
    const all = edge.lines().join("\n");
    expect(all).not.toContain(key);
    expect(all).not.toContain("ZZTESTPATIENT");

    const redis = new Redis(redisUrl);
    await redis.hdel("adt:api-keys", keyId!);
    redis.disconnect();
  });

  it("fails fast naming the bad variable, without echoing its value", async () => {
    const edge = startEdge({ PORT: "not-a-port", REDIS_URL: "http://user:hunter2@example" });
    const code = await new Promise<number | null>((r) => edge.child.once("exit", (c) => r(c)));
    expect(code).toBe(1);
    const out = edge.lines().join("\n");
    expect(out).toContain("edge_start_failed");
    expect(out).toContain("PORT");
    expect(out).toContain("REDIS_URL");
    expect(out).not.toContain("hunter2");
  });
});
