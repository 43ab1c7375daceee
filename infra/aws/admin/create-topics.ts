/**
 * Topic admin, the production deploy step that creates each vendor's topics
 * (`<prefix>adt.<vendor>.events|raw|dlq`) so producers never have to. Runs as the
 * `TopicAdminTask` ECS task (workers image, its own narrowly scoped role) inside the VPC:
 *
 *   aws ecs run-task --task-definition <TopicAdminTaskDefinitionArn> ... (see infra/aws/README.md)
 *
 * Environment: KAFKA_BROKERS, KAFKA_AUTH (msk-iam | none), AWS_REGION, KAFKA_TOPIC_PREFIX,
 * TOPIC_VENDORS (comma-separated vendor ids), TOPIC_PARTITIONS, TOPIC_REPLICATION.
 * Idempotent: existing topics are left as they are.
 */
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { parseEnv } from "../../../shared/config/env.ts";
import { createJsonLogger, errorFields, type Logger } from "../../../shared/log/logger.ts";
import { VendorIdSchema } from "../../../shared/vendor-id.ts";
import { createKafka } from "../../../workers/kafka/client.ts";
import { TopicEnsurer } from "../../../workers/kafka/topics.ts";

export const TopicAdminEnvSchema = z
  .object({
    KAFKA_BROKERS: z
      .string()
      .min(1)
      .transform((s) =>
        s
          .split(",")
          .map((b) => b.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, "each broker must be host:port")).min(1)),
    KAFKA_AUTH: z.enum(["none", "msk-iam"]).default("msk-iam"),
    AWS_REGION: z.string().optional(),
    KAFKA_TOPIC_PREFIX: z.string().default(""),
    TOPIC_VENDORS: z
      .string()
      .transform((s) =>
        s
          .split(",")
          .map((v) => v.trim())
          .filter(Boolean),
      )
      .pipe(z.array(VendorIdSchema).min(1, "must list at least one vendor id")),
    TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(10_000).default(6),
    TOPIC_REPLICATION: z.coerce.number().int().min(1).max(10).default(3),
  })
  .superRefine((env, ctx) => {
    if (env.KAFKA_AUTH === "msk-iam" && !env.AWS_REGION)
      ctx.addIssue({ code: "custom", path: ["AWS_REGION"], message: "required when KAFKA_AUTH=msk-iam" });
  });

export type TopicAdminEnv = z.infer<typeof TopicAdminEnvSchema>;

/**
 * Creates the missing topics of every listed vendor; resolves when all exist.
 *
 * @example await createVendorTopics(parseEnv(TopicAdminEnvSchema, process.env), logger);
 */
export async function createVendorTopics(env: TopicAdminEnv, logger: Logger): Promise<void> {
  const kafka = createKafka(
    {
      KAFKA_BROKERS: env.KAFKA_BROKERS,
      KAFKA_AUTH: env.KAFKA_AUTH,
      KAFKA_SSL_CA_FILE: undefined,
      KAFKA_SSL_SERVERNAME: undefined,
      AWS_REGION: env.AWS_REGION,
      MSK_ROLE_ARN: undefined,
      MSK_ROLE_SESSION_NAME: undefined,
      AWS_PROFILE: undefined,
      KAFKA_SASL_USERNAME: undefined,
      KAFKA_SASL_PASSWORD: undefined,
      KAFKA_OAUTH_SCOPE: "adt-stream",
      KAFKA_CLIENT_ID: "adt-stream-topic-admin",
      KAFKA_REQUEST_TIMEOUT_MS: 30_000,
      KAFKA_RETRIES: 5,
    },
    logger,
  );
  const ensurer = new TopicEnsurer({
    admin: () => kafka.admin(),
    prefix: env.KAFKA_TOPIC_PREFIX,
    create: true,
    partitions: env.TOPIC_PARTITIONS,
    replication: env.TOPIC_REPLICATION,
    logger,
  });
  for (const vendor of env.TOPIC_VENDORS) {
    await ensurer.ensureVendor(vendor);
    logger.info("topic_admin_vendor_ready", { vendor });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const logger = createJsonLogger({ service: "topic-admin" });
  const run = async () => createVendorTopics(parseEnv(TopicAdminEnvSchema, process.env), logger);
  run().then(
    () => logger.info("topic_admin_done", {}),
    (err: unknown) => {
      logger.error("topic_admin_failed", errorFields(err));
      process.exitCode = 1;
    },
  );
}
