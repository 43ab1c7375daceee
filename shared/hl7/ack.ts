import { DEFAULT_DELIMITERS, encodingCharacters, type Hl7Delimiters } from "./delimiters.ts";
import { HL7_CONDITION_TEXT, Hl7ParseError } from "./errors.ts";
import { escapeHl7 } from "./escape.ts";
import { type Hl7Header, readHeader } from "./header.ts";
import type { Hl7Message } from "./message.ts";

// C0 controls except tab, and DEL (the same set parseMessage rejects).
const CONTROL_CHARS = /[^\t\x20-\x7e\x80-\uffff]/g;

/** MSA-1: original mode (AA/AE/AR) and enhanced-mode accept acknowledgements (CA/CE/CR). */
export type AckCode = "AA" | "AE" | "AR" | "CA" | "CE" | "CR";

/** One problem to report in an ERR segment. Positions are 1-based; texts must hold no PHI. */
export interface AckError {
  /** HL7 table 0357 code, e.g. 101 required field missing, 207 application internal error. */
  hl7ErrorCode: number;
  segmentName?: string | undefined;
  /** Occurrence of that segment name (defaults to 1 when a segment is named). */
  segmentSequence?: number | undefined;
  field?: number | undefined;
  /** Human-readable reason, never containing field values. */
  text?: string | undefined;
  /** ERR-4 (v2.5+): E error (default), W warning, I information, F fatal. */
  severity?: "E" | "W" | "I" | "F";
}

export interface AckOptions {
  /** MSH-10 of the ACK; default 20 random hex characters. */
  controlId?: string;
  /** MSH-7 of the ACK; default now. */
  now?: Date;
  /** Problems to report, one ERR segment each. An `Hl7ParseError` maps itself. */
  errors?: readonly (AckError | Hl7ParseError)[];
  /** MSA-3 text (not sent for v2.7+, where MSA-3 is withdrawn); defaults to the first error's text. No PHI. */
  text?: string;
  /** Our application/facility (raw ER7) when the original MSH-5/MSH-6 are empty. */
  sendingApplication?: string;
  sendingFacility?: string;
  /** MSH-12 when the original's version cannot be read; default "2.5". */
  defaultVersion?: string;
}

/**
 * Builds an acknowledgement for `original`: MSH-3/4 ↔ MSH-5/6 swapped, MSH-9 `ACK^<trigger>^ACK`,
 * a new MSH-10, the original's MSH-11/MSH-12, MSA-2 = original MSH-10, one ERR per error.
 * `original` may be a parsed message, a header from `readHeader`, or raw text/bytes — in the
 * latter case only MSH is read, so messages too broken to parse can still be answered (AR).
 * Returns ER7 text with `\r` after every segment, in the original's delimiters.
 *
 * @example
 * buildAck(parseMessage(body), "AA");
 * // on a parse failure:
 * catch (err) { if (err instanceof Hl7ParseError) return buildAck(body, "AR", { errors: [err] }); }
 */
export function buildAck(
  original: Hl7Message | Hl7Header | string | Uint8Array,
  code: AckCode,
  options: AckOptions = {},
): string {
  const header = headerOf(original);
  const d = header?.delimiters ?? DEFAULT_DELIMITERS;
  // When the original delimiters were unreadable, its fields are plain text to us: escape them.
  // Control characters are dropped: copied into the ACK they would make the ACK itself unreadable.
  const copy = (raw: string | undefined): string => {
    if (raw === undefined) return "";
    const clean = raw.replace(CONTROL_CHARS, "");
    return header?.delimitersValid === false ? escapeHl7(clean, d) : clean;
  };
  const trigger = header?.triggerEvent ?? "";
  const type = trigger === "" ? "ACK" : `ACK${d.component}${copy(trigger)}${d.component}ACK`;
  const version = header?.version || options.defaultVersion || "2.5";
  const msh = [
    "MSH",
    encodingCharacters(d),
    copy(header?.receivingApplication) || options.sendingApplication || "",
    copy(header?.receivingFacility) || options.sendingFacility || "",
    copy(header?.sendingApplication),
    copy(header?.sendingFacility),
    formatTimestamp(options.now ?? new Date()),
    "",
    type,
    options.controlId ?? newControlId(),
    copy(header?.processingId) || "P",
    copy(version),
  ].join(d.field);
  const errors = (options.errors ?? []).map(toAckError);
  const text = options.text ?? errors[0]?.text;
  const msa = ["MSA", code, copy(header?.controlId)];
  // MSA-3 was withdrawn in v2.7 (ERR-8 carries the text there); older receivers read it.
  if (text !== undefined && text !== "" && !versionAtLeast(version, 2, 7)) msa.push(escapeHl7(text, d));
  const segments = [msh, msa.join(d.field)];
  const modern = versionAtLeast(version, 2, 5);
  for (const e of errors) segments.push(modern ? errSegment25(e, d) : errSegmentLegacy(e, d));
  return `${segments.join("\r")}\r`;
}

