import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { OUTPUTS } from "../lib/adt-stream-stack.ts";
import { buildApp } from "../lib/app.ts";
import { parseStageConfig } from "../lib/config.ts";
import { stageInput } from "./fixtures.ts";

// One synthesis per stage, with the AwsSolutions and HIPAA packs on: synthesis throws on any
// unacknowledged finding, so every test below also runs against a compliant template.
let prod: Template;
let dev: Template;
beforeAll(() => {
  const { app, stacks } = buildApp([
    parseStageConfig(stageInput("prod")),
    parseStageConfig(
      stageInput("dev", {
        kafka: { topicPrefix: "dev.", vendors: ["demo"] },
        network: {
          kind: "new",
          cidr: "10.40.0.0/16",
          availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
        },
        queueStore: { nodeType: "db.t4g.small", replicasPerShard: 1 },
      }),
    ),
  ]);
  app.synth();
  prod = Template.fromStack(stacks[0]!);
  dev = Template.fromStack(stacks[1]!);
}, 120_000);

type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }
>;
const only = (t: Template, type: string): [string, Resources[string]] => {
  const found = Object.entries(t.findResources(type) as Resources);
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0]!;
};

/**
 * Evaluates the few intrinsics our ARNs use, with a concrete cluster ARN standing in for the
 * MSK cluster's GetAtt, so a test can compare the ARN IAM will really see.
 */
function evaluate(v: unknown, getAtt: Record<string, string>): string {
  if (typeof v === "string") return v;
  const o = v as Record<string, unknown>;
  if ("Ref" in o) {
    if (o.Ref === "AWS::Partition") return "aws";
    throw new Error(`unexpected Ref ${JSON.stringify(o.Ref)}`);
  }
  if ("Fn::GetAtt" in o) {
    const [id, attr] = o["Fn::GetAtt"] as [string, string];
    const value = getAtt[`${id}.${attr}`];
    if (value === undefined) throw new Error(`unexpected GetAtt ${id}.${attr}`);
    return value;
  }
  if ("Fn::Join" in o) {
    const [sep, parts] = o["Fn::Join"] as [string, unknown[]];
    return parts.map((p) => evaluate(p, getAtt)).join(sep);
  }
  if ("Fn::Select" in o) {
    const [i, list] = o["Fn::Select"] as [number, unknown];
    const items = (list as Record<string, unknown>)["Fn::Split"]
      ? split(list, getAtt)
      : (list as unknown[]).map((x) => evaluate(x, getAtt));
    return items[i] as string;
  }
  throw new Error(`unexpected intrinsic ${JSON.stringify(o)}`);
}
const split = (v: unknown, getAtt: Record<string, string>) => {
  const [sep, s] = (v as Record<string, [string, unknown]>)["Fn::Split"] as [string, unknown];
  return evaluate(s, getAtt).split(sep);
};

