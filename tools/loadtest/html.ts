/**
 * The report as one self-contained HTML page: inline SVG charts (latency histogram,
 * throughput over time, latency over time), no scripts, no CDN, so it opens offline and can
 * be attached to a change ticket as it is.
 */
import type { RunReport, TimelinePoint } from "./report.ts";
import type { HistogramBucket } from "./stats.ts";

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const fmt = (n: number | null | undefined) =>
  n === null || n === undefined || Number.isNaN(n)
    ? "–"
    : n.toLocaleString("en-US", { maximumFractionDigits: 2 });

const W = 760;
const H = 240;
const PAD = { l: 80, r: 40, t: 20, b: 36 };

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function axis(max: number, side: "l" | "r", unit: string, color = "#444"): string {
  const x = side === "l" ? PAD.l : W - PAD.r;
  const anchor = side === "l" ? "end" : "start";
  const dx = side === "l" ? -6 : 6;
  let out = "";
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const y = H - PAD.b - ((H - PAD.t - PAD.b) * i) / 4;
    if (side === "l") out += `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y}" y2="${y}" stroke="#eee"/>`;
    out += `<text x="${x + dx}" y="${y + 4}" text-anchor="${anchor}" fill="${color}">${fmt(v)}</text>`;
  }
  const labelX = side === "l" ? 14 : W - 10;
  out += `<text transform="translate(${labelX},${H / 2}) rotate(-90)" text-anchor="middle" fill="${color}">${esc(unit)}</text>`;
  return out;
}

/** Bar chart of the latency histogram (bucket counts, log-like bucket bounds on the x axis). */
export function histogramSvg(title: string, buckets: readonly HistogramBucket[]): string {
  // Trim empty buckets at both ends so the bars use the width.
  let a = 0;
  let b = buckets.length - 1;
  while (a < b && (buckets[a]?.count ?? 0) === 0) a++;
  while (b > a && (buckets[b]?.count ?? 0) === 0) b--;
  const shown = buckets.slice(Math.max(0, a - 1), b + 2);
  const max = niceMax(Math.max(1, ...shown.map((x) => x.count)));
  const bw = (W - PAD.l - PAD.r) / Math.max(1, shown.length);
  const plotH = H - PAD.t - PAD.b;
  let bars = "";
  shown.forEach((bk, i) => {
    const h = (bk.count / max) * plotH;
    const x = PAD.l + i * bw;
    const label = bk.le === null ? "+Inf" : `≤${bk.le}`;
    bars += `<rect x="${x + 2}" y="${H - PAD.b - h}" width="${Math.max(1, bw - 4)}" height="${h}" fill="#3b7dd8"><title>${label} ms: ${fmt(bk.count)}</title></rect>`;
    bars += `<text x="${x + bw / 2}" y="${H - PAD.b + 14}" text-anchor="middle" font-size="10">${label}</text>`;
  });
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}">${axis(max, "l", "messages")}${bars}<text x="${W / 2}" y="${H - 4}" text-anchor="middle">latency bucket (ms)</text></svg></figure>`;
}

function polyline(
  points: readonly TimelinePoint[],
  value: (p: TimelinePoint) => number | null,
  max: number,
  tMax: number,
  color: string,
  dash = "",
): string {
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  const segs: string[] = [];
  let cur: string[] = [];
  for (const p of points) {
    const v = value(p);
    if (v === null) {
      if (cur.length) segs.push(cur.join(" "));
      cur = [];
      continue;
    }
    const x = PAD.l + (plotW * (p.t + 0.5)) / Math.max(1, tMax);
    const y = H - PAD.b - (Math.min(v, max) / max) * plotH;
    cur.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  }
  if (cur.length) segs.push(cur.join(" "));
  return segs
    .map(
      (s) =>
        `<polyline points="${s}" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`,
    )
    .join("");
}

function timeAxis(tMax: number): string {
  let out = "";
  const step = Math.max(1, Math.ceil(tMax / 10));
  for (let t = 0; t <= tMax; t += step) {
    const x = PAD.l + ((W - PAD.l - PAD.r) * t) / Math.max(1, tMax);
    out += `<text x="${x}" y="${H - PAD.b + 14}" text-anchor="middle" font-size="10">${t}s</text>`;
  }
  return out;
}

