import { decodeHl7Bytes } from "./charset.ts";
import { encodingCharacters, type Hl7Delimiters, readDelimiters } from "./delimiters.ts";
import { Hl7ErrorCode, Hl7ParseError } from "./errors.ts";
import { type UnescapeOptions, unescapeHl7 } from "./escape.ts";
import { parsePath, parseRelativePath } from "./path.ts";

export interface ParseOptions {
  /**
   * Reject a message whose MSH-9 (message type) or MSH-10 (control id) is empty. Default true:
   * neither routing nor acknowledgement works without them.
   */
  requireHeaderFields?: boolean;
  /** Character set for `Uint8Array` input; by default MSH-18 decides (UTF-8 when empty). */
  charset?: string;
}

/**
 * Parses one HL7 v2 message (ER7 text or bytes). Only the segment boundaries and MSH are read
 * here; fields are split when first read and escapes decoded only when a value is returned, so
 * a message with a multi-megabyte embedded document costs one scan.
 *
 * Accepts `\r`, `\n` and `\r\n` terminators (mixed too), a BOM, leading/trailing blank lines.
 * Throws `Hl7ParseError` (never anything else) for input that is not one readable message.
 *
 * @example
 * const msg = parseMessage("MSH|^~\\&|APP|FAC|||20240101||ADT^A01^ADT_A01|123|P|2.5\rPID|1||42^^^H^MR");
 * msg.get("MSH-9.2"); // "A01"
 * msg.get("PID-3[1].4"); // "H"
 */
export function parseMessage(input: string | Uint8Array, options?: ParseOptions): Hl7Message {
  const text = typeof input === "string" ? input : decodeHl7Bytes(input, { charset: options?.charset });
  return new Hl7Message(text, options?.requireHeaderFields ?? true);
}

// Characters no ER7 segment may carry: C0 controls other than tab (CR/LF are terminators) and DEL.
// Formatting inside values must use escapes (\X0D\, \.br\), so a raw one is corruption or framing.
const CONTROL = /[^\t\n\r\x20-\x7e\x80-\uffff]/;
const CONTROL_CHARS: readonly string[] = [
  ...Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)).filter((c) => !"\t\n\r".includes(c)),
  "\x7f",
];

/**
 * Same answer as `CONTROL.test(t)`, but one native `includes` (memchr) per character is 3–6×
 * faster than the regex scan in V8, which matters for messages carrying megabytes of base64.
 */
function hasControlCharacter(t: string): boolean {
  for (const c of CONTROL_CHARS) if (t.includes(c)) return true;
  return false;
}

const NO_FIELDS: readonly number[] = [];

/**
 * One parsed message. Positions in paths are 1-based as HL7 writes them (`PID-3[2].1`, and
 * `MSH-1` is the field separator itself).
 */
export class Hl7Message {
  /** MSH-1 and MSH-2 as declared by this message. */
  readonly delimiters: Hl7Delimiters;
  readonly #text: string;
  // Segment i spans #text[#starts[i], #ends[i]); names are validated at parse time.
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  readonly #names: string[] = [];
  // Per segment, lazily: offsets of every field separator (index 0 is the one after the name).
  readonly #seps: (readonly number[] | undefined)[] = [];
  #byName: Map<string, number[]> | undefined;
  #segmentObjects: (Hl7Segment | undefined)[] = [];
  // True when #text is already the canonical form (single `\r` terminators, nothing extra).
  #canonical = true;
  #delims: Hl7Delimiters | undefined;
  #trailingTerminator = false;

  /** Use `parseMessage`; the constructor is internal. */
  constructor(text: string, requireHeaderFields: boolean) {
    let t = text;
    if (t.charCodeAt(0) === 0xfeff) {
      t = t.slice(1);
      this.#canonical = false;
    }
    this.#text = t;
    this.#scan();
    if (this.#delims === undefined) throw new Hl7ParseError(Hl7ErrorCode.EMPTY, "message is empty");
    this.delimiters = this.#delims;
    if (requireHeaderFields) this.#checkHeader();
    if (hasControlCharacter(t)) this.#reportControl();
  }

  #scan(): void {
    const t = this.#text;
    const n = t.length;
    let pos = 0;
    let cr = t.indexOf("\r");
    let lf = t.indexOf("\n");
    let afterTerminator = false;
    while (pos < n) {
      if (cr !== -1 && cr < pos) cr = t.indexOf("\r", pos);
      if (lf !== -1 && lf < pos) lf = t.indexOf("\n", pos);
      const end = cr === -1 ? (lf === -1 ? n : lf) : lf === -1 || cr < lf ? cr : lf;
      let next = end + 1;
      if (end < n && t.charCodeAt(end) === 13 && t.charCodeAt(end + 1) === 10) {
        next = end + 2;
        this.#canonical = false;
      } else if (end < n && t.charCodeAt(end) === 10) {
        this.#canonical = false;
      }
      if (end === pos || isBlank(t, pos, end)) {
        // Blank line (or whitespace-only): not a segment. Skipped, so not canonical.
        this.#canonical = false;
        pos = next;
        continue;
      }
      this.#addSegment(pos, end);
      afterTerminator = end < n;
      pos = next;
    }
    this.#trailingTerminator = afterTerminator;
  }

