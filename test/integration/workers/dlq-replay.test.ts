import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { topicName } from "../../../shared/kafka/topics.ts";
import { silentLogger } from "../../../shared/log/logger.ts";
import type { DlqRecordValue } from "../../../workers/records.ts";
import { replayDlq } from "../../../workers/replay.ts";
import { adtJob, adtMessage } from "../../../workers/testing/adt-jobs.ts";
import { createTopic, plaintextKafka, readAllKcat } from "../../support/kafka.ts";
import { testServices } from "../../support/services.ts";
import { waitFor } from "../../support/wait.ts";
import {
  dropQueue,
  enqueue,
  idCounts,
  profilesFrom,
  startTestWorker,
  testQueue,
  testWorkerEnv,
} from "./helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("workers: poison messages", () => {
  it("writes exactly one DLQ record per poison job with the reason, and the queue keeps flowing", async () => {
    const services = testServices();
    const env = testWorkerEnv(services);
    const queue = testQueue(env);
    cleanups.push(() => dropQueue(queue));
    const runtime = await startTestWorker(env);
    cleanups.push(() => runtime.close());

    const good = Array.from({ length: 30 }, (_, i) => adtJob("demo", i + 1));
    const unparsable = adtJob("demo", 100, { raw: "NOT HL7 AT ALL" });
    // Parses, but is a message type the demo profile does not accept: the normaliser refuses it.
    const unaccepted = adtJob("demo", 101, {
      raw: adtMessage({ controlId: "MSG00000101", patient: 1, trigger: "A01" }).replace(
        "ADT^A01^ADT_A01",
        "ORU^R01^ORU_R01",
      ),
    });
    expect(unaccepted.raw).toContain("ORU^R01");
    const badPayload = { ...adtJob("demo", 102), seq: -5 }; // fails IngestJobSchema (seq > 0)
    await enqueue(queue, [
      ...good.slice(0, 10),
      unparsable,
      ...good.slice(10, 20),
      unaccepted,
      badPayload,
      ...good.slice(20),
    ]);

    await waitFor(
      "good jobs completed and poison jobs failed",
      async () => {
        const c = await queue.getJobCounts("completed", "failed");
        if (c.completed === good.length && c.failed === 3) return true;
        throw new Error(JSON.stringify(c));
      },
      { timeoutMs: 30_000 },
    );
    const dlq = readAllKcat(services.kafkaBrokers, topicName(env.KAFKA_TOPIC_PREFIX, "demo", "dlq"));
    expect(dlq).toHaveLength(3);
    const byId = new Map(dlq.map((r) => [r.headers["ingest-id"], r]));
    const value = (id: string) => JSON.parse(byId.get(id)?.value ?? "null") as DlqRecordValue;

    expect(value(unparsable.id)).toMatchObject({
      stage: "parse",
      error: [{ code: "hl7:NO_MSH", path: expect.any(String), reason: expect.any(String) }],
      job: { id: unparsable.id, vendor: "demo", seq: 100, controlId: unparsable.controlId },
      raw: unparsable.raw,
    });
    expect(byId.get(unparsable.id)?.headers["error-code"]).toBe("hl7:NO_MSH");
    expect(value(unaccepted.id).stage).toBe("normalise");
    expect(value(unaccepted.id).error.map((e) => e.code)).toContain("adt:not_accepted");
    expect(value(unaccepted.id).raw).toBe(unaccepted.raw);
    expect(value(badPayload.id)).toMatchObject({
      stage: "payload",
      error: [{ code: "payload:invalid", path: "seq" }],
      raw: badPayload.raw,
    });
    // Reasons name positions, never values from the message.
    for (const r of dlq)
      for (const e of (JSON.parse(r.value ?? "") as DlqRecordValue).error) {
        expect(e.reason).not.toMatch(/SMITH|NGUYEN|GARCIA|OKAFOR|ORU|NOT HL7/);
      }

    const events = readAllKcat(services.kafkaBrokers, topicName(env.KAFKA_TOPIC_PREFIX, "demo", "events"));
    expect(idCounts(events).ids).toEqual(new Set(good.map((j) => j.id)));
    expect(runtime.metrics.dlqRecords.get({ vendor: "demo", stage: "parse" })).toBe(1);
    expect(runtime.metrics.jobs.get({ vendor: "demo", outcome: "dlq" })).toBe(3);
    // UnrecoverableError: tried once, not retried.
    for (const j of await queue.getFailed()) expect(j.attemptsMade, j.id).toBe(1);
  });
});

