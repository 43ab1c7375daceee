import { Hl7ErrorCode, Hl7ParseError } from "./errors.ts";

/** Character sets this library decodes, by their canonical name. */
export type Hl7Charset = "utf-8" | "iso-8859-1" | "ascii";

export interface DecodeOptions {
  /**
   * Character set chosen by the caller (e.g. the HTTP `charset` parameter). When absent, MSH-18
   * decides (HL7 table 0211: `UNICODE UTF-8`, `8859/1`, `ASCII`), and an empty MSH-18 means UTF-8.
   */
  charset?: string | undefined;
  /** `"error"` (default) throws INVALID_ENCODING on bad bytes; `"replace"` substitutes U+FFFD. */
  onInvalid?: "error" | "replace";
}

// Labels from HL7 table 0211 plus the IANA/MIME names callers pass from HTTP headers.
const LABELS: Readonly<Record<string, Hl7Charset>> = {
  "": "utf-8",
  "unicode utf-8": "utf-8",
  "utf-8": "utf-8",
  utf8: "utf-8",
  "8859/1": "iso-8859-1",
  "iso-8859-1": "iso-8859-1",
  "iso8859-1": "iso-8859-1",
  iso_8859_1: "iso-8859-1",
  "iso_8859-1": "iso-8859-1",
  latin1: "iso-8859-1",
  "latin-1": "iso-8859-1",
  l1: "iso-8859-1",
  ascii: "ascii",
  "us-ascii": "ascii",
};

/**
 * Maps a charset label (HL7 table 0211 or IANA) to a supported charset, or `undefined`.
 *
 * @example
 * normalizeCharset("8859/1") // "iso-8859-1"
 */
export function normalizeCharset(label: string): Hl7Charset | undefined {
  return LABELS[label.trim().toLowerCase()];
}

/**
 * Decodes message bytes to text. A UTF-8 byte order mark is skipped; UTF-16/32 (by BOM) and
 * charsets other than UTF-8, ISO-8859-1 and ASCII are refused with UNSUPPORTED_CHARSET.
 * Uses only `TextDecoder`/`Uint8Array`, so it runs in Node, Deno and workerd.
 *
 * @example
 * decodeHl7Bytes(new TextEncoder().encode("MSH|^~\\&|...")) // "MSH|^~\\&|..."
 * decodeHl7Bytes(bytes, { charset: "iso-8859-1" })
 */
export function decodeHl7Bytes(bytes: Uint8Array, options?: DecodeOptions): string {
  let body = bytes;
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
  else if ((body[0] === 0xff && body[1] === 0xfe) || (body[0] === 0xfe && body[1] === 0xff)) {
    throw new Hl7ParseError(Hl7ErrorCode.UNSUPPORTED_CHARSET, "UTF-16/UTF-32 input is not supported", {
      offset: 0,
    });
  }
  let charset: Hl7Charset | undefined;
  if (options?.charset !== undefined) {
    charset = normalizeCharset(options.charset);
    if (charset === undefined) {
      throw new Hl7ParseError(
        Hl7ErrorCode.UNSUPPORTED_CHARSET,
        "the requested character set is not supported",
      );
    }
  } else {
    charset = normalizeCharset(readMsh18(body));
    if (charset === undefined) {
      throw new Hl7ParseError(
        Hl7ErrorCode.UNSUPPORTED_CHARSET,
        "MSH-18 names a character set that is not supported",
        {
          segmentIndex: 1,
          segmentName: "MSH",
          segmentSequence: 1,
          field: 18,
        },
      );
    }
  }
  const replace = options?.onInvalid === "replace";
  switch (charset) {
    case "utf-8":
      return decodeUtf8(body, replace);
    case "ascii": {
      for (let i = 0; i < body.length; i++) {
        if (body[i]! >= 0x80) {
          if (replace) break;
          throw new Hl7ParseError(Hl7ErrorCode.INVALID_ENCODING, "byte outside ASCII", { offset: i });
        }
      }
      // ASCII is a subset of UTF-8, and in replace mode U+FFFD marks the offending bytes.
      return decodeUtf8(body, true);
    }
    case "iso-8859-1":
      return decodeLatin1(body);
  }
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder("utf-8", { ignoreBOM: true });

function decodeUtf8(bytes: Uint8Array, replace: boolean): string {
  if (replace) return lenientUtf8.decode(bytes);
  try {
    return fatalUtf8.decode(bytes);
  } catch (cause) {
    throw new Hl7ParseError(Hl7ErrorCode.INVALID_ENCODING, "bytes are not valid UTF-8", {
      offset: firstInvalidUtf8(bytes),
      cause,
    });
  }
}

/**
 * True ISO-8859-1 (every byte is the code point of the same number). `TextDecoder("latin1")` is
 * windows-1252 per the WHATWG Encoding standard and would change 0x80–0x9F.
 */
function decodeLatin1(bytes: Uint8Array): string {
  const CHUNK = 8192;
  let out = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return out;
}

/** Offset of the first byte that breaks UTF-8, for the error position. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let need = 0;
    if (c < 0x80) need = 0;
    else if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) need = 2;
    else if (c >= 0xf0 && c <= 0xf4) need = 3;
    else return i;
    for (let k = 1; k <= need; k++) {
      const n = b[i + k];
      if (n === undefined || (n & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return b.length;
}

/**
 * MSH-18 read straight from the bytes (all header characters are ASCII), first repetition only.
 * Returns "" when there is no MSH or no MSH-18, which means the UTF-8 default.
 */
function readMsh18(b: Uint8Array): string {
  // The first line starting with MSH: a batch file begins with FHS/BHS, which declare no charset.
  let i = 0;
  while (i < b.length) {
    while (i < b.length && (b[i] === 0x0d || b[i] === 0x0a || b[i] === 0x20 || b[i] === 0x0b)) i++;
    if (b[i] === 0x4d && b[i + 1] === 0x53 && b[i + 2] === 0x48) break;
    while (i < b.length && b[i] !== 0x0d && b[i] !== 0x0a) i++;
  }
  if (i >= b.length) return "";
  const sep = b[i + 3];
  const rep = b[i + 5];
  if (sep === undefined) return "";
  // MSH-2 starts right after the separator at i + 3.
  let field = 2;
  let j = i + 4;
  let start = -1;
  for (; j < b.length; j++) {
    const c = b[j];
    if (c === 0x0d || c === 0x0a) break;
    if (c === sep) {
      field++;
      if (field === 18) start = j + 1;
      else if (field === 19) break;
    }
  }
  if (start === -1) return "";
  let s = "";
  for (let k = start; k < j; k++) {
    const c = b[k]!;
    if (c === rep) break;
    s += String.fromCharCode(c);
  }
  return s;
}
