import { afterEach, describe, expect, it } from "vitest";
import { topicName } from "../../../shared/kafka/topics.ts";
import { adtJob } from "../../../workers/testing/adt-jobs.ts";
import { kcatOauthArgs, readAllKcat } from "../../support/kafka.ts";
import { testServices } from "../../support/services.ts";
import { waitFor } from "../../support/wait.ts";
import { dropQueue, enqueue, idCounts, startTestWorker, testQueue, testWorkerEnv } from "./helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("workers over SASL_SSL", () => {
  it("produces through TLS + OAUTHBEARER (KAFKA_AUTH=sasl-oauthbearer-unsecured), read back by kcat", async (ctx) => {
    const services = testServices();
    const sasl = services.kafkaSasl;
    if (!sasl) return ctx.skip("broker not started by infra/local: no SASL_SSL listener");
    const env = testWorkerEnv(services, {
      KAFKA_BROKERS: sasl.brokers.join(","),
      KAFKA_AUTH: "sasl-oauthbearer-unsecured",
      KAFKA_OAUTH_SCOPE: sasl.oauthScope,
      KAFKA_SSL_CA_FILE: sasl.caPemFile,
      KAFKA_SSL_SERVERNAME: "localhost",
    });
    const queue = testQueue(env);
    cleanups.push(() => dropQueue(queue));
    const runtime = await startTestWorker(env);
    cleanups.push(() => runtime.close());
    const jobs = Array.from({ length: 10 }, (_, i) => adtJob("demo", i + 1));
    await enqueue(queue, jobs);
    await waitFor(
      "jobs completed",
      async () => (await queue.getJobCounts("completed")).completed === jobs.length,
    );

    const kcatArgs = kcatOauthArgs(sasl.caPemFile, "kcat", sasl.oauthScope);
    const events = readAllKcat(sasl.brokers, topicName(env.KAFKA_TOPIC_PREFIX, "demo", "events"), kcatArgs);
    expect(idCounts(events)).toEqual({ ids: new Set(jobs.map((j) => j.id)), duplicates: 0 });
  });

  it("does not produce with a token the broker refuses (wrong scope): jobs wait and retry", async (ctx) => {
    const services = testServices();
    const sasl = services.kafkaSasl;
    if (!sasl) return ctx.skip("broker not started by infra/local: no SASL_SSL listener");
    const env = testWorkerEnv(services, {
      KAFKA_BROKERS: sasl.brokers.join(","),
      KAFKA_AUTH: "sasl-oauthbearer-unsecured",
      KAFKA_OAUTH_SCOPE: "not-adt-stream",
      KAFKA_SSL_CA_FILE: sasl.caPemFile,
      KAFKA_SSL_SERVERNAME: "localhost",
      KAFKA_REQUEST_TIMEOUT_MS: "3000",
    });
    const queue = testQueue(env);
    cleanups.push(() => dropQueue(queue));
    const runtime = await startTestWorker(env);
    cleanups.push(() => runtime.close());
    await enqueue(queue, [adtJob("demo", 1)]);
    await waitFor("a retry", () => runtime.metrics.jobs.get({ vendor: "demo", outcome: "retry" }) > 0, {
      timeoutMs: 60_000,
    });
    const c = await queue.getJobCounts("completed", "failed");
    expect(c).toMatchObject({ completed: 0, failed: 0 });
  });

  it("produces with SASL PLAIN over TLS (KAFKA_AUTH=sasl-plain)", async (ctx) => {
    const services = testServices();
    const sasl = services.kafkaSasl;
    if (!sasl) return ctx.skip("broker not started by infra/local: no SASL_SSL listener");
    const env = testWorkerEnv(services, {
      KAFKA_BROKERS: sasl.brokers.join(","),
      KAFKA_AUTH: "sasl-plain",
      KAFKA_SASL_USERNAME: sasl.plain.username,
      KAFKA_SASL_PASSWORD: sasl.plain.password,
      KAFKA_SSL_CA_FILE: sasl.caPemFile,
      KAFKA_SSL_SERVERNAME: "localhost",
    });
    const queue = testQueue(env);
    cleanups.push(() => dropQueue(queue));
    const runtime = await startTestWorker(env);
    cleanups.push(() => runtime.close());
    const jobs = Array.from({ length: 3 }, (_, i) => adtJob("demo", i + 1));
    await enqueue(queue, jobs);
    await waitFor(
      "jobs completed",
      async () => (await queue.getJobCounts("completed")).completed === jobs.length,
    );
    const events = readAllKcat(services.kafkaBrokers, topicName(env.KAFKA_TOPIC_PREFIX, "demo", "events"));
    expect(idCounts(events).ids).toEqual(new Set(jobs.map((j) => j.id)));
  });
});
