/**
 * Consumes the vendor topics (events and dlq) and matches every record to the message that
 * produced it by its `hl7-control-id` header, stamping when it became readable. Starts at the
 * topics' current end (offsets taken before the first message is sent), so earlier records
 * of other runs are never read.
 */
import type { Consumer, Kafka } from "kafkajs";
import { HEADERS, parseTopicName } from "../../shared/kafka/topics.ts";
import type { ControlIds, Ledger } from "./ledger.ts";

export interface MatcherOptions {
  kafka: Kafka;
  topicPrefix: string;
  /** Topics to read (events and dlq of each vendor). */
  topics: string[];
  ledger: Ledger;
  ids: ControlIds;
  now: () => number;
  /** Called once per record read (progress, live latency). */
  onRecord?: (index: number, kind: "events" | "dlq", at: number, first: boolean) => void;
}

export class MatcherError extends Error {
  override name = "MatcherError";
}

export interface Matcher {
  /** Records read so far (all, including duplicates and records of other runs). */
  readonly recordsRead: number;
  stop(): Promise<void>;
}

/** Creates the topics when missing (same defaults as the workers) so they can be read at once. */
export async function ensureTopics(kafka: Kafka, topics: string[], partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length)
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Starts consuming; resolves once the consumer has joined and is positioned at the end offsets
 * sampled now, i.e. once it is safe to start sending.
 *
 * @example
 * const m = await startMatcher({ kafka, topicPrefix: "", topics, ledger, ids, now });
 * // ... send ...
 * await m.stop();
 */
export async function startMatcher(opts: MatcherOptions): Promise<Matcher> {
  const admin = opts.kafka.admin();
  await admin.connect();
  const start: { topic: string; partition: number; offset: string }[] = [];
  try {
    for (const topic of opts.topics) {
      for (const p of await admin.fetchTopicOffsets(topic))
        start.push({ topic, partition: p.partition, offset: p.high });
    }
  } finally {
    await admin.disconnect();
  }

  const consumer: Consumer = opts.kafka.consumer({
    groupId: `adt-loadtest-${opts.ids.prefix.toLowerCase()}-${Date.now().toString(36)}`,
    // A fetch returns as soon as one byte is there; the wait only bounds an idle poll.
    maxWaitTimeInMs: 50,
    minBytes: 1,
    maxBytesPerPartition: 4 * 1024 * 1024,
    sessionTimeout: 30_000,
    heartbeatInterval: 3000,
  });
  let recordsRead = 0;
  const kindOf = new Map<string, "events" | "dlq">();
  for (const t of opts.topics) {
    const parsed = parseTopicName(opts.topicPrefix, t);
    if (!parsed || parsed.kind === "raw") throw new MatcherError(`not an events or dlq topic: ${t}`);
    kindOf.set(t, parsed.kind);
  }

  await consumer.connect();
  await consumer.subscribe({ topics: opts.topics, fromBeginning: false });
  let joined!: () => void;
  const joinedP = new Promise<void>((r) => {
    joined = r;
  });
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: true,
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch }) => {
      const at = opts.now();
      const kind = kindOf.get(batch.topic) ?? "events";
      for (const m of batch.messages) {
        recordsRead++;
        const h = m.headers?.[HEADERS.controlId];
        if (h === undefined) continue;
        const controlId = Array.isArray(h) ? String(h[0]) : h.toString();
        const i = opts.ids.indexOf(controlId);
        if (i < 0) continue;
        const first = opts.ledger.delivered(i, kind, at);
        opts.onRecord?.(i, kind, at, first);
      }
    },
  });
  // kafkajs applies a seek on the next fetch once partitions are assigned; positioning every
  // partition at the sampled end makes the start exact, whatever the offset-reset policy.
  for (const s of start) consumer.seek(s);
  await Promise.race([
    joinedP,
    new Promise((_, reject) =>
      setTimeout(() => reject(new MatcherError("the Kafka consumer did not join its group in 60 s")), 60_000),
    ),
  ]);
  return {
    get recordsRead() {
      return recordsRead;
    },
    stop: () => consumer.disconnect(),
  };
}
