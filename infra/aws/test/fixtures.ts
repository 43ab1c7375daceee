import type { StageConfigInput } from "../lib/config.ts";

/** A complete stage configuration for tests; override what a test is about. */
export function stageInput(
  stage: "dev" | "prod",
  overrides: Partial<StageConfigInput> = {},
): StageConfigInput {
  const account = stage === "prod" ? "333333333333" : "111111111111";
  return {
    stage,
    account,
    region: "eu-west-1",
    network: {
      kind: "new",
      cidr: "10.50.0.0/16",
      availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    },
    logRetentionDays: stage === "prod" ? 2192 : 30,
    kafka: { topicPrefix: "", vendors: ["st-mary"], partitions: 12 },
    msk: { instanceType: "kafka.m7g.large", brokersPerAz: 1, volumeSizeGiB: 1000 },
    databricks: {
      accountId: "444444444444",
      region: "eu-west-1",
      vpcId: "vpc-0f1e2d3c4b5a69788",
      vpcCidr: "10.70.0.0/16",
      peeringAccepted: true,
      externalId: "ext-1234",
      classicComputeRoleArns: ["arn:aws:iam::444444444444:role/dbx-instance-profile"],
    },
    queueStore: { nodeType: "db.r7g.large", replicasPerShard: 2 },
    compute: {
      ...(stage === "prod" ? { alarmEmail: "oncall@example.org" } : {}),
      certificateArn: `arn:aws:acm:eu-west-1:${account}:certificate/00000000-0000-0000-0000-000000000002`,
      edge: {
        image: `${account}.dkr.ecr.eu-west-1.amazonaws.com/adt-stream-edge:1.0.0`,
        minCount: 2,
        maxCount: 8,
      },
      workers: {
        image: `${account}.dkr.ecr.eu-west-1.amazonaws.com/adt-stream-workers:1.0.0`,
        minCount: 3,
        maxCount: 12,
      },
    },
    ...overrides,
  };
}
