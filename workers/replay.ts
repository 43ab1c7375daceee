import type { Queue } from "bullmq";
import type { Kafka } from "kafkajs";
import { parseTopicName, topicName } from "../shared/kafka/topics.ts";
import type { Logger } from "../shared/log/logger.ts";
import { INGEST_JOB_NAME, INGEST_JOB_OPTIONS, type IngestJob, IngestJobSchema } from "../shared/queue/job.ts";
import type { DlqRecordValue } from "./records.ts";

export interface ReplaySummary {
  mode: "dlq" | "failed";
  dryRun: boolean;
  /** Records (dlq) or failed jobs that matched the filters. */
  matched: number;
  /** Jobs put back on the queue (or that would be, in a dry run). */
  enqueued: number;
  /** Why the others were not, by reason. */
  skipped: Record<string, number>;
}

export interface ReplayDlqOptions {
  kafka: Kafka;
  queue: Queue;
  prefix: string;
  /** Only this vendor's DLQ topic; every `<prefix>adt.*.dlq` topic when absent. */
  vendor?: string;
  /** Only records dead-lettered at or after / before these instants (`failedAt`). */
  since?: Date;
  until?: Date;
  dryRun?: boolean;
  logger: Logger;
}

const skip = (s: ReplaySummary, reason: string) => {
  s.skipped[reason] = (s.skipped[reason] ?? 0) + 1;
};

/** Reads a topic from its beginning up to the end offsets it had when we started. */
async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  onRecord: (value: Buffer | null, timestamp: string) => void,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const remaining = new Map(
    ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]),
  );
  if (!remaining.size) return;
  const consumer = kafka.consumer({
    groupId: `adt-replay-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const end = remaining.get(partition);
            if (end === undefined) return;
            if (Number(message.offset) < end) onRecord(message.value, message.timestamp);
            if (Number(message.offset) >= end - 1) remaining.delete(partition);
            if (!remaining.size) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Re-drives dead-letter records as new ingest jobs with the same ingest id (and seq), so
 * downstream de-duplication by `ingest-id` still holds. The failed BullMQ job of the same id
 * is removed first (BullMQ ignores an add whose job id exists); jobs still queued or already
 * completed are left alone. Records are de-duplicated by ingest id, latest failure wins.
 *
 * @example
 * const summary = await replayDlq({ kafka, queue, prefix: "", vendor: "demo", since: new Date("2024-03-01"), logger });
 */
export async function replayDlq(opts: ReplayDlqOptions): Promise<ReplaySummary> {
  const summary: ReplaySummary = { mode: "dlq", dryRun: !!opts.dryRun, matched: 0, enqueued: 0, skipped: {} };
  let topics: string[];
  if (opts.vendor) {
    topics = [topicName(opts.prefix, opts.vendor, "dlq")];
  } else {
    const admin = opts.kafka.admin();
    await admin.connect();
    const all = await admin.listTopics().finally(() => admin.disconnect());
    topics = all.filter((t) => parseTopicName(opts.prefix, t)?.kind === "dlq");
  }
  const latest = new Map<string, IngestJob>();
  for (const topic of topics) {
    await readTopicToEnd(opts.kafka, topic, (value, timestamp) => {
      let record: DlqRecordValue;
      try {
        record = JSON.parse(value?.toString("utf8") ?? "") as DlqRecordValue;
      } catch {
        summary.matched++;
        skip(summary, "unreadable");
        return;
      }
      const failedAt = Date.parse(record.failedAt ?? "") || Number(timestamp);
      if (opts.since && failedAt < opts.since.getTime()) return;
      if (opts.until && failedAt >= opts.until.getTime()) return;
      summary.matched++;
      if (record.raw === null || record.raw === undefined) return skip(summary, "raw_not_in_record");
      const job = IngestJobSchema.safeParse({ ...record.job, raw: record.raw });
      if (!job.success) return skip(summary, "invalid_payload");
      if (latest.has(job.data.id)) skip(summary, "duplicate_record");
      latest.set(job.data.id, job.data);
    });
  }
  for (const job of latest.values()) {
    const existing = await opts.queue.getJob(job.id);
    if (existing) {
      const state = await existing.getState();
      if (state !== "failed" && state !== "unknown") {
        skip(summary, state === "completed" ? "already_completed" : "already_queued");
        continue;
      }
      if (!opts.dryRun) await existing.remove();
    }
    if (!opts.dryRun) await opts.queue.add(INGEST_JOB_NAME, job, { ...INGEST_JOB_OPTIONS, jobId: job.id });
    summary.enqueued++;
  }
  opts.logger.info("replay_dlq_done", {
    topics: topics.length,
    matched: summary.matched,
    enqueued: summary.enqueued,
    dry_run: summary.dryRun,
  });
  return summary;
}

/**
 * Moves BullMQ failed jobs (retries exhausted, stalled too often, or dead-lettered) back to
 * the wait list, keeping their ids. Optionally only one vendor's.
 *
 * @example
 * await replayFailed({ queue, vendor: "demo", logger });
 */
export async function replayFailed(opts: {
  queue: Queue;
  vendor?: string;
  dryRun?: boolean;
  logger: Logger;
}): Promise<ReplaySummary> {
  const summary: ReplaySummary = {
    mode: "failed",
    dryRun: !!opts.dryRun,
    matched: 0,
    enqueued: 0,
    skipped: {},
  };
  // Collect first: retrying while paging would shift the failed set under the cursor.
  const ids: string[] = [];
  const page = 500;
  for (let start = 0; ; start += page) {
    const jobs = await opts.queue.getFailed(start, start + page - 1);
    for (const job of jobs) {
      if (!job?.id) continue;
      const vendor = (job.data as { vendor?: unknown } | undefined)?.vendor;
      if (opts.vendor && vendor !== opts.vendor) continue;
      ids.push(job.id);
    }
    if (jobs.length < page) break;
  }
  summary.matched = ids.length;
  for (const id of ids) {
    const job = await opts.queue.getJob(id);
    if (!job || (await job.getState()) !== "failed") {
      skip(summary, "no_longer_failed");
      continue;
    }
    if (!opts.dryRun) await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    summary.enqueued++;
  }
  opts.logger.info("replay_failed_done", {
    matched: summary.matched,
    enqueued: summary.enqueued,
    dry_run: summary.dryRun,
  });
  return summary;
}
