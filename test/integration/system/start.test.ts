/**
 * `npm start` end to end: start it as a child (fresh port, queue and topic prefix, its own key
 * file), run the curl it prints, see the record on the demo vendor's events topic, Ctrl-C
 * (SIGINT), and check that nothing it started is still running.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { topicName } from "../../../shared/kafka/topics.ts";
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

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

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
    cleanup = () => {
      if (child.exitCode === null) child.kill("SIGKILL");
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
});
