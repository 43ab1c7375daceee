/**
 * HL7 parser benchmark: `npm run bench:hl7`.
 *
 * Parses the same generated ADT corpus with shared/hl7 and three npm parsers in one run and
 * reads the same thirteen typical ADT fields from each message, then prints messages/s and MB/s
 * side by side with our ratio to each, by wall clock and by process CPU time. Rounds are
 * interleaved and the best round per parser is reported, so a noisy neighbour penalises every
 * parser alike.
 *
 * Options (env): BENCH_MESSAGES (default 2000), BENCH_ROUND_MS (default 1000), BENCH_ROUNDS (default 3).
 */
import { Hl7Message as MedplumMessage } from "@medplum/core";
import { Message as NodeHl7Message } from "node-hl7-client";
import simpleHl7 from "simple-hl7";
import { parseMessage } from "../shared/hl7/index.ts";
import { generateAdtCorpus } from "../shared/hl7/testing/corpus.ts";

/** Reads the thirteen fields; returns them so results can be compared across parsers. */
type Reader = (text: string) => (string | undefined)[];

const PATHS = [
  "MSH-9.1",
  "MSH-9.2",
  "MSH-10",
  "MSH-7",
  "PID-3[1].1",
  "PID-3[1].4",
  "PID-5.1",
  "PID-5.2",
  "PID-7",
  "PID-8",
  "PV1-2",
  "PV1-3.1",
  "PV1-44",
];

const ours: Reader = (text) => {
  const m = parseMessage(text);
  return PATHS.map((p) => m.get(p));
};

const medplum: Reader = (text) => {
  const m = MedplumMessage.parse(text);
  const msh = m.getSegment("MSH");
  const pid = m.getSegment("PID");
  const pv1 = m.getSegment("PV1");
  return [
    msh?.getComponent(9, 1),
    msh?.getComponent(9, 2),
    msh?.getField(10)?.toString(),
    msh?.getField(7)?.toString(),
    pid?.getComponent(3, 1, undefined, 0),
    pid?.getComponent(3, 4, undefined, 0),
    pid?.getComponent(5, 1),
    pid?.getComponent(5, 2),
    pid?.getField(7)?.toString(),
    pid?.getField(8)?.toString(),
    pv1?.getField(2)?.toString(),
    pv1?.getComponent(3, 1),
    pv1?.getField(44)?.toString(),
  ];
};

const simpleParser = new simpleHl7.Parser();
const simple: Reader = (text) => {
  const m = simpleParser.parse(text);
  const h = m.header; // simple-hl7 numbers header fields from MSH-3 = 1
  const pid = m.getSegment("PID");
  const pv1 = m.getSegment("PV1");
  return [
    h.getComponent(7, 1),
    h.getComponent(7, 2),
    h.getField(8),
    h.getField(5),
    pid.getComponent(3, 1),
    pid.getComponent(3, 4),
    pid.getComponent(5, 1),
    pid.getComponent(5, 2),
    pid.getField(7),
    pid.getField(8),
    pv1.getField(2),
    pv1.getComponent(3, 1),
    pv1.getField(44),
  ];
};

const nodeHl7Paths = [
  "MSH.9.1",
  "MSH.9.2",
  "MSH.10",
  "MSH.7",
  "PID.3[1].1",
  "PID.3[1].4",
  "PID.5.1",
  "PID.5.2",
  "PID.7",
  "PID.8",
  "PV1.2",
  "PV1.3.1",
  "PV1.44",
];
const nodeHl7: Reader = (text) => {
  const m = new NodeHl7Message({ text });
  return nodeHl7Paths.map((p) => m.get(p).toString());
};

const PARSERS: [string, Reader][] = [
  ["shared/hl7 (ours)", ours],
  ["@medplum/core", medplum],
  ["simple-hl7", simple],
  ["node-hl7-client", nodeHl7],
];

interface Result {
  name: string;
  msgPerSec: number;
  mbPerSec: number;
  msgPerCpuSec: number;
}

