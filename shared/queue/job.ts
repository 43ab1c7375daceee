import { z } from "zod";
import { VendorIdSchema } from "../vendor-id.ts";

/** The BullMQ queue both the edge (producer) and the workers (consumer) use. */
export const INGEST_QUEUE = "adt-ingest";
/** BullMQ job name; one kind of job today, named so a second kind cannot be confused with it. */
export const INGEST_JOB_NAME = "adt-message";

/**
 * Job payload, version 1. Validated on both sides: the edge before it enqueues, the worker
 * before it processes (a payload that fails here is a bug or tampering, never retried).
 *
 * - `id`: ingest id (UUID), also the BullMQ job id and the Kafka `ingest-id` header, so a
 *   consumer can de-duplicate the at-least-once delivery.
 * - `seq`: per-vendor sequence number assigned atomically with the enqueue; restores arrival
 *   order downstream.
 * - `raw`: the original HL7 message text as received (decoded to a string, terminators kept).
 */
export const IngestJobSchema = z.object({
  v: z.literal(1),
  id: z.uuid(),
  vendor: VendorIdSchema,
  receivedAt: z.iso.datetime({ offset: true }),
  seq: z.number().int().positive(),
  controlId: z.string().min(1).max(199),
  /** `MSH-9.1^MSH-9.2`, e.g. `ADT^A01`. */
  messageType: z.string().regex(/^[A-Z0-9]{3}\^[A-Z0-9]{1,3}$/, "must be TYPE^TRIGGER, e.g. ADT^A01"),
  raw: z.string().min(1),
});

export type IngestJob = z.infer<typeof IngestJobSchema>;

export class InvalidJobPayloadError extends Error {
  override name = "InvalidJobPayloadError";
  readonly retryable = false;
  constructor(readonly problems: string[]) {
    // Paths and reasons only: zod messages for a failed regex never include the value.
    super(`invalid ingest job payload: ${problems.join("; ")}`);
  }
}

/** Parses a job payload or throws InvalidJobPayloadError naming the bad keys (never values). */
export function parseIngestJob(data: unknown): IngestJob {
  const r = IngestJobSchema.safeParse(data);
  if (r.success) return r.data;
  throw new InvalidJobPayloadError(
    r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`),
  );
}

/**
 * Name of the workers' backoff strategy (workers/backoff.ts): exponential from `delay`, capped
 * (60 s by default), and ending after RETRY_FOR_HOURS counted from the enqueue. BullMQ's
 * built-in "exponential" cannot be capped, so the jobs name a custom strategy.
 */
export const INGEST_BACKOFF_TYPE = "adt-capped-exponential";

/**
 * Retry policy for ingest jobs: Kafka outages must not lose anything, so retries continue for
 * hours with exponential backoff (capped by the worker's backoff strategy) before a job fails.
 * `attempts` is only a ceiling: the workers' strategy stops retrying after RETRY_FOR_HOURS.
 */
export const INGEST_JOB_OPTIONS = {
  attempts: 1_000_000,
  backoff: { type: INGEST_BACKOFF_TYPE, delay: 1000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  // Failed jobs are kept: the replay command re-drives them after a fix.
  removeOnFail: false,
};
