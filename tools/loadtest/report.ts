/**
 * Turns a finished run's ledger into the report: counts that add up, throughput over time,
 * latency percentiles and histograms, the verdict against our targets and the reference
 * design. The same object is printed, written as JSON and drawn as HTML.
 */
import type { RedisCleanup } from "./cleanup.ts";
import { type Ledger, Outcome } from "./ledger.ts";
import { type HistogramBucket, histogram, type LatencySummary, quantileSorted, summarize } from "./stats.ts";

/** The issue's targets for this machine. */
export const TARGETS = { messages: 100_000, throughputMsgPerSec: 5000, p99EndToEndMs: 250, lost: 0 } as const;

/** What the reference design measured: 100,000 messages in about 30 minutes, 4–5 s each. */
export const REFERENCE = {
  messages: 100_000,
  durationS: 30 * 60,
  throughputMsgPerSec: 100_000 / (30 * 60),
  latencyMsLow: 4000,
  latencyMsHigh: 5000,
} as const;

export interface TimelinePoint {
  /** Second since the start of the run. */
  t: number;
  sent: number;
  acked: number;
  delivered: number;
  ackP50: number | null;
  ackP99: number | null;
  e2eP50: number | null;
  e2eP99: number | null;
}

export interface ProcessProfile {
  name: string;
  pid: number;
  /** Average and peak CPU over the run, in percent of one core. */
  cpuAvgPct: number;
  cpuMaxPct: number;
  /** Time its threads were runnable but waited for a CPU, in % of wall time (summed over threads). */
  runQueueWaitPct: number;
  rssMaxMb: number;
  /** CPU time used during the run. */
  cpuSeconds: number;
}

export interface RunReport {
  tool: "adt-stream loadtest";
  reportVersion: 1;
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    node: string;
    os: string;
    sharedNote: string | null;
  };
  options: Record<string, string | number | boolean | null>;
  counts: {
    messages: number;
    requests: number;
    sent: number;
    acknowledged: Record<string, number>;
    delivered: number;
    deliveredToEvents: number;
    deliveredToDlq: number;
    lost: number;
    /** Records beyond the first for a message (at-least-once redelivery). */
    duplicates: number;
    /** Delivered although the ACK was not AA (e.g. the ACK was lost in transit). */
    deliveredWithoutAa: number;
    notAnswered: number;
  };
  throughput: {
    durationS: number;
    sendMsgPerSec: number;
    ackMsgPerSec: number;
    deliveredMsgPerSec: number;
    /** Delivered/s averaged over the steady state (between the first and last 5 % of deliveries). */
    sustainedMsgPerSec: number;
    /**
     * CPU milliseconds per delivered message, summed over every process of the pipeline (edge,
     * workers, Redis, Kafka; not the load generator). Independent of other load on the machine.
     */
    pipelineCpuMsPerMessage: number | null;
    /** cores × 1000 / pipelineCpuMsPerMessage: the ceiling on this machine with nothing else running. */
    projectedMsgPerSecIdle: number | null;
  };
  latencyMs: { ack: LatencySummary; endToEnd: LatencySummary };
  histogramsMs: { ack: HistogramBucket[]; endToEnd: HistogramBucket[] };
  timeline: TimelinePoint[];
  profile: {
    processes: ProcessProfile[];
    eventLoopDelayMs: { p50: number; p99: number; max: number } | null;
    machine: { busyPct: number; othersPct: number; loadAverageMax: number } | null;
    notes: string[];
  };
  targets: typeof TARGETS;
  reference: typeof REFERENCE;
  verdict: {
    /** Correct and targets met. */
    pass: boolean;
    /** Nothing lost, everything sent and acknowledged AA. */
    correct: boolean;
    targetsMet: boolean;
    line: string;
    failures: string[];
    misses: string[];
  };
  /**
   * What the run removed from Redis after the report was built (only with a stack it started
   * itself; see cleanup.ts). Null until `runLoadtest` has stopped the stack.
   */
  redisCleanup: RedisCleanup | null;
}

const round = (n: number, digits = 1) =>
  Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n;

