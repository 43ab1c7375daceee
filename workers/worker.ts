import { Queue, UnrecoverableError, Worker } from "bullmq";
import type { VendorProfile } from "../shared/adt/index.ts";
import { errorFields, type Logger } from "../shared/log/logger.ts";
import { createRedisConnection } from "../shared/queue/redis-node.ts";
import { cappedExponentialBackoff } from "./backoff.ts";
import { emfLine } from "./emf.ts";
import type { WorkerEnv } from "./env.ts";
import { BatchProducer } from "./kafka/batch-producer.ts";
import { classifyKafkaError } from "./kafka/classify.ts";
import { compressionFor, createIdempotentProducer, createKafka } from "./kafka/client.ts";
import { TopicEnsurer } from "./kafka/topics.ts";
import { createWorkerMetrics, type WorkerMetrics } from "./metrics.ts";
import { createProcessor } from "./processor.ts";
import { readQueueStats } from "./queue-stats.ts";

export interface WorkerRuntime {
  metrics: WorkerMetrics;
  worker: Worker;
  queue: Queue;
  producer: BatchProducer;
  /** True from start until close() begins. */
  isRunning(): boolean;
  /** Idempotent: stop fetching, finish in-flight jobs, flush Kafka, disconnect. */
  close(): Promise<void>;
}

export interface WorkerRuntimeDeps {
  logger: Logger;
  profiles: ReadonlyMap<string, VendorProfile>;
  /** Where EMF lines go (stdout in production). */
  writeEmf?: (line: string) => void;
}

/**
 * Builds and starts the ingest worker: BullMQ consumer → parse/normalise → batched idempotent
 * Kafka producer. Resolves once it consumes (the caller logs `worker_ready`).
 *
 * @example
 * const runtime = await startWorkerRuntime(parseWorkerEnv(process.env), { logger, profiles });
 * process.on("SIGTERM", () => runtime.close());
 */
