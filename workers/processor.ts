import { type Job, UnrecoverableError } from "bullmq";
import type { VendorProfile } from "../shared/adt/index.ts";
import { errorFields, type Logger } from "../shared/log/logger.ts";
import { type IngestJob, IngestJobSchema } from "../shared/queue/job.ts";
import { VENDOR_ID_PATTERN } from "../shared/vendor-id.ts";
import { type DlqProblem, KafkaRejectedError, PermanentJobError } from "./errors.ts";
import type { ProduceRecord } from "./kafka/batch-producer.ts";
import type { WorkerMetrics } from "./metrics.ts";
import { normalise } from "./normalise.ts";
import { type DlqJobMeta, dlqRecord, jobRecords } from "./records.ts";

export interface ProcessorDeps {
  prefix: string;
  profiles: ReadonlyMap<string, VendorProfile>;
  producer: { send(records: readonly ProduceRecord[]): Promise<void> };
  topics: { ensureVendor(vendor: string): Promise<void> };
  metrics: WorkerMetrics;
  logger: Logger;
  /** Largest record value sent; bigger ones are dead-lettered rather than retried forever. */
  maxRecordBytes: number;
  now?: () => Date;
}

export type JobResult = { outcome: "produced"; records: number };

/** Reads what it can of an invalid payload, so it can still be dead-lettered to its vendor. */
function salvage(data: unknown): (DlqJobMeta & { raw: string | null }) | undefined {
  if (!data || typeof data !== "object") return undefined;
  const d = data as Record<string, unknown>;
  if (typeof d.vendor !== "string" || !VENDOR_ID_PATTERN.test(d.vendor)) return undefined;
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  return {
    id: str(d.id),
    vendor: d.vendor,
    receivedAt: str(d.receivedAt),
    seq: typeof d.seq === "number" ? d.seq : 0,
    controlId: str(d.controlId),
    messageType: str(d.messageType),
    raw: typeof d.raw === "string" ? d.raw : null,
  };
}

/**
 * The BullMQ processor for ingest jobs: validate the payload, parse and normalise, produce the
 * `events` and `raw` records, and resolve only once Kafka acknowledged both. Permanent
 * problems are written to the vendor's DLQ topic and then end the job with UnrecoverableError;
 * Kafka trouble (including a failed DLQ write) is thrown as is, so BullMQ retries with backoff.
 *
 * @example
 * const worker = new Worker(queueName, createProcessor(deps), { connection, concurrency: 64 });
 */
export function createProcessor(deps: ProcessorDeps): (job: Job) => Promise<JobResult> {
  const now = deps.now ?? (() => new Date());
  const { metrics } = deps;

  async function deadLetter(
    job: Job,
    meta: DlqJobMeta & { raw: string | null },
    err: PermanentJobError,
    log: Logger,
  ): Promise<never> {
    const record = dlqRecord(deps.prefix, meta, err.stage, err.problems, {
      now: now(),
      attemptsMade: job.attemptsMade,
      maxRawBytes: deps.maxRecordBytes - 64 * 1024,
    });
    try {
      await deps.topics.ensureVendor(meta.vendor);
      await deps.producer.send([record]);
    } catch (dlqErr) {
      if (dlqErr instanceof KafkaRejectedError) {
        // Not even the DLQ takes it: keep the job (with its payload) in BullMQ's failed set.
        metrics.jobs.inc({ vendor: meta.vendor, outcome: "failed" });
        log.error("dlq_write_refused", { stage: err.stage, ...errorFields(dlqErr) });
        throw new UnrecoverableError(`${err.message}; dead-letter write refused: ${dlqErr.code}`);
      }
      metrics.jobs.inc({ vendor: meta.vendor, outcome: "retry" });
      log.warn("dlq_write_failed", { stage: err.stage, ...errorFields(dlqErr) });
      throw dlqErr; // retryable: the job must not be lost
    }
    metrics.countDlq(meta.vendor, err.stage);
    metrics.jobs.inc({ vendor: meta.vendor, outcome: "dlq" });
    log.warn("job_dead_lettered", {
      stage: err.stage,
      problems: err.problems.map((p: DlqProblem) => `${p.path || "(message)"} ${p.code}`).join("; "),
    });
    throw new UnrecoverableError(err.message);
  }

  return async (job) => {
    const parsed = IngestJobSchema.safeParse(job.data);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => ({
        code: "payload:invalid",
        path: i.path.join("."),
        reason: i.message,
      }));
      const err = new PermanentJobError("payload", problems);
      const meta = salvage(job.data);
      const log = deps.logger.child({ job_id: job.id ?? "" });
      if (!meta) {
        metrics.jobs.inc({ vendor: "unknown", outcome: "failed" });
        log.error("job_payload_unroutable", { problems: problems.map((p) => p.path).join(",") });
        throw new UnrecoverableError(err.message);
      }
      return deadLetter(job, meta, err, log.child({ vendor: meta.vendor }));
    }
    const data: IngestJob = parsed.data;
    const log = deps.logger.child({ job_id: data.id, vendor: data.vendor, seq: data.seq });

    let records: ProduceRecord[];
    try {
      const { event, key } = normalise(data, deps.profiles.get(data.vendor));
      records = jobRecords(deps.prefix, data, event, key);
      const tooLarge = records.find((r) => Buffer.byteLength(r.value, "utf8") > deps.maxRecordBytes);
      if (tooLarge)
        throw new PermanentJobError("produce", [
          { code: "kafka:record_too_large", path: "", reason: `record exceeds ${deps.maxRecordBytes} bytes` },
        ]);
    } catch (err) {
      if (err instanceof PermanentJobError) return deadLetter(job, data, err, log);
      // Not the message's fault (a bug in our code): retry rather than dead-letter good data.
      metrics.jobs.inc({ vendor: data.vendor, outcome: "retry" });
      log.error("job_normalise_crashed", errorFields(err));
      throw err;
    }

    try {
      await deps.topics.ensureVendor(data.vendor);
      await deps.producer.send(records);
    } catch (err) {
      if (err instanceof KafkaRejectedError) {
        const permanent = new PermanentJobError(
          "produce",
          [{ code: `kafka:${err.code}`, path: "", reason: "kafka refused the record" }],
          { cause: err },
        );
        return deadLetter(job, data, permanent, log);
      }
      metrics.jobs.inc({ vendor: data.vendor, outcome: "retry" });
      log.warn("job_produce_failed", { attempts_made: job.attemptsMade, ...errorFields(err) });
      throw err;
    }

    const receivedMs = Date.parse(data.receivedAt);
    metrics.endToEndSeconds.observe(
      { vendor: data.vendor },
      Math.max(0, (now().getTime() - receivedMs) / 1000),
    );
    metrics.jobs.inc({ vendor: data.vendor, outcome: "produced" });
    if (job.attemptsMade > 0 || (job.attemptsStarted ?? 0) > 1)
      metrics.redelivered.inc({ vendor: data.vendor });
    log.debug("job_produced", { records: records.length });
    return { outcome: "produced", records: records.length };
  };
}
