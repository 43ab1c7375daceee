import type { AdtEvent } from "../shared/adt/index.ts";
import { EVENT_SCHEMA_ID, HEADERS, topicName } from "../shared/kafka/topics.ts";
import type { IngestJob } from "../shared/queue/job.ts";
import type { DlqProblem, PermanentStage } from "./errors.ts";
import type { ProduceRecord } from "./kafka/batch-producer.ts";

/** Content types of the three record kinds (the `content-type` header). */
export const CONTENT_TYPES = {
  events: "application/json",
  raw: "application/hl7-v2",
  dlq: "application/json",
} as const;

/** The job metadata a record carries in its headers (contract: "Headers on every record"). */
export type DlqJobMeta = Pick<
  IngestJob,
  "id" | "vendor" | "seq" | "receivedAt" | "controlId" | "messageType"
>;

function contractHeaders(job: DlqJobMeta, contentType: string): Record<string, string> {
  return {
    [HEADERS.vendor]: job.vendor,
    [HEADERS.ingestId]: job.id,
    [HEADERS.seq]: String(job.seq),
    [HEADERS.receivedAt]: job.receivedAt,
    [HEADERS.controlId]: job.controlId,
    [HEADERS.messageType]: job.messageType,
    [HEADERS.contentType]: contentType,
  };
}

/**
 * The two records of a normalised job: the AdtEvent JSON on `events` and the original HL7 text
 * on `raw`, both keyed by the patient key so one patient's records share a partition.
 *
 * @example
 * const [event, raw] = jobRecords("", job, result.event, patientKey(result.event));
 */
export function jobRecords(
  prefix: string,
  job: IngestJob,
  event: AdtEvent,
  key: string,
): [ProduceRecord, ProduceRecord] {
  return [
    {
      topic: topicName(prefix, job.vendor, "events"),
      key,
      value: JSON.stringify(event),
      headers: { ...contractHeaders(job, CONTENT_TYPES.events), [HEADERS.schema]: EVENT_SCHEMA_ID },
    },
    {
      topic: topicName(prefix, job.vendor, "raw"),
      key,
      value: job.raw,
      headers: contractHeaders(job, CONTENT_TYPES.raw),
    },
  ];
}

/** Version of the DLQ record value; `replay` reads it back. */
export const DLQ_RECORD_VERSION = 1;

/** The value of a dead-letter record (JSON). */
export interface DlqRecordValue {
  v: typeof DLQ_RECORD_VERSION;
  stage: PermanentStage;
  error: DlqProblem[];
  failedAt: string;
  attemptsMade: number;
  /** The job payload without `raw` (for a payload error: what could be read of it). */
  job: DlqJobMeta & { v?: number };
  /** The original text; null only when it is too large to be written at all. */
  raw: string | null;
  rawOmitted?: "too_large";
}

/** A DLQ header naming the first problem's code, so a consumer can filter without parsing JSON. */
export const DLQ_ERROR_HEADER = "error-code";

/**
 * The dead-letter record for a job that can never be normalised. Keyed by the control id (the
 * contract's fallback key: no patient key exists for a message that did not normalise).
 *
 * @example
 * const rec = dlqRecord("", job, "parse", [{ code: "hl7:bad_msh", path: "MSH", reason: "..." }], { now: new Date() });
 */
export function dlqRecord(
  prefix: string,
  job: DlqJobMeta & { raw: string | null; v?: number },
  stage: PermanentStage,
  problems: readonly DlqProblem[],
  opts: { now: Date; attemptsMade: number; maxRawBytes?: number },
): ProduceRecord {
  const tooLarge =
    job.raw !== null &&
    opts.maxRawBytes !== undefined &&
    Buffer.byteLength(job.raw, "utf8") > opts.maxRawBytes;
  const { raw: _raw, ...meta } = job;
  const value: DlqRecordValue = {
    v: DLQ_RECORD_VERSION,
    stage,
    error: problems.map((p) => ({ code: p.code, path: p.path, reason: p.reason })),
    failedAt: opts.now.toISOString(),
    attemptsMade: opts.attemptsMade,
    job: meta,
    raw: tooLarge ? null : job.raw,
    ...(tooLarge ? { rawOmitted: "too_large" as const } : {}),
  };
  return {
    topic: topicName(prefix, job.vendor, "dlq"),
    key: job.controlId,
    value: JSON.stringify(value),
    headers: {
      ...contractHeaders(job, CONTENT_TYPES.dlq),
      [DLQ_ERROR_HEADER]: problems[0]?.code ?? "unknown",
    },
  };
}