function legend(items: [string, string, string?][]): string {
  return `<div class="legend">${items
    .map(
      ([c, l, d]) =>
        `<span><svg width="24" height="10"><line x1="0" x2="24" y1="5" y2="5" stroke="${c}" stroke-width="2"${d ? ` stroke-dasharray="${d}"` : ""}/></svg> ${esc(l)}</span>`,
    )
    .join(" ")}</div>`;
}

/** Messages per second sent / acknowledged / delivered, per second of the run. */
export function throughputSvg(timeline: readonly TimelinePoint[], target: number): string {
  const tMax = Math.max(1, timeline.length);
  const max = niceMax(Math.max(target * 1.1, ...timeline.map((p) => Math.max(p.sent, p.acked, p.delivered))));
  const plotH = H - PAD.t - PAD.b;
  const ty = H - PAD.b - (target / max) * plotH;
  return `<figure><figcaption>Throughput over time (messages per second)</figcaption><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="throughput over time">${axis(max, "l", "msg/s")}${timeAxis(tMax)}<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${ty}" y2="${ty}" stroke="#c33" stroke-dasharray="6 4"/>${polyline(timeline, (p) => p.sent, max, tMax, "#999")}${polyline(timeline, (p) => p.acked, max, tMax, "#3b7dd8")}${polyline(timeline, (p) => p.delivered, max, tMax, "#2a9d55")}</svg>${legend(
    [
      ["#999", "sent"],
      ["#3b7dd8", "acknowledged"],
      ["#2a9d55", "delivered to Kafka"],
      ["#c33", `target ${target.toLocaleString("en-US")} msg/s`, "6 4"],
    ],
  )}</figure>`;
}

/** p50/p99 of ACK and send → Kafka latency, by the second the message was sent. */
export function latencySvg(timeline: readonly TimelinePoint[], target: number): string {
  const tMax = Math.max(1, timeline.length);
  const max = niceMax(Math.max(target * 1.1, ...timeline.map((p) => Math.max(p.e2eP99 ?? 0, p.ackP99 ?? 0))));
  const plotH = H - PAD.t - PAD.b;
  const ty = H - PAD.b - (target / max) * plotH;
  return `<figure><figcaption>Latency over time (by second of sending)</figcaption><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="latency over time">${axis(max, "l", "ms")}${timeAxis(tMax)}<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${ty}" y2="${ty}" stroke="#c33" stroke-dasharray="6 4"/>${polyline(timeline, (p) => p.ackP50, max, tMax, "#3b7dd8", "3 3")}${polyline(timeline, (p) => p.ackP99, max, tMax, "#3b7dd8")}${polyline(timeline, (p) => p.e2eP50, max, tMax, "#2a9d55", "3 3")}${polyline(timeline, (p) => p.e2eP99, max, tMax, "#2a9d55")}</svg>${legend(
    [
      ["#3b7dd8", "ACK p50", "3 3"],
      ["#3b7dd8", "ACK p99"],
      ["#2a9d55", "send→Kafka p50", "3 3"],
      ["#2a9d55", "send→Kafka p99"],
      ["#c33", `target p99 ${target} ms`, "6 4"],
    ],
  )}</figure>`;
}

/**
 * @example writeFileSync("reports/run.html", renderHtml(report));
 */