  #addSegment(start: number, end: number): void {
    const t = this.#text;
    const index = this.#names.length;
    const name = end - start >= 3 ? t.slice(start, start + 3) : "";
    if (!validName(name) || (end - start > 3 && index > 0 && t.charAt(start + 3) !== this.#fieldSep(index))) {
      throw new Hl7ParseError(
        index === 0 ? Hl7ErrorCode.NO_MSH : Hl7ErrorCode.BAD_SEGMENT_NAME,
        index === 0
          ? "message does not start with an MSH segment"
          : "segment name is not three uppercase letters or digits followed by the field separator",
        { segmentIndex: index + 1 },
      );
    }
    if (index === 0 && name !== "MSH") {
      const batch = name === "FHS" || name === "BHS";
      throw new Hl7ParseError(
        Hl7ErrorCode.NO_MSH,
        batch
          ? "input is a batch file; split it with splitBatch"
          : "message does not start with an MSH segment",
        { segmentIndex: 1, segmentName: name },
      );
    }
    // Delimiters first: later segments are name-checked against MSH-1.
    if (index === 0) this.#delims = readDelimiters(t, start, end).delimiters;
    if (
      index > 0 &&
      (name === "MSH" || name === "FHS" || name === "BHS" || name === "BTS" || name === "FTS")
    ) {
      throw new Hl7ParseError(
        Hl7ErrorCode.MULTIPLE_MESSAGES,
        "header or batch segment after the first segment; split batches with splitBatch",
        { segmentIndex: index + 1, segmentName: name },
      );
    }
    this.#starts.push(start);
    this.#ends.push(end);
    this.#names.push(name);
  }

