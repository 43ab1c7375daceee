import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from "kafkajs";
import { describe, expect, it } from "vitest";
import { KafkaRejectedError, KafkaUnavailableError } from "../errors.ts";
import { classifyKafkaError, toProduceError } from "./classify.ts";

// kafkajs builds protocol errors from broker error codes; these mirror what it throws.
const exhausted = (cause: Error) =>
  new (KafkaJSNumberOfRetriesExceeded as unknown as new (e: Error, o: object) => Error)(cause, {
    retryCount: 5,
    retryTime: 10_000,
  });
const protocol = (type: string, retriable: boolean) =>
  new KafkaJSProtocolError({ type, code: 0, retriable, message: `broker said ${type}` } as never);

describe("classifyKafkaError", () => {
  it("treats network, leadership, timeouts and exhausted retries as retryable", () => {
    const cases = [
      new KafkaJSConnectionError("Connection error: connect ECONNREFUSED 127.0.0.1:9092"),
      exhausted(new KafkaJSConnectionError("Connection error")),
      new KafkaJSRequestTimeoutError("Request Produce(key: 0, version: 7) timed out"),
      protocol("NOT_LEADER_FOR_PARTITION", true),
      protocol("LEADER_NOT_AVAILABLE", true),
      protocol("NOT_ENOUGH_REPLICAS", true),
      // Operator-fixable, so waiting in Redis is right: ACLs, auth, missing topics.
      protocol("TOPIC_AUTHORIZATION_FAILED", false),
      protocol("SASL_AUTHENTICATION_FAILED", false),
      new KafkaJSNonRetriableError("The producer is disconnected"),
    ];
    for (const err of cases) expect(classifyKafkaError(err).retryable, err.message).toBe(true);
    expect(classifyKafkaError(cases[1]).code).toBe("KafkaJSConnectionError");
    expect(classifyKafkaError(cases[3]).code).toBe("NOT_LEADER_FOR_PARTITION");
    expect(toProduceError(cases[0])).toBeInstanceOf(KafkaUnavailableError);
  });

  it("treats record-level refusals as permanent, even when wrapped in retries-exceeded", () => {
    for (const type of ["MESSAGE_TOO_LARGE", "RECORD_LIST_TOO_LARGE", "INVALID_RECORD", "CORRUPT_MESSAGE"]) {
      const wrapped = exhausted(protocol(type, false));
      expect(classifyKafkaError(wrapped)).toEqual({ retryable: false, code: type, resetProducer: false });
      expect(toProduceError(wrapped)).toBeInstanceOf(KafkaRejectedError);
    }
  });

  it("asks for a new producer after idempotence sequence errors", () => {
    for (const type of ["OUT_OF_ORDER_SEQUENCE_NUMBER", "UNKNOWN_PRODUCER_ID", "INVALID_PRODUCER_EPOCH"])
      expect(classifyKafkaError(protocol(type, false))).toEqual({
        retryable: true,
        code: type,
        resetProducer: true,
      });
  });

  it("copes with things that are not errors", () => {
    expect(classifyKafkaError("boom")).toEqual({ retryable: true, code: "unknown", resetProducer: false });
    expect(classifyKafkaError(undefined).retryable).toBe(true);
  });
});
