import { formatTimestamp, newControlId } from "./ack.ts";
import { DEFAULT_DELIMITERS, encodingCharacters, type Hl7Delimiters, readDelimiters } from "./delimiters.ts";
import { Hl7ErrorCode, Hl7ParseError } from "./errors.ts";

/** One BHS…BTS batch (or the implicit batch of a bare multi-MSH stream). */
export interface Hl7BatchGroup {
  /** BHS segment text, when present. */
  readonly header: string | undefined;
  /** BTS segment text, when present. */
  readonly trailer: string | undefined;
  /** Each message as ER7 text, every segment followed by `\r`. */
  readonly messages: string[];
}

export interface Hl7Batch {
  /** FHS segment text, when present. */
  readonly fileHeader: string | undefined;
  /** FTS segment text, when present. */
  readonly fileTrailer: string | undefined;
  readonly batches: Hl7BatchGroup[];
  /** All messages of all batches, in order. */
  readonly messages: string[];
}

interface MutableGroup {
  header: string | undefined;
  trailer: string | undefined;
  messages: string[];
}

/**
 * Splits a batch file (`FHS`/`BHS`…`BTS`/`FTS`), a single batch, or a bare stream of several
 * MSH messages into messages. Checks BTS-1 (message count) and FTS-1 (batch count) when they
 * are valued. Messages are returned as text (parse each with `parseMessage`), so one bad
 * message does not reject its neighbours. A single plain message gives a batch of one.
 *
 * @example
 * const { messages } = splitBatch(body);
 * for (const m of messages) handle(parseMessage(m));
 */
export function splitBatch(input: string): Hl7Batch {
  const lines = segmentLines(input);
  if (lines.length === 0) throw new Hl7ParseError(Hl7ErrorCode.EMPTY, "input is empty");
  let fileHeader: string | undefined;
  let fileTrailer: string | undefined;
  const batches: MutableGroup[] = [];
  let group: MutableGroup | undefined;
  let message: string[] | undefined;
  const flush = (): void => {
    if (message !== undefined && group !== undefined) group.messages.push(`${message.join("\r")}\r`);
    message = undefined;
  };
  const fail = (code: Hl7ErrorCode, reason: string, index: number, name: string | undefined): never => {
    throw new Hl7ParseError(code, reason, { segmentIndex: index + 1, segmentName: name });
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const name = line.slice(0, 3);
    if (fileTrailer !== undefined)
      fail(Hl7ErrorCode.BAD_BATCH_STRUCTURE, "segment after FTS", i, safeName(name));
    switch (name) {
      case "FHS":
        if (i !== 0) fail(Hl7ErrorCode.BAD_BATCH_STRUCTURE, "FHS is not the first segment", i, name);
        readDelimiters(line, 0, line.length, "FHS");
        fileHeader = line;
        break;
      case "BHS":
        flush();
        if (
          group !== undefined &&
          group.trailer === undefined &&
          (group.header !== undefined || group.messages.length > 0)
        ) {
          fail(Hl7ErrorCode.BAD_BATCH_STRUCTURE, "BHS before the previous batch's BTS", i, name);
        }
        readDelimiters(line, 0, line.length, "BHS");
        group = { header: line, trailer: undefined, messages: [] };
        batches.push(group);
        break;
      case "MSH":
        flush();
        if (group === undefined || group.trailer !== undefined) {
          if (group !== undefined)
            fail(Hl7ErrorCode.BAD_BATCH_STRUCTURE, "MSH after BTS without a new BHS", i, name);
          group = { header: undefined, trailer: undefined, messages: [] };
          batches.push(group);
        }
        message = [line];
        break;
      case "BTS": {
        flush();
        if (group === undefined || group.trailer !== undefined)
          fail(Hl7ErrorCode.BAD_BATCH_STRUCTURE, "BTS without a batch", i, name);
        const g = group as MutableGroup;
        g.trailer = line;
        checkCount(
          line,
          g.messages.length,
          "BTS-1 does not match the number of messages in the batch",
          i,
          name,
        );
        break;
      }
      case "FTS":
        flush();
        if (fileHeader === undefined) fail(Hl7ErrorCode.BAD_BATCH_STRUCTURE, "FTS without FHS", i, name);
        if (group !== undefined && group.header !== undefined && group.trailer === undefined) {
          fail(Hl7ErrorCode.BAD_BATCH_STRUCTURE, "FTS before the batch's BTS", i, name);
        }
        fileTrailer = line;
        checkCount(line, batches.length, "FTS-1 does not match the number of batches in the file", i, name);
        break;
      default:
        if (message === undefined) {
          fail(
            i === 0 ? Hl7ErrorCode.NO_MSH : Hl7ErrorCode.BAD_BATCH_STRUCTURE,
            "segment outside a message",
            i,
            safeName(name),
          );
        }
        message!.push(line);
    }
  }
  flush();
  if (group !== undefined && group.header !== undefined && group.trailer === undefined) {
    // A batch opened with BHS must be closed; a missing BTS usually means a truncated upload.
    fail(Hl7ErrorCode.BAD_BATCH_STRUCTURE, "batch has no BTS", lines.length - 1, undefined);
  }
  if (fileHeader !== undefined && fileTrailer === undefined) {
    fail(Hl7ErrorCode.BAD_BATCH_STRUCTURE, "file has no FTS", lines.length - 1, undefined);
  }
  return { fileHeader, fileTrailer, batches, messages: batches.flatMap((b) => b.messages) };
}

