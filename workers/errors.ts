/**
 * Typed errors of the workers. Messages name stages, codes and positions only: they end up in
 * logs and in BullMQ's `failedReason` (stored in Redis), so they never quote message content.
 */

/** One problem with a message, as written to the dead-letter record. */
export interface DlqProblem {
  /** Machine-readable code (`hl7:...`, `adt:required`, `payload:invalid`). */
  code: string;
  /** Position: HL7 path (`PID-7`), payload key (`receivedAt`), or "" for the whole message. */
  path: string;
  /** Fixed text describing the problem; never the value. */
  reason: string;
}

export type PermanentStage = "payload" | "parse" | "normalise" | "produce";

/**
 * The message itself is wrong (or Kafka refuses it for good): retrying cannot help. The
 * processor writes a DLQ record for it and then fails the job with BullMQ's UnrecoverableError.
 */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
  readonly retryable = false;
  constructor(
    readonly stage: PermanentStage,
    readonly problems: readonly DlqProblem[],
    options?: { cause?: unknown },
  ) {
    super(
      `${stage} failed: ${problems.map((p) => `${p.path || "(message)"} ${p.code}`).join("; ")}`,
      options,
    );
  }
}

/**
 * Kafka (or the network to it) failed; the job is retried with backoff and waits in Redis.
 * `code` is a kafkajs error class or protocol error type, never data.
 */
export class KafkaUnavailableError extends Error {
  override name = "KafkaUnavailableError";
  readonly retryable = true;
  constructor(
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`kafka produce failed, will retry: ${code}`, options);
  }
}

/**
 * Kafka refused a record for a reason that repeats on every try (record too large, invalid
 * record). Only the records of the job that caused it are refused; see BatchProducer.
 */
export class KafkaRejectedError extends Error {
  override name = "KafkaRejectedError";
  readonly retryable = false;
  constructor(
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`kafka refused the record: ${code}`, options);
  }
}

/** The producer is closing: jobs still arriving are not produced and go back to the queue. */
export class ProducerClosedError extends Error {
  override name = "ProducerClosedError";
  readonly retryable = true;
  constructor() {
    super("producer is closing");
  }
}

/** Topics are required to exist (KAFKA_CREATE_TOPICS=false) and one does not. Retryable: an operator creates it. */
export class TopicMissingError extends Error {
  override name = "TopicMissingError";
  readonly retryable = true;
  readonly code = "topic_missing";
  constructor(readonly topic: string) {
    // Topic names hold vendor ids, which are configuration, not PHI.
    super(`kafka topic ${topic} does not exist and KAFKA_CREATE_TOPICS is false`);
  }
}
