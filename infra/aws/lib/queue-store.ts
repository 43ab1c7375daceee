import { Fn, type RemovalPolicy, SecretValue } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as kms from "aws-cdk-lib/aws-kms";
import * as memorydb from "aws-cdk-lib/aws-memorydb";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { MEMORYDB_PORT, type StageConfig } from "./config.ts";

export interface QueueStoreProps {
  name: string;
  vpc: ec2.IVpc;
  subnets: ec2.SubnetSelection;
  config: StageConfig["queueStore"];
  removalPolicy: RemovalPolicy;
}

/**
 * The BullMQ store: Amazon MemoryDB, because its multi-AZ transaction log makes a write durable
 * before the client sees OK, so the edge's ACK after `Queue.add` really means "stored".
 * TLS only, one ACL user whose generated password lives in Secrets Manager, encrypted at rest
 * with a customer-managed key.
 *
 * MemoryDB always runs in cluster mode: clients must use a cluster client (ioredis `Cluster`)
 * and BullMQ needs a hash-tagged prefix (e.g. `{adt}`) so a queue's keys share one slot.
 */
export class QueueStore extends Construct {
  readonly cluster: memorydb.CfnCluster;
  readonly securityGroup: ec2.SecurityGroup;
  readonly key: kms.Key;
  /** `{ username, password }`, the ACL user's credentials. */
  readonly credentials: secretsmanager.Secret;
  /** The complete `rediss://user:password@host:6379` URL the apps read as REDIS_URL. */
  readonly urlSecret: secretsmanager.Secret;
  readonly clusterName: string;

  constructor(scope: Construct, id: string, props: QueueStoreProps) {
    super(scope, id);
    const c = props.config;
    this.clusterName = `${props.name}-queue`;

    this.key = new kms.Key(this, "Key", {
      description: `${this.clusterName} data, snapshots and credentials`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });

    this.credentials = new secretsmanager.Secret(this, "Credentials", {
      description: `${this.clusterName} ACL user`,
      encryptionKey: this.key,
      removalPolicy: props.removalPolicy,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: c.userName }),
        generateStringKey: "password",
        // Letters and digits only: the password goes into a URL unescaped.
        excludePunctuation: true,
        includeSpace: false,
        passwordLength: 40,
      },
    });

    this.securityGroup = new ec2.SecurityGroup(this, "Sg", {
      vpc: props.vpc,
      description: "MemoryDB queue store: TLS clients from the app tasks only",
      allowAllOutbound: false,
    });

    const subnetGroup = new memorydb.CfnSubnetGroup(this, "Subnets", {
      subnetGroupName: `${this.clusterName}-subnets`,
      description: "private data subnets",
      subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
    });

    // The dynamic reference is resolved by CloudFormation at deploy time; the template only
    // ever holds the reference, never the password.
    const passwordRef = SecretValue.secretsManager(this.credentials.secretArn, {
      jsonField: "password",
    }).unsafeUnwrap();
    const user = new memorydb.CfnUser(this, "User", {
      userName: c.userName,
      accessString: c.accessString,
      // Typed `any` in the L1 and passed through verbatim, hence CloudFormation's own key casing.
      authenticationMode: { Type: "password", Passwords: [passwordRef] },
    });
    const acl = new memorydb.CfnACL(this, "Acl", {
      aclName: `${this.clusterName}-acl`,
      userNames: [c.userName],
    });
    acl.node.addDependency(user);

    this.cluster = new memorydb.CfnCluster(this, "Cluster", {
      clusterName: this.clusterName,
      description: "BullMQ ingest queue",
      aclName: acl.aclName,
      nodeType: c.nodeType,
      engine: c.engine,
      engineVersion: c.engineVersion,
      numShards: 1,
      numReplicasPerShard: c.replicasPerShard,
      tlsEnabled: true,
      kmsKeyId: this.key.keyId,
      port: MEMORYDB_PORT,
      subnetGroupName: subnetGroup.subnetGroupName,
      securityGroupIds: [this.securityGroup.securityGroupId],
      snapshotRetentionLimit: c.snapshotRetentionDays,
      autoMinorVersionUpgrade: true,
    });
    this.cluster.node.addDependency(acl, subnetGroup);
    this.cluster.applyRemovalPolicy(props.removalPolicy);

    this.urlSecret = new secretsmanager.Secret(this, "Url", {
      description: `${this.clusterName} REDIS_URL for the edge and workers`,
      encryptionKey: this.key,
      removalPolicy: props.removalPolicy,
      // Built from the endpoint and a dynamic reference, so no password is in the template.
      secretStringValue: SecretValue.unsafePlainText(
        Fn.join("", [
          "rediss://",
          c.userName,
          ":",
          passwordRef,
          "@",
          this.cluster.attrClusterEndpointAddress,
          ":",
          String(MEMORYDB_PORT),
        ]),
      ),
    });
  }
}
