/**
 * The live status of a running stack from the edge's and workers' /metrics: messages/s in
 * (enqueued by the edge) and out (produced by workers), queue depth, p99 receipt → Kafka over
 * the last interval, DLQ records. Metric names are those of edge/metrics.ts and workers/metrics.ts.
 */
import { bucketsOf, parseProm, type Sample, sumOf, windowQuantile } from "./prom.ts";

export interface StatusSnapshot {
  at: number;
  inTotal: number;
  outTotal: number;
  dlqTotal: number;
  queueWaiting: number | undefined;
  e2eBuckets: Map<number, number>;
}

export interface StatusLine {
  inPerSec: number;
  outPerSec: number;
  queueWaiting: number | undefined;
  p99Ms: number | undefined;
  dlqTotal: number;
  inTotal: number;
  outTotal: number;
}

async function scrape(url: string): Promise<Sample[]> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok ? parseProm(await res.text()) : [];
  } catch {
    return [];
  }
}

/** One scrape of every process, summed. */
export async function snapshot(urls: { edge: string; workers: string[] }): Promise<StatusSnapshot> {
  const [edge, ...workers] = await Promise.all([scrape(urls.edge), ...urls.workers.map(scrape)]);
  const w = workers.flat();
  const waitingSamples = workers.map((s) =>
    s.find((x) => x.name === "adt_worker_queue_jobs" && x.labels.state === "waiting"),
  );
  // Every worker reports the same queue; take the largest (freshest) value rather than a sum.
  const waiting = waitingSamples.reduce<number | undefined>(
    (m, s) => (s ? Math.max(m ?? 0, s.value) : m),
    undefined,
  );
  return {
    at: performance.now(),
    inTotal: sumOf(edge ?? [], "edge_messages_enqueued_total"),
    outTotal:
      sumOf(w, "adt_worker_jobs_total", { outcome: "produced" }) +
      sumOf(w, "adt_worker_jobs_total", { outcome: "dlq" }),
    dlqTotal: sumOf(w, "adt_worker_dlq_records_total"),
    queueWaiting: waiting,
    e2eBuckets: bucketsOf(w, "adt_worker_end_to_end_seconds"),
  };
}

/** Rates between two snapshots. Counters restart at 0 with a process; negative deltas count as 0. */
export function statusBetween(a: StatusSnapshot, b: StatusSnapshot): StatusLine {
  const secs = Math.max(0.001, (b.at - a.at) / 1000);
  const p99 = windowQuantile(a.e2eBuckets, b.e2eBuckets, 0.99);
  return {
    inPerSec: Math.max(0, b.inTotal - a.inTotal) / secs,
    outPerSec: Math.max(0, b.outTotal - a.outTotal) / secs,
    queueWaiting: b.queueWaiting,
    p99Ms: p99 === undefined ? undefined : p99 * 1000,
    dlqTotal: b.dlqTotal,
    inTotal: b.inTotal,
    outTotal: b.outTotal,
  };
}

const n = (x: number) => Math.round(x).toLocaleString("en-US");

/** @example formatStatus(line) // "in 120 msg/s · out 118 msg/s · queue 3 · p99 receipt→Kafka ≤ 50 ms · DLQ 0 · total 1,234 in / 1,230 out" */
export function formatStatus(s: StatusLine): string {
  const p99 = s.p99Ms === undefined ? "–" : Number.isFinite(s.p99Ms) ? `≤ ${n(s.p99Ms)} ms` : "> 30 s";
  return (
    `in ${n(s.inPerSec)} msg/s · out ${n(s.outPerSec)} msg/s · queue ${s.queueWaiting === undefined ? "–" : n(s.queueWaiting)}` +
    ` · p99 receipt→Kafka ${p99} · DLQ ${n(s.dlqTotal)} · total ${n(s.inTotal)} in / ${n(s.outTotal)} out`
  );
}
