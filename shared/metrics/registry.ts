/**
 * A small Prometheus text-format registry that runs in Node, Deno and workerd (prom-client is
 * Node-only). Label values must be bounded and free of PHI: vendor ids, outcomes, codes.
 */
type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labelKey = (names: readonly string[], labels: Labels) =>
  names.map((n) => labels[n] ?? "").join("\u0000");
const renderLabels = (names: readonly string[], values: string[], extra?: [string, string]) => {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? "")}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
};
const fmt = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? "+Inf" : n < 0 ? "-Inf" : "NaN");

interface Metric {
  render(): string;
}

export class Counter<L extends string = string> implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[] = [],
  ) {}
  inc(labels: Partial<Record<L, string>> = {}, by = 1): void {
    const k = labelKey(this.labelNames, labels as Labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Partial<Record<L, string>> = {}): number {
    return this.values.get(labelKey(this.labelNames, labels as Labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values)
      lines.push(`${this.name}${renderLabels(this.labelNames, k.split("\u0000"))} ${fmt(v)}`);
    return lines.join("\n");
  }
}

export class Gauge<L extends string = string> implements Metric {
  private readonly values = new Map<string, number>();
  private collector: (() => void | Promise<void>) | undefined;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[] = [],
  ) {}
  set(labels: Partial<Record<L, string>>, value: number): void {
    this.values.set(labelKey(this.labelNames, labels as Labels), value);
  }
  get(labels: Partial<Record<L, string>> = {}): number | undefined {
    return this.values.get(labelKey(this.labelNames, labels as Labels));
  }
  /** Called before each scrape, for values read on demand (queue depth). */
  onCollect(fn: () => void | Promise<void>): void {
    this.collector = fn;
  }
  async collect(): Promise<void> {
    await this.collector?.();
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [k, v] of this.values)
      lines.push(`${this.name}${renderLabels(this.labelNames, k.split("\u0000"))} ${fmt(v)}`);
    return lines.join("\n");
  }
}

/** Latency buckets in seconds, from 0.5 ms to 30 s. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

export class Histogram<L extends string = string> implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[] = [],
    readonly buckets: readonly number[] = LATENCY_BUCKETS,
  ) {}
  observe(labels: Partial<Record<L, string>>, value: number): void {
    const k = labelKey(this.labelNames, labels as Labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= (this.buckets[i] as number)) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  /** Estimated quantile (upper bound of the bucket that holds it), across all label sets. */
  quantile(q: number): number | undefined {
    const total = new Array(this.buckets.length).fill(0) as number[];
    let count = 0;
    for (const s of this.series.values()) {
      s.counts.forEach((c, i) => {
        total[i] = (total[i] ?? 0) + c;
      });
      count += s.count;
    }
    if (count === 0) return undefined;
    const rank = q * count;
    for (let i = 0; i < this.buckets.length; i++) if ((total[i] ?? 0) >= rank) return this.buckets[i];
    return Number.POSITIVE_INFINITY;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const values = k.split("\u0000");
      this.buckets.forEach((b, i) => {
        lines.push(
          `${this.name}_bucket${renderLabels(this.labelNames, values, ["le", fmt(b)])} ${s.counts[i]}`,
        );
      });
      lines.push(`${this.name}_bucket${renderLabels(this.labelNames, values, ["le", "+Inf"])} ${s.count}`);
      lines.push(`${this.name}_sum${renderLabels(this.labelNames, values)} ${fmt(s.sum)}`);
      lines.push(`${this.name}_count${renderLabels(this.labelNames, values)} ${s.count}`);
    }
    return lines.join("\n");
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];
  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.add(new Counter(name, help, labelNames));
  }
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return this.add(new Gauge(name, help, labelNames));
  }
  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets?: readonly number[],
  ): Histogram<L> {
    return this.add(new Histogram(name, help, labelNames, buckets));
  }
  private add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  /** Prometheus text exposition format 0.0.4. */
  async render(): Promise<string> {
    for (const m of this.metrics) if (m instanceof Gauge) await m.collect();
    return `${this.metrics.map((m) => m.render()).join("\n")}\n`;
  }
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