function headerOf(original: Hl7Message | Hl7Header | string | Uint8Array): Hl7Header | undefined {
  if (typeof original === "string" || original instanceof Uint8Array) return readHeader(original);
  if ("delimitersValid" in original) return original;
  return readHeader(original.segmentText(0) ?? "");
}

function toAckError(e: AckError | Hl7ParseError): AckError {
  if (!(e instanceof Hl7ParseError)) return e;
  return {
    hl7ErrorCode: e.hl7ErrorCode,
    segmentName: e.segmentName,
    segmentSequence: e.segmentSequence,
    field: e.field,
    text: e.reason,
  };
}

function location(e: AckError, d: Hl7Delimiters, sep: string): string {
  if (e.segmentName === undefined) return "";
  const parts = [e.segmentName, String(e.segmentSequence ?? 1)];
  if (e.field !== undefined) parts.push(String(e.field));
  return escapeParts(parts, d).join(sep);
}

function escapeParts(parts: string[], d: Hl7Delimiters): string[] {
  return parts.map((p) => escapeHl7(p, d));
}

// v2.5+: ERR-2 location (ERL), ERR-3 code (CWE, table 0357), ERR-4 severity, ERR-8 user message.
function errSegment25(e: AckError, d: Hl7Delimiters): string {
  const codeText = HL7_CONDITION_TEXT[e.hl7ErrorCode] ?? "";
  const code = [String(e.hl7ErrorCode), escapeHl7(codeText, d), "HL70357"].join(d.component);
  const fields = [
    "ERR",
    "",
    location(e, d, d.component),
    code,
    e.severity ?? "E",
    "",
    "",
    "",
    escapeHl7(e.text ?? "", d),
  ];
  while (fields[fields.length - 1] === "") fields.pop();
  return fields.join(d.field);
}

// v2.1–2.4: ERR-1 (ELD) = segment^sequence^field^code&text&HL70357.
function errSegmentLegacy(e: AckError, d: Hl7Delimiters): string {
  const codeText = HL7_CONDITION_TEXT[e.hl7ErrorCode] ?? "";
  const code = [String(e.hl7ErrorCode), escapeHl7(codeText, d), "HL70357"].join(d.subcomponent);
  const loc =
    e.segmentName === undefined
      ? ["", "", ""]
      : escapeParts(
          [e.segmentName, String(e.segmentSequence ?? 1), e.field === undefined ? "" : String(e.field)],
          d,
        );
  return ["ERR", [...loc, code].join(d.component)].join(d.field);
}

/** True when an HL7 version string ("2.3.1", "2.5") is at least major.minor. */
export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (m === null) return true;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a > major || (a === major && b >= minor);
}

/** HL7 DTM in UTC with an explicit offset: `YYYYMMDDHHMMSS+0000`. */
export function formatTimestamp(date: Date): string {
  const iso = date.toISOString(); // 2024-01-02T03:04:05.678Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}+0000`;
}

const HEX_UPPER = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0").toUpperCase());
// One getRandomValues call per 409 ids instead of one per id: the call (a trip into the
// runtime's CSPRNG) cost more than the rest of the ACK's header under load.
const POOL_BYTES = 4090;
const pool = new Uint8Array(POOL_BYTES);
let poolAt = POOL_BYTES;

/**
 * 20 random hex characters: unique enough for a control id and within the 20-character limit
 * MSH-10 has in v2.3–2.4. Web Crypto exists in Node ≥ 19, Deno and workerd.
 */
export function newControlId(): string {
  if (poolAt + 10 > POOL_BYTES) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  let s = "";
  for (let i = poolAt; i < poolAt + 10; i++) s += HEX_UPPER[pool[i]!];
  poolAt += 10;
  return s;
}
