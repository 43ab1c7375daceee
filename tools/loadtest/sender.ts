/**
 * Sends prepared requests over keep-alive HTTP connections, closed-loop (each connection sends
 * its next request when the previous ACK arrives: maximum throughput) or open-loop (arrivals
 * on a fixed schedule, whatever the system does: latency is then measured from the scheduled
 * time, so a stall cannot hide itself by slowing the sender, i.e. no coordinated omission).
 */
import http from "node:http";
import { scanAcks } from "./ack.ts";
import { type ControlIds, type Ledger, Outcome } from "./ledger.ts";

/** One HTTP request: one message, or one batch of `count` consecutive messages. */
export interface PreparedRequest {
  body: Buffer;
  vendor: number;
  /** Index of the first message it carries. */
  first: number;
  count: number;
}

export interface SenderOptions {
  url: URL;
  /** API key per vendor index. */
  keys: readonly string[];
  connections: number;
  /** Messages per second, open-loop; undefined = closed-loop as fast as ACKs come back. */
  rate: number | undefined;
  timeoutMs: number;
  /** Milliseconds on the run clock. */
  now: () => number;
  /** Called after each answered request (progress). */
  onAnswered?: (req: PreparedRequest) => void;
  /** Stops sending new requests when it returns true. */
  shouldStop?: () => boolean;
}

const OUTCOME_BY_CODE: Record<string, Outcome> = {
  AA: Outcome.AA,
  AE: Outcome.AE,
  AR: Outcome.AR,
  CA: Outcome.AA,
  CE: Outcome.AE,
  CR: Outcome.AR,
};

/**
 * Sends everything and resolves when every request has an answer (or failed).
 *
 * @example
 * await sendAll(requests, ledger, ids, { url, keys, connections: 32, rate: undefined, timeoutMs: 30_000, now });
 */
export async function sendAll(
  requests: readonly PreparedRequest[],
  ledger: Ledger,
  ids: ControlIds,
  opts: SenderOptions,
): Promise<void> {
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: opts.connections,
    maxFreeSockets: opts.connections,
    scheduling: "fifo",
  });
  const headersByVendor = opts.keys.map((key) => ({
    "content-type": "application/hl7-v2; charset=utf-8",
    authorization: `Bearer ${key}`,
  }));
  const path = opts.url.pathname + opts.url.search;

  const settle = (req: PreparedRequest, status: number, body: string | undefined) => {
    const at = opts.now();
    const end = req.first + req.count;
    for (let i = req.first; i < end; i++) {
      ledger.ackAt[i] = at;
      ledger.httpStatus[i] = status;
      ledger.outcome[i] = status === 0 ? Outcome.network : Outcome.http;
    }
    if (body) {
      for (const a of scanAcks(body)) {
        const i = ids.indexOf(a.controlId);
        if (i >= req.first && i < end) ledger.outcome[i] = OUTCOME_BY_CODE[a.code] ?? Outcome.http;
      }
    }
    opts.onAnswered?.(req);
  };

  const sendOne = (req: PreparedRequest, sentAt: number) =>
    new Promise<void>((resolve) => {
      // Stamped before sending: the record can be read from Kafka before this side has
      // processed the ACK, and its latency needs the send time then.
      for (let i = req.first; i < req.first + req.count; i++) ledger.sentAt[i] = sentAt;
      const r = http.request(
        {
          agent,
          protocol: opts.url.protocol,
          hostname: opts.url.hostname,
          port: opts.url.port,
          path,
          method: "POST",
          headers: { ...headersByVendor[req.vendor], "content-length": req.body.length },
          timeout: opts.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            settle(req, res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"));
            resolve();
          });
          res.on("error", () => {
            settle(req, 0, undefined);
            resolve();
          });
        },
      );
      r.on("timeout", () => r.destroy(new Error("request timed out")));
      r.on("error", () => {
        settle(req, 0, undefined);
        resolve();
      });
      r.end(req.body);
    });

  try {
    if (opts.rate === undefined) {
      let next = 0;
      const loop = async () => {
        while (next < requests.length && !opts.shouldStop?.()) {
          const req = requests[next++] as PreparedRequest;
          await sendOne(req, opts.now());
        }
      };
      await Promise.all(Array.from({ length: opts.connections }, loop));
    } else {
      await openLoop(requests, opts.rate, opts, sendOne);
    }
  } finally {
    agent.destroy();
  }
}

async function openLoop(
  requests: readonly PreparedRequest[],
  rate: number,
  opts: SenderOptions,
  sendOne: (req: PreparedRequest, sentAt: number) => Promise<void>,
): Promise<void> {
  const start = opts.now();
  const inFlight = new Set<Promise<void>>();
  let messages = 0;
  let next = 0;
  while (next < requests.length && !opts.shouldStop?.()) {
    const now = opts.now();
    // Dispatch every request whose arrival time has come; the schedule, not the answers, sets the pace.
    while (next < requests.length) {
      const req = requests[next] as PreparedRequest;
      const due = start + (messages * 1000) / rate;
      if (due > now) break;
      const p = sendOne(req, due).finally(() => inFlight.delete(p));
      inFlight.add(p);
      messages += req.count;
      next++;
    }
    const due = start + (messages * 1000) / rate;
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(5, due - opts.now()))));
  }
  await Promise.all(inFlight);
}
