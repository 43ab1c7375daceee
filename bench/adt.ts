/**
 * ADT normalisation benchmark: `npm run bench:adt`.
 *
 * Over one generated ADT corpus (shared/hl7/testing/corpus.ts), side by side in one run:
 * - baseline: the reference design's work — @medplum/core parse + its four fields
 *   (MSH-3, PID-5.2 + PID-5.1, PID-3, PID-7);
 * - parse only: shared/hl7 `parseMessage` + the same four fields;
 * - ours: `parseMessage` + `toAdtEvent` (UTC profile, and a New York profile so every
 *   timestamp goes through the IANA conversion), then + zod validation + JSON.stringify, which
 *   is what a worker does per message.
 * Rounds are interleaved and the best per variant is reported. Env: BENCH_MESSAGES (2000),
 * BENCH_ROUND_MS (1000), BENCH_ROUNDS (3).
 */
import { Hl7Message as MedplumMessage } from "@medplum/core";
import { AdtEventSchema, DEFAULT_PROFILE, toAdtEvent, type VendorProfile } from "../shared/adt/index.ts";
import { parseMessage } from "../shared/hl7/index.ts";
import { generateAdtCorpus } from "../shared/hl7/testing/corpus.ts";

const messages = Number(process.env.BENCH_MESSAGES ?? 2000);
const roundMs = Number(process.env.BENCH_ROUND_MS ?? 1000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

const corpus = generateAdtCorpus({ count: messages });
const ingest = {
  id: "3b241101-e2bb-4255-8caf-4136c566a962",
  vendor: "demo",
  receivedAt: new Date().toISOString(),
  seq: 1,
};
const newYork: VendorProfile = { ...DEFAULT_PROFILE, timeZone: "America/New_York" };

type Work = (text: string) => number;

const variants: [string, Work][] = [
  [
    "baseline: @medplum/core + 4 fields",
    (t) => {
      const m = MedplumMessage.parse(t);
      const pid = m.getSegment("PID");
      const v = [
        m.getSegment("MSH")?.getField(3)?.toString(),
        `${pid?.getComponent(5, 2)} ${pid?.getComponent(5, 1)}`,
        pid?.getComponent(3, 1, undefined, 0),
        pid?.getField(7)?.toString(),
      ];
      return v.length;
    },
  ],
  [
    "shared/hl7 parse + 4 fields",
    (t) => {
      const m = parseMessage(t);
      const v = [m.get("MSH-3"), `${m.get("PID-5.2")} ${m.get("PID-5.1")}`, m.get("PID-3.1"), m.get("PID-7")];
      return v.length;
    },
  ],
  ["parse + toAdtEvent (UTC)", (t) => (toAdtEvent(parseMessage(t), DEFAULT_PROFILE, ingest).ok ? 1 : 0)],
  ["parse + toAdtEvent (New York)", (t) => (toAdtEvent(parseMessage(t), newYork, ingest).ok ? 1 : 0)],
  [
    "parse + toAdtEvent + zod + JSON (worker path)",
    (t) => {
      const r = toAdtEvent(parseMessage(t), newYork, ingest);
      return r.ok ? JSON.stringify(AdtEventSchema.parse(r.event)).length : 0;
    },
  ],
];

// Every variant must succeed on the corpus, or the figures compare different work.
const failures = corpus.filter((t) => !toAdtEvent(parseMessage(t), DEFAULT_PROFILE, ingest).ok).length;
if (failures > 0) console.warn(`warning: ${failures} corpus messages did not map (they still count)`);

const best = new Map<string, number>();
for (let r = 0; r < rounds; r++) {
  for (const [name, work] of variants) {
    let n = 0;
    let sink = 0;
    const start = performance.now();
    let now = start;
    while (now - start < roundMs) {
      for (const t of corpus) sink += work(t);
      n += corpus.length;
      now = performance.now();
    }
    if (sink === -1) console.log("unreachable");
    const rate = (n / (now - start)) * 1000;
    best.set(name, Math.max(best.get(name) ?? 0, rate));
  }
}

const base = best.get(variants[0]![0])!;
console.log(`\n## ADT normalisation: ${corpus.length} messages, best of ${rounds} × ${roundMs} ms`);
console.log(`| variant | msg/s | µs/msg | vs baseline |\n|---|---:|---:|---:|`);
for (const [name] of variants) {
  const rate = best.get(name)!;
  console.log(
    `| ${name} | ${Math.round(rate)} | ${(1e6 / rate).toFixed(1)} | ${(rate / base).toFixed(2)}× |`,
  );
}