describe("MSK", () => {
  it("is IAM-only over TLS, encrypted at rest with a rotating customer key, Kafka 3.9 KRaft", () => {
    const [, cluster] = only(prod, "AWS::MSK::Cluster");
    expect(cluster.Properties).toMatchObject({
      KafkaVersion: "3.9.x.kraft",
      NumberOfBrokerNodes: 3,
      EnhancedMonitoring: "PER_BROKER",
      ClientAuthentication: {
        Sasl: { Iam: { Enabled: true }, Scram: { Enabled: false } },
        Tls: { Enabled: false },
        Unauthenticated: { Enabled: false },
      },
      EncryptionInfo: { EncryptionInTransit: { ClientBroker: "TLS", InCluster: true } },
      BrokerNodeGroupInfo: {
        InstanceType: "kafka.m7g.large",
        StorageInfo: { EBSStorageInfo: { VolumeSize: 1000 } },
        ConnectivityInfo: { PublicAccess: { Type: "DISABLED" } },
      },
      LoggingInfo: { BrokerLogs: { CloudWatchLogs: { Enabled: true } } },
    });
    const keyRef = (
      cluster.Properties as { EncryptionInfo: { EncryptionAtRest: { DataVolumeKMSKeyId: unknown } } }
    ).EncryptionInfo.EncryptionAtRest.DataVolumeKMSKeyId as { "Fn::GetAtt": [string, string] };
    const keyId = keyRef["Fn::GetAtt"][0];
    expect(prod.toJSON().Resources[keyId]).toMatchObject({
      Type: "AWS::KMS::Key",
      Properties: { EnableKeyRotation: true },
    });
  });

  it("lets producers create topics only in dev", () => {
    const props = (t: Template) =>
      (only(t, "AWS::MSK::Configuration")[1].Properties as { ServerProperties: string }).ServerProperties;
    expect(props(prod)).toContain("auto.create.topics.enable=false");
    expect(props(prod)).toContain("min.insync.replicas=2");
    expect(props(dev)).toContain("auto.create.topics.enable=true");
    const [configId] = only(prod, "AWS::MSK::Configuration");
    prod.hasResourceProperties("AWS::MSK::Cluster", {
      ConfigurationInfo: {
        Arn: { "Fn::GetAtt": [configId, "Arn"] },
        Revision: { "Fn::GetAtt": [configId, "LatestRevision.Revision"] },
      },
    });
  });

  it("accepts only port 9098, from the app tasks and the Databricks CIDR", () => {
    const [mskSgId] = Object.entries(prod.findResources("AWS::EC2::SecurityGroup") as Resources).find(
      ([, r]) => String(r.Properties.GroupDescription).startsWith("MSK brokers"),
    )!;
    const inline = (prod.toJSON().Resources[mskSgId].Properties.SecurityGroupIngress ?? []) as Array<
      Record<string, unknown>
    >;
    expect(inline).toEqual([
      {
        CidrIp: "10.70.0.0/16",
        Description: "Databricks workspace VPC: Kafka TLS+IAM",
        FromPort: 9098,
        IpProtocol: "tcp",
        ToPort: 9098,
      },
    ]);
    const separate = Object.values(prod.findResources("AWS::EC2::SecurityGroupIngress") as Resources).filter(
      (r) => JSON.stringify(r.Properties.GroupId).includes(mskSgId),
    );
    expect(separate).toHaveLength(1);
    expect(separate[0]?.Properties).toMatchObject({ FromPort: 9098, ToPort: 9098, IpProtocol: "tcp" });
    expect(JSON.stringify(separate[0]?.Properties.SourceSecurityGroupId)).toContain("ComputeAppSg");
  });
});

describe("data stores stay off public subnets", () => {
  const publicSubnetIds = (t: Template) =>
    Object.entries(t.findResources("AWS::EC2::Subnet") as Resources)
      .filter(([, r]) =>
        ((r.Properties.Tags ?? []) as Array<{ Key: string; Value: string }>).some(
          (tag) => tag.Key === "aws-cdk:subnet-type" && tag.Value === "Public",
        ),
      )
      .map(([id]) => id);
  const dataSubnetIds = (t: Template) =>
    Object.entries(t.findResources("AWS::EC2::Subnet") as Resources)
      .filter(([, r]) =>
        ((r.Properties.Tags ?? []) as Array<{ Key: string; Value: string }>).some(
          (tag) => tag.Key === "aws-cdk:subnet-name" && tag.Value === "data",
        ),
      )
      .map(([id]) => id);
  const refs = (v: unknown) => (v as Array<{ Ref: string }>).map((x) => x.Ref);

  it("puts MSK brokers and MemoryDB nodes in the three private data subnets", () => {
    const data = dataSubnetIds(prod);
    expect(data).toHaveLength(3);
    const pub = publicSubnetIds(prod);
    expect(pub).toHaveLength(3);
    const msk = refs(
      (only(prod, "AWS::MSK::Cluster")[1].Properties as { BrokerNodeGroupInfo: { ClientSubnets: unknown } })
        .BrokerNodeGroupInfo.ClientSubnets,
    );
    const mem = refs(only(prod, "AWS::MemoryDB::SubnetGroup")[1].Properties.SubnetIds);
    expect(msk.sort()).toEqual([...data].sort());
    expect(mem.sort()).toEqual([...data].sort());
    for (const id of [...msk, ...mem]) expect(pub).not.toContain(id);
  });

  it("gives data subnets no route to the internet", () => {
    const data = new Set(dataSubnetIds(prod));
    const tables = Object.values(prod.findResources("AWS::EC2::SubnetRouteTableAssociation") as Resources)
      .filter((a) => data.has((a.Properties.SubnetId as { Ref: string }).Ref))
      .map((a) => (a.Properties.RouteTableId as { Ref: string }).Ref);
    expect(tables).toHaveLength(3);
    const routes = Object.values(prod.findResources("AWS::EC2::Route") as Resources).filter((r) =>
      tables.includes((r.Properties.RouteTableId as { Ref: string }).Ref),
    );
    // Only the peering route to Databricks: no 0.0.0.0/0, no gateway, no NAT.
    expect(routes.map((r) => r.Properties.DestinationCidrBlock)).toEqual([
      "10.70.0.0/16",
      "10.70.0.0/16",
      "10.70.0.0/16",
    ]);
    for (const r of routes) {
      expect(r.Properties).not.toHaveProperty("GatewayId");
      expect(r.Properties).not.toHaveProperty("NatGatewayId");
    }
  });
});