/** Per-second statistics over the run: what was sent, acknowledged and delivered each second. */
export function buildTimeline(ledger: Ledger): TimelinePoint[] {
  let last = 0;
  for (let i = 0; i < ledger.size; i++) {
    // Sent time too: a request that never got an answer still has a second it was sent in.
    for (const t of [ledger.sentAt[i], ledger.ackAt[i], ledger.recordAt[i], ledger.dlqAt[i]] as number[])
      if (t > last) last = t;
  }
  const seconds = Math.floor(last / 1000) + 1;
  const sent = new Array<number>(seconds).fill(0);
  const acked = new Array<number>(seconds).fill(0);
  const delivered = new Array<number>(seconds).fill(0);
  const ackBy: number[][] = Array.from({ length: seconds }, () => []);
  const e2eBy: number[][] = Array.from({ length: seconds }, () => []);
  for (let i = 0; i < ledger.size; i++) {
    const s = ledger.sentAt[i] as number;
    const a = ledger.ackAt[i] as number;
    const r = ledger.recordAt[i] as number;
    if (!Number.isNaN(s)) sent[Math.floor(s / 1000)]!++;
    if (!Number.isNaN(a)) {
      acked[Math.floor(a / 1000)]!++;
      ackBy[Math.floor(s / 1000)]!.push(a - s);
    }
    if (!Number.isNaN(r)) {
      delivered[Math.floor(r / 1000)]!++;
      e2eBy[Math.floor(s / 1000)]!.push(r - s);
    }
  }
  const q = (xs: number[], p: number) =>
    xs.length ? round(quantileSorted(Float64Array.from(xs).sort(), p), 2) : null;
  return sent.map((_, t) => ({
    t,
    sent: sent[t] ?? 0,
    acked: acked[t] ?? 0,
    delivered: delivered[t] ?? 0,
    ackP50: q(ackBy[t] ?? [], 0.5),
    ackP99: q(ackBy[t] ?? [], 0.99),
    e2eP50: q(e2eBy[t] ?? [], 0.5),
    e2eP99: q(e2eBy[t] ?? [], 0.99),
  }));
}

/**
 * Delivered messages per second between the seconds in which the first 5 % and the last 5 %
 * of deliveries happened: warm-up and the final partial second do not count, a mid-run stall
 * does (it is averaged in, not voted away by a median).
 */
export function sustainedRate(timeline: readonly TimelinePoint[], total: number): number {
  if (total === 0) return 0;
  let acc = 0;
  let from = -1;
  let to = -1;
  for (const p of timeline) {
    acc += p.delivered;
    if (from < 0 && acc >= total * 0.05) from = p.t;
    if (to < 0 && acc >= total * 0.95) to = p.t;
  }
  const window = timeline.filter((p) => p.t >= from && p.t <= to);
  if (window.length < 3) {
    const active = timeline.filter((p) => p.delivered > 0).length || 1;
    return total / active;
  }
  return window.reduce((a, p) => a + p.delivered, 0) / window.length;
}

export interface ReportInput {
  ledger: Ledger;
  requests: number;
  startedAt: Date;
  finishedAt: Date;
  command: string;
  machine: RunReport["machine"];
  options: RunReport["options"];
  profile: RunReport["profile"];
}

/**
 * Builds the report. Invariants (tested): sent = Σ acknowledged + notAnswered;
 * acknowledged.AA = delivered (of AA) + lost; delivered = deliveredToEvents + deliveredToDlq
 * (a message counts once, events first).
 */