function checkCount(line: string, actual: number, reason: string, index: number, name: string): void {
  const raw = (line.split(line.charAt(3))[1] ?? "").trim();
  if (raw === "") return;
  if (!/^\d+$/.test(raw) || Number(raw) !== actual) {
    throw new Hl7ParseError(Hl7ErrorCode.BATCH_COUNT_MISMATCH, reason, {
      segmentIndex: index + 1,
      segmentName: name,
      field: 1,
    });
  }
}

/** Garbage where a segment name should be could be patient data: name it only if it looks like one. */
function safeName(name: string): string | undefined {
  return /^[A-Z][A-Z0-9]{2}$/.test(name) ? name : undefined;
}

function segmentLines(input: string): string[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  return text.split(/\r\n|\r|\n/).filter((l) => l.trim() !== "");
}

export interface BatchAckOptions {
  /** BHS-11 (and FHS-11) of the acknowledgement batch; default random. */
  controlId?: string;
  now?: Date;
}

/**
 * Wraps ACK messages (one per message of `batch`, in order, e.g. from `buildAck`) into a batch
 * acknowledgement: FHS (if the original had one) and one BHS…BTS per original batch, with
 * sender/receiver swapped, BHS-12/FHS-12 referencing the original BHS-11/FHS-11, and BTS-1/FTS-1
 * counts.
 *
 * @example
 * const batch = splitBatch(body);
 * const acks = batch.messages.map((m) => buildAck(m, "AA"));
 * const reply = buildBatchAck(batch, acks);
 */
export function buildBatchAck(
  batch: Hl7Batch,
  acks: readonly string[],
  options: BatchAckOptions = {},
): string {
  if (acks.length !== batch.messages.length) {
    throw new RangeError(`expected ${batch.messages.length} ACKs, got ${acks.length}`);
  }
  const now = formatTimestamp(options.now ?? new Date());
  const controlId = options.controlId ?? newControlId();
  const out: string[] = [];
  if (batch.fileHeader !== undefined) out.push(swappedHeader("FHS", batch.fileHeader, now, controlId));
  let next = 0;
  const groups =
    batch.batches.length > 0 ? batch.batches : [{ header: undefined, trailer: undefined, messages: [] }];
  for (const g of groups) {
    out.push(swappedHeader("BHS", g.header ?? batch.fileHeader, now, controlId));
    for (let k = 0; k < g.messages.length; k++) {
      const ack = acks[next++]!;
      out.push(ack.replace(/[\r\n]+$/, "").replace(/\r\n|\n/g, "\r"));
    }
    out.push(`BTS${delimitersOf(g.header ?? batch.fileHeader).field}${g.messages.length}`);
  }
  if (batch.fileHeader !== undefined) out.push(`FTS${delimitersOf(batch.fileHeader).field}${groups.length}`);
  return `${out.join("\r")}\r`;
}

function delimitersOf(header: string | undefined): Hl7Delimiters {
  if (header === undefined) return DEFAULT_DELIMITERS;
  try {
    return readDelimiters(header, 0, header.length, header.slice(0, 3)).delimiters;
  } catch {
    return DEFAULT_DELIMITERS;
  }
}

// FHS/BHS share MSH's layout for 1–8: -3/-4 sender, -5/-6 receiver, -7 time; -11 control id and
// -12 reference control id.
function swappedHeader(
  name: "FHS" | "BHS",
  original: string | undefined,
  now: string,
  controlId: string,
): string {
  const d = delimitersOf(original);
  const parts = original === undefined ? [] : original.split(d.field);
  const f = (n: number): string => parts[n - 1] ?? "";
  const fields = [name, encodingCharacters(d), f(5), f(6), f(3), f(4), now, "", "", "", controlId, f(11)];
  while (fields.length > 2 && fields[fields.length - 1] === "") fields.pop();
  return fields.join(d.field);
}
