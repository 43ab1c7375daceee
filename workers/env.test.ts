import { describe, expect, it } from "vitest";
import { ConfigError } from "../shared/config/env.ts";
import { parseWorkerEnv } from "./env.ts";

const base = { REDIS_URL: "redis://127.0.0.1:6379", KAFKA_BROKERS: "b-1.msk:9098, b-2.msk:9098" };

describe("workers env", () => {
  it("applies the defaults the CDK task definitions and npm start rely on", () => {
    const env = parseWorkerEnv(base);
    expect(env).toMatchObject({
      KAFKA_BROKERS: ["b-1.msk:9098", "b-2.msk:9098"],
      KAFKA_AUTH: "none",
      KAFKA_TOPIC_PREFIX: "",
      KAFKA_CREATE_TOPICS: true,
      VENDOR_PROFILES: "config/vendors.json",
      INGEST_QUEUE: "adt-ingest",
      RETRY_FOR_HOURS: 24,
      CLOUDWATCH_EMF: false,
      LOG_LEVEL: "info",
    });
  });

  it("parses the production MSK settings", () => {
    const env = parseWorkerEnv({
      ...base,
      KAFKA_AUTH: "msk-iam",
      AWS_REGION: "eu-west-2",
      KAFKA_CREATE_TOPICS: "false",
      KAFKA_REPLICATION: "3",
      CLOUDWATCH_EMF: "true",
      WORKER_CONCURRENCY: "128",
      KAFKA_SSL_CA_FILE: "", // empty means unset
    });
    expect(env).toMatchObject({
      KAFKA_AUTH: "msk-iam",
      KAFKA_CREATE_TOPICS: false,
      KAFKA_REPLICATION: 3,
      CLOUDWATCH_EMF: true,
    });
    expect(env.KAFKA_SSL_CA_FILE).toBeUndefined();
  });

  it("fails fast naming each bad variable and never echoing a value", () => {
    const secret = "redis-password-123";
    let err: unknown;
    try {
      parseWorkerEnv({
        REDIS_URL: `http://user:${secret}@host`,
        KAFKA_BROKERS: "no-port",
        KAFKA_AUTH: "msk-iam",
        WORKER_CONCURRENCY: "lots",
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    for (const name of ["REDIS_URL", "KAFKA_BROKERS", "WORKER_CONCURRENCY"]) expect(message).toContain(name);
    expect(message).not.toContain(secret);
    expect(() => parseWorkerEnv({ ...base, KAFKA_AUTH: "msk-iam" })).toThrow(
      /AWS_REGION: required when KAFKA_AUTH=msk-iam/,
    );
    expect(() => parseWorkerEnv({ ...base, KAFKA_AUTH: "sasl-plain" })).toThrow(/KAFKA_SASL_USERNAME/);
  });
});
