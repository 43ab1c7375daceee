import { CfnOutput, RemovalPolicy, Stack, type StackProps, Tags } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import type * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { Alarms } from "./alarms.ts";
import { Compute } from "./compute.ts";
import { brokerCount, type StageConfig } from "./config.ts";
import { DatabricksAccess } from "./databricks-access.ts";
import { MskCluster } from "./msk.ts";
import { type MskArns, mskArns } from "./msk-iam.ts";
import { Network } from "./network.ts";
import { QueueStore } from "./queue-store.ts";

export interface AdtStreamStackProps extends StackProps {
  config: StageConfig;
}

/**
 * Names of the stack outputs. The Databricks bundle (infra/databricks/) and the README refer to
 * these, so they are part of the contract: rename only together.
 */
export const OUTPUTS = {
  mskClusterArn: "MskClusterArn",
  bootstrapBrokers: "MskBootstrapBrokersSaslIam",
  topicPrefix: "KafkaTopicPrefix",
  groupPrefix: "DatabricksConsumerGroupPrefix",
  readerRoleArn: "DatabricksReaderRoleArn",
  instanceProfileArn: "DatabricksInstanceProfileArn",
  serviceCredentialRoleArn: "DatabricksServiceCredentialRoleArn",
  externalId: "DatabricksExternalId",
  peeringConnectionId: "DatabricksPeeringConnectionId",
  peerRouteInstruction: "DatabricksSideRoute",
  peerSecurityGroupInstruction: "DatabricksSideSecurityGroup",
  vpcCidr: "VpcCidr",
  edgeDns: "EdgeLoadBalancerDns",
  ecsCluster: "EcsClusterName",
  topicAdminTaskDefinition: "TopicAdminTaskDefinitionArn",
  appSecurityGroup: "AppSecurityGroupId",
  appSubnets: "AppSubnetIds",
  redisUrlSecretArn: "RedisUrlSecretArn",
  alarmTopicArn: "AlarmTopicArn",
} as const;

/**
 * One stage of adt-stream: network, MSK, Databricks access, queue store, compute, alarms.
 * Data stores and their keys are retained in prod whatever happens to the stack.
 *
 * @example new AdtStreamStack(app, "AdtStream-prod", { config, env: { account, region } })
 */
export class AdtStreamStack extends Stack {
  readonly network: Network;
  readonly msk: MskCluster;
  readonly queueStore: QueueStore;
  readonly databricks: DatabricksAccess;
  readonly compute: Compute;
  readonly alarms: Alarms;
  readonly config: StageConfig;
  readonly mskArns: MskArns;