export async function startWorkerRuntime(env: WorkerEnv, deps: WorkerRuntimeDeps): Promise<WorkerRuntime> {
  const { logger } = deps;
  const metrics = createWorkerMetrics();
  const kafka = createKafka(env, logger);

  const producer = new BatchProducer({
    createProducer: () => createIdempotentProducer(kafka, env.KAFKA_RETRIES),
    lingerMs: env.KAFKA_LINGER_MS,
    maxBatchRecords: env.KAFKA_MAX_BATCH_RECORDS,
    // Uncompressed bytes: keeps every partition's compressed record batch under message.max.bytes.
    maxBatchBytes: env.KAFKA_MAX_RECORD_BYTES,
    compression: compressionFor(env.KAFKA_COMPRESSION),
    ackTimeoutMs: env.KAFKA_REQUEST_TIMEOUT_MS,
    logger,
    onBatch: (b) => {
      metrics.produceSeconds.observe({}, b.durationMs / 1000);
      metrics.batchRecords.observe({}, b.records);
      if (!b.ok) metrics.produceErrors.inc({ code: b.code ?? "unknown" });
    },
  });
  const topics = new TopicEnsurer({
    admin: () => kafka.admin(),
    prefix: env.KAFKA_TOPIC_PREFIX,
    create: env.KAFKA_CREATE_TOPICS,
    partitions: env.KAFKA_PARTITIONS,
    replication: env.KAFKA_REPLICATION,
    logger,
  });

  // Kafka may be down when a worker starts: the backlog then waits in Redis and jobs retry, so
  // a failed first connect is logged, not fatal.
  await producer.connect().catch((err: unknown) => {
    logger.warn("kafka_connect_failed", { error_code: classifyKafkaError(err).code });
  });
  for (const vendor of deps.profiles.keys()) {
    await topics.ensureVendor(vendor).catch((err: unknown) => {
      logger.warn("kafka_topics_not_ready", { vendor, ...errorFields(err) });
    });
  }

  // Separate connections: the queue (stats, fail-fast) and the worker (blocking, never gives up).
  // Same BULLMQ_PREFIX as the edge (in a cluster it carries the hash tag that keeps one slot).
  const queueConnection = createRedisConnection(env.REDIS_URL, {
    cluster: env.REDIS_CLUSTER,
    options: { maxRetriesPerRequest: 3, enableOfflineQueue: true },
  });
  const queue = new Queue(env.INGEST_QUEUE, { connection: queueConnection, prefix: env.BULLMQ_PREFIX });
  const workerConnection = createRedisConnection(env.REDIS_URL, {
    cluster: env.REDIS_CLUSTER,
    options: { maxRetriesPerRequest: null },
  });
  const worker = new Worker(
    env.INGEST_QUEUE,
    createProcessor({
      prefix: env.KAFKA_TOPIC_PREFIX,
      profiles: deps.profiles,
      producer,
      topics,
      metrics,
      logger,
      maxRecordBytes: env.KAFKA_MAX_RECORD_BYTES,
    }),
    {
      connection: workerConnection,
      prefix: env.BULLMQ_PREFIX,
      autorun: false,
      concurrency: env.WORKER_CONCURRENCY,
      lockDuration: env.WORKER_LOCK_MS,
      stalledInterval: env.WORKER_STALLED_INTERVAL_MS,
      maxStalledCount: env.WORKER_MAX_STALLED,
      settings: {
        backoffStrategy: cappedExponentialBackoff({
          baseMs: 1000,
          maxMs: env.RETRY_MAX_DELAY_MS,
          retryForMs: env.RETRY_FOR_HOURS * 3600_000,
        }),
      },
    },
  );
  worker.on("failed", (job, err) => {
    // Counted here only when BullMQ gave up for a reason the processor did not count itself:
    // retries exhausted (RETRY_FOR_HOURS), or a stalled job past WORKER_MAX_STALLED.
    if (!job?.finishedOn || err instanceof UnrecoverableError || err.name === "UnrecoverableError") return;
    const vendor = typeof job.data?.vendor === "string" ? job.data.vendor : "unknown";
    metrics.jobs.inc({ vendor, outcome: "failed" });
    logger.error("job_retries_exhausted", { job_id: job.id ?? "", vendor, attempts_made: job.attemptsMade });
  });
  worker.on("error", (err) => logger.error("worker_error", errorFields(err)));

  // Queue figures are read on scrape, at most once a second (a scrape storm must not load Redis).
  let lastStats = 0;
  const refreshQueueGauges = async () => {
    if (Date.now() - lastStats < 1000) return;
    lastStats = Date.now();
    try {
      const s = await readQueueStats(queue);
      for (const state of ["waiting", "active", "delayed", "failed"] as const)
        metrics.queueJobs.set({ queue: env.INGEST_QUEUE, state }, s[state]);
      metrics.oldestWaitingSeconds.set({ queue: env.INGEST_QUEUE }, s.oldestAgeSeconds);
    } catch (err) {
      logger.warn("queue_stats_failed", errorFields(err));
    }
  };
  metrics.queueJobs.onCollect(refreshQueueGauges);

  let emfTimer: ReturnType<typeof setInterval> | undefined;
  if (env.CLOUDWATCH_EMF) {
    const write = deps.writeEmf ?? ((line: string) => console.log(line));
    let dlqSeen = 0;
    emfTimer = setInterval(() => {
      readQueueStats(queue).then(
        (s) => {
          const total = metrics.dlqTotal();
          write(
            emfLine(
              {
                queue: env.INGEST_QUEUE,
                queueDepth: s.waiting + s.delayed,
                oldestJobAgeSeconds: s.oldestAgeSeconds,
                dlqRecords: total - dlqSeen,
              },
              new Date(),
            ),
          );
          dlqSeen = total;
        },
        (err: unknown) => logger.warn("emf_stats_failed", errorFields(err)),
      );
    }, env.EMF_INTERVAL_MS);
    emfTimer.unref?.();
  }

  let running = true;
  let closed: Promise<void> | undefined;
  const close = () => {
    running = false;
    closed ??= (async () => {
      if (emfTimer) clearInterval(emfTimer);
      // BullMQ waits for active jobs, whose promises settle when their batch is acked.
      await worker.close();
      await producer.close();
      await queue.close();
      // Connections we pass in are shared in BullMQ's eyes: it leaves closing them to us.
      await queueConnection.quit().catch(() => undefined);
      await workerConnection.quit().catch(() => undefined);
    })();
    return closed;
  };

  void worker.run().catch((err: unknown) => logger.error("worker_run_failed", errorFields(err)));
  await worker.waitUntilReady();
  return { metrics, worker, queue, producer, isRunning: () => running, close };
}
