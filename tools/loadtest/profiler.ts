/**
 * Samples CPU and memory of the processes of a run (edge, workers, Redis, Kafka, the load
 * generator itself) from /proc once a second, and the load generator's event-loop delay, so
 * a report can say which process saturates. Linux only; elsewhere it reports nothing.
 */
import { readdirSync, readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { ProcessProfile } from "./report.ts";

const CLOCK_TICKS = 100; // USER_HZ on Linux x86-64 and arm64
const PAGE_BYTES = 4096;

function readTicks(pid: number): { ticks: number; rssBytes: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may contain spaces; fields are counted after its closing parenthesis.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    const rssPages = Number(rest[21]);
    return { ticks: utime + stime, rssBytes: rssPages * PAGE_BYTES };
  } catch {
    return undefined;
  }
}

/**
 * Nanoseconds all threads of a process spent waiting in a run queue (runnable, but no CPU
 * free): on a shared machine this, not CPU%, shows a process starved by others.
 */
function readRunQueueWaitNs(pid: number): number | undefined {
  try {
    let wait = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        wait += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[1]);
      } catch {
        // the thread ended between listing and reading
      }
    }
    return wait;
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of all CPUs (first line of /proc/stat). */
function readMachineTicks(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

function readLoadAverage(): number | undefined {
  try {
    return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  } catch {
    return undefined;
  }
}

export interface MachineProfile {
  /** Busy share of all CPUs over the run, % (100 = every core busy). */
  busyPct: number;
  /** Of which by processes outside this run (other work on a shared machine), % of all CPUs. */
  othersPct: number;
  loadAverageMax: number;
}

export interface ProfiledProcess {
  name: string;
  pid: number;
}

export class Profiler {
  readonly #procs: ProfiledProcess[];
  readonly #samples = new Map<
    number,
    {
      firstTicks: number;
      lastTicks: number;
      lastAt: number;
      pct: number[];
      rssMax: number;
      lastWait: number;
      waitPct: number[];
    }
  >();
  #machineStart: { busy: number; total: number } | undefined;
  #ticksStart = 0;
  #loadMax = 0;
  readonly #eld = monitorEventLoopDelay({ resolution: 10 });
  #timer: NodeJS.Timeout | undefined;

  constructor(procs: ProfiledProcess[]) {
    this.#procs = procs.filter((p) => readTicks(p.pid) !== undefined);
  }

  start(): void {
    const now = performance.now();
    for (const p of this.#procs) {
      const t = readTicks(p.pid);
      if (t)
        this.#samples.set(p.pid, {
          firstTicks: t.ticks,
          lastTicks: t.ticks,
          lastAt: now,
          pct: [],
          rssMax: t.rssBytes,
          lastWait: readRunQueueWaitNs(p.pid) ?? 0,
          waitPct: [],
        });
      this.#ticksStart += t?.ticks ?? 0;
    }
    this.#machineStart = readMachineTicks();
    this.#eld.enable();
    this.#timer = setInterval(() => this.#sample(), 1000);
    this.#timer.unref();
  }

  #sample(): void {
    const now = performance.now();
    for (const p of this.#procs) {
      const s = this.#samples.get(p.pid);
      const t = readTicks(p.pid);
      if (!s || !t) continue;
      const cpuMs = ((t.ticks - s.lastTicks) * 1000) / CLOCK_TICKS;
      s.pct.push((cpuMs / (now - s.lastAt)) * 100);
      const wait = readRunQueueWaitNs(p.pid);
      if (wait !== undefined) {
        s.waitPct.push(((wait - s.lastWait) / 1e6 / (now - s.lastAt)) * 100);
        s.lastWait = wait;
      }
      s.lastTicks = t.ticks;
      s.lastAt = now;
      if (t.rssBytes > s.rssMax) s.rssMax = t.rssBytes;
    }
    const load = readLoadAverage();
    if (load !== undefined && load > this.#loadMax) this.#loadMax = load;
  }

  /** CPU % of the last completed second per process name (for the live status line). */
  lastCpu(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.#procs) {
      const pct = this.#samples.get(p.pid)?.pct;
      const last = pct?.[pct.length - 1];
      if (last !== undefined) out[p.name] = Math.round(last);
    }
    return out;
  }

  stop(): {
    processes: ProcessProfile[];
    eventLoopDelayMs: { p50: number; p99: number; max: number };
    machine: MachineProfile | undefined;
  } {
    if (this.#timer) clearInterval(this.#timer);
    this.#sample();
    this.#eld.disable();
    let machine: MachineProfile | undefined;
    const end = readMachineTicks();
    if (this.#machineStart && end && end.total > this.#machineStart.total) {
      const total = end.total - this.#machineStart.total;
      const busy = end.busy - this.#machineStart.busy;
      let ours = 0;
      for (const p of this.#procs) ours += readTicks(p.pid)?.ticks ?? 0;
      // Our processes' ticks (clock ticks) and /proc/stat jiffies share USER_HZ.
      const oursDelta = Math.max(0, ours - this.#ticksStart);
      machine = {
        busyPct: Math.round((busy / total) * 1000) / 10,
        othersPct: Math.round((Math.max(0, busy - oursDelta) / total) * 1000) / 10,
        loadAverageMax: this.#loadMax,
      };
    }
    const r1 = (n: number) => Math.round(n * 10) / 10;
    const processes = this.#procs.flatMap((p) => {
      const s = this.#samples.get(p.pid);
      if (!s?.pct.length) return [];
      // Busy seconds only: idle seconds before the first message would dilute the average.
      const busy = s.pct.filter((x) => x >= 1);
      const avg = busy.length ? busy.reduce((a, b) => a + b, 0) / busy.length : 0;
      const waits = s.waitPct.slice(0, s.pct.length).filter((_, i) => (s.pct[i] ?? 0) >= 1);
      const waitAvg = waits.length ? waits.reduce((a, b) => a + b, 0) / waits.length : 0;
      return [
        {
          name: p.name,
          pid: p.pid,
          cpuAvgPct: r1(avg),
          cpuMaxPct: r1(Math.max(...s.pct)),
          runQueueWaitPct: r1(waitAvg),
          cpuSeconds: r1((s.lastTicks - s.firstTicks) / CLOCK_TICKS),
          rssMaxMb: Math.round(s.rssMax / 1048576),
        },
      ];
    });
    return {
      processes,
      eventLoopDelayMs: {
        p50: r1(this.#eld.percentile(50) / 1e6),
        p99: r1(this.#eld.percentile(99) / 1e6),
        max: r1(this.#eld.max / 1e6),
      },
      machine,
    };
  }
}

/**
 * Plain-language notes on where the time went, from the profile: a process near 100 % of a
 * core is saturated (Node is single-threaded), and all processes together near the core
 * count means the machine is.
 */
export function profileNotes(
  processes: readonly ProcessProfile[],
  cores: number,
  machine?: MachineProfile,
): string[] {
  const notes: string[] = [];
  if (machine && machine.othersPct >= 15)
    notes.push(
      `the machine was shared: processes outside this run used ${machine.othersPct}% of all CPUs (machine busy ${machine.busyPct}%, load average up to ${machine.loadAverageMax} on ${cores} cores); the figures are lower than on a dedicated machine`,
    );
  for (const p of processes)
    if (p.runQueueWaitPct >= 20)
      notes.push(
        `${p.name} spent ${p.runQueueWaitPct}% of the time runnable but waiting for a CPU: it was starved, not slow`,
      );
  const total = processes.reduce((s, p) => s + p.cpuAvgPct, 0);
  for (const p of processes)
    if (p.cpuAvgPct >= 85)
      notes.push(
        `${p.name} ran at ${p.cpuAvgPct}% of a core on average: it is saturated (single event loop / thread)`,
      );
  if (total >= cores * 100 * 0.85)
    notes.push(
      `all processes together used ${Math.round(total)}% of ${cores * 100}%: the machine's CPUs are the limit, not one process`,
    );
  return notes;
}
