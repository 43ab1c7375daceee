/**
 * The live progress line of a load test: a bar over messages delivered to Kafka, counts,
 * current rate and recent p99s. Redrawn in place on a terminal; on a pipe (CI, tests) one
 * plain line every few seconds instead.
 */
import { RecentWindow } from "./stats.ts";

export interface ProgressCounters {
  total: number;
  sent: number;
  acked: number;
  delivered: number;
}

export class Progress {
  readonly ackWindow = new RecentWindow(2048);
  readonly e2eWindow = new RecentWindow(2048);
  readonly #tty: boolean;
  readonly #out: NodeJS.WriteStream;
  readonly #counters: () => ProgressCounters;
  readonly #extra: () => string;
  #timer: NodeJS.Timeout | undefined;
  #lastDelivered = 0;
  #lastAt = 0;

  constructor(
    counters: () => ProgressCounters,
    opts: { out?: NodeJS.WriteStream; extra?: () => string } = {},
  ) {
    this.#out = opts.out ?? process.stderr;
    this.#tty = this.#out.isTTY === true;
    this.#counters = counters;
    this.#extra = opts.extra ?? (() => "");
  }

  start(): void {
    this.#lastAt = performance.now();
    this.#timer = setInterval(() => this.#render(), this.#tty ? 250 : 5000);
    this.#timer.unref();
  }

  #render(): void {
    const c = this.#counters();
    const now = performance.now();
    const rate = ((c.delivered - this.#lastDelivered) * 1000) / Math.max(1, now - this.#lastAt);
    this.#lastDelivered = c.delivered;
    this.#lastAt = now;
    const frac = c.total ? c.delivered / c.total : 0;
    const width = 24;
    const filled = Math.min(width, Math.round(frac * width));
    const n = (x: number) => Math.round(x).toLocaleString("en-US");
    const p = (w: RecentWindow) => {
      const v = w.quantile(0.99);
      return Number.isNaN(v) ? "–" : `${n(v)} ms`;
    };
    const extra = this.#extra();
    const line =
      `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}% ` +
      `sent ${n(c.sent)}/${n(c.total)} · acked ${n(c.acked)} · on Kafka ${n(c.delivered)} · ${n(rate)} msg/s · ` +
      `p99 ack ${p(this.ackWindow)} · p99 send→Kafka ${p(this.e2eWindow)}${extra ? ` · ${extra}` : ""}`;
    this.ackWindow.clear();
    this.e2eWindow.clear();
    if (this.#tty) this.#out.write(`\r\x1b[2K${line.slice(0, (this.#out.columns ?? 200) - 1)}`);
    else this.#out.write(`${line}\n`);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#render();
    if (this.#tty) this.#out.write("\n");
  }
}
