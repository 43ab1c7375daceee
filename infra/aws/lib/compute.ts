import { Duration, type RemovalPolicy, Stack } from "aws-cdk-lib";
import * as appscaling from "aws-cdk-lib/aws-applicationautoscaling";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { MEMORYDB_PORT, MSK_IAM_PORT, QUEUE_METRIC, type StageConfig } from "./config.ts";
import { ecrImage } from "./images.ts";
import { type MskArns, producerStatements, topicAdminStatements } from "./msk-iam.ts";

export interface ComputeProps {
  name: string;
  vpc: ec2.IVpc;
  publicSubnets: ec2.SubnetSelection;
  appSubnets: ec2.SubnetSelection;
  config: StageConfig["compute"];
  kafka: StageConfig["kafka"];
  /** Producers may create topics (dev); in prod only the topic-admin task may. */
  allowCreateTopic: boolean;
  deletionProtection: boolean;
  redisUrl: secretsmanager.ISecret;
  queueStoreSecurityGroup: ec2.ISecurityGroup;
  mskSecurityGroup: ec2.ISecurityGroup;
  mskArns: MskArns;
  bootstrapBrokers: string;
  logKey: kms.IKey;
  logRetention: logs.RetentionDays;
  removalPolicy: RemovalPolicy;
}

/** The container port of the edge (edge/entries/node.ts reads PORT). */
export const EDGE_PORT = 8080;

/**
 * ECS Fargate: the edge behind an HTTPS load balancer, the workers scaled on the queue backlog
 * they publish, and a one-off topic-admin task definition that creates the per-vendor topics.
 * Tasks run in private subnets without public IPs, with read-only root file systems.
 */
