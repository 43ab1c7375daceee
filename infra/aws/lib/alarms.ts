import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subs from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import { QUEUE_METRIC, type StageConfig } from "./config.ts";

export interface AlarmsProps {
  name: string;
  thresholds: StageConfig["compute"]["alarms"];
  alarmEmail: string | undefined;
  loadBalancer: elbv2.ApplicationLoadBalancer;
  mskClusterName: string;
  mskBrokerCount: number;
  mskDiskPercent: number;
  queueStoreClusterName: string;
  queueStoreMemoryPercent: number;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms on what loses or delays messages: queue backlog and age, DLQ records, workers no
 * longer publishing queue metrics, edge 5xx rate, MSK broker disk, queue-store memory. All go
 * to one encrypted SNS topic.
 */
export class Alarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const t = props.thresholds;
    const key = new kms.Key(this, "Key", {
      description: `${props.name} alarm notifications`,
      enableKeyRotation: true,
    });
    // CloudWatch publishes to the encrypted topic, so it needs to use the key.
    key.grant(new iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*");
    this.topic = new sns.Topic(this, "Topic", {
      topicName: `${props.name}-alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new subs.EmailSubscription(props.alarmEmail));

    const queueMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: QUEUE_METRIC.namespace,
        metricName,
        dimensionsMap: { [QUEUE_METRIC.dimension]: QUEUE_METRIC.queue },
        statistic,
        period: FIVE_MINUTES,
      });

    this.add("QueueDepth", {
      metric: queueMetric(QUEUE_METRIC.queueDepth, "Maximum"),
      threshold: t.queueDepth,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription:
        "Jobs waiting in the ingest queue stay above the threshold: workers or Kafka are behind.",
    });
    this.add("OldestJobAge", {
      metric: queueMetric(QUEUE_METRIC.oldestJobAge, "Maximum"),
      threshold: t.oldestJobAgeSeconds,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: "The oldest waiting job is older than the threshold: delivery to Kafka is delayed.",
    });
    this.add("DlqRecords", {
      metric: queueMetric(QUEUE_METRIC.dlqRecords, "Sum"),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      alarmDescription: "Messages were written to a DLQ topic: they need a fix and a replay.",
    });
    // Autoscaling and the alarms above go blind if the workers stop publishing.
    this.add("QueueMetricsMissing", {
      metric: queueMetric(QUEUE_METRIC.queueDepth, "SampleCount"),
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription:
        "No QueueDepth metric from the workers for 15 minutes: workers down or not publishing.",
    });

    const lb = props.loadBalancer.metrics;
    const requests = lb.requestCount({ period: FIVE_MINUTES, statistic: "Sum" });
    this.add("Edge5xxRate", {
      metric: new cloudwatch.MathExpression({
        label: "edge 5xx %",
        expression: "100 * (FILL(t5xx, 0) + FILL(elb5xx, 0)) / requests",
        usingMetrics: {
          requests,
          t5xx: lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
            period: FIVE_MINUTES,
            statistic: "Sum",
          }),
          elb5xx: lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: FIVE_MINUTES, statistic: "Sum" }),
        },
        period: FIVE_MINUTES,
      }),
      threshold: t.edge5xxPercent,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription:
        "More than the allowed share of edge responses are 5xx (queue unavailable or crashes).",
    });

    for (let broker = 1; broker <= props.mskBrokerCount; broker++) {
      this.add(`MskDiskBroker${broker}`, {
        metric: new cloudwatch.Metric({
          namespace: "AWS/Kafka",
          metricName: "KafkaDataLogsDiskUsed",
          dimensionsMap: { "Cluster Name": props.mskClusterName, "Broker ID": String(broker) },
          statistic: "Maximum",
          period: FIVE_MINUTES,
        }),
        threshold: props.mskDiskPercent,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        alarmDescription: `MSK broker ${broker} data disk is above ${props.mskDiskPercent}% used.`,
      });
    }

    this.add("QueueStoreMemory", {
      metric: new cloudwatch.Metric({
        namespace: "AWS/MemoryDB",
        metricName: "DatabaseMemoryUsagePercentage",
        dimensionsMap: { ClusterName: props.queueStoreClusterName },
        statistic: "Maximum",
        period: FIVE_MINUTES,
      }),
      threshold: props.queueStoreMemoryPercent,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: "Queue store memory is filling up; when full the edge can no longer accept messages.",
    });
  }

  private add(id: string, props: cloudwatch.AlarmProps): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
