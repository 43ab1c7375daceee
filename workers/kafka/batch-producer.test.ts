import { CompressionTypes, type ProducerBatch, type RecordMetadata } from "kafkajs";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../shared/log/logger.ts";
import { KafkaRejectedError, KafkaUnavailableError, ProducerClosedError } from "../errors.ts";
import {
  BatchProducer,
  type BatchProducerOptions,
  type ProduceRecord,
  type ProducerLike,
} from "./batch-producer.ts";

// The batching logic in isolation, against a tiny in-memory producer whose requests the test
// answers by hand (the real broker is used in test/integration/workers).
class ManualProducer implements ProducerLike {
  static created: ManualProducer[] = [];
  requests: Array<{ batch: ProducerBatch; settle: (err?: Error) => void }> = [];
  connects = 0;
  disconnects = 0;
  constructor() {
    ManualProducer.created.push(this);
  }
  async connect() {
    this.connects++;
  }
  async disconnect() {
    this.disconnects++;
  }
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return new Promise((resolve, reject) => {
      this.requests.push({ batch, settle: (err) => (err ? reject(err) : resolve([])) });
    });
  }
}

const rec = (topic: string, n: number, size = 10): ProduceRecord => ({
  topic,
  key: `k${n}`,
  value: "x".repeat(size),
  headers: { "ingest-id": `id-${n}` },
});
const tick = () => new Promise((r) => setTimeout(r, 0));
const recordsOf = (b: ProducerBatch) => b.topicMessages?.flatMap((t) => t.messages.map((m) => m.key)) ?? [];

function setup(overrides: Partial<BatchProducerOptions> = {}) {
  ManualProducer.created = [];
  const producer = new BatchProducer({
    createProducer: () => new ManualProducer(),
    lingerMs: 5,
    maxBatchRecords: 100,
    maxBatchBytes: 1_000_000,
    compression: CompressionTypes.GZIP,
    ackTimeoutMs: 1000,
    logger: silentLogger,
    ...overrides,
  });
  const current = () => ManualProducer.created.at(-1) as ManualProducer;
  return { producer, current };
}

async function waitForRequests(p: () => ManualProducer, n: number) {
  for (let i = 0; i < 200 && p().requests.length < n; i++) await new Promise((r) => setTimeout(r, 2));
  expect(p().requests.length).toBe(n);
}