  constructor(scope: Construct, id: string, props: AdtStreamStackProps) {
    super(scope, id, props);
    const cfg = props.config;
    this.config = cfg;
    const prod = cfg.stage === "prod";
    const name = `${cfg.name}-${cfg.stage}`;
    const removalPolicy = prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = cfg.logRetentionDays as logs.RetentionDays;

    Tags.of(this).add("Project", "adt-stream");
    Tags.of(this).add("Stage", cfg.stage);
    Tags.of(this).add("DataClassification", "PHI");
    for (const [k, v] of Object.entries(cfg.tags)) Tags.of(this).add(k, v);

    const logKey = new kms.Key(this, "LogKey", {
      description: `${name} CloudWatch log groups`,
      enableKeyRotation: true,
      removalPolicy,
    });
    logKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "CloudWatchLogs",
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        resources: ["*"],
        conditions: {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": `arn:${this.partition}:logs:${this.region}:${this.account}:*`,
          },
        },
      }),
    );

    this.network = new Network(this, "Network", {
      network: cfg.network,
      logRetention,
      logKey,
      removalPolicy,
    });

    this.msk = new MskCluster(this, "Msk", {
      clusterName: `${name}-msk`,
      vpc: this.network.vpc,
      subnets: this.network.dataSubnets,
      instanceType: cfg.msk.instanceType,
      brokerCount: brokerCount(cfg),
      volumeSizeGiB: cfg.msk.volumeSizeGiB,
      enhancedMonitoring: cfg.msk.enhancedMonitoring,
      autoCreateTopics: !prod,
      logRetention,
      logKey,
      removalPolicy,
    });
    const arns = mskArns(this, this.msk.clusterArn);
    this.mskArns = arns;

    this.queueStore = new QueueStore(this, "QueueStore", {
      name,
      vpc: this.network.vpc,
      subnets: this.network.dataSubnets,
      config: cfg.queueStore,
      removalPolicy,
    });

    this.databricks = new DatabricksAccess(this, "Databricks", {
      name,
      vpc: this.network.vpc,
      routeTableIds: this.network.privateRouteTableIds,
      mskSecurityGroup: this.msk.securityGroup,
      mskArns: arns,
      topicPrefix: cfg.kafka.topicPrefix,
      groupPrefix: cfg.kafka.databricksGroupPrefix,
      databricks: cfg.databricks,
    });

    this.compute = new Compute(this, "Compute", {
      name,
      vpc: this.network.vpc,
      publicSubnets: this.network.publicSubnets,
      appSubnets: this.network.appSubnets,
      config: cfg.compute,
      kafka: cfg.kafka,
      allowCreateTopic: !prod,
      deletionProtection: prod,
      redisUrl: this.queueStore.urlSecret,
      queueStoreSecurityGroup: this.queueStore.securityGroup,
      mskSecurityGroup: this.msk.securityGroup,
      mskArns: arns,
      bootstrapBrokers: this.msk.bootstrapBrokersSaslIam,
      logKey,
      logRetention,
      removalPolicy,
    });

    this.alarms = new Alarms(this, "Alarms", {
      name,
      thresholds: cfg.compute.alarms,
      alarmEmail: cfg.compute.alarmEmail,
      loadBalancer: this.compute.loadBalancer,
      mskClusterName: `${name}-msk`,
      mskBrokerCount: brokerCount(cfg),
      mskDiskPercent: cfg.msk.diskAlarmPercent,
      queueStoreClusterName: this.queueStore.clusterName,
      queueStoreMemoryPercent: cfg.queueStore.memoryAlarmPercent,
    });

    const d = cfg.databricks;
    const out = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    out(OUTPUTS.mskClusterArn, this.msk.clusterArn, "MSK cluster ARN");
    out(
      OUTPUTS.bootstrapBrokers,
      this.msk.bootstrapBrokersSaslIam,
      "Kafka bootstrap servers (TLS + SASL/IAM, port 9098)",
    );
    // An empty output value is rejected by CloudFormation; "(none)" stands for the empty prefix.
    out(
      OUTPUTS.topicPrefix,
      cfg.kafka.topicPrefix || "(none)",
      "Topic name prefix; topics are <prefix>adt.<vendor>.events|raw|dlq",
    );
    out(
      OUTPUTS.groupPrefix,
      cfg.kafka.databricksGroupPrefix,
      "Consumer group-id prefix the Databricks pipeline must use",
    );
    out(
      OUTPUTS.readerRoleArn,
      this.databricks.readerRole.roleArn,
      "Role with MSK read access for classic compute",
    );
    out(
      OUTPUTS.instanceProfileArn,
      this.databricks.instanceProfile.attrArn,
      "Instance profile for classic compute",
    );
    out(
      OUTPUTS.serviceCredentialRoleArn,
      this.databricks.serviceCredentialRole.roleArn,
      "Role for the Unity Catalog service credential",
    );
    out(OUTPUTS.externalId, d.externalId, "External id the service credential role requires");
    out(
      OUTPUTS.peeringConnectionId,
      this.databricks.peering.ref,
      "VPC peering connection to accept in the Databricks account",
    );
    out(
      OUTPUTS.peerRouteInstruction,
      `In VPC ${d.vpcId} (${d.accountId}, ${d.region}) add to the workspace subnets' route tables: ${this.network.cidr} -> the peering connection`,
      "Route the Databricks side must add",
    );
    out(
      OUTPUTS.peerSecurityGroupInstruction,
      `Allow egress TCP 9098 to ${this.network.cidr} from the workspace security group`,
      "Security-group rule the Databricks side must allow",
    );
    out(OUTPUTS.vpcCidr, this.network.cidr, "Our VPC CIDR");
    out(
      OUTPUTS.edgeDns,
      this.compute.loadBalancer.loadBalancerDnsName,
      "Point the vendor hostname (CNAME/alias) here",
    );
    out(OUTPUTS.ecsCluster, this.compute.cluster.clusterName, "ECS cluster");
    out(
      OUTPUTS.topicAdminTaskDefinition,
      this.compute.topicAdminTask.taskDefinitionArn,
      "Run once per new vendor",
    );
    out(
      OUTPUTS.appSecurityGroup,
      this.compute.appSecurityGroup.securityGroupId,
      "Security group for run-task",
    );
    out(
      OUTPUTS.appSubnets,
      this.network.vpc.selectSubnets(this.network.appSubnets).subnetIds.join(","),
      "Subnets for run-task",
    );
    out(OUTPUTS.redisUrlSecretArn, this.queueStore.urlSecret.secretArn, "Secret holding REDIS_URL");
    out(OUTPUTS.alarmTopicArn, this.alarms.topic.topicArn, "SNS topic receiving all alarms");
  }
}