export function buildReport(input: ReportInput): RunReport {
  const { ledger } = input;
  const acknowledged: Record<string, number> = { AA: 0, AE: 0, AR: 0, http_error: 0 };
  let sent = 0;
  let notAnswered = 0;
  let deliveredEvents = 0;
  let deliveredDlq = 0;
  let lost = 0;
  let duplicates = 0;
  let deliveredWithoutAa = 0;
  const ackSamples: number[] = [];
  const e2eSamples: number[] = [];
  let lastDelivery = 0;
  let lastAck = 0;
  for (let i = 0; i < ledger.size; i++) {
    const outcome = ledger.outcome[i] as number;
    if (outcome === Outcome.pending) continue;
    sent++;
    const s = ledger.sentAt[i] as number;
    const a = ledger.ackAt[i] as number;
    if (outcome === Outcome.network) notAnswered++;
    else if (outcome === Outcome.http) acknowledged.http_error = (acknowledged.http_error ?? 0) + 1;
    else {
      const name = outcome === Outcome.AA ? "AA" : outcome === Outcome.AE ? "AE" : "AR";
      acknowledged[name] = (acknowledged[name] ?? 0) + 1;
      ackSamples.push(a - s);
      if (a > lastAck) lastAck = a;
    }
    const ev = ledger.recordAt[i] as number;
    const dl = ledger.dlqAt[i] as number;
    const isDelivered = !Number.isNaN(ev) || !Number.isNaN(dl);
    const d = ledger.deliveries[i] as number;
    if (d > 1) duplicates += d - 1;
    if (outcome === Outcome.AA) {
      if (!Number.isNaN(ev)) deliveredEvents++;
      else if (!Number.isNaN(dl)) deliveredDlq++;
      else lost++;
    } else if (isDelivered) deliveredWithoutAa++;
    if (!Number.isNaN(ev)) {
      e2eSamples.push(ev - s);
      if (ev > lastDelivery) lastDelivery = ev;
    }
  }
  const delivered = deliveredEvents + deliveredDlq;
  const timeline = buildTimeline(ledger);
  const durationS = Math.max(lastDelivery, lastAck) / 1000;
  const lastSend = Math.max(0, ...timeline.filter((p) => p.sent > 0).map((p) => p.t + 1));
  const ack = summarize(ackSamples);
  const endToEnd = summarize(e2eSamples);
  const sustained = sustainedRate(timeline, e2eSamples.length);
  const pipelineCpu = input.profile.processes
    .filter((p) => !p.name.startsWith("loadtest"))
    .reduce((a, p) => a + p.cpuSeconds, 0);
  const cpuPerMsg =
    pipelineCpu > 0 && e2eSamples.length > 0 ? (pipelineCpu * 1000) / e2eSamples.length : null;

  // Correctness (nothing lost, everything accepted) decides the exit code; the performance
  // targets are reported next to it, and against the reference design.
  const failures: string[] = [];
  if (lost > 0) failures.push(`${lost} acknowledged message(s) never reached Kafka`);
  if ((acknowledged.AA ?? 0) < sent)
    failures.push(`${sent - (acknowledged.AA ?? 0)} message(s) not acknowledged AA`);
  if (sent < ledger.size) failures.push(`${ledger.size - sent} message(s) never sent`);
  const correct = failures.length === 0;
  const misses: string[] = [];
  if (sustained < TARGETS.throughputMsgPerSec)
    misses.push(
      `sustained ${Math.round(sustained).toLocaleString("en-US")} msg/s < ${TARGETS.throughputMsgPerSec.toLocaleString("en-US")}`,
    );
  if (!(endToEnd.p99 <= TARGETS.p99EndToEndMs))
    misses.push(`p99 send→Kafka ${round(endToEnd.p99)} ms > ${TARGETS.p99EndToEndMs} ms`);
  if (ledger.size < TARGETS.messages)
    misses.push(
      `${ledger.size.toLocaleString("en-US")} messages (targets are set for a ${TARGETS.messages.toLocaleString("en-US")}-message run)`,
    );
  const targetsMet = misses.length === 0;
  const pass = correct && targetsMet;
  const speedup = sustained / REFERENCE.throughputMsgPerSec;
  const refLatencyMid = (REFERENCE.latencyMsLow + REFERENCE.latencyMsHigh) / 2;
  const times = (x: number) => (x >= 10 ? String(Math.round(x)) : String(round(x, 1)));
  const latencyWords = !Number.isFinite(endToEnd.p99)
    ? "no send→Kafka latency measured"
    : endToEnd.p99 <= refLatencyMid
      ? `p99 ${times(refLatencyMid / endToEnd.p99)}× lower than the reference's typical latency`
      : `p99 ${times(endToEnd.p99 / refLatencyMid)}× the reference's typical latency`;
  const line =
    `VERDICT ${correct ? "PASS" : "FAIL"}: ${delivered.toLocaleString("en-US")}/${(acknowledged.AA ?? 0).toLocaleString("en-US")} acknowledged messages on Kafka, ` +
    `${lost} lost, ${duplicates} duplicate(s)${correct ? "" : ` (${failures.join("; ")})`}. ` +
    `Sustained ${Math.round(sustained).toLocaleString("en-US")} msg/s, p99 send→Kafka ${round(endToEnd.p99)} ms ` +
    `vs reference ≈ ${Math.round(REFERENCE.throughputMsgPerSec)} msg/s and 4–5 s ` +
    `(${Number.isFinite(speedup) ? times(speedup) : "–"}× the throughput; ${latencyWords}). ` +
    `Targets (≥ ${TARGETS.throughputMsgPerSec.toLocaleString("en-US")} msg/s, p99 ≤ ${TARGETS.p99EndToEndMs} ms, 0 lost): ` +
    (targetsMet ? "MET" : `NOT MET: ${misses.join("; ")}`);

  return {
    tool: "adt-stream loadtest",
    reportVersion: 1,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    command: input.command,
    machine: input.machine,
    options: input.options,
    counts: {
      messages: ledger.size,
      requests: input.requests,
      sent,
      acknowledged,
      delivered,
      deliveredToEvents: deliveredEvents,
      deliveredToDlq: deliveredDlq,
      lost,
      duplicates,
      deliveredWithoutAa,
      notAnswered,
    },
    throughput: {
      durationS: round(durationS, 2),
      sendMsgPerSec: round(sent / Math.max(lastSend, 1e-9), 0),
      ackMsgPerSec: round(ackSamples.length / Math.max(lastAck / 1000, 1e-9), 0),
      deliveredMsgPerSec: round(e2eSamples.length / Math.max(lastDelivery / 1000, 1e-9), 0),
      sustainedMsgPerSec: round(sustained, 0),
      pipelineCpuMsPerMessage: cpuPerMsg === null ? null : round(cpuPerMsg, 3),
      projectedMsgPerSecIdle: cpuPerMsg === null ? null : round((input.machine.cpus * 1000) / cpuPerMsg, 0),
    },
    latencyMs: { ack: roundSummary(ack), endToEnd: roundSummary(endToEnd) },
    histogramsMs: { ack: histogram(ackSamples), endToEnd: histogram(e2eSamples) },
    timeline,
    profile: input.profile,
    targets: TARGETS,
    reference: REFERENCE,
    verdict: { pass, correct, targetsMet, line, failures, misses },
    redisCleanup: null,
  };
}

