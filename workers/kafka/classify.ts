import { KafkaRejectedError, KafkaUnavailableError } from "../errors.ts";

/**
 * Protocol errors that repeat for the same record whatever we do: the record itself is the
 * problem. Everything else from Kafka (network, leadership, timeouts, throttling, even auth and
 * missing topics, which an operator fixes) is retried, because retrying never loses a job while
 * giving up on a transient error would.
 */
const PERMANENT_PROTOCOL_TYPES = new Set([
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "CORRUPT_MESSAGE",
  "INVALID_TIMESTAMP",
]);

/** Errors after which the idempotent producer's sequence state is unusable and must be rebuilt. */
const PRODUCER_STATE_TYPES = new Set([
  "OUT_OF_ORDER_SEQUENCE_NUMBER",
  "UNKNOWN_PRODUCER_ID",
  "INVALID_PRODUCER_EPOCH",
  "INVALID_PRODUCER_ID_MAPPING",
]);

interface KafkaJsLikeError {
  name?: unknown;
  type?: unknown;
  retriable?: unknown;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown;
}

/** Walks `cause`/`originalError`/`errors[]` (kafkajs wraps the protocol error several levels deep). */
function* chain(err: unknown, depth = 0): Generator<KafkaJsLikeError> {
  if (!err || typeof err !== "object" || depth > 6) return;
  const e = err as KafkaJsLikeError;
  yield e;
  yield* chain(e.cause, depth + 1);
  yield* chain(e.originalError, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* chain(inner, depth + 1);
}

export interface KafkaErrorClass {
  retryable: boolean;
  /** kafkajs protocol type (`NOT_LEADER_FOR_PARTITION`) or error class name; safe to log. */
  code: string;
  /** The producer should be recreated before the next send (idempotence state broken). */
  resetProducer: boolean;
}

/**
 * Maps a kafkajs error to what the worker does about it.
 *
 * @example
 * classifyKafkaError(new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError("x")))
 * // { retryable: true, code: "KafkaJSConnectionError", resetProducer: false }
 */
export function classifyKafkaError(err: unknown): KafkaErrorClass {
  let code: string | undefined;
  let resetProducer = false;
  for (const e of chain(err)) {
    if (typeof e.type === "string") {
      if (PERMANENT_PROTOCOL_TYPES.has(e.type))
        return { retryable: false, code: e.type, resetProducer: false };
      if (PRODUCER_STATE_TYPES.has(e.type)) resetProducer = true;
      code ??= e.type;
    }
  }
  if (code === undefined) {
    // The innermost named error says most (a connection error inside "retries exceeded").
    for (const e of chain(err)) if (typeof e.name === "string" && e.name !== "Error") code = e.name;
  }
  return { retryable: true, code: code ?? "unknown", resetProducer };
}

/** The typed error a job sees for a failed produce. */
export function toProduceError(err: unknown): KafkaUnavailableError | KafkaRejectedError {
  const c = classifyKafkaError(err);
  return c.retryable
    ? new KafkaUnavailableError(c.code, { cause: err })
    : new KafkaRejectedError(c.code, { cause: err });
}
