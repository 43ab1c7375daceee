import { afterEach, describe, expect, it } from "vitest";
import { AdtEventSchema } from "../../../shared/adt/index.ts";
import { EVENT_SCHEMA_ID, topicName } from "../../../shared/kafka/topics.ts";
import type { IngestJob } from "../../../shared/queue/job.ts";
import { startMetricsServer } from "../../../workers/metrics-server.ts";
import { adtJob } from "../../../workers/testing/adt-jobs.ts";
import type { WorkerRuntime } from "../../../workers/worker.ts";
import { byPartitionOffset, plaintextKafka, readAllKafkajs, readAllKcat } from "../../support/kafka.ts";
import { testServices } from "../../support/services.ts";
import { waitFor } from "../../support/wait.ts";
import { dropQueue, enqueue, startTestWorker, testQueue, testWorkerEnv } from "./helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const expectedHeaders = (job: IngestJob, contentType: string) => ({
  vendor: job.vendor,
  "ingest-id": job.id,
  seq: String(job.seq),
  "received-at": job.receivedAt,
  "hl7-control-id": job.controlId,
  "hl7-message-type": job.messageType,
  "content-type": contentType,
});

describe("workers: jobs enqueued as the edge does reach Kafka", () => {
  it("produces events and raw records per vendor with the patient key and contract headers", async () => {
    const services = testServices();
    const env = testWorkerEnv(services, { KAFKA_LINGER_MS: "10" });
    const queue = testQueue(env);
    cleanups.push(() => dropQueue(queue));
    const runtime: WorkerRuntime = await startTestWorker(env);
    cleanups.push(() => runtime.close());

    // Two vendors with different profiles; patients repeat so keys repeat.
    const jobs = [
      ...Array.from({ length: 40 }, (_, i) => adtJob("demo", i + 1, { patient: i % 9 })),
      ...Array.from({ length: 20 }, (_, i) => adtJob("acme-hie", i + 1, { patient: i % 5 })),
    ];
    await enqueue(queue, jobs);
    await waitFor(
      "all jobs completed",
      async () => (await queue.getJobCounts("completed")).completed === jobs.length,
      {
        timeoutMs: 30_000,
      },
    );

    const kafka = plaintextKafka(services);
    for (const vendor of ["demo", "acme-hie"]) {
      const mine = new Map(jobs.filter((j) => j.vendor === vendor).map((j) => [j.id, j]));
      const eventsTopic = topicName(env.KAFKA_TOPIC_PREFIX, vendor, "events");
      const rawTopic = topicName(env.KAFKA_TOPIC_PREFIX, vendor, "raw");
      const events = readAllKcat(services.kafkaBrokers, eventsTopic).sort(byPartitionOffset);
      const viaKafkajs = (await readAllKafkajs(kafka, eventsTopic, mine.size)).sort(byPartitionOffset);
      expect(events).toEqual(viaKafkajs);
      expect(events).toHaveLength(mine.size);
      for (const r of events) {
        const job = mine.get(r.headers["ingest-id"] ?? "");
        expect(job, JSON.stringify(r.headers)).toBeDefined();
        if (!job) continue;
        expect(r.headers).toEqual({ ...expectedHeaders(job, "application/json"), schema: EVENT_SCHEMA_ID });
        const event = AdtEventSchema.parse(JSON.parse(r.value ?? ""));
        expect(event.ingest).toEqual({ id: job.id, vendor, receivedAt: job.receivedAt, seq: job.seq });
        expect(event.header.controlId).toBe(job.controlId);
        const mrn = /PID\|1\|\|(\d+)\^\^\^(\w+)/.exec(job.raw);
        expect(r.key).toBe(`${mrn?.[2]}|${mrn?.[1]}`);
      }
      const raw = readAllKcat(services.kafkaBrokers, rawTopic);
      expect(raw).toHaveLength(mine.size);
      for (const r of raw) {
        const job = mine.get(r.headers["ingest-id"] ?? "");
        expect(r.value).toBe(job?.raw);
        expect(r.headers).toEqual(expectedHeaders(job as IngestJob, "application/hl7-v2"));
      }
      // One patient's events and raw records share a partition across both topics.
      const partitionOf = new Map(events.map((r) => [r.key, r.partition]));
      for (const r of raw) expect(r.partition, r.key ?? "").toBe(partitionOf.get(r.key));
    }

    expect(runtime.metrics.jobs.get({ vendor: "demo", outcome: "produced" })).toBe(40);
    expect(runtime.metrics.jobs.get({ vendor: "acme-hie", outcome: "produced" })).toBe(20);
    // Batching across concurrent jobs: far fewer produce requests than jobs.
    const text = await runtime.metrics.registry.render();
    const batches = Number(/^adt_worker_batch_records_count (\d+)$/m.exec(text)?.[1]);
    expect(batches).toBeGreaterThan(0);
    expect(batches, text).toBeLessThan(jobs.length / 2);
  });

  it("serves /metrics and /healthz with queue depth, outcomes and end-to-end latency; emits EMF lines", async () => {
    const services = testServices();
    const env = testWorkerEnv(services, { CLOUDWATCH_EMF: "true", EMF_INTERVAL_MS: "1000" });
    const queue = testQueue(env);
    cleanups.push(() => dropQueue(queue));
    const emf: string[] = [];
    const runtime = await startTestWorker(env, undefined, (line) => emf.push(line));
    cleanups.push(() => runtime.close());
    const server = await startMetricsServer({
      registry: runtime.metrics.registry,
      port: 0,
      host: "127.0.0.1",
      healthy: runtime.isRunning,
    });
    cleanups.push(() => server.close());
    const jobs = Array.from({ length: 5 }, (_, i) => adtJob("demo", i + 1));
    await enqueue(queue, jobs);
    await waitFor("completed", async () => (await queue.getJobCounts("completed")).completed === 5);

    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('adt_worker_jobs_total{vendor="demo",outcome="produced"} 5');
    expect(text).toContain(`adt_worker_queue_jobs{queue="${env.INGEST_QUEUE}",state="waiting"} 0`);
    expect(text).toMatch(
      new RegExp(`adt_worker_queue_oldest_waiting_seconds\\{queue="${env.INGEST_QUEUE}"\\} 0`),
    );
    expect(text).toMatch(/adt_worker_end_to_end_seconds_count\{vendor="demo"\} 5/);
    expect(text).toMatch(/adt_worker_produce_seconds_count \d+/);
    // No PHI: nothing from the messages (names, MRNs, control ids) appears in the metrics.
    for (const j of jobs) expect(text).not.toContain(j.controlId);
    expect(text).not.toMatch(/SMITH|NGUYEN|GARCIA|OKAFOR|GENHOSP\||\b10000[0-9]\b/);
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);

    const line = await waitFor("an EMF line", () => emf.at(-1), { timeoutMs: 5000 });
    expect(JSON.parse(line)).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: "AdtStream", Dimensions: [["Queue"]] }] },
      Queue: env.INGEST_QUEUE,
      QueueDepth: 0,
      OldestJobAgeSeconds: 0,
    });
    await runtime.close();
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(503);
  });
});