describe("workers: replay", () => {
  it("re-drives DLQ records after a profile fix (by vendor and time range), keeping the ingest id", async () => {
    const services = testServices();
    const env = testWorkerEnv(services);
    const queue = testQueue(env);
    cleanups.push(() => dropQueue(queue));
    // A profile that refuses GENHOSP as sending facility: every message is dead-lettered.
    const strict = profilesFrom({ clinic: { sendingFacilities: ["OTHER"] } });
    let runtime = await startTestWorker(env, strict);
    const jobs = Array.from({ length: 8 }, (_, i) => adtJob("clinic", i + 1));
    await enqueue(queue, jobs);
    await waitFor("all dead-lettered", async () => (await queue.getJobCounts("failed")).failed === 8);
    await runtime.close();
    const dlqTopic = topicName(env.KAFKA_TOPIC_PREFIX, "clinic", "dlq");
    expect(readAllKcat(services.kafkaBrokers, dlqTopic)).toHaveLength(8);

    const kafka = plaintextKafka(services);
    const base = { kafka, queue, prefix: env.KAFKA_TOPIC_PREFIX, logger: silentLogger };
    // A time range before the failures matches nothing; a dry run changes nothing.
    expect(await replayDlq({ ...base, until: new Date(Date.now() - 3600_000) })).toMatchObject({
      matched: 0,
      enqueued: 0,
    });
    expect(await replayDlq({ ...base, vendor: "clinic", dryRun: true })).toMatchObject({
      matched: 8,
      enqueued: 8,
    });
    expect((await queue.getJobCounts("failed")).failed).toBe(8);

    // The fix: accept the facility. Replay, then the fixed worker produces every message.
    runtime = await startTestWorker(env, profilesFrom({ clinic: {} }));
    cleanups.push(() => runtime.close());
    const summary = await replayDlq({ ...base, vendor: "clinic", since: new Date(Date.now() - 600_000) });
    expect(summary).toMatchObject({ mode: "dlq", matched: 8, enqueued: 8, skipped: {} });
    await waitFor(
      "replayed jobs completed",
      async () => (await queue.getJobCounts("completed")).completed === 8,
    );
    const events = readAllKcat(services.kafkaBrokers, topicName(env.KAFKA_TOPIC_PREFIX, "clinic", "events"));
    expect(idCounts(events)).toEqual({ ids: new Set(jobs.map((j) => j.id)), duplicates: 0 });
    // Same seq as first enqueued (downstream ordering/de-duplication keep working).
    const seqs = new Map(jobs.map((j) => [j.id, String(j.seq)]));
    for (const r of events) expect(r.headers.seq).toBe(seqs.get(r.headers["ingest-id"] ?? ""));
    // Replaying again does not enqueue completed jobs twice.
    expect((await replayDlq({ ...base, vendor: "clinic" })).skipped).toEqual({ already_completed: 8 });
  });

  it("retries BullMQ failed jobs (retries exhausted while a topic was missing) once fixed, via the CLI", async () => {
    const services = testServices();
    // Topics are required to exist and do not: every try fails (retryable) until the window ends.
    const env = testWorkerEnv(services, {
      KAFKA_CREATE_TOPICS: "false",
      RETRY_FOR_HOURS: String(2 / 3600), // 2 s of scheduled backoff
      RETRY_MAX_DELAY_MS: "200",
    });
    const queue = testQueue(env);
    cleanups.push(() => dropQueue(queue));
    const runtime = await startTestWorker(env, profilesFrom({ late: {} }));
    cleanups.push(() => runtime.close());
    const jobs = Array.from({ length: 5 }, (_, i) => adtJob("late", i + 1));
    const other = adtJob("demo", 1); // another vendor's failed job stays put with --vendor late
    await enqueue(queue, [...jobs, other]);
    await waitFor(
      "jobs failed after their retry window",
      async () => (await queue.getJobCounts("failed")).failed === 6,
      {
        timeoutMs: 60_000,
      },
    );
    const failed = await queue.getFailed();
    expect(Math.min(...failed.map((j) => j.attemptsMade))).toBeGreaterThan(3);
    expect(runtime.metrics.jobs.get({ vendor: "late", outcome: "failed" })).toBe(5);

    const kafka = plaintextKafka(services);
    for (const kind of ["events", "raw", "dlq"] as const)
      await createTopic(kafka, topicName(env.KAFKA_TOPIC_PREFIX, "late", kind), 3);

    const cli = spawnSync(
      process.execPath,
      ["--import", "tsx", "workers/replay-main.ts", "failed", "--vendor", "late"],
      {
        encoding: "utf8",
        env: { ...process.env, REDIS_URL: env.REDIS_URL, INGEST_QUEUE: env.INGEST_QUEUE, LOG_LEVEL: "warn" },
        timeout: 60_000,
      },
    );
    expect(cli.status, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ mode: "failed", matched: 5, enqueued: 5 });
    await waitFor(
      "replayed jobs completed",
      async () => (await queue.getJobCounts("completed")).completed === 5,
      {
        timeoutMs: 30_000,
      },
    );
    expect((await queue.getJobCounts("failed")).failed).toBe(1);
    const events = readAllKcat(services.kafkaBrokers, topicName(env.KAFKA_TOPIC_PREFIX, "late", "events"));
    expect(idCounts(events).ids).toEqual(new Set(jobs.map((j) => j.id)));

    const usage = spawnSync(process.execPath, ["--import", "tsx", "workers/replay-main.ts", "everything"], {
      encoding: "utf8",
      env: { ...process.env, REDIS_URL: env.REDIS_URL },
    });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("usage: replay dlq");
  });
});
