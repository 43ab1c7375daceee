import type { Job } from "bullmq";
import { describe, expect, it } from "vitest";
import { loadVendorProfiles } from "../shared/adt/profile-file.ts";
import { silentLogger } from "../shared/log/logger.ts";
import { KafkaRejectedError, KafkaUnavailableError } from "./errors.ts";
import type { ProduceRecord } from "./kafka/batch-producer.ts";
import { createWorkerMetrics } from "./metrics.ts";
import { createProcessor } from "./processor.ts";
import { adtJob } from "./testing/adt-jobs.ts";

// The processor's decisions (produce / dead-letter / retry) with an in-memory producer whose
// answers the test chooses; the same paths against the real broker are in
// test/integration/workers.
function setup(answer: (records: readonly ProduceRecord[]) => Promise<void>) {
  const sent: ProduceRecord[][] = [];
  const metrics = createWorkerMetrics();
  const process = createProcessor({
    prefix: "",
    profiles: loadVendorProfiles("config/vendors.json"),
    producer: {
      send: (records) => {
        sent.push([...records]);
        return answer(records);
      },
    },
    topics: { ensureVendor: async () => undefined },
    metrics,
    logger: silentLogger,
    maxRecordBytes: 1_000_000,
  });
  return { process, sent, metrics };
}
const asJob = (data: unknown, attemptsMade = 0) =>
  ({ id: "j1", data, attemptsMade, attemptsStarted: attemptsMade + 1 }) as unknown as Job;

describe("ingest processor", () => {
  it("produces events + raw and resolves only after the producer acknowledged", async () => {
    let ack!: () => void;
    const { process, sent, metrics } = setup(() => new Promise<void>((r) => (ack = r)));
    let done = false;
    const p = process(asJob(adtJob("demo", 1))).then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    expect(sent[0]?.map((r) => r.topic)).toEqual(["adt.demo.events", "adt.demo.raw"]);
    ack();
    expect(await p).toEqual({ outcome: "produced", records: 2 });
    expect(metrics.jobs.get({ vendor: "demo", outcome: "produced" })).toBe(1);
  });

  it("dead-letters a poison message and then fails it as unrecoverable", async () => {
    const { process, sent, metrics } = setup(async () => undefined);
    const err = await process(asJob(adtJob("demo", 2, { raw: "junk" }))).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "UnrecoverableError" });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.[0]?.topic).toBe("adt.demo.dlq");
    expect(metrics.dlqTotal()).toBe(1);
  });

  it("keeps the job retryable when the DLQ write itself fails (the job must not be lost)", async () => {
    const { process, metrics } = setup(async () => {
      throw new KafkaUnavailableError("KafkaJSConnectionError");
    });
    const err = await process(asJob(adtJob("demo", 3, { raw: "junk" }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaUnavailableError);
    expect(metrics.dlqTotal()).toBe(0);
    expect(metrics.jobs.get({ vendor: "demo", outcome: "retry" })).toBe(1);
  });

  it("rethrows Kafka outages for BullMQ's backoff, and dead-letters records Kafka refuses for good", async () => {
    const outage = setup(async () => {
      throw new KafkaUnavailableError("LEADER_NOT_AVAILABLE");
    });
    await expect(outage.process(asJob(adtJob("demo", 4)))).rejects.toBeInstanceOf(KafkaUnavailableError);

    const refused = setup(async (records) => {
      if (records[0]?.topic.endsWith(".events")) throw new KafkaRejectedError("MESSAGE_TOO_LARGE");
    });
    const err = await refused.process(asJob(adtJob("demo", 5))).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "UnrecoverableError" });
    const dlq = JSON.parse(refused.sent[1]?.[0]?.value ?? "{}");
    expect(dlq).toMatchObject({ stage: "produce", error: [{ code: "kafka:MESSAGE_TOO_LARGE" }] });
  });

  it("counts a job produced on a later attempt as a redelivery (possible duplicate)", async () => {
    const { process, metrics } = setup(async () => undefined);
    await process(asJob(adtJob("demo", 6), 2));
    expect(metrics.redelivered.get({ vendor: "demo" })).toBe(1);
  });

  it("fails a payload it cannot route to any vendor without writing anything", async () => {
    const { process, sent, metrics } = setup(async () => undefined);
    const err = await process(asJob({ v: 1, vendor: "Not A Vendor!" })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "UnrecoverableError" });
    expect(sent).toHaveLength(0);
    expect(metrics.jobs.get({ vendor: "unknown", outcome: "failed" })).toBe(1);
  });
});