describe("IAM scoped to exact MSK ARNs", () => {
  const clusterArn =
    "arn:aws:kafka:eu-west-1:333333333333:cluster/adt-stream-prod-msk/0b1c2d3e-aaaa-bbbb-cccc-111111111111-3";
  const stmts = (t: Template, description: RegExp) => {
    const [, policy] = Object.entries(t.findResources("AWS::IAM::ManagedPolicy") as Resources).find(([, r]) =>
      description.test(String(r.Properties.Description)),
    )!;
    const [mskId] = only(t, "AWS::MSK::Cluster");
    const getAtt = { [`${mskId}.Arn`]: clusterArn };
    return (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement.map(
      (s) => ({
        Sid: s.Sid,
        Effect: s.Effect,
        Action: s.Action,
        Resource: evaluate(s.Resource, getAtt),
      }),
    );
  };
  const topicArn = (pattern: string) =>
    `arn:aws:kafka:eu-west-1:333333333333:topic/adt-stream-prod-msk/0b1c2d3e-aaaa-bbbb-cccc-111111111111-3/${pattern}`;

  it("Databricks reader: connect/describe/alter cluster, read adt.*, its own consumer groups", () => {
    expect(stmts(prod, /Databricks pipeline/)).toEqual([
      {
        Sid: "MskConnect",
        Effect: "Allow",
        Action: ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:AlterCluster"],
        Resource: clusterArn,
      },
      {
        Sid: "MskReadAdtTopics",
        Effect: "Allow",
        Action: [
          "kafka-cluster:DescribeTopic",
          "kafka-cluster:DescribeTopicDynamicConfiguration",
          "kafka-cluster:ReadData",
        ],
        Resource: topicArn("adt.*"),
      },
      {
        Sid: "MskPipelineConsumerGroups",
        Effect: "Allow",
        Action: ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
        Resource:
          "arn:aws:kafka:eu-west-1:333333333333:group/adt-stream-prod-msk/0b1c2d3e-aaaa-bbbb-cccc-111111111111-3/adt-stream-databricks-*",
      },
    ]);
  });

  it("workers: idempotent produce to adt.*, CreateTopic only in dev", () => {
    expect(stmts(prod, /workers: produce/)).toEqual([
      {
        Sid: "MskConnectAndProduceIdempotently",
        Effect: "Allow",
        Action: [
          "kafka-cluster:Connect",
          "kafka-cluster:DescribeCluster",
          "kafka-cluster:WriteDataIdempotently",
        ],
        Resource: clusterArn,
      },
      {
        Sid: "MskWriteAdtTopics",
        Effect: "Allow",
        Action: ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"],
        Resource: topicArn("adt.*"),
      },
    ]);
    const devWrite = stmts(dev, /workers: produce/)[1]!;
    expect(devWrite.Action).toEqual([
      "kafka-cluster:DescribeTopic",
      "kafka-cluster:WriteData",
      "kafka-cluster:CreateTopic",
    ]);
    // Account from the dev stack; cluster name/UUID from the stand-in cluster ARN.
    expect(devWrite.Resource).toBe(topicArn("dev.adt.*").replace(":333333333333:", ":111111111111:"));
  });

  it("no statement grants anything on a wildcard cluster", () => {
    for (const t of [prod, dev]) {
      const all = JSON.stringify(t.toJSON().Resources);
      expect(all).not.toMatch(/kafka-cluster:\*/);
      expect(all).not.toMatch(/:cluster\/\*/);
    }
  });

  it("the service-credential role trusts Databricks' UC master role with the external id, and itself", () => {
    prod.hasResourceProperties("AWS::IAM::Role", {
      RoleName: "adt-stream-prod-databricks-uc-msk",
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Sid: "DatabricksUnityCatalog",
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Principal: {
              AWS: "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL",
            },
            Condition: { StringEquals: { "sts:ExternalId": "ext-1234" } },
          },
          {
            Sid: "SelfAssume",
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Principal: {
              AWS: { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":iam::333333333333:root"]] },
            },
            Condition: {
              ArnEquals: {
                "aws:PrincipalArn": {
                  "Fn::Join": [
                    "",
                    [
                      "arn:",
                      { Ref: "AWS::Partition" },
                      ":iam::333333333333:role/adt-stream-prod-databricks-uc-msk",
                    ],
                  ],
                },
              },
              StringEquals: { "sts:ExternalId": "ext-1234" },
            },
          },
        ],
      },
    });
  });

  it("the classic-compute reader role is an instance profile and accepts the listed Databricks roles", () => {
    prod.hasResourceProperties("AWS::IAM::Role", {
      RoleName: "adt-stream-prod-databricks-msk-reader",
      AssumeRolePolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: "ec2.amazonaws.com" } }),
          Match.objectLike({ Principal: { AWS: "arn:aws:iam::444444444444:role/dbx-instance-profile" } }),
        ]),
      },
    });
    prod.hasResourceProperties("AWS::IAM::InstanceProfile", {
      InstanceProfileName: "adt-stream-prod-databricks-msk-reader",
    });
  });
});