export class Compute extends Construct {
  readonly cluster: ecs.Cluster;
  readonly edgeService: ecs.FargateService;
  readonly workersService: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listener: elbv2.ApplicationListener;
  readonly topicAdminTask: ecs.FargateTaskDefinition;
  readonly edgeTask: ecs.FargateTaskDefinition;
  readonly workersTask: ecs.FargateTaskDefinition;
  readonly accessLogsBucket: s3.Bucket;
  readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  readonly appSecurityGroup: ec2.SecurityGroup;
  readonly workersRole: iam.IRole;
  readonly workersPolicy: iam.ManagedPolicy;
  readonly topicAdminPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ComputeProps) {
    super(scope, id);
    const c = props.config;
    const region = Stack.of(this).region;

    this.cluster = new ecs.Cluster(this, "Cluster", {
      clusterName: props.name,
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    // One security group for all app tasks: it is the only source the data stores accept.
    this.appSecurityGroup = new ec2.SecurityGroup(this, "AppSg", {
      vpc: props.vpc,
      description: "adt-stream Fargate tasks",
      allowAllOutbound: false,
    });
    const sg = this.appSecurityGroup;
    // HTTPS out covers the interface endpoints and the S3 gateway endpoint (ECR image layers),
    // whose addresses are S3's public ranges. The app subnets have no internet route unless
    // NAT gateways are configured, so this reaches AWS APIs only.
    sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), "AWS APIs via VPC endpoints");
    sg.connections.allowTo(props.queueStoreSecurityGroup, ec2.Port.tcp(MEMORYDB_PORT), "queue store (TLS)");
    sg.connections.allowTo(props.mskSecurityGroup, ec2.Port.tcp(MSK_IAM_PORT), "MSK (TLS+IAM)");

    const logGroup = (name: string) =>
      new logs.LogGroup(this, `${name}Logs`, {
        retention: props.logRetention,
        encryptionKey: props.logKey,
        removalPolicy: props.removalPolicy,
      });
    // MemoryDB is a cluster: the BullMQ prefix carries a hash tag (edge and workers share it).
    const common = { REDIS_CLUSTER: "true", BULLMQ_PREFIX: "{adt}" };
    const redisSecret = { REDIS_URL: ecs.Secret.fromSecretsManager(props.redisUrl) };

    // ---- edge ------------------------------------------------------------------------------
    const edgeTask = new ecs.FargateTaskDefinition(this, "EdgeTask", {
      cpu: c.edge.cpu,
      memoryLimitMiB: c.edge.memoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64 },
      volumes: [{ name: "tmp" }],
    });
    const edgeContainer = edgeTask.addContainer("edge", {
      image: ecrImage(this, "EdgeImage", c.edge.image),
      essential: true,
      readonlyRootFilesystem: true,
      portMappings: [{ containerPort: EDGE_PORT, protocol: ecs.Protocol.TCP }],
      environment: {
        ...common,
        PORT: String(EDGE_PORT),
        // The edge binds to loopback by default; in a task the load balancer reaches it on the ENI.
        HOST: "0.0.0.0",
        VENDOR_PROFILES: c.vendorProfilesPath,
        MAX_BODY_BYTES: String(c.maxBodyBytes),
      },
      secrets: redisSecret,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: "edge", logGroup: logGroup("Edge") }),
      stopTimeout: Duration.seconds(30),
    });
    edgeContainer.addMountPoints({ containerPath: "/tmp", sourceVolume: "tmp", readOnly: false });

    this.edgeService = this.fargateService("EdgeService", edgeTask, c.edge.minCount, props.appSubnets);
    const edgeScaling = this.edgeService.autoScaleTaskCount({
      minCapacity: c.edge.minCount,
      maxCapacity: c.edge.maxCount,
    });
    edgeScaling.scaleOnCpuUtilization("Cpu", { targetUtilizationPercent: 60 });

    // ---- load balancer ----------------------------------------------------------------------
    const albSg = new ec2.SecurityGroup(this, "AlbSg", {
      vpc: props.vpc,
      description: "edge load balancer: HTTPS from vendors",
      allowAllOutbound: false,
    });
    for (const cidr of c.edgeAllowedCidrs)
      albSg.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), "vendors (HTTPS)");
    albSg.connections.allowTo(sg, ec2.Port.tcp(EDGE_PORT), "edge tasks");
    this.loadBalancerSecurityGroup = albSg;

    const accessLogs = new s3.Bucket(this, "AlbAccessLogs", {
      // ALB log delivery supports SSE-S3 only, not a customer-managed key.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(Math.max(props.logRetention, 30)) }],
      removalPolicy: props.removalPolicy,
    });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, "Alb", {
      vpc: props.vpc,
      internetFacing: c.internetFacing,
      vpcSubnets: c.internetFacing ? props.publicSubnets : props.appSubnets,
      securityGroup: albSg,
      dropInvalidHeaderFields: true,
      deletionProtection: props.deletionProtection,
    });
    this.loadBalancer.logAccessLogs(accessLogs, "edge");
    this.accessLogsBucket = accessLogs;
    this.listener = this.loadBalancer.addListener("Https", {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [acm.Certificate.fromCertificateArn(this, "Certificate", c.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: false,
    });
    this.listener.addTargets("Edge", {
      port: EDGE_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.edgeService],
      // /readyz checks Redis: a task that cannot enqueue must not take vendor traffic.
      healthCheck: { path: "/readyz", healthyHttpCodes: "200", interval: Duration.seconds(15) },
      deregistrationDelay: Duration.seconds(30),
    });

    // ---- workers ----------------------------------------------------------------------------
    const workersTask = new ecs.FargateTaskDefinition(this, "WorkersTask", {
      cpu: c.workers.cpu,
      memoryLimitMiB: c.workers.memoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64 },
      volumes: [{ name: "tmp" }],
    });
    this.workersRole = workersTask.taskRole;
    this.edgeTask = edgeTask;
    this.workersTask = workersTask;
    // Managed (not inline) policies: HIPAA reviewers want reusable, separately auditable policies.
    this.workersPolicy = new iam.ManagedPolicy(this, "WorkersMskPolicy", {
      description: "adt-stream workers: produce to adt topics on MSK",
      statements: producerStatements(props.mskArns, props.kafka.topicPrefix, props.allowCreateTopic),
      roles: [workersTask.taskRole],
    });
    const kafkaEnv = {
      KAFKA_BROKERS: props.bootstrapBrokers,
      KAFKA_AUTH: "msk-iam",
      AWS_REGION: region,
      KAFKA_TOPIC_PREFIX: props.kafka.topicPrefix,
    };
    const workersContainer = workersTask.addContainer("workers", {
      image: ecrImage(this, "WorkersImage", c.workers.image),
      essential: true,
      readonlyRootFilesystem: true,
      portMappings: [{ containerPort: c.workers.metricsPort, protocol: ecs.Protocol.TCP }],
      environment: {
        ...common,
        ...kafkaEnv,
        VENDOR_PROFILES: c.vendorProfilesPath,
        WORKER_CONCURRENCY: String(c.workers.concurrency),
        METRICS_PORT: String(c.workers.metricsPort),
        // Queue figures as EMF log lines: the autoscaling policy and alarms read them.
        CLOUDWATCH_EMF: "true",
        // In prod the topic-admin task creates topics; producers only check they exist.
        KAFKA_CREATE_TOPICS: String(props.allowCreateTopic),
        KAFKA_PARTITIONS: String(props.kafka.partitions),
        KAFKA_REPLICATION: "3",
      },
      secrets: redisSecret,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: "workers", logGroup: logGroup("Workers") }),
      // Graceful shutdown finishes in-flight jobs and flushes the producer before exit.
      stopTimeout: Duration.seconds(120),
    });
    workersContainer.addMountPoints({ containerPath: "/tmp", sourceVolume: "tmp", readOnly: false });

    this.workersService = this.fargateService(
      "WorkersService",
      workersTask,
      c.workers.minCount,
      props.appSubnets,
    );
    this.addWorkerScaling(c.workers, props.name);

    // ---- topic admin (deploy step) ----------------------------------------------------------
    this.topicAdminTask = new ecs.FargateTaskDefinition(this, "TopicAdminTask", {
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64 },
      volumes: [{ name: "tmp" }],
    });
    this.topicAdminPolicy = new iam.ManagedPolicy(this, "TopicAdminMskPolicy", {
      description: "adt-stream topic admin: create and describe adt topics on MSK",
      statements: topicAdminStatements(props.mskArns, props.kafka.topicPrefix),
      roles: [this.topicAdminTask.taskRole],
    });
    const admin = this.topicAdminTask.addContainer("topic-admin", {
      image: ecrImage(this, "TopicAdminImage", c.workers.image),
      essential: true,
      readonlyRootFilesystem: true,
      command: ["tsx", "infra/aws/admin/create-topics.ts"],
      environment: {
        ...kafkaEnv,
        TOPIC_VENDORS: props.kafka.vendors.join(","),
        TOPIC_PARTITIONS: String(props.kafka.partitions),
        TOPIC_REPLICATION: "3",
      },
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: "topic-admin", logGroup: logGroup("TopicAdmin") }),
    });
    admin.addMountPoints({ containerPath: "/tmp", sourceVolume: "tmp", readOnly: false });
  }

  /**
   * Target tracking on backlog per task (QueueDepth / running tasks), which the L2 cannot
   * express because it takes a single metric, not metric math.
   */
  /**
   * A service with the settings both share: private subnets, no public IP, the app security
   * group, zero-downtime rolling deploys that roll back on a failing deployment.
   */
  private fargateService(
    id: string,
    taskDefinition: ecs.FargateTaskDefinition,
    desiredCount: number,
    vpcSubnets: ec2.SubnetSelection,
  ): ecs.FargateService {
    return new ecs.FargateService(this, id, {
      cluster: this.cluster,
      taskDefinition,
      desiredCount,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      vpcSubnets,
      securityGroups: [this.appSecurityGroup],
      assignPublicIp: false,
      circuitBreaker: { enable: true, rollback: true },
    });
  }

  private addWorkerScaling(w: StageConfig["compute"]["workers"], clusterName: string): void {
    const target = new appscaling.ScalableTarget(this, "WorkersScaling", {
      serviceNamespace: appscaling.ServiceNamespace.ECS,
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: `service/${this.cluster.clusterName}/${this.workersService.serviceName}`,
      minCapacity: w.minCount,
      maxCapacity: w.maxCount,
    });
    new appscaling.CfnScalingPolicy(this, "WorkersBacklogPolicy", {
      policyName: `${clusterName}-workers-backlog`,
      policyType: "TargetTrackingScaling",
      scalingTargetId: target.scalableTargetId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: w.targetBacklogPerTask,
        scaleInCooldown: 120,
        scaleOutCooldown: 30,
        customizedMetricSpecification: {
          metrics: [
            {
              id: "depth",
              returnData: false,
              metricStat: {
                stat: "Maximum",
                metric: {
                  namespace: QUEUE_METRIC.namespace,
                  metricName: QUEUE_METRIC.queueDepth,
                  dimensions: [{ name: QUEUE_METRIC.dimension, value: QUEUE_METRIC.queue }],
                },
              },
            },
            {
              id: "tasks",
              returnData: false,
              metricStat: {
                stat: "Average",
                metric: {
                  namespace: "ECS/ContainerInsights",
                  metricName: "RunningTaskCount",
                  dimensions: [
                    { name: "ClusterName", value: this.cluster.clusterName },
                    { name: "ServiceName", value: this.workersService.serviceName },
                  ],
                },
              },
            },
            {
              id: "backlog",
              label: "jobs waiting per worker task",
              expression: "depth / tasks",
              returnData: true,
            },
          ],
        },
      },
    });
  }
}
