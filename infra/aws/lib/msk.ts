import { Fn, type RemovalPolicy } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import * as msk from "aws-cdk-lib/aws-msk";
import * as cr from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";
import { MSK_KAFKA_VERSION } from "./config.ts";

export interface MskClusterProps {
  clusterName: string;
  vpc: ec2.IVpc;
  subnets: ec2.SubnetSelection;
  instanceType: string;
  brokerCount: number;
  volumeSizeGiB: number;
  enhancedMonitoring: string;
  /** Producers may create topics (dev only); in prod the topic-admin task does. */
  autoCreateTopics: boolean;
  logRetention: logs.RetentionDays;
  logKey: kms.IKey;
  removalPolicy: RemovalPolicy;
}

/**
 * A provisioned MSK cluster (L1: the L2 is still alpha) that only speaks TLS + SASL/IAM on
 * port 9098: unauthenticated and plaintext access are off, data at rest is encrypted with a
 * customer-managed key, broker logs go to an encrypted log group.
 */
export class MskCluster extends Construct {
  readonly cluster: msk.CfnCluster;
  readonly securityGroup: ec2.SecurityGroup;
  readonly key: kms.Key;
  /** `b-1.…:9098,b-2.…:9098,…`, read from the MSK API at deploy time. */
  readonly bootstrapBrokersSaslIam: string;
  readonly clusterArn: string;
  readonly bootstrapBrokersResource: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: MskClusterProps) {
    super(scope, id);

    this.key = new kms.Key(this, "Key", {
      description: `${props.clusterName} MSK data at rest`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });

    this.securityGroup = new ec2.SecurityGroup(this, "Sg", {
      vpc: props.vpc,
      description: "MSK brokers: TLS+IAM clients only (port 9098)",
      allowAllOutbound: false,
    });

    const brokerLogs = new logs.LogGroup(this, "BrokerLogs", {
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: props.removalPolicy,
    });

    // Replication 3 with min ISR 2 is what "acks=all" in the producer relies on for durability.
    const serverProperties = [
      `auto.create.topics.enable=${props.autoCreateTopics}`,
      "default.replication.factor=3",
      "min.insync.replicas=2",
      "num.partitions=6",
      "unclean.leader.election.enable=false",
      "log.retention.hours=168",
    ].join("\n");
    const configuration = new msk.CfnConfiguration(this, "Configuration", {
      name: `${props.clusterName}-config`,
      description: "adt-stream broker defaults",
      serverProperties,
    });

    const subnetIds = props.vpc.selectSubnets(props.subnets).subnetIds;
    this.cluster = new msk.CfnCluster(this, "Cluster", {
      clusterName: props.clusterName,
      kafkaVersion: MSK_KAFKA_VERSION,
      numberOfBrokerNodes: props.brokerCount,
      brokerNodeGroupInfo: {
        clientSubnets: subnetIds,
        instanceType: props.instanceType,
        securityGroups: [this.securityGroup.securityGroupId],
        storageInfo: { ebsStorageInfo: { volumeSize: props.volumeSizeGiB } },
        connectivityInfo: { publicAccess: { type: "DISABLED" } },
      },
      clientAuthentication: {
        sasl: { iam: { enabled: true }, scram: { enabled: false } },
        tls: { enabled: false },
        unauthenticated: { enabled: false },
      },
      encryptionInfo: {
        encryptionAtRest: { dataVolumeKmsKeyId: this.key.keyArn },
        encryptionInTransit: { clientBroker: "TLS", inCluster: true },
      },
      enhancedMonitoring: props.enhancedMonitoring,
      loggingInfo: {
        brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: brokerLogs.logGroupName } },
      },
      // The latest revision, so a change to the broker defaults reaches the cluster on deploy.
      configurationInfo: { arn: configuration.attrArn, revision: configuration.attrLatestRevisionRevision },
    });
    this.cluster.applyRemovalPolicy(props.removalPolicy);
    this.clusterArn = this.cluster.attrArn;

    // CloudFormation does not return the bootstrap string; one read-only API call does.
    const brokers = new cr.AwsCustomResource(this, "BootstrapBrokers", {
      onUpdate: {
        service: "Kafka",
        action: "getBootstrapBrokers",
        parameters: { ClusterArn: this.clusterArn },
        physicalResourceId: cr.PhysicalResourceId.of(Fn.join("-", ["bootstrap", this.cluster.ref])),
        outputPaths: ["BootstrapBrokerStringSaslIam"],
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [this.clusterArn] }),
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, "BootstrapBrokersLogs", {
        retention: props.logRetention,
        encryptionKey: props.logKey,
        removalPolicy: props.removalPolicy,
      }),
    });
    this.bootstrapBrokersSaslIam = brokers.getResponseField("BootstrapBrokerStringSaslIam");
    this.bootstrapBrokersResource = brokers;
  }
}