describe("Databricks peering", () => {
  it("peers with the workspace VPC and routes its CIDR from every private route table", () => {
    prod.hasResourceProperties("AWS::EC2::VPCPeeringConnection", {
      PeerVpcId: "vpc-0f1e2d3c4b5a69788",
      PeerOwnerId: "444444444444",
      PeerRegion: "eu-west-1",
    });
    const [peeringId] = only(prod, "AWS::EC2::VPCPeeringConnection");
    const peeringRoutes = prod.findResources("AWS::EC2::Route", {
      Properties: { DestinationCidrBlock: "10.70.0.0/16", VpcPeeringConnectionId: { Ref: peeringId } },
    });
    expect(Object.keys(peeringRoutes)).toHaveLength(6); // 3 app + 3 data subnets
  });

  it("adds no routes while the peering request is still pending", () => {
    const { app, stacks } = buildApp(
      [
        parseStageConfig(
          stageInput("dev", { databricks: { ...stageInput("dev").databricks, peeringAccepted: false } }),
        ),
      ],
      { compliancePacks: false },
    );
    app.synth();
    const t = Template.fromStack(stacks[0]!);
    t.resourceCountIs("AWS::EC2::VPCPeeringConnection", 1);
    expect(
      Object.keys(
        t.findResources("AWS::EC2::Route", { Properties: { DestinationCidrBlock: "10.70.0.0/16" } }),
      ),
    ).toHaveLength(0);
  });
});

describe("queue store", () => {
  it("is MemoryDB with TLS, an ACL user, a customer key and replicas in other AZs", () => {
    prod.hasResourceProperties("AWS::MemoryDB::Cluster", {
      TLSEnabled: true,
      NumShards: 1,
      NumReplicasPerShard: 2,
      ACLName: "adt-stream-prod-queue-acl",
      KmsKeyId: Match.anyValue(),
      SnapshotRetentionLimit: 7,
    });
    prod.hasResourceProperties("AWS::MemoryDB::ACL", { UserNames: ["adt-stream-app"] });
  });

  it("keeps the password out of the template (dynamic references only)", () => {
    const user = only(prod, "AWS::MemoryDB::User")[1].Properties as {
      AuthenticationMode: { Type: string; Passwords: unknown[] };
    };
    expect(user.AuthenticationMode.Type).toBe("password");
    expect(JSON.stringify(user.AuthenticationMode.Passwords)).toContain("{{resolve:secretsmanager:");
    const url = Object.values(prod.findResources("AWS::SecretsManager::Secret") as Resources).find((r) =>
      String(r.Properties.Description).includes("REDIS_URL"),
    )!;
    const text = JSON.stringify(url.Properties.SecretString);
    expect(text).toContain("rediss://");
    expect(text).toContain("{{resolve:secretsmanager:");
  });
});

describe("removal policies", () => {
  const policies = (t: Template, type: string) =>
    Object.values(t.findResources(type) as Resources).map((r) => r.DeletionPolicy);
  const stores = [
    "AWS::MSK::Cluster",
    "AWS::MemoryDB::Cluster",
    "AWS::KMS::Key",
    "AWS::SecretsManager::Secret",
    "AWS::Logs::LogGroup",
  ];

  it("retains every data store, key, secret and log group in prod", () => {
    for (const type of stores) {
      const p = policies(prod, type);
      expect(p.length, type).toBeGreaterThan(0);
      expect(new Set(p), type).toEqual(new Set(["Retain"]));
    }
  });

  it("lets dev stacks clean up after themselves", () => {
    expect(new Set(policies(dev, "AWS::MemoryDB::Cluster"))).toEqual(new Set(["Delete"]));
    expect(new Set(policies(dev, "AWS::MSK::Cluster"))).toEqual(new Set(["Delete"]));
  });
});

