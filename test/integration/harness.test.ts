import { spawnSync } from "node:child_process";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import {
  byPartitionOffset,
  createTopic,
  kcatOauthArgs,
  plaintextKafka,
  readAllKafkajs,
  readAllKcat,
  saslSslKafka,
  unsecuredJwt,
} from "../support/kafka.ts";
import { testServices, uniqueName } from "../support/services.ts";

// These prove the harness talks to real services: if any of them passes against a fake,
// the rest of the integration suite proves nothing.

describe("real Apache Kafka over PLAINTEXT", () => {
  it("kafkajs and kcat read back exactly the records kafkajs produced", async () => {
    const services = testServices();
    const kafka = plaintextKafka(services);
    const topic = uniqueName("harness.plain");
    await createTopic(kafka, topic, 3);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({
      key: `patient-${i % 7}`,
      value: `payload-${i}-ü`,
      headers: { "ingest-id": `id-${i}`, vendor: "demo" },
    }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const viaKafkajs = (await readAllKafkajs(kafka, topic, sent.length)).sort(byPartitionOffset);
    const viaKcat = readAllKcat(services.kafkaBrokers, topic).sort(byPartitionOffset);
    expect(viaKcat).toEqual(viaKafkajs);
    expect(new Set(viaKcat.map((r) => r.value))).toEqual(new Set(sent.map((s) => s.value)));
    for (const r of viaKcat) {
      const i = Number(r.headers["ingest-id"]?.slice(3));
      expect(r.key, JSON.stringify(r)).toBe(sent[i]?.key);
    }
    // The same key always lands on the same partition (what per-patient ordering relies on).
    const partitionsByKey = new Map<string, Set<number>>();
    for (const r of viaKcat)
      partitionsByKey.set(r.key!, (partitionsByKey.get(r.key!) ?? new Set()).add(r.partition));
    for (const parts of partitionsByKey.values()) expect(parts.size).toBe(1);
  });
});

describe("real Apache Kafka over SASL_SSL", () => {
  it("accepts an OAUTHBEARER client with a valid token over TLS, read back by kcat", async (ctx) => {
    const services = testServices();
    const sasl = services.kafkaSasl;
    if (!sasl) return ctx.skip("broker not started by infra/local: no SASL_SSL listener");
    const now = Math.floor(Date.now() / 1000);
    const kafka = saslSslKafka(services, {
      mechanism: "oauthbearer",
      oauthBearerProvider: async () => ({
        value: unsecuredJwt({ sub: "adt-stream-worker", iat: now, exp: now + 3600, scope: sasl.oauthScope }),
      }),
    });
    const topic = uniqueName("harness.sasl");
    await createTopic(kafka, topic, 1);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: "k", value: "over-tls" }] });
    await producer.disconnect();

    const kcatArgs = kcatOauthArgs(sasl.caPemFile, "kcat", sasl.oauthScope);
    const records = readAllKcat(sasl.brokers, topic, kcatArgs);
    expect(records.map((r) => [r.key, r.value])).toEqual([["k", "over-tls"]]);
  });

  it("accepts PLAIN with the right password and refuses a wrong one", async (ctx) => {
    const services = testServices();
    const sasl = services.kafkaSasl;
    if (!sasl) return ctx.skip("broker not started by infra/local: no SASL_SSL listener");
    const good = saslSslKafka(services, { mechanism: "plain", ...sasl.plain }).admin();
    await good.connect();
    expect((await good.describeCluster()).brokers.length).toBe(1);
    await good.disconnect();

    const bad = saslSslKafka(
      services,
      { mechanism: "plain", username: sasl.plain.username, password: `${sasl.plain.password}-wrong` },
      { retry: { retries: 0 } },
    ).admin();
    await expect(bad.connect()).rejects.toThrow(/SASL PLAIN authentication failed|Authentication failed/i);
  });

  it("refuses OAUTHBEARER tokens that are expired or lack the required scope", async (ctx) => {
    const services = testServices();
    const sasl = services.kafkaSasl;
    if (!sasl) return ctx.skip("broker not started by infra/local: no SASL_SSL listener");
    const now = Math.floor(Date.now() / 1000);
    const tokens = {
      "missing scope": unsecuredJwt({ sub: "intruder", iat: now, exp: now + 3600 }),
      expired: unsecuredJwt({ sub: "late", iat: now - 7200, exp: now - 3600, scope: sasl.oauthScope }),
    };
    for (const [why, token] of Object.entries(tokens)) {
      const admin = saslSslKafka(
        services,
        { mechanism: "oauthbearer", oauthBearerProvider: async () => ({ value: token }) },
        { retry: { retries: 0 }, requestTimeout: 3000, connectionTimeout: 3000 },
      ).admin();
      // kafkajs 2.2 does not read the RFC 7628 error reply, so its connect() "succeeds"; the
      // broker then refuses every request on that connection, which is what we assert.
      await admin.connect().catch(() => undefined);
      await expect(admin.describeCluster(), why).rejects.toThrow();
      await admin.disconnect();
    }
    // librdkafka does read the error reply: kcat is refused outright.
    const r = spawnSync(
      "kcat",
      [
        "-L",
        "-b",
        sasl.brokers.join(","),
        "-m",
        "10",
        ...kcatOauthArgs(sasl.caPemFile, "intruder", "not-ours"),
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(r.status, r.stdout).not.toBe(0);
    expect(r.stderr).toMatch(/insufficient_scope|Authentication|SASL/i);
  });
});

describe("real Redis with BullMQ", () => {
  it("processes a job added to a fresh queue", async () => {
    const { redisUrl } = testServices();
    const name = uniqueName("harness-queue");
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(name, { connection });
    const seen: unknown[] = [];
    const done = new Promise<unknown>((resolve) => {
      const worker = new Worker(
        name,
        async (job) => {
          seen.push(job.data);
          return { doubled: (job.data as { n: number }).n * 2 };
        },
        { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }) },
      );
      worker.on("completed", async (_job, result) => {
        await worker.close();
        resolve(result);
      });
    });
    await queue.add("square", { n: 21 });
    await expect(done).resolves.toEqual({ doubled: 42 });
    expect(seen).toEqual([{ n: 21 }]);
    // AOF and noeviction are what make an acknowledged job durable; check the server we got.
    const config = (await connection.config("GET", "maxmemory-policy")) as string[];
    expect(config[1]).toBe("noeviction");
    await queue.obliterate({ force: true });
    await queue.close();
    await connection.quit();
  });
});
