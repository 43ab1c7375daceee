import { Arn, ArnFormat, Fn, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";

/**
 * ARNs MSK's IAM access control evaluates. A topic or group ARN embeds the cluster's name and
 * UUID (`topic/<cluster-name>/<cluster-uuid>/<topic>`), which exist only after deployment, so
 * they are derived from the cluster ARN (`cluster/<name>/<uuid>`) with intrinsic functions.
 */
export interface MskArns {
  cluster: string;
  /** Topic ARN for a topic name or pattern, e.g. `adt.*`. */
  topic(pattern: string): string;
  /** Consumer-group ARN for a group id or pattern, e.g. `adt-stream-databricks-*`. */
  group(pattern: string): string;
}

/**
 * Builds the ARN helpers from the cluster ARN (a token at synth time).
 *
 * @example
 * const arns = mskArns(this, cluster.attrArn);
 * arns.topic("adt.*") // arn:aws:kafka:<region>:<account>:topic/<name>/<uuid>/adt.*
 */
export function mskArns(scope: Construct, clusterArn: string): MskArns {
  const stack = Stack.of(scope);
  // "arn:aws:kafka:r:a:cluster/<name>/<uuid>" split on "/" -> [prefix, name, uuid]
  const nameAndUuid = `${Fn.select(1, Fn.split("/", clusterArn))}/${Fn.select(2, Fn.split("/", clusterArn))}`;
  const make = (resource: "topic" | "group", pattern: string) =>
    Arn.format(
      {
        service: "kafka",
        resource,
        resourceName: `${nameAndUuid}/${pattern}`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      },
      stack,
    );
  return {
    cluster: clusterArn,
    topic: (pattern) => make("topic", pattern),
    group: (pattern) => make("group", pattern),
  };
}

/**
 * Statements for the workers: produce idempotently to `${prefix}adt.*`. CreateTopic only where
 * producers may create topics (dev); in prod the topic-admin task creates them.
 *
 * @example new iam.Policy(this, "P", { statements: producerStatements(arns, "", false) })
 */
export function producerStatements(arns: MskArns, topicPrefix: string, allowCreateTopic: boolean) {
  return [
    new iam.PolicyStatement({
      sid: "MskConnectAndProduceIdempotently",
      actions: [
        "kafka-cluster:Connect",
        "kafka-cluster:DescribeCluster",
        "kafka-cluster:WriteDataIdempotently",
      ],
      resources: [arns.cluster],
    }),
    new iam.PolicyStatement({
      sid: "MskWriteAdtTopics",
      actions: [
        "kafka-cluster:DescribeTopic",
        "kafka-cluster:WriteData",
        ...(allowCreateTopic ? ["kafka-cluster:CreateTopic"] : []),
      ],
      resources: [arns.topic(`${topicPrefix}adt.*`)],
    }),
  ];
}

/**
 * Statements for the Databricks pipeline: the cluster-level actions Databricks' Kafka connector
 * needs, read-only on `${prefix}adt.*`, and its own consumer groups.
 *
 * @example databricksReaderStatements(arns, "", "adt-stream-databricks-")
 */
export function databricksReaderStatements(arns: MskArns, topicPrefix: string, groupPrefix: string) {
  return [
    new iam.PolicyStatement({
      sid: "MskConnect",
      actions: ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:AlterCluster"],
      resources: [arns.cluster],
    }),
    new iam.PolicyStatement({
      sid: "MskReadAdtTopics",
      actions: [
        "kafka-cluster:DescribeTopic",
        "kafka-cluster:DescribeTopicDynamicConfiguration",
        "kafka-cluster:ReadData",
      ],
      resources: [arns.topic(`${topicPrefix}adt.*`)],
    }),
    new iam.PolicyStatement({
      sid: "MskPipelineConsumerGroups",
      actions: ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
      resources: [arns.group(`${groupPrefix}*`)],
    }),
  ];
}

/**
 * Statements for the topic-admin task that creates the per-vendor topics in a deploy step.
 *
 * @example topicAdminStatements(arns, "")
 */
export function topicAdminStatements(arns: MskArns, topicPrefix: string) {
  return [
    new iam.PolicyStatement({
      sid: "MskConnectAdmin",
      actions: ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"],
      resources: [arns.cluster],
    }),
    new iam.PolicyStatement({
      sid: "MskManageAdtTopics",
      actions: [
        "kafka-cluster:CreateTopic",
        "kafka-cluster:DescribeTopic",
        "kafka-cluster:DescribeTopicDynamicConfiguration",
        "kafka-cluster:AlterTopic",
        "kafka-cluster:AlterTopicDynamicConfiguration",
      ],
      resources: [arns.topic(`${topicPrefix}adt.*`)],
    }),
  ];
}
