import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { parseEnv } from "../../../shared/config/env.ts";
import { silentLogger } from "../../../shared/log/logger.ts";
import { testServices, uniqueName } from "../../../test/support/services.ts";
import { createVendorTopics, TopicAdminEnvSchema } from "./create-topics.ts";

describe("topic admin (real Kafka)", () => {
  it("creates events, raw and dlq topics for each vendor and is idempotent", async () => {
    const { kafkaBrokers } = testServices();
    const prefix = `${uniqueName("ta")}.`;
    const vendors = ["st-mary", "demo"];
    const env = parseEnv(TopicAdminEnvSchema, {
      KAFKA_BROKERS: kafkaBrokers.join(","),
      KAFKA_AUTH: "none",
      KAFKA_TOPIC_PREFIX: prefix,
      TOPIC_VENDORS: vendors.join(","),
      TOPIC_PARTITIONS: "2",
      TOPIC_REPLICATION: "1",
    });
    await createVendorTopics(env, silentLogger);
    await createVendorTopics(env, silentLogger); // second run: nothing to do, no error

    const admin = new Kafka({ brokers: kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const ours = (await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort();
      expect(ours).toEqual(
        vendors.flatMap((v) => ["dlq", "events", "raw"].map((k) => `${prefix}adt.${v}.${k}`)).sort(),
      );
      const meta = await admin.fetchTopicMetadata({ topics: [`${prefix}adt.demo.events`] });
      expect(meta.topics[0]?.partitions).toHaveLength(2);
    } finally {
      await admin.disconnect();
    }
  });

  it("rejects a configuration without vendors, naming the variable", () => {
    expect(() =>
      parseEnv(TopicAdminEnvSchema, { KAFKA_BROKERS: "b:9098", AWS_REGION: "eu-west-1", TOPIC_VENDORS: "" }),
    ).toThrow("invalid configuration: TOPIC_VENDORS: must list at least one vendor id");
  });
});
