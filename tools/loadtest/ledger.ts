/**
 * Per-message bookkeeping of a load test run in flat typed arrays (one slot per message), so
 * 100,000 messages cost a few megabytes and no per-message objects the GC must chase.
 * Times are milliseconds on the run's clock (`performance.now()` minus the run start).
 */

/** Outcome of one message as the sender saw it. Index into `OUTCOME_NAMES`. */
export const Outcome = {
  pending: 0,
  AA: 1,
  AE: 2,
  AR: 3,
  /** HTTP answer without an ACK for this message (401, 413, 429, 5xx without body, ...). */
  http: 4,
  /** No HTTP answer at all (connection refused/reset, timeout). */
  network: 5,
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];
export const OUTCOME_NAMES = ["pending", "AA", "AE", "AR", "http_error", "network_error"] as const;

export class Ledger {
  /** When the request carrying the message was (scheduled to be) sent. */
  readonly sentAt: Float64Array;
  /** When its ACK arrived. */
  readonly ackAt: Float64Array;
  /** When its record was first read from an events topic. */
  readonly recordAt: Float64Array;
  /** When its record was first read from a DLQ topic. */
  readonly dlqAt: Float64Array;
  readonly outcome: Uint8Array;
  /** HTTP status of the answer (0 = none). */
  readonly httpStatus: Uint16Array;
  /** Records read per message (events + dlq); more than 1 is an at-least-once duplicate. */
  readonly deliveries: Uint16Array;
  readonly vendorIndex: Uint8Array;
  /** Records whose control id carried our run prefix but no valid index. */
  strayRecords = 0;

  constructor(readonly size: number) {
    this.sentAt = new Float64Array(size).fill(Number.NaN);
    this.ackAt = new Float64Array(size).fill(Number.NaN);
    this.recordAt = new Float64Array(size).fill(Number.NaN);
    this.dlqAt = new Float64Array(size).fill(Number.NaN);
    this.outcome = new Uint8Array(size);
    this.httpStatus = new Uint16Array(size);
    this.deliveries = new Uint16Array(size);
    this.vendorIndex = new Uint8Array(size);
  }

  /** Records a Kafka record for message `i`; returns false for a duplicate delivery. */
  delivered(i: number, kind: "events" | "dlq", at: number): boolean {
    if (i < 0 || i >= this.size || !Number.isInteger(i)) {
      this.strayRecords++;
      return false;
    }
    this.deliveries[i] = (this.deliveries[i] ?? 0) + 1;
    const slot = kind === "events" ? this.recordAt : this.dlqAt;
    if (!Number.isNaN(slot[i] as number)) return false;
    slot[i] = at;
    return this.deliveries[i] === 1;
  }
}

/**
 * Control ids of a run: `<prefix><index base36>`. The prefix makes records of other runs
 * (or of a developer's `npm start`) on the same topics easy to ignore.
 *
 * @example
 * const ids = new ControlIds("LTk3f9a");
 * ids.indexOf(ids.make(42)); // 42
 */
export class ControlIds {
  constructor(readonly prefix: string) {}
  make(index: number): string {
    return this.prefix + index.toString(36);
  }
  /** The message index, or -1 when the id is not one of this run's. */
  indexOf(controlId: string): number {
    if (!controlId.startsWith(this.prefix)) return -1;
    const rest = controlId.slice(this.prefix.length);
    if (!/^[0-9a-z]+$/.test(rest)) return -1;
    return Number.parseInt(rest, 36);
  }
}
