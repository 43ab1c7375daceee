/**
 * CloudWatch Embedded Metric Format: a JSON log line that CloudWatch Logs turns into metrics,
 * so ECS tasks publish queue figures without an agent or API calls. The CDK stack scales and
 * alarms on `AdtStream` / `QueueDepth`, `OldestJobAgeSeconds`, `DlqRecords` by `Queue`.
 */
export const EMF_NAMESPACE = "AdtStream";

export interface EmfFigures {
  queue: string;
  queueDepth: number;
  oldestJobAgeSeconds: number;
  /** DLQ records written since the previous line (a count per interval, summed by CloudWatch). */
  dlqRecords: number;
}

/**
 * One EMF line (JSON text) for the given figures.
 *
 * @example
 * console.log(emfLine({ queue: "adt-ingest", queueDepth: 12, oldestJobAgeSeconds: 0.4, dlqRecords: 0 }, new Date()));
 */
export function emfLine(f: EmfFigures, at: Date): string {
  return JSON.stringify({
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: EMF_NAMESPACE,
          Dimensions: [["Queue"]],
          Metrics: [
            { Name: "QueueDepth", Unit: "Count" },
            { Name: "OldestJobAgeSeconds", Unit: "Seconds" },
            { Name: "DlqRecords", Unit: "Count" },
          ],
        },
      ],
    },
    Queue: f.queue,
    QueueDepth: f.queueDepth,
    OldestJobAgeSeconds: f.oldestJobAgeSeconds,
    DlqRecords: f.dlqRecords,
  });
}