function roundSummary(s: LatencySummary): LatencySummary {
  return {
    count: s.count,
    min: round(s.min, 2),
    mean: round(s.mean, 2),
    p50: round(s.p50, 2),
    p90: round(s.p90, 2),
    p95: round(s.p95, 2),
    p99: round(s.p99, 2),
    p999: round(s.p999, 2),
    max: round(s.max, 2),
  };
}

const n = (x: number) => x.toLocaleString("en-US");
const ms = (x: number) => (Number.isFinite(x) ? `${x} ms` : "-");

/** The human summary printed at the end of a run (the verdict line is last). */
export function formatSummary(r: RunReport): string {
  const c = r.counts;
  const acks = Object.entries(c.acknowledged)
    .filter(([k, v]) => v > 0 || k === "AA")
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(", ");
  const lat = (label: string, s: LatencySummary) =>
    `  ${label.padEnd(16)} p50 ${ms(s.p50)}  p90 ${ms(s.p90)}  p99 ${ms(s.p99)}  p99.9 ${ms(s.p999)}  max ${ms(s.max)}  (n=${n(s.count)})`;
  const lines = [
    "",
    "── adt-stream load test ──────────────────────────────────────────────",
    `  messages        ${n(c.messages)} in ${n(c.requests)} requests; sent ${n(c.sent)}`,
    `  acknowledged    ${acks}${c.notAnswered ? `; no answer ${n(c.notAnswered)}` : ""}`,
    `  delivered       ${n(c.delivered)} (events ${n(c.deliveredToEvents)}, dlq ${n(c.deliveredToDlq)})`,
    `  lost            ${n(c.lost)} (acknowledged AA, never on Kafka)`,
    `  duplicates      ${n(c.duplicates)}${c.deliveredWithoutAa ? `; delivered without AA ${n(c.deliveredWithoutAa)}` : ""}`,
    `  throughput      sustained ${n(r.throughput.sustainedMsgPerSec)} msg/s; overall send ${n(r.throughput.sendMsgPerSec)}, ack ${n(r.throughput.ackMsgPerSec)}, delivered ${n(r.throughput.deliveredMsgPerSec)} msg/s over ${r.throughput.durationS} s`,
    ...(r.throughput.pipelineCpuMsPerMessage !== null
      ? [
          `  CPU cost        ${r.throughput.pipelineCpuMsPerMessage} ms CPU per message across edge, workers, Redis and Kafka → at most ≈ ${n(r.throughput.projectedMsgPerSecIdle ?? 0)} msg/s on ${r.machine.cpus} idle cores`,
        ]
      : []),
    lat("ACK latency", r.latencyMs.ack),
    lat("send → Kafka", r.latencyMs.endToEnd),
  ];
  if (r.profile.processes.length) {
    lines.push("  CPU (% of one core: avg / max; run-queue wait = runnable but no CPU free):");
    for (const p of r.profile.processes)
      lines.push(
        `    ${p.name.padEnd(18)} ${String(p.cpuAvgPct).padStart(5)} / ${String(p.cpuMaxPct).padStart(5)}   wait ${String(p.runQueueWaitPct).padStart(5)}%   rss ${p.rssMaxMb} MB`,
      );
  }
  if (r.profile.eventLoopDelayMs)
    lines.push(
      `  load generator event-loop delay p50 ${r.profile.eventLoopDelayMs.p50} ms, p99 ${r.profile.eventLoopDelayMs.p99} ms, max ${r.profile.eventLoopDelayMs.max} ms`,
    );
  if (r.profile.machine)
    lines.push(
      `  machine         busy ${r.profile.machine.busyPct}% of all CPUs, ${r.profile.machine.othersPct}% by processes outside this run; load average max ${r.profile.machine.loadAverageMax}`,
    );
  for (const note of r.profile.notes) lines.push(`  note: ${note}`);
  if (r.redisCleanup) lines.push(`  redis           ${r.redisCleanup.note}`);
  lines.push("", r.verdict.line, "");
  return lines.join("\n");
}
