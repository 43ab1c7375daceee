/**
 * Sends HL7 ADT messages for the Databricks pipeline's tests and benchmark, one JSON line per
 * message on stdin (`{"vendor": "demo", "hl7": "MSH|..."}`), one JSON line per message on stdout
 * (`{"vendor", "controlId", "ingestId", "sentAt", "mode"}`; ingestId is null through the edge,
 * whose answer does not carry it).
 *
 *   npx tsx infra/databricks/tools/send.ts edge     POST each message to $EDGE_URL/v1/messages
 *                                                   with a vendor API key ($EDGE_KEYS_JSON:
 *                                                   {"demo": "<key>"}); the workers produce.
 *   npx tsx infra/databricks/tools/send.ts produce  no edge/workers: builds the job and the two
 *                                                   records exactly as workers/ does (normalise +
 *                                                   jobRecords) and produces them with kafkajs.
 *   npx tsx infra/databricks/tools/send.ts events   prints {key, event} per message, no Kafka
 *                                                   (real AdtEvents for the Spark unit tests).
 *   npx tsx infra/databricks/tools/send.ts redeliver  re-produces every record of the topics
 *                                                   named on stdin ({"topic"} lines) with the same
 *                                                   key, value and headers: the duplicates
 *                                                   at-least-once delivery can cause.
 *
 * Options (env): KAFKA_BROKERS (127.0.0.1:9092), KAFKA_TOPIC_PREFIX (""), SEND_RATE (messages/s,
 * 0 = as fast as possible, sent one after another so `seq` follows the input order).
 * Output never includes message content (PHI); errors name the line number only.
 */
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { Kafka, logLevel, type Message } from "kafkajs";
import { loadVendorProfiles } from "../../../shared/adt/profile-file.ts";
import { readHeader } from "../../../shared/hl7/index.ts";
import { normalise } from "../../../workers/normalise.ts";
import { jobRecords } from "../../../workers/records.ts";

interface InputLine {
  vendor: string;
  hl7: string;
}

class SendError extends Error {
  override name = "SendError";
}

const env = process.env;
const brokers = (env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",").map((b) => b.trim());
const prefix = env.KAFKA_TOPIC_PREFIX ?? "";
const rate = Number(env.SEND_RATE ?? "0");

async function* lines(): AsyncGenerator<{ n: number; value: unknown }> {
  let n = 0;
  for await (const line of createInterface({ input: process.stdin })) {
    n++;
    if (line.trim()) yield { n, value: JSON.parse(line) as unknown };
  }
}

function asInput(n: number, v: unknown): InputLine {
  const o = v as Partial<InputLine>;
  if (typeof o?.vendor !== "string" || typeof o.hl7 !== "string")
    throw new SendError(`line ${n}: needs string fields vendor and hl7`);
  return { vendor: o.vendor, hl7: o.hl7 };
}

