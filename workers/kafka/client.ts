import { readFileSync } from "node:fs";
import { CompressionTypes, Kafka, type KafkaConfig, logLevel, Partitioners, type SASLOptions } from "kafkajs";
import type { Logger } from "../../shared/log/logger.ts";
import type { WorkerEnv } from "../env.ts";
import type { ProducerLike } from "./batch-producer.ts";
import { mskTokenProvider } from "./msk-token.ts";

type KafkaEnv = Pick<
  WorkerEnv,
  | "KAFKA_BROKERS"
  | "KAFKA_AUTH"
  | "KAFKA_SSL_CA_FILE"
  | "KAFKA_SSL_SERVERNAME"
  | "AWS_REGION"
  | "MSK_ROLE_ARN"
  | "MSK_ROLE_SESSION_NAME"
  | "AWS_PROFILE"
  | "KAFKA_SASL_USERNAME"
  | "KAFKA_SASL_PASSWORD"
  | "KAFKA_OAUTH_SCOPE"
  | "KAFKA_CLIENT_ID"
  | "KAFKA_REQUEST_TIMEOUT_MS"
> &
  // Optional so callers outside the workers (infra/aws/admin) need not set it; default 5.
  Partial<Pick<WorkerEnv, "KAFKA_RETRIES">>;

/** An unsigned JWT for Kafka's unsecured OAUTHBEARER validator (local SASL_SSL listener only). */
function unsecuredJwt(sub: string, scope: string, lifetimeS: number): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const iat = Math.floor(Date.now() / 1000);
  return `${b64({ alg: "none" })}.${b64({ sub, iat, exp: iat + lifetimeS, scope })}.`;
}

function saslFor(env: KafkaEnv): SASLOptions | undefined {
  switch (env.KAFKA_AUTH) {
    case "none":
      return undefined;
    case "msk-iam":
      return {
        mechanism: "oauthbearer",
        oauthBearerProvider: mskTokenProvider({
          region: env.AWS_REGION as string, // required by the env schema for msk-iam
          ...(env.MSK_ROLE_ARN ? { roleArn: env.MSK_ROLE_ARN } : {}),
          ...(env.MSK_ROLE_SESSION_NAME ? { roleSessionName: env.MSK_ROLE_SESSION_NAME } : {}),
          ...(env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {}),
        }),
      };
    case "sasl-oauthbearer-unsecured":
      return {
        mechanism: "oauthbearer",
        oauthBearerProvider: async () => ({
          value: unsecuredJwt(env.KAFKA_CLIENT_ID, env.KAFKA_OAUTH_SCOPE, 3600),
        }),
      };
    case "sasl-plain":
      return {
        mechanism: "plain",
        username: env.KAFKA_SASL_USERNAME as string,
        password: env.KAFKA_SASL_PASSWORD as string,
      };
  }
}

/** kafkajs log entries carry broker addresses and error texts, never records; map them to our logger. */
function kafkajsLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: { level: logLevel; log: { message?: string; error?: string } }) => {
      const fields = { kafkajs_message: log.message, kafkajs_error: log.error };
      // We bound the idempotent producer's retries on purpose and replace the producer after a
      // failed send (see BatchProducer), which is what keeps the guarantee this warns about.
      if (log.message?.startsWith("Limiting retries for the idempotent producer")) return;
      if (level === logLevel.ERROR) logger.warn("kafkajs_error", fields);
      else if (level === logLevel.WARN) logger.warn("kafkajs_warn", fields);
    };
}

/**
 * The kafkajs client for the configured auth mode: PLAINTEXT (`none`), MSK (TLS + OAUTHBEARER
 * with IAM tokens), or the local SASL_SSL listener (unsecured JWT, or PLAIN).
 *
 * @example
 * const kafka = createKafka(parseWorkerEnv(process.env), logger);
 */
export function createKafka(env: KafkaEnv, logger: Logger, overrides: Partial<KafkaConfig> = {}): Kafka {
  const sasl = saslFor(env);
  const ssl =
    env.KAFKA_AUTH === "none"
      ? undefined
      : env.KAFKA_SSL_CA_FILE || env.KAFKA_SSL_SERVERNAME
        ? {
            ...(env.KAFKA_SSL_CA_FILE ? { ca: [readFileSync(env.KAFKA_SSL_CA_FILE, "utf8")] } : {}),
            ...(env.KAFKA_SSL_SERVERNAME ? { servername: env.KAFKA_SSL_SERVERNAME } : {}),
          }
        : true;
  return new Kafka({
    clientId: env.KAFKA_CLIENT_ID,
    brokers: env.KAFKA_BROKERS,
    ...(ssl ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
    connectionTimeout: 10_000,
    requestTimeout: env.KAFKA_REQUEST_TIMEOUT_MS,
    // Bounded: after these, the job goes back to BullMQ's backoff instead of blocking a slot.
    retry: { retries: env.KAFKA_RETRIES ?? 5, initialRetryTime: 300, maxRetryTime: 10_000 },
    logLevel: logLevel.WARN,
    logCreator: kafkajsLogCreator(logger),
    ...overrides,
  });
}

/**
 * An idempotent producer (acks=-1 enforced by kafkajs; one request per partition at a time).
 * Java-compatible murmur2 partitioner, so a patient key maps to the same partition as any
 * Java/Spark producer would choose.
 */
export function createIdempotentProducer(kafka: Kafka, retries = 5): ProducerLike {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    retry: { retries, initialRetryTime: 300, maxRetryTime: 10_000 },
  });
}

/** gzip: built into kafkajs (node:zlib, no native codec package); see docs/benchmarks.md. */
export function compressionFor(name: "gzip" | "none"): CompressionTypes {
  return name === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None;
}
