import type { TestProject } from "vitest/node";
import { loadLocalStackConfig } from "../../infra/local/config.ts";
import { readLocalKafkaCredentials } from "../../infra/local/kafka-files.ts";
import { endpointsOf, servicesDown, servicesUp } from "../../infra/local/services.ts";

/**
 * Integration tests run against a real Redis and a real Kafka broker. When REDIS_URL and
 * KAFKA_BROKERS are set they are used as they are; otherwise the local stack is brought up
 * (reusing whatever already runs) and whatever this run started is stopped afterwards.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cfg = loadLocalStackConfig();
  let startedHere: Array<"redis" | "kafka"> = [];
  let redisUrl = process.env.REDIS_URL;
  let kafkaBrokers = process.env.KAFKA_BROKERS;
  if (!redisUrl || !kafkaBrokers) {
    const { services } = await servicesUp(cfg);
    startedHere = services.filter((s) => s.startedNow).map((s) => s.name);
    const endpoints = endpointsOf(cfg);
    redisUrl ??= endpoints.redisUrl;
    kafkaBrokers ??= endpoints.kafkaBrokers.join(",");
  }
  const creds = readLocalKafkaCredentials(cfg);
  project.provide("services", {
    redisUrl,
    kafkaBrokers: kafkaBrokers.split(",").map((b) => b.trim()),
    // The SASL_SSL listener exists only on a broker that our own scripts started.
    kafkaSasl: creds
      ? {
          brokers: [`localhost:${creds.saslPort}`],
          caPemFile: creds.caPem,
          plain: creds.plain,
          oauthScope: creds.oauthScope,
        }
      : null,
  });
  return async () => {
    if (startedHere.length) await servicesDown(cfg, startedHere);
  };
}

export interface ProvidedServices {
  redisUrl: string;
  kafkaBrokers: string[];
  kafkaSasl: {
    brokers: string[];
    caPemFile: string;
    plain: { username: string; password: string };
    oauthScope: string;
  } | null;
}

declare module "vitest" {
  export interface ProvidedContext {
    services: ProvidedServices;
  }
}
