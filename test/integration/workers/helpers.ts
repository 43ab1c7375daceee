import { spawnSync } from "node:child_process";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { parseVendorProfiles, type VendorProfile } from "../../../shared/adt/index.ts";
import { loadVendorProfiles } from "../../../shared/adt/profile-file.ts";
import { silentLogger } from "../../../shared/log/logger.ts";
import { INGEST_JOB_NAME, INGEST_JOB_OPTIONS, type IngestJob } from "../../../shared/queue/job.ts";
import { parseWorkerEnv, type WorkerEnv } from "../../../workers/env.ts";
import { startWorkerRuntime, type WorkerRuntime } from "../../../workers/worker.ts";
import type { ProvidedServices } from "../../setup/services.ts";
import type { ReadRecord } from "../../support/kafka.ts";
import { uniqueName } from "../../support/services.ts";

/** Worker environment for one test: its own queue and topic prefix on the shared services. */
export function testWorkerEnv(services: ProvidedServices, extra: Record<string, string> = {}): WorkerEnv {
  return parseWorkerEnv({
    REDIS_URL: services.redisUrl,
    KAFKA_BROKERS: services.kafkaBrokers.join(","),
    INGEST_QUEUE: uniqueName("wq"),
    KAFKA_TOPIC_PREFIX: `${uniqueName("wt")}.`,
    KAFKA_PARTITIONS: "3",
    METRICS_PORT: "0",
    WORKER_CONCURRENCY: "32",
    ...extra,
  });
}

export const repoProfiles = (): ReadonlyMap<string, VendorProfile> =>
  loadVendorProfiles("config/vendors.json");
export const profilesFrom = (vendors: Record<string, unknown>) => parseVendorProfiles({ vendors });

export function startTestWorker(
  env: WorkerEnv,
  profiles: ReadonlyMap<string, VendorProfile> = repoProfiles(),
  writeEmf?: (line: string) => void,
): Promise<WorkerRuntime> {
  return startWorkerRuntime(env, { logger: silentLogger, profiles, ...(writeEmf ? { writeEmf } : {}) });
}

/** A Queue handle for the test side (enqueue as the edge does, read counts). */
const connections = new WeakMap<Queue, Redis>();
export function testQueue(env: WorkerEnv): Queue {
  const connection = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(env.INGEST_QUEUE, { connection });
  connections.set(queue, connection);
  return queue;
}

/** Enqueues like the edge: job id = ingest id, the shared job options. */
export async function enqueue(queue: Queue, jobs: readonly IngestJob[]): Promise<void> {
  await queue.addBulk(
    jobs.map((data) => ({ name: INGEST_JOB_NAME, data, opts: { ...INGEST_JOB_OPTIONS, jobId: data.id } })),
  );
}

export async function dropQueue(queue: Queue): Promise<void> {
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  await connections
    .get(queue)
    ?.quit()
    .catch(() => undefined);
}

/** Ingest ids seen, and how many were seen more than once (at-least-once duplicates). */
export function idCounts(records: readonly ReadRecord[]): { ids: Set<string>; duplicates: number } {
  const ids = new Set<string>();
  let duplicates = 0;
  for (const r of records) {
    const id = r.headers["ingest-id"] ?? "";
    if (ids.has(id)) duplicates++;
    ids.add(id);
  }
  return { ids, duplicates };
}

/**
 * Ingest ids of every record of a topic, read with kcat (librdkafka, independent of kafkajs).
 * Headers only, so large topics fit (test/support's readAllKcat keeps whole values in a 1 MB
 * spawnSync buffer).
 */
export function ingestIdsKcat(
  brokers: string[],
  topic: string,
): { ids: Set<string>; duplicates: number; total: number } {
  const r = spawnSync(
    "kcat",
    ["-C", "-b", brokers.join(","), "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%h\\n"],
    {
      encoding: "utf8",
      timeout: 60_000,
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  if (r.error || r.status !== 0) throw new Error(`kcat failed: ${r.error?.message ?? r.stderr}`);
  const records = r.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const id = /(?:^|,)ingest-id=([^,]*)/.exec(line)?.[1] ?? "";
      return { headers: { "ingest-id": id } } as unknown as ReadRecord;
    });
  return { ...idCounts(records), total: records.length };
}
