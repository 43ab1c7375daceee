/**
 * `npm start` end to end: start it as a child (fresh port, queue and topic prefix, its own key
 * file), run the curl it prints, see the record on the demo vendor's events topic, Ctrl-C
 * (SIGINT), and check that nothing it started is still running.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { topicName } from "../../../shared/kafka/topics.ts";
import { generateMessage, styleFor } from "../../../tools/loadtest/generate.ts";
import { createRng } from "../../../tools/loadtest/rng.ts";
import { plaintextKafka, readAllKafkajs } from "../../support/kafka.ts";
import { freePort } from "../../support/private-stack.ts";
import { testServices, uniqueName } from "../../support/services.ts";
import { waitFor } from "../../support/wait.ts";

const root = resolve(import.meta.dirname, "../../..");
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/**
 * After a failed assertion: Ctrl-C as a user would (so `npm start` stops its children), and
 * only if that does not work within 30 s, SIGKILL it and the children it printed.
 */
async function stopStart(child: ReturnType<typeof spawn>, output: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGINT");
  const stopped = await Promise.race([
    gone.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), 30_000)),
  ]);
  if (stopped) return;
  child.kill("SIGKILL");
  const m = /edge pid (\d+); workers pid ([\d, ]+)/.exec(output);
  const pids = m ? [Number(m[1]), ...(m[2] ?? "").split(",").map((p) => Number(p.trim()))] : [];
  for (const pid of pids.filter(alive)) process.kill(pid, "SIGKILL");
}

interface Started {
  output: () => string;
  exited: Promise<number | null>;
  child: ReturnType<typeof spawn>;
}

/** `npm start` as a child with its own port, queue, topic prefix and key file. */
function startSystem(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: root,
    env: { ...process.env, ADT_STATUS_INTERVAL_MS: "500", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { output: () => out, exited, child };
}

describe("npm start", () => {
  it("starts the system, the printed curl lands on Kafka, Ctrl-C leaves nothing running", async () => {
    const services = testServices();
    const name = uniqueName("start");
    const prefix = `${name}.`;
    const dir = mkdtempSync(join(tmpdir(), "adt-start-"));
    const port = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        KAFKA_TOPIC_PREFIX: prefix,
        INGEST_QUEUE: name,
        ADT_DEMO_KEY_FILE: join(dir, "demo-key.txt"),
        ADT_STATUS_INTERVAL_MS: "500",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    cleanup = async () => {
      await stopStart(child, out);
      rmSync(dir, { recursive: true, force: true });
    };

    const curl = await waitFor("the printed curl", () => /^\s+(curl .*)$/m.exec(out)?.[1], {
      timeoutMs: 90_000,
    });
    const pids = await waitFor("the printed pids", () => {
      const m = /edge pid (\d+); workers pid ([\d, ]+)/.exec(out);
      return m ? [Number(m[1]), ...m[2]!.split(",").map((p) => Number(p.trim()))] : undefined;
    });
    expect(curl, out).toContain(`http://127.0.0.1:${port}/v1/messages`);
    expect(pids.every(alive), out).toBe(true);

    const r = spawnSync("sh", ["-c", curl], { cwd: root, encoding: "utf8", timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.replace(/\r/g, "\n"), r.stdout).toMatch(/^MSA\|AA\|DEMO-A01-0001/m);

    const topic = topicName(prefix, "demo", "events");
    const kafka = plaintextKafka(services);
    const admin = kafka.admin();
    await admin.connect();
    await waitFor(`topic ${topic}`, async () => (await admin.listTopics()).includes(topic), {
      timeoutMs: 30_000,
    });
    await admin.disconnect();
    const [record] = await readAllKafkajs(kafka, topic, 1, 30_000);
    expect(record?.headers["hl7-control-id"], JSON.stringify(record?.headers)).toBe("DEMO-A01-0001");
    expect(record?.headers.vendor).toBe("demo");

    // The status line saw the message go in and out.
    await waitFor("status showing 1 in / 1 out", () => out.includes("total 1 in / 1 out"), {
      timeoutMs: 10_000,
    });

    child.kill("SIGINT");
    expect(await exited, out).toBe(0);
    expect(out).toMatch(/stopping edge[\s\S]*stopping 1 worker[\s\S]*stopped\./);
    expect(pids.filter(alive), out).toEqual([]);
  });

  it("keeps messages queued at Ctrl-C and delivers them after the next start", async () => {
    const services = testServices();
    const name = uniqueName("restart");
    const dir = mkdtempSync(join(tmpdir(), "adt-start-"));
    const env = {
      PORT: String(await freePort()),
      KAFKA_TOPIC_PREFIX: `${name}.`,
      INGEST_QUEUE: name,
      ADT_DEMO_KEY_FILE: join(dir, "demo-key.txt"),
      // One job at a time, so a backlog is still waiting when Ctrl-C arrives.
      WORKER_CONCURRENCY: "1",
    };
    let run = startSystem(env);
    cleanup = async () => {
      await stopStart(run.child, run.output());
      rmSync(dir, { recursive: true, force: true });
    };
    const url = await waitFor("the endpoint line", () => /endpoint\s+(\S+)/.exec(run.output())?.[1], {
      timeoutMs: 90_000,
    });
    const key = await waitFor("the key line", () => /API key\s+(\S+)/.exec(run.output())?.[1]);
    const rng = createRng(11);
    const style = styleFor("demo", 0);
    const count = 300;
    const sends = Array.from({ length: count }, (_, i) =>
      fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/hl7-v2" },
        body: generateMessage(rng, style, `${name.slice(-6)}-${i}`, "A08", new Date()).text,
      }).then(async (r) => (await r.text()).includes("MSA|AA|")),
    );
    const acks = await Promise.all(sends);
    expect(acks.filter(Boolean).length).toBe(count);
    // Ctrl-C right away: whatever the worker has not taken yet stays in Redis.
    run.child.kill("SIGINT");
    expect(await run.exited, run.output()).toBe(0);
    const queue = new Queue(name, { connection: { url: services.redisUrl } });
    const waiting = await queue.getWaitingCount();
    await queue.close();
    expect(waiting, "jobs left in Redis after Ctrl-C").toBeGreaterThan(0);

    run = startSystem(env);
    await waitFor("the second start", () => run.output().includes("adt-stream is running."), {
      timeoutMs: 90_000,
    });
    expect(run.output()).toContain(`from ${join(dir, "demo-key.txt")}`);
    const records = await readAllKafkajs(
      plaintextKafka(services),
      topicName(`${name}.`, "demo", "events"),
      count,
      60_000,
    );
    const ids = new Set(records.map((r) => r.headers["hl7-control-id"]));
    expect(ids.size).toBe(count);
    run.child.kill("SIGINT");
    expect(await run.exited, run.output()).toBe(0);
  });
});
