import { DEFAULT_DELIMITERS, type Hl7Delimiters, readDelimiters } from "./delimiters.ts";
import { Hl7ParseError } from "./errors.ts";

/**
 * MSH-3..MSH-12 and MSH-18 as raw ER7 text, exactly as sent (escapes intact, "" when absent),
 * so that an ACK can copy them verbatim. Read without parsing the rest of the message.
 */
export interface Hl7Header {
  /** The message's delimiters, or the defaults when MSH-1/MSH-2 are unusable. */
  readonly delimiters: Hl7Delimiters;
  /** False when MSH-1/MSH-2 could not be read and `delimiters` are the defaults. */
  readonly delimitersValid: boolean;
  readonly sendingApplication: string; // MSH-3
  readonly sendingFacility: string; // MSH-4
  readonly receivingApplication: string; // MSH-5
  readonly receivingFacility: string; // MSH-6
  readonly dateTime: string; // MSH-7
  readonly security: string; // MSH-8
  readonly messageType: string; // MSH-9
  readonly controlId: string; // MSH-10
  readonly processingId: string; // MSH-11
  readonly version: string; // MSH-12 (first component, e.g. "2.5.1")
  readonly charset: string; // MSH-18, first repetition
  /** MSH-9.1, e.g. "ADT". */
  readonly messageCode: string;
  /** MSH-9.2, e.g. "A01". */
  readonly triggerEvent: string;
  /** MSH-9.3, e.g. "ADT_A01". */
  readonly messageStructure: string;
}

const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
// Headers are short; bounding the search keeps this cheap on multi-megabyte garbage.
const SEARCH_LIMIT = 64 * 1024;

/**
 * Reads the MSH header cheaply and tolerantly: the first line that starts with `MSH` (after a
 * BOM, MLLP start byte, blank lines or batch headers), nothing else. Works on messages too
 * broken for `parseMessage`, which is what `buildAck` needs to answer them. Returns
 * `undefined` when no MSH line is found.
 *
 * @example
 * const h = readHeader(body);
 * h?.controlId // "MSG00001"
 * h?.triggerEvent // "A01"
 */
export function readHeader(input: string | Uint8Array): Hl7Header | undefined {
  const line = typeof input === "string" ? mshLineOfText(input) : mshLineOfBytes(input);
  if (line === undefined || line.length < 4) return undefined;
  let delimiters = DEFAULT_DELIMITERS;
  let delimitersValid = true;
  try {
    delimiters = readDelimiters(line, 0, line.length).delimiters;
  } catch (err) {
    if (!(err instanceof Hl7ParseError)) throw err;
    delimitersValid = false;
  }
  const sep = delimitersValid ? delimiters.field : line.charAt(3);
  // parts[0] = "MSH", parts[1] = MSH-2, so parts[n - 1] = MSH-n for n >= 2.
  const parts = line.split(sep);
  const f = (n: number): string => parts[n - 1] ?? "";
  const type = f(9).split(delimiters.component);
  return {
    delimiters,
    delimitersValid,
    sendingApplication: f(3),
    sendingFacility: f(4),
    receivingApplication: f(5),
    receivingFacility: f(6),
    dateTime: f(7),
    security: f(8),
    messageType: f(9),
    controlId: f(10),
    processingId: f(11),
    version: (f(12).split(delimiters.component)[0] ?? "").trim(),
    charset: f(18).split(delimiters.repetition)[0] ?? "",
    messageCode: type[0] ?? "",
    triggerEvent: type[1] ?? "",
    messageStructure: type[2] ?? "",
  };
}

function mshLineOfText(t: string): string | undefined {
  let i = 0;
  const limit = Math.min(t.length, SEARCH_LIMIT);
  while (i < limit) {
    while (i < limit && isPadding(t.charCodeAt(i))) i++;
    if (t.startsWith("MSH", i)) {
      let end = i;
      while (
        end < t.length &&
        t.charCodeAt(end) !== 13 &&
        t.charCodeAt(end) !== 10 &&
        t.charCodeAt(end) !== 0x1c
      )
        end++;
      return t.slice(i, end);
    }
    while (i < limit && t.charCodeAt(i) !== 13 && t.charCodeAt(i) !== 10) i++;
  }
  return undefined;
}

function mshLineOfBytes(b: Uint8Array): string | undefined {
  let i = 0;
  const limit = Math.min(b.length, SEARCH_LIMIT);
  while (i < limit) {
    while (i < limit && isPadding(b[i]!)) i++;
    if (i + 3 < b.length && b[i] === 0x4d && b[i + 1] === 0x53 && b[i + 2] === 0x48) {
      let end = i;
      while (end < b.length && b[end] !== 13 && b[end] !== 10 && b[end] !== 0x1c) end++;
      // Lenient UTF-8: a header is mostly ASCII and this read must not fail.
      return decoder.decode(b.subarray(i, end));
    }
    while (i < limit && b[i] !== 13 && b[i] !== 10) i++;
  }
  return undefined;
}

// CR, LF, space, tab, MLLP start block, BOM (U+FEFF as text; EF BB BF as bytes).
function isPadding(c: number): boolean {
  return (
    c === 13 ||
    c === 10 ||
    c === 32 ||
    c === 9 ||
    c === 0x0b ||
    c === 0xfeff ||
    c === 0xef ||
    c === 0xbb ||
    c === 0xbf
  );
}
