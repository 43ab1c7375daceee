import { z } from "zod";
import { INGEST_QUEUE } from "../../../shared/queue/job.ts";
import { VendorIdSchema } from "../../../shared/vendor-id.ts";

/**
 * Typed, validated configuration of one deployment stage. `bin/app.ts` reads it from a JSON file
 * (and context/env) and passes it down; nothing under `lib/` reads context or env, so every
 * construct can be synthesised in a test from a plain object.
 */

/** Kafka version of the local KRaft broker (infra/local/config.ts: 3.9.1) in MSK's naming. */
export const MSK_KAFKA_VERSION = "3.9.x.kraft";
/** MSK's port for TLS + SASL/IAM clients. */
export const MSK_IAM_PORT = 9098;
/** MemoryDB listens on one port for TLS clients. */
export const MEMORYDB_PORT = 6379;
/** Databricks' Unity Catalog master role in AWS commercial regions (Databricks documentation). */
export const DATABRICKS_UC_MASTER_ROLE_ARN =
  "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL";

export class InfraConfigError extends Error {
  override name = "InfraConfigError";
  constructor(
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid infra configuration: ${problems.join("; ")}`, options);
  }
}

const cidr = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, "must be an IPv4 CIDR like 10.40.0.0/16")
  .refine((s) => parseCidr(s) !== undefined, "must be an IPv4 CIDR like 10.40.0.0/16");
const accountId = z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id");
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region like eu-west-1");
const vpcId = z.string().regex(/^vpc-[0-9a-f]{8,17}$/, "must be a VPC id like vpc-0abc1234");
const subnetId = z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "must be a subnet id");
const routeTableId = z.string().regex(/^rtb-[0-9a-f]{8,17}$/, "must be a route table id");
const roleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "must be an IAM role ARN");
/** Images are pushed by CI (see README); a tag or a digest pins what runs. */
const imageUri = z
  .string()
  .regex(
    /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9._/-]+)(:[\w.-]+|@sha256:[0-9a-f]{64})$/,
    "must be an ECR image URI with a tag or digest, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/adt-stream-edge:1.0.0",
  );
const fargateCpu = z.union([
  z.literal(256),
  z.literal(512),
  z.literal(1024),
  z.literal(2048),
  z.literal(4096),
]);

const azs = z
  .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, "must be an availability zone like eu-west-1a"))
  .length(3, "must list exactly 3 availability zones");

const NewVpcSchema = z.object({
  kind: z.literal("new"),
  cidr: cidr.default("10.40.0.0/16"),
  availabilityZones: azs,
  /** 0 keeps the private subnets off the internet entirely; VPC endpoints cover the AWS APIs. */
  natGateways: z.number().int().min(0).max(3).default(0),
});

const ExistingVpcSchema = z.object({
  kind: z.literal("existing"),
  vpcId,
  vpcCidr: cidr,
  availabilityZones: azs,
  publicSubnetIds: z.array(subnetId).length(3, "must list one public subnet per availability zone"),
  appSubnetIds: z.array(subnetId).length(3, "must list one private subnet per availability zone"),
  appRouteTableIds: z.array(routeTableId).length(3, "must list one route table per app subnet"),
  dataSubnetIds: z.array(subnetId).length(3, "must list one private subnet per availability zone"),
  dataRouteTableIds: z.array(routeTableId).length(3, "must list one route table per data subnet"),
  /** An existing VPC usually has its endpoints already; creating a second set clashes on private DNS. */
  createEndpoints: z.boolean().default(false),
});

export const StageConfigSchema = z
  .object({
    stage: z.enum(["dev", "prod"]),
    account: accountId,
    region,
    /** Prefix of every physical name, so two stages can share an account. */
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{2,24}$/, "must be 3-25 lowercase letters, digits or dashes")
      .default("adt-stream"),
    tags: z.record(z.string(), z.string()).default({}),
    network: z.discriminatedUnion("kind", [NewVpcSchema, ExistingVpcSchema]),
    logRetentionDays: z
      .union([z.literal(30), z.literal(90), z.literal(365), z.literal(731), z.literal(2192)])
      .default(365),
    kafka: z
      .object({
        /** `${topicPrefix}adt.${vendor}.events|raw|dlq`, as shared/kafka/topics.ts builds them. */
        topicPrefix: z
          .string()
          .regex(/^([a-z0-9-]+\.)?$/, "must be empty or lowercase letters, digits, dashes and end with a dot")
          .default(""),
        /** Vendors whose topics the topic-admin task creates. */
        vendors: z.array(VendorIdSchema).default([]),
        partitions: z.number().int().min(1).max(256).default(6),
        /** Group-id prefix of the Databricks pipeline's consumers (Spark `groupIdPrefix`). */
        databricksGroupPrefix: z
          .string()
          .regex(/^[A-Za-z0-9._-]+$/, "must be letters, digits, dot, dash or underscore")
          .default("adt-stream-databricks-"),
      })
      .prefault({}),
    msk: z
      .object({
        instanceType: z.string().regex(/^kafka\.[a-z0-9]+\.[a-z0-9]+$/, "must be like kafka.m7g.large"),
        brokersPerAz: z.number().int().min(1).max(10).default(1),
        volumeSizeGiB: z.number().int().min(1).max(16384).default(100),
        enhancedMonitoring: z
          .enum(["DEFAULT", "PER_BROKER", "PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION"])
          .default("PER_BROKER"),
        /** Broker disk alarm threshold, percent used. */
        diskAlarmPercent: z.number().min(1).max(99).default(75),
      })
      .prefault({ instanceType: "kafka.m7g.large" }),
    databricks: z.object({
      accountId,
      region,
      vpcId,
      vpcCidr: cidr,
      /**
       * Role in the Databricks account that may accept the peering request from CloudFormation.
       * Without it the request stays pending until someone accepts it there.
       */
      peerRoleArn: roleArn.optional(),
      /** Set after the peering request has been accepted, so the routes can be added. */
      peeringAccepted: z.boolean().default(false),
      /** External id Databricks shows when you create the Unity Catalog service credential. */
      externalId: z.string().min(1, "must not be empty").max(1224),
      unityCatalogMasterRoleArn: roleArn.default(DATABRICKS_UC_MASTER_ROLE_ARN),
      /** Instance-profile roles in the Databricks account allowed to chain into the MSK reader role. */
      classicComputeRoleArns: z.array(roleArn).default([]),
    }),
    queueStore: z
      .object({
        nodeType: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "must be like db.r7g.large"),
        replicasPerShard: z.number().int().min(0).max(5).default(1),
        engine: z.enum(["valkey", "redis"]).default("valkey"),
        engineVersion: z.string().default("7.2"),
        userName: z
          .string()
          .regex(/^[a-z][a-z0-9-]{0,39}$/, "must be lowercase letters, digits or dashes")
          .default("adt-stream-app"),
        /** MemoryDB ACL access string; BullMQ needs Lua scripting, streams, pub/sub and INFO. */
        accessString: z.string().default("on ~* &* +@all -flushall -flushdb -debug"),
        snapshotRetentionDays: z.number().int().min(0).max(35).default(7),
        /** Alarm when memory use passes this percentage (a full store refuses enqueues). */
        memoryAlarmPercent: z.number().min(1).max(99).default(70),
      })
      .prefault({ nodeType: "db.r7g.large" }),
    compute: z.object({
      certificateArn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/,
          "must be an ACM certificate ARN",
        ),
      /** Public (vendors on the internet) or internal (vendors over VPN / Direct Connect). */
      internetFacing: z.boolean().default(true),
      /** Who may reach the HTTPS listener; narrow to the vendors' egress ranges where known. */
      edgeAllowedCidrs: z.array(cidr).min(1).default(["0.0.0.0/0"]),
      vendorProfilesPath: z.string().startsWith("/").default("/app/config/vendors.json"),
      maxBodyBytes: z.number().int().positive().default(1_048_576),
      alarmEmail: z.email().optional(),
      edge: z.object({
        image: imageUri,
        cpu: fargateCpu.default(512),
        memoryMiB: z.number().int().min(512).max(30720).default(1024),
        minCount: z.number().int().min(1).max(100).default(2),
        maxCount: z.number().int().min(1).max(200).default(6),
      }),
      workers: z.object({
        image: imageUri,
        cpu: fargateCpu.default(1024),
        memoryMiB: z.number().int().min(512).max(30720).default(2048),
        minCount: z.number().int().min(1).max(100).default(2),
        maxCount: z.number().int().min(1).max(200).default(10),
        concurrency: z.number().int().min(1).max(1000).default(50),
        metricsPort: z.number().int().min(1024).max(65535).default(9464),
        /** Jobs waiting per running worker task that autoscaling aims for. */
        targetBacklogPerTask: z.number().int().min(1).default(2000),
      }),
      alarms: z
        .object({
          queueDepth: z.number().int().positive().default(50_000),
          oldestJobAgeSeconds: z.number().int().positive().default(300),
          /** Percentage of edge responses that are 5xx over 5 minutes. */
          edge5xxPercent: z.number().min(0.1).max(100).default(1),
        })
        .prefault({}),
    }),
  })
  .superRefine((c, ctx) => {
    const ours = c.network.kind === "new" ? c.network.cidr : c.network.vpcCidr;
    if (cidrsOverlap(ours, c.databricks.vpcCidr)) {
      ctx.addIssue({
        code: "custom",
        path: ["databricks", "vpcCidr"],
        message: `overlaps the VPC CIDR ${ours}; VPC peering needs disjoint ranges`,
      });
    }
    if (c.databricks.vpcId === (c.network.kind === "existing" ? c.network.vpcId : undefined)) {
      ctx.addIssue({ code: "custom", path: ["databricks", "vpcId"], message: "must differ from our VPC" });
    }
    for (const svc of ["edge", "workers"] as const) {
      const s = c.compute[svc];
      if (s.minCount > s.maxCount) {
        ctx.addIssue({
          code: "custom",
          path: ["compute", svc, "minCount"],
          message: `must not exceed maxCount (${s.maxCount})`,
        });
      }
      if (!validFargateMemory(s.cpu, s.memoryMiB)) {
        ctx.addIssue({
          code: "custom",
          path: ["compute", svc, "memoryMiB"],
          message: `is not a Fargate size for ${s.cpu} CPU units`,
        });
      }
    }
    if (c.stage === "prod") {
      if (c.queueStore.replicasPerShard < 1) {
        ctx.addIssue({
          code: "custom",
          path: ["queueStore", "replicasPerShard"],
          message: "must be at least 1 in prod (multi-AZ queue store)",
        });
      }
      if (c.queueStore.snapshotRetentionDays < 1) {
        ctx.addIssue({
          code: "custom",
          path: ["queueStore", "snapshotRetentionDays"],
          message: "must be at least 1 in prod",
        });
      }
      if (c.logRetentionDays < 365) {
        ctx.addIssue({
          code: "custom",
          path: ["logRetentionDays"],
          message: "must be at least 365 in prod (audit trail)",
        });
      }
    }
  });

/** Configuration as written in the JSON file (defaults not yet applied). */
export type StageConfigInput = z.input<typeof StageConfigSchema>;
/** Configuration after validation, with every default filled in. */
export type StageConfig = z.output<typeof StageConfigSchema>;

/**
 * Validates one stage's configuration; throws InfraConfigError naming each bad key.
 *
 * @example
 * const cfg = parseStageConfig(JSON.parse(readFileSync("infra/aws/config/example.json", "utf8")).stages.dev);
 */
export function parseStageConfig(input: unknown): StageConfig {
  const r = StageConfigSchema.safeParse(input);
  if (r.success) return r.data;
  throw new InfraConfigError(r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
}

/** Number of MSK brokers: MSK needs a multiple of the number of client subnets (3 AZs). */
export function brokerCount(c: StageConfig): number {
  return c.msk.brokersPerAz * 3;
}

function parseCidr(s: string): { base: number; bits: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const ip = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  if (ip % size !== 0) return undefined; // host bits set: a typo more often than intent
  return { base: ip, bits };
}

/**
 * Whether two IPv4 CIDR blocks share any address.
 *
 * @example cidrsOverlap("10.0.0.0/16", "10.0.128.0/17") // true
 */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y) return false;
  const xEnd = x.base + 2 ** (32 - x.bits);
  const yEnd = y.base + 2 ** (32 - y.bits);
  return x.base < yEnd && y.base < xEnd;
}

function validFargateMemory(cpu: number, mem: number): boolean {
  switch (cpu) {
    case 256:
      return [512, 1024, 2048].includes(mem);
    case 512:
      return mem >= 1024 && mem <= 4096 && mem % 1024 === 0;
    case 1024:
      return mem >= 2048 && mem <= 8192 && mem % 1024 === 0;
    case 2048:
      return mem >= 4096 && mem <= 16384 && mem % 1024 === 0;
    default:
      return mem >= 8192 && mem <= 30720 && mem % 1024 === 0;
  }
}

/** Queue the autoscaling and alarms watch (the `Queue` dimension the workers publish). */
export const QUEUE_METRIC = {
  namespace: "AdtStream",
  queueDepth: "QueueDepth",
  oldestJobAge: "OldestJobAgeSeconds",
  dlqRecords: "DlqRecords",
  dimension: "Queue",
  queue: INGEST_QUEUE,
} as const;