  // The field separator is known once MSH is read; MSH itself is checked by readDelimiters.
  #fieldSep(index: number): string {
    return index === 0 ? "" : this.#text.charAt(this.#starts[0]! + 3);
  }

  #checkHeader(): void {
    for (const field of [9, 10]) {
      if (this.#raw(0, field) === "") {
        throw new Hl7ParseError(Hl7ErrorCode.MISSING_FIELD, `MSH-${field} is empty`, {
          segmentIndex: 1,
          segmentName: "MSH",
          segmentSequence: 1,
          field,
        });
      }
    }
  }

  #reportControl(): never {
    const t = this.#text;
    for (let i = 0; i < this.#names.length; i++) {
      const seg = t.slice(this.#starts[i]!, this.#ends[i]!);
      const at = seg.search(CONTROL);
      if (at !== -1) {
        const name = this.#names[i]!;
        throw new Hl7ParseError(Hl7ErrorCode.CONTROL_CHARACTER, "control character inside a segment", {
          segmentIndex: i + 1,
          segmentName: name,
          segmentSequence: this.#sequenceOf(i),
          field: this.#fieldAt(i, this.#starts[i]! + at),
        });
      }
    }
    // The regex matched the whole text, so some segment holds it; blank lines cannot.
    throw new Hl7ParseError(Hl7ErrorCode.CONTROL_CHARACTER, "control character between segments");
  }

  #sequenceOf(index: number): number {
    const name = this.#names[index];
    let seq = 0;
    for (let i = 0; i <= index; i++) if (this.#names[i] === name) seq++;
    return seq;
  }

  #fieldAt(index: number, offset: number): number {
    const seps = this.#separators(index);
    let k = 0;
    while (k < seps.length && seps[k]! < offset) k++;
    // k separators precede the offset: field k, or k + 1 in MSH, whose first separator is MSH-1.
    return this.#names[index] === "MSH" ? k + 1 : k;
  }

  #separators(index: number): readonly number[] {
    const cached = this.#seps[index];
    if (cached !== undefined) return cached;
    const t = this.#text;
    const start = this.#starts[index]!;
    const end = this.#ends[index]!;
    if (end - start <= 3) {
      this.#seps[index] = NO_FIELDS;
      return NO_FIELDS;
    }
    const sep = t.charAt(this.#starts[0]! + 3);
    const seps: number[] = [start + 3];
    let i = t.indexOf(sep, start + 4);
    while (i !== -1 && i < end) {
      seps.push(i);
      i = t.indexOf(sep, i + 1);
    }
    this.#seps[index] = seps;
    return seps;
  }

  /** Raw (still escaped) text of a field, "" when absent. MSH-1/MSH-2 are handled by callers. */
  #raw(index: number, field: number): string {
    const seps = this.#separators(index);
    // MSH-1 is the separator at seps[0], so MSH-n starts after seps[n-2]; others after seps[n-1].
    const k = this.#names[index] === "MSH" ? field - 2 : field - 1;
    if (k < 0 || k >= seps.length) return "";
    const from = seps[k]! + 1;
    const to = k + 1 < seps.length ? seps[k + 1]! : this.#ends[index]!;
    return from === to ? "" : this.#text.slice(from, to);
  }

  #indexOf(name: string, repetition: number): number {
    const names = this.#names;
    // ADT messages have a dozen or so segments: a linear scan beats building a Map per message.
    // Long messages (hundreds of OBX) get the Map.
    if (names.length <= 64) {
      let seen = 0;
      for (let i = 0; i < names.length; i++) {
        if (names[i] === name && ++seen === repetition) return i;
      }
      return -1;
    }
    if (this.#byName === undefined) {
      const map = new Map<string, number[]>();
      for (let i = 0; i < names.length; i++) {
        const n = names[i]!;
        const list = map.get(n);
        if (list === undefined) map.set(n, [i]);
        else list.push(i);
      }
      this.#byName = map;
    }
    return this.#byName.get(name)?.[repetition - 1] ?? -1;
  }

  /** Resolves a position inside segment `index`; see `get` for the result's meaning. */
  resolveAt(
    index: number,
    field: number,
    fieldRepetition: number,
    component: number | undefined,
    subcomponent: number | undefined,
    options?: UnescapeOptions,
  ): string | undefined {
    const d = this.delimiters;
    if (field <= 2 && this.#names[index] === "MSH") {
      // MSH-1 and MSH-2 hold the delimiters themselves; they are never split or unescaped.
      if (fieldRepetition > 1 || (component ?? 1) > 1 || (subcomponent ?? 1) > 1) return undefined;
      return field === 1 ? d.field : encodingCharacters(d);
    }
    let value: string | undefined = this.#raw(index, field);
    if (value === "") return undefined;
    if (fieldRepetition > 1 || value.includes(d.repetition)) {
      value = piece(value, d.repetition, fieldRepetition);
      if (value === undefined || value === "") return undefined;
    }
    if (component !== undefined) {
      value = piece(value, d.component, component);
      if (value === undefined || value === "") return undefined;
      if (subcomponent !== undefined) {
        value = piece(value, d.subcomponent, subcomponent);
        if (value === undefined || value === "") return undefined;
      } else if (value.includes(d.subcomponent)) {
        return value;
      }
    } else if (value.includes(d.component) || value.includes(d.subcomponent)) {
      return value;
    }
    return value.includes(d.escape) ? unescapeHl7(value, d, options) : value;
  }

  /**
   * Reads one element. Returns `undefined` when the element holds no value (segment, field,
   * repetition, component or subcomponent missing or empty); the unescaped text for a leaf;
   * ER7 text (with this message's delimiters, escapes intact) for an element that still has
   * structure. The HL7 null `""` is returned as the two-character string `'""'`.
   *
   * @example
   * msg.get("MSH-9")      // "ADT^A01^ADT_A01"
   * msg.get("MSH-9.2")    // "A01"
   * msg.get("PID-3[2].1") // second identifier's id, or undefined
   * msg.get("OBX[2]-5")   // value of the second OBX
   */
  get(path: string, options?: UnescapeOptions): string | undefined {
    const p = parsePath(path);
    const index = this.#indexOf(p.segment, p.segmentRepetition);
    if (index === -1) return undefined;
    if (p.field === undefined) return this.segmentText(index);
    return this.resolveAt(index, p.field, p.fieldRepetition, p.component, p.subcomponent, options);
  }

  /**
   * Reads the addressed component/subcomponent of every repetition of a field (the path's
   * field repetition is ignored). Empty repetitions give `undefined` entries, so positions match.
   *
   * @example
   * msg.getAll("PID-3.1") // ["12345", "987-65-4321"]
   */
  getAll(path: string, options?: UnescapeOptions): (string | undefined)[] {
    const p = parsePath(path);
    const index = this.#indexOf(p.segment, p.segmentRepetition);
    if (index === -1 || p.field === undefined) return [];
    return this.#allAt(index, p.field, p.component, p.subcomponent, options);
  }

  #allAt(
    index: number,
    field: number,
    component: number | undefined,
    subcomponent: number | undefined,
    options: UnescapeOptions | undefined,
  ): (string | undefined)[] {
    const raw = this.#names[index] === "MSH" && field <= 2 ? "x" : this.#raw(index, field);
    if (raw === "") return [];
    const count = raw === "x" ? 1 : countOf(raw, this.delimiters.repetition) + 1;
    const out: (string | undefined)[] = [];
    for (let r = 1; r <= count; r++)
      out.push(this.resolveAt(index, field, r, component, subcomponent, options));
    return out;
  }

  /** Number of repetitions of a field in segment `index` (0 when empty). Internal helper. */
  repetitionsAt(index: number, field: number): number {
    if (this.#names[index] === "MSH" && field <= 2) return 1;
    const raw = this.#raw(index, field);
    return raw === "" ? 0 : countOf(raw, this.delimiters.repetition) + 1;
  }

  /** Number of fields in segment `index`, counting MSH-1 for MSH. Internal helper. */
  fieldCountAt(index: number): number {
    const n = this.#separators(index).length;
    return this.#names[index] === "MSH" ? n + 1 : n;
  }

  /** Raw ER7 text of segment `index` (0-based). Internal helper for `Hl7Segment`. */
  segmentText(index: number): string | undefined {
    const start = this.#starts[index];
    return start === undefined ? undefined : this.#text.slice(start, this.#ends[index]);
  }

  /** All segments, or those named `name`, in message order. */
  segments(name?: string): Hl7Segment[] {
    const out: Hl7Segment[] = [];
    for (let i = 0; i < this.#names.length; i++) {
      if (name === undefined || this.#names[i] === name) out.push(this.#segmentObject(i));
    }
    return out;
  }

  /** The first segment named `name`, or `undefined`. */
  segment(name: string): Hl7Segment | undefined {
    const i = this.#indexOf(name, 1);
    return i === -1 ? undefined : this.#segmentObject(i);
  }

  /** Number of segments. */
  get segmentCount(): number {
    return this.#names.length;
  }

  #segmentObject(i: number): Hl7Segment {
    let s = this.#segmentObjects[i];
    if (s === undefined) {
      s = new Hl7Segment(this, i, this.#names[i]!);
      this.#segmentObjects[i] = s;
    }
    return s;
  }

  /**
   * The message as ER7 with `\r` after each segment but the last (and after the last too when
   * the input ended with a terminator). For well-formed `\r`-terminated input this is the input.
   */
  toString(): string {
    if (this.#canonical) return this.#text;
    let out = "";
    for (let i = 0; i < this.#names.length; i++) {
      if (i > 0) out += "\r";
      out += this.#text.slice(this.#starts[i], this.#ends[i]);
    }
    return this.#trailingTerminator ? `${out}\r` : out;
  }
}

/** One segment of a parsed message; a view, it holds no copy of the text. */
export class Hl7Segment {
  readonly #message: Hl7Message;
  /** 0-based position in the message. */
  readonly index: number;
  /** Segment name, e.g. `PID`. */
  readonly name: string;

  constructor(message: Hl7Message, index: number, name: string) {
    this.#message = message;
    this.index = index;
    this.name = name;
  }

  /**
   * Reads an element by a path relative to this segment: `field[rep].component.subcomponent`.
   * Same result rules as `Hl7Message.get`.
   *
   * @example
   * for (const nk1 of msg.segments("NK1")) nk1.get("2.1"); // each next of kin's family name
   */
  get(path: string, options?: UnescapeOptions): string | undefined {
    const p = parseRelativePath(path);
    return this.#message.resolveAt(
      this.index,
      p.field,
      p.fieldRepetition,
      p.component,
      p.subcomponent,
      options,
    );
  }

  /** Number of repetitions of field `field` (0 when empty). */
  repetitions(field: number): number {
    return this.#message.repetitionsAt(this.index, field);
  }

  /** Number of fields present (for MSH, MSH-1 counts). */
  get fieldCount(): number {
    return this.#message.fieldCountAt(this.index);
  }

  /** The segment's ER7 text, without terminator. */
  toString(): string {
    return this.#message.segmentText(this.index) ?? "";
  }
}

function validName(name: string): boolean {
  if (name.length !== 3) return false;
  const a = name.charCodeAt(0);
  if (a < 0x41 || a > 0x5a) return false;
  for (let i = 1; i < 3; i++) {
    const c = name.charCodeAt(i);
    if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39))) return false;
  }
  return true;
}

function isBlank(t: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = t.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

/** The n-th (1-based) piece of `s` split by `sep`, or undefined when there are fewer pieces. */
function piece(s: string, sep: string, n: number): string | undefined {
  let start = 0;
  for (let i = 1; i < n; i++) {
    const j = s.indexOf(sep, start);
    if (j === -1) return undefined;
    start = j + 1;
  }
  const end = s.indexOf(sep, start);
  if (end === -1) return start === 0 ? s : s.slice(start);
  return s.slice(start, end);
}

function countOf(s: string, ch: string): number {
  let count = 0;
  let i = s.indexOf(ch);
  while (i !== -1) {
    count++;
    i = s.indexOf(ch, i + 1);
  }
  return count;
}