describe("compute", () => {
  const envOf = (t: Template, container: string) => {
    const defs = Object.values(t.findResources("AWS::ECS::TaskDefinition") as Resources).flatMap(
      (r) => r.Properties.ContainerDefinitions as Array<Record<string, unknown>>,
    );
    const def = defs.find((d) => d.Name === container)!;
    const env = Object.fromEntries(
      (def.Environment as Array<{ Name: string; Value: unknown }>).map((e) => [e.Name, e.Value]),
    );
    const secrets = Object.fromEntries(
      ((def.Secrets ?? []) as Array<{ Name: string; ValueFrom: unknown }>).map((s) => [s.Name, s.ValueFrom]),
    );
    return { def, env, secrets };
  };

  it("gives the edge its contract environment and REDIS_URL from Secrets Manager", () => {
    const { def, env, secrets } = envOf(prod, "edge");
    expect(env).toMatchObject({
      PORT: "8080",
      HOST: "0.0.0.0",
      VENDOR_PROFILES: "/app/config/vendors.json",
      MAX_BODY_BYTES: "1048576",
    });
    expect(Object.keys(secrets)).toEqual(["REDIS_URL"]);
    expect(def.ReadonlyRootFilesystem).toBe(true);
    expect(env).not.toHaveProperty("REDIS_URL");
  });

  it("gives the workers MSK IAM settings, the broker string from MSK and no plaintext secret", () => {
    const { env, secrets } = envOf(prod, "workers");
    expect(env).toMatchObject({
      KAFKA_AUTH: "msk-iam",
      AWS_REGION: "eu-west-1",
      KAFKA_TOPIC_PREFIX: "",
      WORKER_CONCURRENCY: "50",
      METRICS_PORT: "9464",
      CLOUDWATCH_EMF: "true",
      KAFKA_CREATE_TOPICS: "false",
    });
    expect(JSON.stringify(env.KAFKA_BROKERS)).toContain("BootstrapBrokerStringSaslIam");
    expect(Object.keys(secrets)).toEqual(["REDIS_URL"]);
    expect(envOf(dev, "workers").env.KAFKA_CREATE_TOPICS).toBe("true");
  });

  it("runs tasks without public IPs", () => {
    const services = Object.values(prod.findResources("AWS::ECS::Service") as Resources);
    expect(services).toHaveLength(2);
    for (const s of services) {
      expect(s.Properties).toMatchObject({
        NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: "DISABLED" } },
      });
    }
  });

  it("serves the edge over HTTPS only, with the configured certificate", () => {
    prod.resourceCountIs("AWS::ElasticLoadBalancingV2::Listener", 1);
    prod.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 443,
      Protocol: "HTTPS",
      SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      Certificates: [
        {
          CertificateArn:
            "arn:aws:acm:eu-west-1:333333333333:certificate/00000000-0000-0000-0000-000000000002",
        },
      ],
    });
    prod.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", {
      HealthCheckPath: "/readyz",
      Port: 8080,
    });
  });

  it("scales workers between the configured bounds on queue backlog per task", () => {
    prod.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", {
      MinCapacity: 3,
      MaxCapacity: 12,
      ScalableDimension: "ecs:service:DesiredCount",
    });
    prod.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", {
      PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 2000,
        CustomizedMetricSpecification: {
          Metrics: Match.arrayWith([
            Match.objectLike({
              Id: "depth",
              MetricStat: {
                Stat: "Maximum",
                Metric: {
                  Namespace: "AdtStream",
                  MetricName: "QueueDepth",
                  Dimensions: [{ Name: "Queue", Value: "adt-ingest" }],
                },
              },
            }),
            Match.objectLike({ Id: "backlog", Expression: "depth / tasks", ReturnData: true }),
          ]),
        },
      },
    });
  });

  it("keeps logs encrypted for the configured retention", () => {
    for (const r of Object.values(prod.findResources("AWS::Logs::LogGroup") as Resources)) {
      expect(r.Properties).toMatchObject({
        RetentionInDays: 2192,
        KmsKeyId: { "Fn::GetAtt": [expect.stringMatching(/^LogKey/), "Arn"] },
      });
    }
  });
});