export function renderHtml(r: RunReport): string {
  const c = r.counts;
  const row = (k: string, v: string) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`;
  const lat = (label: string, s: RunReport["latencyMs"]["ack"]) =>
    `<tr><th>${esc(label)}</th><td>${fmt(s.p50)}</td><td>${fmt(s.p90)}</td><td>${fmt(s.p99)}</td><td>${fmt(s.p999)}</td><td>${fmt(s.max)}</td><td>${fmt(s.count)}</td></tr>`;
  const acks = Object.entries(c.acknowledged)
    .map(([k, v]) => `${esc(k)} ${fmt(v)}`)
    .join(", ");
  const procs = r.profile.processes
    .map(
      (p) =>
        `<tr><th>${esc(p.name)}</th><td>${p.pid}</td><td>${fmt(p.cpuAvgPct)}</td><td>${fmt(p.cpuMaxPct)}</td><td>${fmt(p.runQueueWaitPct)}</td><td>${fmt(p.cpuSeconds)}</td><td>${fmt(p.rssMaxMb)}</td></tr>`,
    )
    .join("");
  const opts = Object.entries(r.options)
    .map(([k, v]) => `<code>${esc(k)}=${esc(String(v))}</code>`)
    .join(" ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>adt-stream load test ${esc(r.startedAt)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:900px;color:#222;padding:0 12px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
.verdict{padding:12px 14px;border-radius:6px;font-weight:600}
.pass{background:#e6f5ea;border:1px solid #2a9d55}.fail{background:#fdecec;border:1px solid #c33}
table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 10px;text-align:right;border-bottom:1px solid #eee}th{text-align:left;font-weight:600}
figure{margin:16px 0}figcaption{font-weight:600;margin-bottom:4px}svg text{font-size:11px;font-family:inherit}
.legend{font-size:12px;color:#444}.legend span{margin-right:14px;white-space:nowrap}
code{background:#f4f4f4;padding:1px 4px;border-radius:3px;font-size:12px}
</style></head><body>
<h1>adt-stream load test</h1>
<p class="verdict ${r.verdict.pass ? "pass" : "fail"}">${esc(r.verdict.line)}</p>
<p>${esc(r.startedAt)} → ${esc(r.finishedAt)} · <code>${esc(r.command)}</code></p>
<h2>Counts</h2>
<table>
${row("messages / requests", `${fmt(c.messages)} / ${fmt(c.requests)}`)}
${row("sent", fmt(c.sent))}
${row("acknowledged", acks)}
${row("no answer", fmt(c.notAnswered))}
${row("delivered (events / dlq)", `${fmt(c.delivered)} (${fmt(c.deliveredToEvents)} / ${fmt(c.deliveredToDlq)})`)}
${row("lost (AA, never on Kafka)", fmt(c.lost))}
${row("duplicates", fmt(c.duplicates))}
${row("delivered without AA", fmt(c.deliveredWithoutAa))}
</table>
<h2>Throughput</h2>
<table>
${row("sustained (delivered/s, steady state)", `${fmt(r.throughput.sustainedMsgPerSec)} msg/s`)}
${row("overall send / ack / delivered", `${fmt(r.throughput.sendMsgPerSec)} / ${fmt(r.throughput.ackMsgPerSec)} / ${fmt(r.throughput.deliveredMsgPerSec)} msg/s`)}
${row("duration", `${fmt(r.throughput.durationS)} s`)}
${r.throughput.pipelineCpuMsPerMessage !== null ? row("pipeline CPU per message", `${fmt(r.throughput.pipelineCpuMsPerMessage)} ms → at most ≈ ${fmt(r.throughput.projectedMsgPerSecIdle)} msg/s on ${fmt(r.machine.cpus)} idle cores`) : ""}
${row("reference design", `≈ ${fmt(Math.round(r.reference.throughputMsgPerSec))} msg/s, 4–5 s per message`)}
</table>
${throughputSvg(r.timeline, r.targets.throughputMsgPerSec)}
<h2>Latency (ms)</h2>
<table><tr><th></th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>n</th></tr>
${lat("ACK", r.latencyMs.ack)}
${lat("send → Kafka record", r.latencyMs.endToEnd)}
</table>
${histogramSvg("send → Kafka latency histogram", r.histogramsMs.endToEnd)}
${histogramSvg("ACK latency histogram", r.histogramsMs.ack)}
${latencySvg(r.timeline, r.targets.p99EndToEndMs)}
<h2>Where the time goes</h2>
${procs ? `<table><tr><th>process</th><th>pid</th><th>CPU avg %</th><th>CPU max %</th><th>run-queue wait %</th><th>CPU s</th><th>RSS max MB</th></tr>${procs}</table>` : "<p>No process profile (external system).</p>"}
${r.profile.eventLoopDelayMs ? `<p>Load generator event-loop delay: p50 ${fmt(r.profile.eventLoopDelayMs.p50)} ms, p99 ${fmt(r.profile.eventLoopDelayMs.p99)} ms, max ${fmt(r.profile.eventLoopDelayMs.max)} ms.</p>` : ""}
${r.profile.machine ? `<p>Machine: busy ${fmt(r.profile.machine.busyPct)}% of all CPUs, ${fmt(r.profile.machine.othersPct)}% by processes outside this run; load average up to ${fmt(r.profile.machine.loadAverageMax)}.</p>` : ""}
${r.profile.notes.map((n) => `<p>${esc(n)}</p>`).join("")}
<h2>Machine and options</h2>
<p>${fmt(r.machine.cpus)} × ${esc(r.machine.cpuModel)}, ${fmt(r.machine.memoryGb)} GB, Node ${esc(r.machine.node)}, ${esc(r.machine.os)}${r.machine.sharedNote ? ` — ${esc(r.machine.sharedNote)}` : ""}</p>
<p>${opts}</p>
</body></html>
`;
}