/** Paces a loop at `rate` per second from a fixed start, so slow iterations are caught up. */
function pacer(perSecond: number): () => Promise<void> {
  const start = performance.now();
  let i = 0;
  return async () => {
    if (perSecond <= 0) return;
    const due = start + (i++ * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };
}

const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

/** Per-vendor seq for the direct path; the edge assigns it from Redis otherwise. */
function seqSource(): (vendor: string) => number {
  // Millisecond-based start keeps seq increasing across runs against the same topics.
  const base = Date.now() * 1000;
  const next = new Map<string, number>();
  return (vendor) => {
    const s = (next.get(vendor) ?? base) + 1;
    next.set(vendor, s);
    return s;
  };
}

function header(n: number, hl7: string) {
  const h = readHeader(hl7);
  if (!h?.controlId || !h.messageCode || !h.triggerEvent) throw new SendError(`line ${n}: no usable MSH`);
  return h;
}

function job(n: number, input: InputLine, seq: number) {
  const h = header(n, input.hl7);
  return {
    v: 1 as const,
    id: randomUUID(),
    vendor: input.vendor,
    receivedAt: new Date().toISOString(),
    seq,
    controlId: h.controlId,
    messageType: `${h.messageCode}^${h.triggerEvent}`,
    raw: input.hl7,
  };
}

async function produce(events: boolean): Promise<void> {
  const profiles = loadVendorProfiles(env.VENDOR_PROFILES ?? "config/vendors.json");
  const nextSeq = seqSource();
  const kafka = events
    ? undefined
    : new Kafka({ clientId: "adt-databricks-send", brokers, logLevel: logLevel.NOTHING });
  const producer = kafka?.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer?.connect();
  const pace = pacer(rate);
  try {
    for await (const { n, value } of lines()) {
      const input = asInput(n, value);
      const j = job(n, input, nextSeq(input.vendor));
      const { event, key } = normalise(j, profiles.get(input.vendor));
      if (events) {
        print({ key, event });
        continue;
      }
      await pace();
      const sentAt = new Date().toISOString();
      const records = jobRecords(prefix, j, event, key);
      await producer?.sendBatch({
        acks: -1,
        topicMessages: records.map((r) => ({
          topic: r.topic,
          messages: [{ key: r.key, value: r.value, headers: r.headers }],
        })),
      });
      print({ vendor: input.vendor, controlId: j.controlId, ingestId: j.id, sentAt, mode: "produce" });
    }
  } finally {
    await producer?.disconnect();
  }
}

async function viaEdge(): Promise<void> {
  const url = env.EDGE_URL;
  const keys = JSON.parse(env.EDGE_KEYS_JSON ?? "{}") as Record<string, string>;
  if (!url) throw new SendError("EDGE_URL is not set");
  const pace = pacer(rate);
  for await (const { n, value } of lines()) {
    const input = asInput(n, value);
    const key = keys[input.vendor];
    if (!key) throw new SendError(`line ${n}: no API key for the vendor in EDGE_KEYS_JSON`);
    await pace();
    const sentAt = new Date().toISOString();
    const res = await fetch(`${url}/v1/messages`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/hl7-v2",
        accept: "application/json",
      },
      body: input.hl7,
    });
    const body = await res.text();
    if (res.status !== 200) throw new SendError(`line ${n}: edge answered ${res.status}`);
    print({
      vendor: input.vendor,
      controlId: header(n, input.hl7).controlId,
      ingestId: null,
      sentAt,
      mode: "edge",
      ackBytes: body.length,
    });
  }
}

async function redeliver(): Promise<void> {
  const kafka = new Kafka({ clientId: "adt-databricks-redeliver", brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    for await (const { n, value } of lines()) {
      const topic = (value as { topic?: unknown }).topic;
      if (typeof topic !== "string") throw new SendError(`line ${n}: needs a string field topic`);
      const offsets = await admin.fetchTopicOffsets(topic);
      const total = offsets.reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
      const copied: Array<{ partition: number; message: Message }> = [];
      const consumer = kafka.consumer({ groupId: `redeliver-${randomUUID()}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        if (total === 0) resolve();
        const timer = setTimeout(() => reject(new SendError(`read ${copied.length} of ${total}`)), 30_000);
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              copied.push({
                partition,
                message: { key: message.key, value: message.value, headers: message.headers ?? {} },
              });
              if (copied.length >= total) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
      await consumer.disconnect();
      await producer.send({
        topic,
        acks: -1,
        messages: copied.map((c) => ({ ...c.message, partition: c.partition })),
      });
      print({ topic, redelivered: copied.length });
    }
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
}

const command = process.argv[2];
const run =
  command === "produce"
    ? () => produce(false)
    : command === "events"
      ? () => produce(true)
      : command === "edge"
        ? viaEdge
        : command === "redeliver"
          ? redeliver
          : undefined;
if (!run) {
  console.error("usage: send.ts produce|edge|events|redeliver < messages.jsonl");
  process.exit(2);
}
run().catch((err: unknown) => {
  console.error(
    JSON.stringify({ event: "send_failed", error: err instanceof Error ? err.message : "unknown" }),
  );
  process.exit(1);
});
