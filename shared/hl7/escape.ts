import { DEFAULT_DELIMITERS, type Hl7Delimiters } from "./delimiters.ts";

/**
 * How `unescape` renders formatting escapes (`\H\ \N\ \.br\ \.sp\ \.in\ …`), character-set
 * switches (`\C…\ \M…\`) and locally defined escapes (`\Z…\`):
 * - `"keep"` (default): left in the text as written, with a standard `\` escape character, so a
 *   consumer can still recognise them (note: then a literal `\` from `\E\` looks the same).
 * - `"strip"`: removed.
 * - `"text"`: rendered as plain text: `\.br\` and `\.sp\` become `\n`, the rest is removed.
 */
export type FormattingMode = "keep" | "strip" | "text";

export interface UnescapeOptions {
  formatting?: FormattingMode;
}

/**
 * Decodes HL7 escape sequences in one leaf value: `\F\ \S\ \T\ \R\ \E\ \P\`, `\Xhh…\` (hex
 * bytes, read as UTF-8 when valid, else ISO-8859-1) and formatting escapes per `options`.
 * A malformed or unterminated sequence is kept literally (what the sender most likely meant).
 *
 * @example
 * unescapeHl7("Smith \\T\\ Sons\\X0D\\") // "Smith & Sons\r"
 */
export function unescapeHl7(
  text: string,
  delimiters: Hl7Delimiters = DEFAULT_DELIMITERS,
  options?: UnescapeOptions,
): string {
  const esc = delimiters.escape;
  let i = text.indexOf(esc);
  if (i === -1) return text;
  const formatting = options?.formatting ?? "keep";
  let out = "";
  let last = 0;
  while (i !== -1) {
    const j = text.indexOf(esc, i + 1);
    if (j === -1) break;
    const seq = text.slice(i + 1, j);
    const decoded = decodeSequence(seq, delimiters, formatting);
    if (decoded === undefined) {
      // Not a sequence we understand: keep the opening escape character and rescan after it,
      // so that `\\F\` still finds the `\F\` that follows.
      i = text.indexOf(esc, i + 1);
      continue;
    }
    out += text.slice(last, i) + decoded;
    last = j + 1;
    i = text.indexOf(esc, last);
  }
  return last === 0 ? text : out + text.slice(last);
}

function decodeSequence(seq: string, d: Hl7Delimiters, formatting: FormattingMode): string | undefined {
  if (seq.length === 1) {
    switch (seq) {
      case "F":
        return d.field;
      case "S":
        return d.component;
      case "T":
        return d.subcomponent;
      case "R":
        return d.repetition;
      case "E":
        return d.escape;
      case "P":
        return d.truncation;
      case "H":
      case "N":
        return formatting === "keep" ? `\\${seq}\\` : "";
      default:
        return undefined;
    }
  }
  const head = seq.charAt(0);
  if (head === "X") return decodeHex(seq);
  if (head === ".") {
    if (!/^\.(br|sp\s*\d*|fi|nf|in\s*[+-]?\d+|ti\s*[+-]?\d+|sk\s*[+-]?\d+|ce)$/.test(seq)) return undefined;
    if (formatting === "keep") return `\\${seq}\\`;
    if (formatting === "strip") return "";
    if (seq === ".br") return "\n";
    if (seq.startsWith(".sp")) return "\n".repeat(Math.max(1, Number(seq.slice(3).trim() || "1")));
    return "";
  }
  if (head === "C" || head === "M" || head === "Z") {
    if (head !== "Z" && !/^[CM](?:[0-9A-Fa-f]{2}){2,3}$/.test(seq)) return undefined;
    return formatting === "keep" ? `\\${seq}\\` : "";
  }
  return undefined;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeHex(seq: string): string | undefined {
  const hex = seq.slice(1);
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  let ascii = true;
  for (let k = 0; k < bytes.length; k++) {
    const b = Number.parseInt(hex.slice(k * 2, k * 2 + 2), 16);
    bytes[k] = b;
    if (b >= 0x80) ascii = false;
  }
  if (!ascii) {
    try {
      return utf8.decode(bytes);
    } catch {
      // Not UTF-8: the single-byte reading is the only one that cannot fail.
    }
  }
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/**
 * Encodes text for use as one leaf value: the message's delimiters become `\F\ \S\ \T\ \R\ \E\`
 * (`\P\` for a declared truncation character) and CR/LF become `\X0D\`/`\X0A\`, so that
 * `unescapeHl7(escapeHl7(x)) === x` for every string.
 *
 * @example
 * escapeHl7("Smith & Sons|Ltd") // "Smith \\T\\ Sons\\F\\Ltd"
 */
export function escapeHl7(text: string, delimiters: Hl7Delimiters = DEFAULT_DELIMITERS): string {
  const { field, component, repetition, subcomponent, truncation } = delimiters;
  const esc = delimiters.escape;
  let out = "";
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    let rep: string | undefined;
    if (ch === esc) rep = "E";
    else if (ch === field) rep = "F";
    else if (ch === component) rep = "S";
    else if (ch === subcomponent) rep = "T";
    else if (ch === repetition) rep = "R";
    else if (ch === truncation) rep = "P";
    else if (ch === "\r") rep = "X0D";
    else if (ch === "\n") rep = "X0A";
    if (rep !== undefined) {
      out += text.slice(last, i) + esc + rep + esc;
      last = i + 1;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

/** Alias of `unescapeHl7` under the contract's name (import it as `unescape` where no global clashes). */
export { escapeHl7 as escape, unescapeHl7 as unescape };
