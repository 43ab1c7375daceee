import { Hl7ErrorCode, Hl7ParseError } from "./errors.ts";

/** The delimiters a message declares in MSH-1 and MSH-2. */
export interface Hl7Delimiters {
  /** MSH-1, usually `|`. */
  readonly field: string;
  /** MSH-2 position 1, usually `^`. */
  readonly component: string;
  /** MSH-2 position 2, usually `~`. */
  readonly repetition: string;
  /** MSH-2 position 3, usually `\`. */
  readonly escape: string;
  /** MSH-2 position 4, usually `&`. */
  readonly subcomponent: string;
  /** MSH-2 position 5 (v2.7+), usually `#`; absent on older messages. */
  readonly truncation?: string;
}

/** `|^~\&`, what nearly every sender uses. */
export const DEFAULT_DELIMITERS: Hl7Delimiters = Object.freeze({
  field: "|",
  component: "^",
  repetition: "~",
  escape: "\\",
  subcomponent: "&",
});

/** MSH-2 text for a set of delimiters (`^~\&` or `^~\&#`). */
export function encodingCharacters(d: Hl7Delimiters): string {
  return d.component + d.repetition + d.escape + d.subcomponent + (d.truncation ?? "");
}

/**
 * A delimiter may be any printable, non-alphanumeric ASCII character. Letters and digits would
 * make segment names and values ambiguous; whitespace and controls are terminators or padding.
 */
function usableDelimiter(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c <= 0x20 || c >= 0x7f) return false;
  return !((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a));
}

/**
 * Reads delimiters from the start of an MSH (or FHS/BHS) segment at `start` in `text`.
 * Returns the delimiters and the offset where MSH-2 ends (the separator before MSH-3, or the
 * segment end). Throws `Hl7ParseError` BAD_DELIMITERS when MSH-1/MSH-2 are unusable.
 */
export function readDelimiters(
  text: string,
  start: number,
  end: number,
  segmentName = "MSH",
): { delimiters: Hl7Delimiters; encodingEnd: number } {
  const fail = (reason: string, field: number): never => {
    throw new Hl7ParseError(Hl7ErrorCode.BAD_DELIMITERS, reason, {
      segmentIndex: 1,
      segmentName,
      segmentSequence: 1,
      field,
    });
  };
  if (end - start < 4) fail("field separator missing", 1);
  const field = text.charAt(start + 3);
  if (!usableDelimiter(field)) fail("field separator is not a printable non-alphanumeric character", 1);
  let encodingEnd = text.indexOf(field, start + 4);
  if (encodingEnd === -1 || encodingEnd > end) encodingEnd = end;
  const count = encodingEnd - (start + 4);
  // v2.1–2.6 declare four encoding characters; v2.7 adds a fifth (truncation).
  if (count < 4 || count > 5) fail(`expected 4 or 5 encoding characters, found ${count}`, 2);
  const chars = [field];
  for (let i = start + 4; i < encodingEnd; i++) {
    const ch = text.charAt(i);
    if (!usableDelimiter(ch)) fail("encoding character is not a printable non-alphanumeric character", 2);
    if (chars.includes(ch)) fail("delimiters are not distinct", 2);
    chars.push(ch);
  }
  const [, component, repetition, escapeChar, subcomponent, truncation] = chars as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  const delimiters: Hl7Delimiters =
    truncation === undefined
      ? { field, component, repetition, escape: escapeChar, subcomponent }
      : { field, component, repetition, escape: escapeChar, subcomponent, truncation };
  return { delimiters, encodingEnd };
}
