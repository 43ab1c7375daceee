import type { Admin } from "kafkajs";
import { TOPIC_KINDS, topicName } from "../../shared/kafka/topics.ts";
import type { Logger } from "../../shared/log/logger.ts";
import { TopicMissingError } from "../errors.ts";
import { toProduceError } from "./classify.ts";

export interface TopicEnsurerOptions {
  admin: () => Admin;
  prefix: string;
  /** Create missing topics (local) or require them to exist (production, created by infra). */
  create: boolean;
  partitions: number;
  replication: number;
  logger: Logger;
}

/**
 * Makes sure a vendor's three topics (events, raw, dlq) exist before its first record is
 * produced, once per vendor per process. A failure is retryable (the job waits in Redis): a
 * missing topic in production is fixed by an operator, not by dropping the message.
 *
 * @example
 * const topics = new TopicEnsurer({ admin: () => kafka.admin(), prefix: "", create: true, ... });
 * await topics.ensureVendor("demo");
 */
export class TopicEnsurer {
  private readonly ready = new Map<string, Promise<void>>();

  constructor(private readonly opts: TopicEnsurerOptions) {}

  ensureVendor(vendor: string): Promise<void> {
    let p = this.ready.get(vendor);
    if (!p) {
      p = this.ensure(TOPIC_KINDS.map((k) => topicName(this.opts.prefix, vendor, k))).catch(
        (err: unknown) => {
          this.ready.delete(vendor); // try again on the next job
          throw err instanceof TopicMissingError ? err : toProduceError(err);
        },
      );
      this.ready.set(vendor, p);
    }
    return p;
  }

  private async ensure(topics: string[]): Promise<void> {
    const admin = this.opts.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (!missing.length) return;
      if (!this.opts.create) throw new TopicMissingError(missing[0] as string);
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: this.opts.partitions,
            replicationFactor: this.opts.replication,
          })),
        });
      } catch (err) {
        // Another worker may have created them first (TOPIC_ALREADY_EXISTS), or the leaders
        // were not elected yet when kafkajs looked: what matters is that they exist now.
        const now = new Set(await admin.listTopics());
        if (!missing.every((t) => now.has(t))) throw err;
      }
      this.opts.logger.info("kafka_topics_created", { topics: missing.join(",") });
    } finally {
      await admin.disconnect();
    }
  }
}
