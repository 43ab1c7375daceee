import type { CompressionTypes, ProducerBatch, RecordMetadata } from "kafkajs";
import type { Logger } from "../../shared/log/logger.ts";
import { ProducerClosedError } from "../errors.ts";
import { classifyKafkaError, toProduceError } from "./classify.ts";

/** One Kafka record as the worker builds it. */
export interface ProduceRecord {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** What the batcher needs from a kafkajs producer (a real one in production and integration tests). */
export interface ProducerLike {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>;
}

export interface BatchStats {
  records: number;
  groups: number;
  bytes: number;
  durationMs: number;
  ok: boolean;
  /** Error code when !ok (kafkajs class or protocol type). */
  code?: string;
}

export interface BatchProducerOptions {
  /** Makes a new (unconnected) producer; called at start and after a failed send. */
  createProducer: () => ProducerLike;
  /** How long the first record of an idle batcher waits for company before the batch is sent. */
  lingerMs: number;
  maxBatchRecords: number;
  /** Uncompressed bytes per request; keeps each partition's record batch under message.max.bytes. */
  maxBatchBytes: number;
  compression: CompressionTypes;
  /** Broker-side wait for the in-sync replicas (ProduceRequest timeout). */
  ackTimeoutMs: number;
  logger: Logger;
  onBatch?: (stats: BatchStats) => void;
}

interface Group {
  records: readonly ProduceRecord[];
  bytes: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

const recordBytes = (r: ProduceRecord) => {
  let n = r.key.length + r.value.length + r.topic.length;
  for (const k in r.headers) n += k.length + (r.headers[k]?.length ?? 0);
  return n;
};

/**
 * Collects the records of many concurrent jobs into one `sendBatch` (acks=-1) and settles each
 * job's promise only when the request holding its records is acknowledged, so a job completes
 * only after Kafka has all of its records.
 *
 * One request is in flight at a time: kafkajs tracks idempotent sequence numbers per partition,
 * and while a request is out the next batch fills up by itself (the busier the worker, the
 * bigger the batches). After any failed request the producer is replaced, so the next batch
 * gets a fresh producer id: reusing the old sequence numbers for different records could make
 * the broker discard them as duplicates of a write that did land.
 *
 * @example
 * const batcher = new BatchProducer({ createProducer: () => kafka.producer({ idempotent: true }), ... });
 * await batcher.send([{ topic: "adt.demo.events", key: "MRN|123", value: "{...}", headers: {} }]);
 * await batcher.close();
 */
export class BatchProducer {
  private producer: ProducerLike;
  private connected: Promise<void> | undefined;
  private pending: Group[] = [];
  private pendingRecords = 0;
  private pendingBytes = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<void> | undefined;
  private closing = false;
  private closed: Promise<void> | undefined;

  constructor(private readonly opts: BatchProducerOptions) {
    this.producer = opts.createProducer();
  }

  /** Connects now (so a bad configuration shows at start); sends connect lazily too. */
  async connect(): Promise<void> {
    await this.ensureConnected();
  }

  /**
   * Queues the records of one job; resolves when Kafka acknowledged all of them, rejects with
   * KafkaUnavailableError (retry later), KafkaRejectedError (these records can never be written)
   * or ProducerClosedError.
   */
  send(records: readonly ProduceRecord[]): Promise<void> {
    if (this.closing) return Promise.reject(new ProducerClosedError());
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const bytes = records.reduce((n, r) => n + recordBytes(r), 0);
      this.pending.push({ records, bytes, resolve, reject });
      this.pendingRecords += records.length;
      this.pendingBytes += bytes;
      this.schedule();
    });
  }

  /** Sends whatever is waiting and resolves when every request so far has been answered. */
  async flush(): Promise<void> {
    while (this.pending.length || this.inFlight) {
      if (this.inFlight) await this.inFlight;
      else this.dispatch();
    }
  }

  /** Idempotent: stops accepting records, flushes what was accepted, disconnects. */
  close(): Promise<void> {
    this.closing = true;
    this.closed ??= (async () => {
      await this.flush();
      if (this.timer) clearTimeout(this.timer);
      await this.producer.disconnect().catch((err: unknown) => {
        this.opts.logger.warn("kafka_disconnect_failed", { error_code: classifyKafkaError(err).code });
      });
    })();
    return this.closed;
  }

  private schedule(): void {
    if (this.inFlight) return; // the batch in flight dispatches the next one when it finishes
    const full =
      this.pendingRecords >= this.opts.maxBatchRecords ||
      this.pendingBytes >= this.opts.maxBatchBytes ||
      this.opts.lingerMs === 0;
    if (full) {
      this.dispatch();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.inFlight) this.dispatch();
      }, this.opts.lingerMs);
    }
  }

  /** Takes groups up to the batch limits (at least one group) and sends them. */
  private dispatch(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.pending.length) return;
    const batch: Group[] = [];
    let records = 0;
    let bytes = 0;
    while (this.pending.length) {
      const next = this.pending[0] as Group;
      const fits =
        records + next.records.length <= this.opts.maxBatchRecords &&
        bytes + next.bytes <= this.opts.maxBatchBytes;
      if (batch.length && !fits) break;
      this.pending.shift();
      batch.push(next);
      records += next.records.length;
      bytes += next.bytes;
    }
    this.pendingRecords -= records;
    this.pendingBytes -= bytes;
    this.inFlight = this.sendGroups(batch, records, bytes).finally(() => {
      this.inFlight = undefined;
      // Whatever arrived meanwhile has already waited one round trip: send it now.
      if (this.pending.length) this.dispatch();
    });
  }

  private async sendGroups(groups: Group[], records: number, bytes: number): Promise<void> {
    const started = performance.now();
    try {
      await this.ensureConnected();
      await this.producer.sendBatch(this.toBatch(groups));
      this.opts.onBatch?.({
        records,
        groups: groups.length,
        bytes,
        durationMs: performance.now() - started,
        ok: true,
      });
      for (const g of groups) g.resolve();
    } catch (err) {
      const cls = classifyKafkaError(err);
      this.opts.onBatch?.({
        records,
        groups: groups.length,
        bytes,
        durationMs: performance.now() - started,
        ok: false,
        code: cls.code,
      });
      this.opts.logger.warn("kafka_batch_failed", {
        error_code: cls.code,
        retryable: cls.retryable,
        records,
        jobs: groups.length,
      });
      await this.resetProducer();
      if (!cls.retryable && groups.length > 1) {
        // One job's records can spoil a whole request (too large, invalid): send each job on
        // its own so only that job is refused and the others complete.
        for (const g of groups) await this.sendGroups([g], g.records.length, g.bytes);
        return;
      }
      const mapped = toProduceError(err);
      for (const g of groups) g.reject(mapped);
    }
  }

  private toBatch(groups: Group[]): ProducerBatch {
    const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
    for (const g of groups)
      for (const r of g.records) {
        let list = byTopic.get(r.topic);
        if (!list) {
          list = [];
          byTopic.set(r.topic, list);
        }
        list.push({ key: r.key, value: r.value, headers: r.headers });
      }
    return {
      acks: -1,
      timeout: this.opts.ackTimeoutMs,
      compression: this.opts.compression,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    };
  }

  private ensureConnected(): Promise<void> {
    this.connected ??= this.producer.connect().catch((err: unknown) => {
      this.connected = undefined;
      throw err;
    });
    return this.connected;
  }

  private async resetProducer(): Promise<void> {
    const old = this.producer;
    this.producer = this.opts.createProducer();
    this.connected = undefined;
    await old.disconnect().catch(() => undefined);
  }
}
