import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { BullmqEnqueuer } from "../../../edge/node/bullmq-enqueuer.ts";
import { topicName } from "../../../shared/kafka/topics.ts";
import { INGEST_BACKOFF_TYPE } from "../../../shared/queue/job.ts";
import { adtJob } from "../../../workers/testing/adt-jobs.ts";
import { createTopic, plaintextKafka, readAllKcat } from "../../support/kafka.ts";
import { testServices } from "../../support/services.ts";
import { waitFor } from "../../support/wait.ts";
import { dropQueue, idCounts, profilesFrom, startTestWorker, testQueue, testWorkerEnv } from "./helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("workers consume what the edge's own enqueuer writes", () => {
  it("produces jobs enqueued by BullmqEnqueuer (seq assigned in Redis), retrying with the capped backoff until topics exist", async () => {
    const services = testServices();
    // Topics must exist and do not yet: the first tries fail (retryable) and back off.
    const env = testWorkerEnv(services, { KAFKA_CREATE_TOPICS: "false", RETRY_MAX_DELAY_MS: "500" });
    const queue = testQueue(env);
    cleanups.push(() => dropQueue(queue));
    const enqueuer = await BullmqEnqueuer.connect({
      redisUrl: env.REDIS_URL,
      queueName: env.INGEST_QUEUE,
      dedupWindowSeconds: 3600,
    });
    cleanups.push(() => enqueuer.close());

    const messages = Array.from({ length: 12 }, (_, i) => adtJob("edgecompat", i + 1)).map((j) => ({
      id: j.id,
      controlId: j.controlId,
      messageType: j.messageType,
      raw: j.raw,
      bodyHash: createHash("sha256").update(j.raw).digest("hex"),
    }));
    const receivedAt = new Date().toISOString();
    const results = await enqueuer.enqueue({ vendor: "edgecompat", receivedAt, messages });
    const seqById = new Map(results.map((r) => [r.id, r.seq]));
    expect(results.every((r) => !r.duplicate && typeof r.seq === "number")).toBe(true);
    const stored = await queue.getJob(messages[0]?.id ?? "");
    expect(stored?.opts.backoff).toMatchObject({ type: INGEST_BACKOFF_TYPE });

    const runtime = await startTestWorker(env, profilesFrom({ edgecompat: {} }));
    cleanups.push(() => runtime.close());
    await waitFor(
      "retries while topics are missing",
      () => runtime.metrics.jobs.get({ vendor: "edgecompat", outcome: "retry" }) >= 12,
    );
    const kafka = plaintextKafka(services);
    for (const kind of ["events", "raw", "dlq"] as const)
      await createTopic(kafka, topicName(env.KAFKA_TOPIC_PREFIX, "edgecompat", kind), 3);
    await waitFor("all completed", async () => (await queue.getJobCounts("completed")).completed === 12, {
      timeoutMs: 30_000,
    });

    const events = readAllKcat(
      services.kafkaBrokers,
      topicName(env.KAFKA_TOPIC_PREFIX, "edgecompat", "events"),
    );
    expect(idCounts(events)).toEqual({ ids: new Set(messages.map((m) => m.id)), duplicates: 0 });
    for (const r of events) {
      const id = r.headers["ingest-id"] ?? "";
      expect(r.headers.seq, id).toBe(String(seqById.get(id)));
      expect(r.headers["received-at"]).toBe(receivedAt);
      expect(JSON.parse(r.value ?? "").ingest.seq).toBe(seqById.get(id));
    }
  });
});
