import type { RemovalPolicy } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct, type IConstruct } from "constructs";
import type { StageConfig } from "./config.ts";

export interface NetworkProps {
  network: StageConfig["network"];
  logRetention: logs.RetentionDays;
  logKey: kms.IKey;
  removalPolicy: RemovalPolicy;
}

/** Subnet group names; data stores only ever go into `data`. */
export const SUBNETS = { public: "public", app: "app", data: "data" } as const;

/**
 * The VPC: public subnets only for the load balancer (and NAT if asked for), private `app`
 * subnets for the Fargate tasks, private `data` subnets for MSK and MemoryDB, three AZs each.
 * Interface endpoints let tasks reach ECR, Logs, Secrets Manager, CloudWatch and STS without a
 * NAT gateway; flow logs record every accepted and rejected flow.
 */
export class Network extends Construct {
  readonly vpc: ec2.IVpc;
  readonly publicSubnets: ec2.SubnetSelection;
  readonly appSubnets: ec2.SubnetSelection;
  readonly dataSubnets: ec2.SubnetSelection;
  /** Route tables the Databricks peering routes go into (app and data subnets). */
  readonly privateRouteTableIds: string[];
  readonly cidr: string;
  /** The role CDK creates for flow-log delivery (its inline policy is acknowledged in suppressions.ts). */
  readonly flowLogRole: IConstruct;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const n = props.network;
    let createEndpoints: boolean;
    if (n.kind === "new") {
      const privateType =
        n.natGateways > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;
      const vpc = new ec2.Vpc(this, "Vpc", {
        ipAddresses: ec2.IpAddresses.cidr(n.cidr),
        // Named explicitly: otherwise CDK looks the zones up with AWS credentials at synth time.
        availabilityZones: n.availabilityZones,
        natGateways: n.natGateways,
        restrictDefaultSecurityGroup: true,
        subnetConfiguration: [
          {
            name: SUBNETS.public,
            subnetType: ec2.SubnetType.PUBLIC,
            cidrMask: 24,
            mapPublicIpOnLaunch: false,
          },
          { name: SUBNETS.app, subnetType: privateType, cidrMask: 20 },
          { name: SUBNETS.data, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 },
        ],
      });
      this.vpc = vpc;
      this.cidr = n.cidr;
      this.publicSubnets = { subnetGroupName: SUBNETS.public };
      this.appSubnets = { subnetGroupName: SUBNETS.app };
      this.dataSubnets = { subnetGroupName: SUBNETS.data };
      this.privateRouteTableIds = [
        ...vpc.selectSubnets(this.appSubnets).subnets,
        ...vpc.selectSubnets(this.dataSubnets).subnets,
      ].map((s) => s.routeTable.routeTableId);
      createEndpoints = true;
    } else {
      const vpc = ec2.Vpc.fromVpcAttributes(this, "Vpc", {
        vpcId: n.vpcId,
        vpcCidrBlock: n.vpcCidr,
        availabilityZones: n.availabilityZones,
        publicSubnetIds: n.publicSubnetIds,
        privateSubnetIds: n.appSubnetIds,
        privateSubnetRouteTableIds: n.appRouteTableIds,
        isolatedSubnetIds: n.dataSubnetIds,
        isolatedSubnetRouteTableIds: n.dataRouteTableIds,
      });
      this.vpc = vpc;
      this.cidr = n.vpcCidr;
      this.publicSubnets = { subnetType: ec2.SubnetType.PUBLIC };
      this.appSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
      this.dataSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
      this.privateRouteTableIds = [...n.appRouteTableIds, ...n.dataRouteTableIds];
      createEndpoints = n.createEndpoints;
    }

    const flowLogGroup = new logs.LogGroup(this, "FlowLogs", {
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: props.removalPolicy,
    });
    const flowLog = new ec2.FlowLog(this, "FlowLog", {
      resourceType: ec2.FlowLogResourceType.fromVpc(this.vpc),
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    this.flowLogRole = flowLog.node.findChild("IAMRole");

    if (createEndpoints) {
      // S3 is a gateway endpoint (free); ECR image layers are served from S3.
      this.vpc.addGatewayEndpoint("S3", {
        service: ec2.GatewayVpcEndpointAwsService.S3,
        subnets: [this.appSubnets],
      });
      const endpointSg = new ec2.SecurityGroup(this, "EndpointSg", {
        vpc: this.vpc,
        description: "HTTPS from inside the VPC to AWS API interface endpoints",
        allowAllOutbound: false,
      });
      endpointSg.addIngressRule(ec2.Peer.ipv4(this.cidr), ec2.Port.tcp(443), "AWS APIs from inside the VPC");
      const services: Array<[string, ec2.InterfaceVpcEndpointAwsService]> = [
        ["EcrApi", ec2.InterfaceVpcEndpointAwsService.ECR],
        ["EcrDocker", ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER],
        ["Logs", ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
        ["Monitoring", ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING],
        ["SecretsManager", ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
        ["Sts", ec2.InterfaceVpcEndpointAwsService.STS],
        ["Kms", ec2.InterfaceVpcEndpointAwsService.KMS],
      ];
      for (const [name, service] of services) {
        this.vpc.addInterfaceEndpoint(name, {
          service,
          subnets: this.appSubnets,
          securityGroups: [endpointSg],
          privateDnsEnabled: true,
          open: false,
        });
      }
    }
  }
}