describe("BatchProducer", () => {
  it("gathers the records of concurrent jobs into one acks=-1 request and settles each job on the ack", async () => {
    const { producer, current } = setup();
    const settled: string[] = [];
    const jobs = [0, 1, 2].map((j) =>
      producer.send([rec("t.events", j), rec("t.raw", j)]).then(() => settled.push(`job${j}`)),
    );
    await waitForRequests(current, 1);
    const req = current().requests[0]!;
    expect(req.batch.acks).toBe(-1);
    expect(req.batch.compression).toBe(CompressionTypes.GZIP);
    expect(req.batch.topicMessages?.map((t) => [t.topic, t.messages.length])).toEqual([
      ["t.events", 3],
      ["t.raw", 3],
    ]);
    await tick();
    expect(settled).toEqual([]); // nothing resolves before the broker acknowledges
    req.settle();
    await Promise.all(jobs);
    expect(settled.sort()).toEqual(["job0", "job1", "job2"]);
  });

  it("keeps one request in flight; what arrives meanwhile goes in the next request, sent on the ack", async () => {
    const { producer, current } = setup({ lingerMs: 1 });
    const a = producer.send([rec("t", 1)]);
    await waitForRequests(current, 1);
    const b = producer.send([rec("t", 2)]);
    const c = producer.send([rec("t", 3)]);
    await new Promise((r) => setTimeout(r, 20));
    expect(current().requests).toHaveLength(1);
    current().requests[0]!.settle();
    await a;
    await waitForRequests(current, 2);
    expect(recordsOf(current().requests[1]!.batch)).toEqual(["k2", "k3"]);
    current().requests[1]!.settle();
    await Promise.all([b, c]);
  });

  it("splits at maxBatchRecords without splitting a job", async () => {
    const { producer, current } = setup({ maxBatchRecords: 4, lingerMs: 1000 });
    const sends = [0, 1, 2].map((j) => producer.send([rec("t", j * 10), rec("t", j * 10 + 1)]));
    // 6 records ≥ 4: sent at once, no linger wait; first request holds two whole jobs.
    await waitForRequests(current, 1);
    expect(recordsOf(current().requests[0]!.batch)).toEqual(["k0", "k1", "k10", "k11"]);
    current().requests[0]!.settle();
    await waitForRequests(current, 2);
    expect(recordsOf(current().requests[1]!.batch)).toEqual(["k20", "k21"]);
    current().requests[1]!.settle();
    await Promise.all(sends);
  });

  it("on a retryable failure rejects every job of the request with KafkaUnavailableError and replaces the producer", async () => {
    const { producer, current } = setup();
    const first = current();
    const sends = [1, 2].map((j) => producer.send([rec("t", j)]).catch((e: unknown) => e));
    await waitForRequests(current, 1);
    const connErr = Object.assign(new Error("Connection error: connect ECONNREFUSED"), {
      name: "KafkaJSConnectionError",
      retriable: true,
    });
    first.requests[0]!.settle(connErr);
    const errors = await Promise.all(sends);
    for (const e of errors)
      expect(e).toMatchObject({ name: "KafkaUnavailableError", code: "KafkaJSConnectionError" });
    expect(errors[0]).toBeInstanceOf(KafkaUnavailableError);
    // A fresh producer (new producer id) for the next batch, the old one disconnected.
    expect(ManualProducer.created).toHaveLength(2);
    expect(first.disconnects).toBe(1);
    const next = producer.send([rec("t", 3)]);
    await waitForRequests(current, 1);
    current().requests[0]!.settle();
    await next;
  });

  it("when Kafka refuses a request for good, resends job by job so only the offending job fails", async () => {
    const { producer, current } = setup();
    const sends = [1, 2, 3].map((j) =>
      producer.send([rec("t", j, j === 2 ? 500 : 10)]).then(
        () => "ok",
        (e: unknown) => e,
      ),
    );
    await waitForRequests(current, 1);
    const tooLarge = Object.assign(new Error("The request included a message larger than the max"), {
      name: "KafkaJSProtocolError",
      type: "MESSAGE_TOO_LARGE",
      retriable: false,
    });
    current().requests[0]!.settle(tooLarge);
    // Then one request per job, each answered on its own (on whichever producer is current).
    const all = () => ManualProducer.created.flatMap((p) => p.requests);
    for (const [i, j] of [1, 2, 3].entries()) {
      for (let w = 0; w < 200 && all().length < i + 2; w++) await new Promise((r) => setTimeout(r, 2));
      const req = all()[i + 1]!;
      expect(recordsOf(req.batch)).toEqual([`k${j}`]);
      req.settle(j === 2 ? tooLarge : undefined);
    }
    const results = await Promise.all(sends);
    expect(results[0]).toBe("ok");
    expect(results[1]).toBeInstanceOf(KafkaRejectedError);
    expect(results[1]).toMatchObject({ code: "MESSAGE_TOO_LARGE" });
    expect(results[2]).toBe("ok");
  });

  it("close() flushes accepted records, refuses new ones, disconnects once", async () => {
    const { producer, current } = setup({ lingerMs: 10_000 });
    const accepted = producer.send([rec("t", 1)]);
    const closing = producer.close();
    await expect(producer.send([rec("t", 2)])).rejects.toBeInstanceOf(ProducerClosedError);
    await waitForRequests(current, 1); // flushed without waiting for the 10 s linger
    current().requests[0]!.settle();
    await accepted;
    await closing;
    await producer.close();
    expect(current().disconnects).toBe(1);
  });
});
