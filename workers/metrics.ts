import { LATENCY_BUCKETS, MetricsRegistry } from "../shared/metrics/registry.ts";

/** End-to-end buckets: a job may wait in Redis for hours during an outage. */
const E2E_BUCKETS = [...LATENCY_BUCKETS, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];

export type JobOutcome = "produced" | "dlq" | "retry" | "failed";

/**
 * The workers' metrics. Labels are vendor ids (configuration), outcomes, stages and error
 * codes: bounded, and never message content.
 */
export function createWorkerMetrics(registry = new MetricsRegistry()) {
  let dlqTotal = 0;
  const dlqRecords = registry.counter(
    "adt_worker_dlq_records_total",
    "Dead-letter records written, by stage",
    ["vendor", "stage"],
  );
  return {
    registry,
    dlqRecords,
    /** Counts one DLQ record (labelled, and in the running total the EMF lines use). */
    countDlq(vendor: string, stage: string): void {
      dlqRecords.inc({ vendor, stage });
      dlqTotal++;
    },
    /** DLQ records written by this process so far. */
    dlqTotal: () => dlqTotal,
    jobs: registry.counter(
      "adt_worker_jobs_total",
      "Job attempts by outcome: produced (records acked), dlq (dead-lettered), retry (will be retried), failed (given up, kept in the failed set)",
      ["vendor", "outcome"],
    ),
    redelivered: registry.counter(
      "adt_worker_redelivered_total",
      "Jobs produced on a second or later attempt (their records may be duplicates downstream)",
      ["vendor"],
    ),
    produceErrors: registry.counter(
      "adt_worker_kafka_errors_total",
      "Failed Kafka produce requests by error code",
      ["code"],
    ),
    produceSeconds: registry.histogram(
      "adt_worker_produce_seconds",
      "Kafka produce request latency (one sendBatch, acks=all)",
    ),
    batchRecords: registry.histogram(
      "adt_worker_batch_records",
      "Records per Kafka produce request",
      [],
      [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
    ),
    endToEndSeconds: registry.histogram(
      "adt_worker_end_to_end_seconds",
      "Time from receipt at the edge (receivedAt) to Kafka acknowledging the job's records",
      ["vendor"],
      E2E_BUCKETS,
    ),
    queueJobs: registry.gauge("adt_worker_queue_jobs", "Jobs in the ingest queue by state", [
      "queue",
      "state",
    ]),
    oldestWaitingSeconds: registry.gauge(
      "adt_worker_queue_oldest_waiting_seconds",
      "Age of the oldest job waiting or delayed for retry (0 when none)",
      ["queue"],
    ),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
