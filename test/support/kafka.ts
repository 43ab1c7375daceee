import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Kafka, type KafkaConfig, logLevel, type SASLOptions } from "kafkajs";
import type { ProvidedServices } from "../setup/services.ts";

export interface ReadRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export function plaintextKafka(services: ProvidedServices, clientId = "adt-stream-test"): Kafka {
  return new Kafka({ clientId, brokers: services.kafkaBrokers, logLevel: logLevel.NOTHING });
}

/** A kafkajs client for the local SASL_SSL listener, verifying its self-signed certificate. */
export function saslSslKafka(
  services: ProvidedServices,
  sasl: SASLOptions,
  extra: Partial<KafkaConfig> = {},
): Kafka {
  const s = services.kafkaSasl;
  if (!s) throw new Error("the SASL_SSL listener is only available on a broker started by infra/local");
  return new Kafka({
    clientId: "adt-stream-test-sasl",
    brokers: s.brokers,
    ssl: { ca: [readFileSync(s.caPemFile, "utf8")], servername: "localhost" },
    sasl,
    logLevel: logLevel.NOTHING,
    ...extra,
  });
}

/** An unsigned JWT as Kafka's unsecured OAUTHBEARER validator expects (alg "none"). */
export function unsecuredJwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64({ alg: "none" })}.${b64(claims)}.`;
}

export async function createTopic(kafka: Kafka, topic: string, partitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** Reads every record of a topic from the beginning with kafkajs, until `count` arrived. */
export async function readAllKafkajs(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${Math.random().toString(36).slice(2)}` });
  const out: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${out.length} of ${count} records from ${topic} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ topic: t, partition, message }) => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(message.headers ?? {})) {
              if (v !== undefined) headers[k] = Array.isArray(v) ? v.map(String).join(",") : v.toString();
            }
            out.push({
              topic: t,
              partition,
              offset: message.offset,
              key: message.key?.toString() ?? null,
              value: message.value?.toString() ?? null,
              headers,
            });
            if (out.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

interface KcatJson {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

/**
 * Reads a whole topic with kcat (librdkafka), an independent client, so a test does not only
 * trust kafkajs to read back what kafkajs wrote. `extraArgs` adds -X settings (SASL/TLS).
 */
export function readAllKcat(brokers: string[], topic: string, extraArgs: string[] = []): ReadRecord[] {
  const r = spawnSync(
    "kcat",
    ["-C", "-b", brokers.join(","), "-t", topic, "-o", "beginning", "-e", "-J", "-q", ...extraArgs],
    { encoding: "utf8", timeout: 60_000, maxBuffer: 512 * 1024 * 1024 },
  );
  if (r.error) throw new Error(`kcat could not run (install Debian's kcat): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`kcat exited ${r.status}: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter((l) => l.trim())
    .map((line) => {
      const j = JSON.parse(line) as KcatJson;
      const headers: Record<string, string> = {};
      const h = j.headers ?? [];
      for (let i = 0; i + 1 < h.length; i += 2) headers[h[i] as string] = h[i + 1] as string;
      return {
        topic: j.topic,
        partition: j.partition,
        offset: String(j.offset),
        key: j.key,
        value: j.payload,
        headers,
      };
    });
}

/** kcat (librdkafka) settings for the local SASL_SSL listener with an unsecured OAUTHBEARER JWT. */
export function kcatOauthArgs(caPemFile: string, principal: string, scope: string): string[] {
  return [
    "-X",
    "security.protocol=SASL_SSL",
    "-X",
    "sasl.mechanisms=OAUTHBEARER",
    "-X",
    "enable.sasl.oauthbearer.unsecure.jwt=true",
    "-X",
    `sasl.oauthbearer.config=principal=${principal} scope=${scope}`,
    "-X",
    `ssl.ca.location=${caPemFile}`,
  ];
}

export const byPartitionOffset = (a: ReadRecord, b: ReadRecord) =>
  a.partition - b.partition || Number(a.offset) - Number(b.offset);
