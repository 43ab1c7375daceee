import { Stack } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { MSK_IAM_PORT, type StageConfig } from "./config.ts";
import { databricksReaderStatements, type MskArns } from "./msk-iam.ts";

export interface DatabricksAccessProps {
  name: string;
  vpc: ec2.IVpc;
  /** Our private route tables that need a route back to the Databricks VPC. */
  routeTableIds: string[];
  mskSecurityGroup: ec2.ISecurityGroup;
  mskArns: MskArns;
  topicPrefix: string;
  groupPrefix: string;
  databricks: StageConfig["databricks"];
}

/**
 * What the Databricks workspace needs to read the topics: a VPC peering connection to its VPC,
 * routes on our side, broker ingress on the IAM port from its CIDR only, and two roles holding
 * the same read-only MSK policy:
 * - `readerRole` + `instanceProfile` for classic compute (same-account instance profile, or
 *   role chaining from instance-profile roles in the Databricks account);
 * - `serviceCredentialRole` for a Unity Catalog service credential (trusts Databricks' UC master
 *   role with the external id, and itself, as Databricks requires).
 */
export class DatabricksAccess extends Construct {
  readonly peering: ec2.CfnVPCPeeringConnection;
  readonly readerRole: iam.Role;
  readonly instanceProfile: iam.CfnInstanceProfile;
  readonly serviceCredentialRole: iam.Role;
  readonly routesCreated: boolean;
  readonly readPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: DatabricksAccessProps) {
    super(scope, id);
    const d = props.databricks;
    const stack = Stack.of(this);

    this.peering = new ec2.CfnVPCPeeringConnection(this, "Peering", {
      vpcId: props.vpc.vpcId,
      peerVpcId: d.vpcId,
      peerOwnerId: d.accountId,
      peerRegion: d.region,
      peerRoleArn: d.peerRoleArn,
      tags: [{ key: "Name", value: `${props.name}-to-databricks` }],
    });

    // A route to a peering connection that is still pending acceptance fails to create, so the
    // routes come once the Databricks side has accepted (or CloudFormation accepts via peerRoleArn).
    this.routesCreated = d.peeringAccepted || d.peerRoleArn !== undefined;
    if (this.routesCreated) {
      props.routeTableIds.forEach((routeTableId, i) => {
        new ec2.CfnRoute(this, `RouteToDatabricks${i}`, {
          routeTableId,
          destinationCidrBlock: d.vpcCidr,
          vpcPeeringConnectionId: this.peering.ref,
        });
      });
    }

    props.mskSecurityGroup.addIngressRule(
      ec2.Peer.ipv4(d.vpcCidr),
      ec2.Port.tcp(MSK_IAM_PORT),
      "Databricks workspace VPC: Kafka TLS+IAM",
    );

    this.readPolicy = new iam.ManagedPolicy(this, "MskReadPolicy", {
      description: "Read adt topics from the adt-stream MSK cluster (Databricks pipeline)",
      statements: databricksReaderStatements(props.mskArns, props.topicPrefix, props.groupPrefix),
    });

    const classicPrincipals: iam.IPrincipal[] = [
      new iam.ServicePrincipal("ec2.amazonaws.com"),
      ...d.classicComputeRoleArns.map((arn) => new iam.ArnPrincipal(arn)),
    ];
    this.readerRole = new iam.Role(this, "ReaderRole", {
      roleName: `${props.name}-databricks-msk-reader`,
      description: "Databricks classic compute: read adt topics from MSK",
      assumedBy: new iam.CompositePrincipal(...classicPrincipals),
      managedPolicies: [this.readPolicy],
    });
    this.instanceProfile = new iam.CfnInstanceProfile(this, "InstanceProfile", {
      instanceProfileName: `${props.name}-databricks-msk-reader`,
      roles: [this.readerRole.roleName],
    });

    // Databricks requires a service-credential role to trust itself. Naming the role's own ARN
    // as principal fails on create (it does not exist yet), so the account is the principal and
    // the condition narrows it to exactly this role.
    const ucRoleName = `${props.name}-databricks-uc-msk`;
    const ucRoleArn = stack.formatArn({
      service: "iam",
      region: "",
      resource: "role",
      resourceName: ucRoleName,
    });
    const ucTrust = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: "DatabricksUnityCatalog",
          actions: ["sts:AssumeRole"],
          principals: [new iam.ArnPrincipal(d.unityCatalogMasterRoleArn)],
          conditions: { StringEquals: { "sts:ExternalId": d.externalId } },
        }),
        new iam.PolicyStatement({
          sid: "SelfAssume",
          actions: ["sts:AssumeRole"],
          principals: [new iam.AccountPrincipal(stack.account)],
          conditions: {
            ArnEquals: { "aws:PrincipalArn": ucRoleArn },
            StringEquals: { "sts:ExternalId": d.externalId },
          },
        }),
      ],
    });
    this.serviceCredentialRole = new iam.Role(this, "ServiceCredentialRole", {
      roleName: ucRoleName,
      description: "Databricks Unity Catalog service credential: read adt topics from MSK",
      assumedBy: new iam.ArnPrincipal(d.unityCatalogMasterRoleArn),
      managedPolicies: [this.readPolicy],
    });
    // The L2 builds a trust policy from `assumedBy`; replace it with the full document above.
    const cfnRole = this.serviceCredentialRole.node.defaultChild as iam.CfnRole;
    cfnRole.assumeRolePolicyDocument = ucTrust;
  }
}