describe("alarms", () => {
  const alarmMetrics = (t: Template) =>
    Object.values(t.findResources("AWS::CloudWatch::Alarm") as Resources).map((r) =>
      r.Properties.MetricName ? `${r.Properties.Namespace}/${r.Properties.MetricName}` : "math",
    );

  it("watch queue depth, job age, DLQ records, missing metrics, 5xx rate, broker disk and store memory", () => {
    expect(alarmMetrics(prod).sort()).toEqual(
      [
        "AdtStream/QueueDepth",
        "AdtStream/QueueDepth", // metrics-missing alarm (SampleCount)
        "AdtStream/OldestJobAgeSeconds",
        "AdtStream/DlqRecords",
        "math", // edge 5xx percentage
        "AWS/Kafka/KafkaDataLogsDiskUsed",
        "AWS/Kafka/KafkaDataLogsDiskUsed",
        "AWS/Kafka/KafkaDataLogsDiskUsed",
        "AWS/MemoryDB/DatabaseMemoryUsagePercentage",
      ].sort(),
    );
    prod.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "DlqRecords",
      Statistic: "Sum",
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      AlarmActions: [{ Ref: Match.stringLikeRegexp("AlarmsTopic") }],
    });
    prod.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "KafkaDataLogsDiskUsed",
      Dimensions: Match.arrayWith([{ Name: "Broker ID", Value: "3" }]),
      Threshold: 75,
    });
    prod.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email" });
  });
});

describe("outputs", () => {
  it("publishes every value the Databricks side and operators need", () => {
    const outputs = Object.keys(prod.toJSON().Outputs);
    for (const name of Object.values(OUTPUTS)) expect(outputs).toContain(name);
    prod.hasOutput(OUTPUTS.externalId, { Value: "ext-1234" });
    prod.hasOutput(OUTPUTS.topicPrefix, { Value: "(none)" });
    dev.hasOutput(OUTPUTS.topicPrefix, { Value: "dev." });
  });
});

describe("existing VPC", () => {
  it("deploys into given subnets, routes from the given route tables, and still passes the packs", () => {
    const input = stageInput("prod", {
      network: {
        kind: "existing",
        vpcId: "vpc-0123456789abcdef0",
        vpcCidr: "10.50.0.0/16",
        availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
        publicSubnetIds: ["subnet-00000000000000001", "subnet-00000000000000002", "subnet-00000000000000003"],
        appSubnetIds: ["subnet-00000000000000011", "subnet-00000000000000012", "subnet-00000000000000013"],
        appRouteTableIds: ["rtb-00000000000000011", "rtb-00000000000000012", "rtb-00000000000000013"],
        dataSubnetIds: ["subnet-00000000000000021", "subnet-00000000000000022", "subnet-00000000000000023"],
        dataRouteTableIds: ["rtb-00000000000000021", "rtb-00000000000000022", "rtb-00000000000000023"],
      },
    });
    const { app, stacks } = buildApp([parseStageConfig(input)]);
    app.synth(); // throws on any unacknowledged AwsSolutions / HIPAA finding
    const t = Template.fromStack(stacks[0]!);
    t.resourceCountIs("AWS::EC2::VPC", 0);
    t.resourceCountIs("AWS::EC2::VPCEndpoint", 0);
    t.hasResourceProperties("AWS::MSK::Cluster", {
      BrokerNodeGroupInfo: {
        ClientSubnets: ["subnet-00000000000000021", "subnet-00000000000000022", "subnet-00000000000000023"],
      },
    });
    t.hasResourceProperties("AWS::MemoryDB::SubnetGroup", {
      SubnetIds: ["subnet-00000000000000021", "subnet-00000000000000022", "subnet-00000000000000023"],
    });
    const routeTables = Object.values(
      t.findResources("AWS::EC2::Route", {
        Properties: { DestinationCidrBlock: "10.70.0.0/16" },
      }) as Resources,
    ).map((r) => r.Properties.RouteTableId);
    expect(routeTables.sort()).toEqual([
      "rtb-00000000000000011",
      "rtb-00000000000000012",
      "rtb-00000000000000013",
      "rtb-00000000000000021",
      "rtb-00000000000000022",
      "rtb-00000000000000023",
    ]);
    t.hasResourceProperties("AWS::EC2::FlowLog", { ResourceId: "vpc-0123456789abcdef0", TrafficType: "ALL" });
  }, 60_000);
});