/**
 * Process CPU time in ms (user + system, all threads, so GC helper threads count). The VM is
 * shared with other jobs: wall-clock rates measure what a parser achieved with the CPU it was
 * given, CPU rates what it costs. Both are printed; on an idle machine they differ mainly by
 * GC work done on the second core.
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Round {
  messages: number;
  wallMs: number;
  cpuMs: number;
}

function runRound(read: Reader, corpus: string[], roundMs: number): Round {
  let messages = 0;
  let sink = 0;
  const cpuStart = cpuMs();
  const start = performance.now();
  let now = start;
  while (now - start < roundMs) {
    for (const text of corpus) {
      const values = read(text);
      sink += values.length;
    }
    messages += corpus.length;
    now = performance.now();
  }
  if (sink === -1) console.log("unreachable"); // keeps the reads observable
  return { messages, wallMs: now - start, cpuMs: cpuMs() - cpuStart };
}

function bench(title: string, corpus: string[], rounds: number, roundMs: number): void {
  const bytes = corpus.reduce((n, m) => n + new TextEncoder().encode(m).length, 0);
  const avg = bytes / corpus.length;
  console.log(`\n## ${title}: ${corpus.length} messages, avg ${Math.round(avg)} bytes`);
  checkAgreement(corpus);
  for (const [, read] of PARSERS) runRound(read, corpus.slice(0, 200), 150); // warm-up / JIT
  const bestWall = new Map<string, number>();
  const bestCpu = new Map<string, number>();
  for (let r = 0; r < rounds; r++) {
    for (const [name, read] of PARSERS) {
      const round = runRound(read, corpus, roundMs);
      bestWall.set(name, Math.max(bestWall.get(name) ?? 0, (round.messages / round.wallMs) * 1000));
      bestCpu.set(name, Math.max(bestCpu.get(name) ?? 0, (round.messages / round.cpuMs) * 1000));
    }
  }
  const results: Result[] = PARSERS.map(([name]) => {
    const msgPerSec = bestWall.get(name) ?? 0;
    return { name, msgPerSec, mbPerSec: (msgPerSec * avg) / 1e6, msgPerCpuSec: bestCpu.get(name) ?? 0 };
  });
  const ours0 = results[0]!;
  const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
  console.log("| parser | messages/s | MB/s | ours ÷ this | messages/CPU-s | ours ÷ this (CPU) |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const r of results) {
    console.log(
      `| ${r.name} | ${fmt(r.msgPerSec)} | ${r.mbPerSec.toFixed(1)} | ${(ours0.msgPerSec / r.msgPerSec).toFixed(2)}× | ${fmt(r.msgPerCpuSec)} | ${(ours0.msgPerCpuSec / r.msgPerCpuSec).toFixed(2)}× |`,
    );
  }
  const fastestOther = Math.max(...results.slice(1).map((r) => r.msgPerSec));
  console.log(`ours vs fastest other (wall clock): ${(ours0.msgPerSec / fastestOther).toFixed(2)}×`);
}

/** Prints how often each parser's thirteen values differ from ours (escapes and absent values normalised). */
function checkAgreement(corpus: string[]): void {
  const sample = corpus.slice(0, 500);
  const notes: string[] = [];
  for (const [name, read] of PARSERS.slice(1)) {
    let differing = 0;
    for (const text of sample) {
      const a = ours(text).map((v) => v ?? "");
      const b = read(text).map((v) => v ?? "");
      // Ours decodes escapes (\T\ → &); the others return raw text. Compare raw forms.
      if (a.some((v, i) => v !== b[i] && v !== (b[i] ?? "").replace(/\\T\\/g, "&"))) differing++;
    }
    notes.push(`${name}: ${differing}/${sample.length} messages differ`);
  }
  console.log(`field agreement with ours on the first ${sample.length}: ${notes.join("; ")}`);
}

const count = Number(process.env.BENCH_MESSAGES ?? 2000);
const roundMs = Number(process.env.BENCH_ROUND_MS ?? 1000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
console.log(
  `# HL7 parser benchmark (node ${process.version}, ${rounds} interleaved rounds × ${roundMs} ms per parser, best round)`,
);
bench("typical ADT", generateAdtCorpus({ count, seed: 42, escapeRate: 0.1 }), rounds, roundMs);
bench(
  "ADT with embedded documents (each message has a 10% chance of a 256 KiB base64 PDF)",
  generateAdtCorpus({
    count: Math.max(50, Math.floor(count / 10)),
    seed: 43,
    documentRate: 0.1,
    documentBytes: 256 * 1024,
  }),
  rounds,
  roundMs,
);
