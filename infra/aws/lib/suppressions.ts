import { Stack, Validations } from "aws-cdk-lib";
import type * as iam from "aws-cdk-lib/aws-iam";
// Deep import: cdk-nag names IAM5 findings with this function, so the acknowledgement below
// matches a finding exactly instead of silencing the rule for the whole policy.
import { flattenCfnReference } from "cdk-nag/lib/utils/flatten-cfn-reference.js";
import type { IConstruct } from "constructs";
import type { AdtStreamStack } from "./adt-stream-stack.ts";

/** The `id` of the singleton Lambda that AwsCustomResource creates per stack. */
const AWS_CUSTOM_RESOURCE_PROVIDER_ID = "AWS679f53fac002430cb0da5b7982bd2287";

const ack = (scope: IConstruct, reason: string, ...ids: string[]) => {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
};

/** Acknowledges the IAM5 finding for each wildcard resource of a policy, one by one. */
function ackWildcardResources(policy: iam.ManagedPolicy, resources: string[], reason: string): void {
  const stack = Stack.of(policy);
  for (const r of resources) {
    ack(policy, reason, `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(r))}]`);
  }
}

/**
 * Rule-pack findings accepted on purpose. Each acknowledgement names the exact construct and
 * rule (never a whole stack) and carries the reason a compliance reviewer reads; the reasons
 * also appear in cdk.out/validation-report.json.
 */
export function applySuppressions(stack: AdtStreamStack): void {
  const cfg = stack.config;
  const { compute, queueStore, databricks, network } = stack;
  const topics = stack.mskArns.topic(`${cfg.kafka.topicPrefix}adt.*`);
  const groups = stack.mskArns.group(`${cfg.kafka.databricksGroupPrefix}*`);

  const topicReason =
    "MSK IAM authorises topics by ARN; adt.* is the topic-name contract (<prefix>adt.<vendor>.events|raw|dlq) " +
    "so new vendors need no IAM change. The cluster part of the ARN is exact (name and UUID), never a wildcard.";
  ackWildcardResources(compute.workersPolicy, [topics], topicReason);
  ackWildcardResources(compute.topicAdminPolicy, [topics], topicReason);
  ackWildcardResources(databricks.readPolicy, [topics], topicReason);
  ackWildcardResources(
    databricks.readPolicy,
    [groups],
    "Spark's Kafka source creates one consumer group per query from the configured prefix; the prefix is " +
      "reserved for the Databricks pipeline. The cluster part of the ARN is exact.",
  );

  for (const task of [compute.edgeTask, compute.workersTask, compute.topicAdminTask]) {
    ack(
      task,
      "The plain environment holds non-secret settings only (port, region, broker list, topic prefix, " +
        "file paths, sizes); the one credential, REDIS_URL, is injected from Secrets Manager.",
      "AwsSolutions-ECS2",
    );
    const execPolicy = task.executionRole?.node.tryFindChild("DefaultPolicy");
    if (execPolicy) {
      ack(
        execPolicy,
        "CDK-generated execution-role policy: ecr:GetAuthorizationToken has no resource-level permissions " +
          "(AWS requires Resource '*'); image pull, log and secret access in the same policy are scoped to ARNs.",
        "AwsSolutions-IAM5[Resource::*]",
      );
      ack(
        execPolicy,
        "CDK attaches the execution role's grants (ECR pull, log stream, secret read) as this inline policy, " +
          "scoped to the exact repository, log group and secret ARNs; it lives and dies with its role.",
        "HIPAA.Security-IAMNoInlinePolicy",
      );
    }
  }

  ack(
    network.flowLogRole,
    "CDK-generated inline policy of the flow-log delivery role, scoped to the flow-log group; owned by its role.",
    "HIPAA.Security-IAMNoInlinePolicy",
  );

  const provider = stack.node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
  if (provider) {
    const why =
      "CDK's AwsCustomResource provider runs only during deployment to read the MSK bootstrap-broker string " +
      "(kafka:GetBootstrapBrokers on this cluster only); it handles no PHI, is invoked by CloudFormation alone " +
      "and needs the public Kafka API endpoint, so it runs outside the VPC, with no DLQ or reserved concurrency.";
    ack(
      provider,
      why,
      "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      "HIPAA.Security-LambdaConcurrency",
      "HIPAA.Security-LambdaDLQ",
      "HIPAA.Security-LambdaInsideVPC",
    );
  }
  ack(
    stack.msk.bootstrapBrokersResource,
    "CDK-generated inline policy of the bootstrap-broker lookup: kafka:GetBootstrapBrokers on this cluster's ARN only.",
    "HIPAA.Security-IAMNoInlinePolicy",
  );

  for (const secret of [queueStore.credentials, queueStore.urlSecret]) {
    ack(
      secret,
      "MemoryDB ACL passwords have no managed rotation function; rotation is a documented runbook " +
        "(infra/aws/README.md, 'Rotating the queue-store password') using MemoryDB's two-password overlap.",
      "AwsSolutions-SMG4",
      "HIPAA.Security-SecretsManagerRotationEnabled",
    );
  }

  ack(
    compute.accessLogsBucket,
    "This bucket receives the load balancer's access logs; logging its own access would need another bucket " +
      "with the same finding. It holds no PHI (request lines are logged, bodies are not).",
    "AwsSolutions-S1",
    "HIPAA.Security-S3BucketLoggingEnabled",
  );
  ack(
    compute.accessLogsBucket,
    "ALB access-log delivery supports only SSE-S3 (AES-256), not a customer-managed KMS key.",
    "HIPAA.Security-S3DefaultEncryptionKMS",
  );
  ack(
    compute.accessLogsBucket,
    "Operational access logs with lifecycle expiry; cross-region replication adds no recovery value for them.",
    "HIPAA.Security-S3BucketReplicationEnabled",
  );

  if (cfg.compute.edgeAllowedCidrs.includes("0.0.0.0/0")) {
    ack(
      compute.loadBalancerSecurityGroup,
      "Vendors post over the internet from addresses we do not control; only HTTPS 443 is open and every " +
        "request is authenticated by API key. Narrow compute.edgeAllowedCidrs to vendor ranges where known.",
      "AwsSolutions-EC23",
    );
  }
  if (cfg.compute.internetFacing) {
    for (const s of stack.network.vpc.publicSubnets) {
      ack(
        s,
        "Public subnets hold only the internet-facing load balancer (and NAT gateways if configured); tasks and " +
          "data stores sit in private subnets without a route to the internet gateway.",
        "HIPAA.Security-VPCNoUnrestrictedRouteToIGW",
      );
    }
  }
  if (cfg.stage !== "prod") {
    ack(
      compute.loadBalancer,
      "Deletion protection is on in prod; dev stacks are created and destroyed freely.",
      "HIPAA.Security-ELBDeletionProtectionEnabled",
    );
  }
}
