/**
 * Typed errors of the HL7 library. Messages name positions and reasons only: field values,
 * segment text and anything else that could hold PHI never go into an error.
 */

/** Stable, machine-readable reasons. Callers branch on these; never rename one. */
export const Hl7ErrorCode = {
  /** Input is empty or whitespace only. */
  EMPTY: "EMPTY",
  /** The first segment is not MSH. */
  NO_MSH: "NO_MSH",
  /** MSH-1/MSH-2 do not declare a usable set of delimiters. */
  BAD_DELIMITERS: "BAD_DELIMITERS",
  /** A segment does not start with a three-character uppercase name. */
  BAD_SEGMENT_NAME: "BAD_SEGMENT_NAME",
  /** A control character (other than tab) appears inside a segment. */
  CONTROL_CHARACTER: "CONTROL_CHARACTER",
  /** A field the library needs (MSH-9, MSH-10) is empty. */
  MISSING_FIELD: "MISSING_FIELD",
  /** A second MSH (or a batch segment) appears inside what should be one message. */
  MULTIPLE_MESSAGES: "MULTIPLE_MESSAGES",
  /** Batch/file envelope segments are out of order or unbalanced. */
  BAD_BATCH_STRUCTURE: "BAD_BATCH_STRUCTURE",
  /** BTS-1 or FTS-1 disagrees with the number of messages/batches present. */
  BATCH_COUNT_MISMATCH: "BATCH_COUNT_MISMATCH",
  /** MSH-18 (or the caller) names a character set this library cannot decode. */
  UNSUPPORTED_CHARSET: "UNSUPPORTED_CHARSET",
  /** The bytes are not valid in the character set they were decoded with. */
  INVALID_ENCODING: "INVALID_ENCODING",
  /** An MLLP frame grew beyond the decoder's maximum frame size. */
  FRAME_TOO_LARGE: "FRAME_TOO_LARGE",
  /** Bytes other than CR/LF were found between MLLP frames. */
  GARBAGE_BETWEEN_FRAMES: "GARBAGE_BETWEEN_FRAMES",
  /** An MLLP frame was not closed by <FS><CR> (stream ended, or a new <VT> started early). */
  MISSING_END_BLOCK: "MISSING_END_BLOCK",
} as const;

export type Hl7ErrorCode = (typeof Hl7ErrorCode)[keyof typeof Hl7ErrorCode];

/**
 * HL7 table 0357 (message error condition codes), used in ERR-3 / ERR-1.4 of ACKs.
 * Only the codes this library produces or callers commonly need.
 */
export const Hl7ConditionCode = {
  SUCCESS: 0,
  SEGMENT_SEQUENCE_ERROR: 100,
  REQUIRED_FIELD_MISSING: 101,
  DATA_TYPE_ERROR: 102,
  TABLE_VALUE_NOT_FOUND: 103,
  UNSUPPORTED_MESSAGE_TYPE: 200,
  UNSUPPORTED_EVENT_CODE: 201,
  UNSUPPORTED_PROCESSING_ID: 202,
  UNSUPPORTED_VERSION_ID: 203,
  UNKNOWN_KEY_IDENTIFIER: 204,
  DUPLICATE_KEY_IDENTIFIER: 205,
  APPLICATION_RECORD_LOCKED: 206,
  APPLICATION_INTERNAL_ERROR: 207,
} as const;

export type Hl7ConditionCode = (typeof Hl7ConditionCode)[keyof typeof Hl7ConditionCode];

/** The text HL7 gives each table 0357 code (ERR-3.2). */
export const HL7_CONDITION_TEXT: Readonly<Record<number, string>> = {
  0: "Message accepted",
  100: "Segment sequence error",
  101: "Required field missing",
  102: "Data type error",
  103: "Table value not found",
  200: "Unsupported message type",
  201: "Unsupported event code",
  202: "Unsupported processing id",
  203: "Unsupported version id",
  204: "Unknown key identifier",
  205: "Duplicate key identifier",
  206: "Application record locked",
  207: "Application internal error",
};

const CONDITION_BY_CODE: Readonly<Record<Hl7ErrorCode, Hl7ConditionCode>> = {
  EMPTY: 100,
  NO_MSH: 100,
  BAD_DELIMITERS: 102,
  BAD_SEGMENT_NAME: 100,
  CONTROL_CHARACTER: 102,
  MISSING_FIELD: 101,
  MULTIPLE_MESSAGES: 100,
  BAD_BATCH_STRUCTURE: 100,
  BATCH_COUNT_MISMATCH: 100,
  UNSUPPORTED_CHARSET: 103,
  INVALID_ENCODING: 102,
  FRAME_TOO_LARGE: 207,
  GARBAGE_BETWEEN_FRAMES: 207,
  MISSING_END_BLOCK: 207,
};

/** Where in a message an error was found. All positions are 1-based, as HL7 writes them. */
export interface Hl7ErrorPosition {
  /** Position of the segment in the message (MSH = 1). */
  segmentIndex?: number;
  /** Segment name, only when it is a well-formed name (a garbage "name" could be PHI). */
  segmentName?: string;
  /** Occurrence of this segment name in the message (ERR-2.2, "segment sequence"). */
  segmentSequence?: number;
  /** Field position within the segment (MSH-1 is the field separator). */
  field?: number;
  /** Byte or character offset in the input, for framing/charset errors. */
  offset?: number;
}

export interface Hl7ParseErrorOptions extends Hl7ErrorPosition {
  cause?: unknown;
}

/**
 * Thrown for input that is not a readable HL7 v2 message (or batch, or MLLP stream).
 *
 * @example
 * try {
 *   parseMessage(body);
 * } catch (err) {
 *   if (err instanceof Hl7ParseError) log.warn("hl7_rejected", { code: err.code, segment: err.segmentIndex });
 * }
 */
export class Hl7ParseError extends Error {
  override readonly name = "Hl7ParseError";
  readonly code: Hl7ErrorCode;
  /** HL7 table 0357 condition code for ACK ERR segments. */
  readonly hl7ErrorCode: Hl7ConditionCode;
  readonly segmentIndex: number | undefined;
  readonly segmentName: string | undefined;
  readonly segmentSequence: number | undefined;
  readonly field: number | undefined;
  readonly offset: number | undefined;
  /** The reason without the position prefix; safe to put in an ACK (never holds values). */
  readonly reason: string;

  constructor(code: Hl7ErrorCode, reason: string, options: Hl7ParseErrorOptions = {}) {
    super(formatMessage(reason, options), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hl7ErrorCode = CONDITION_BY_CODE[code];
    this.reason = reason;
    this.segmentIndex = options.segmentIndex;
    this.segmentName = options.segmentName;
    this.segmentSequence = options.segmentSequence;
    this.field = options.field;
    this.offset = options.offset;
  }
}

function formatMessage(reason: string, p: Hl7ErrorPosition): string {
  const where: string[] = [];
  if (p.segmentIndex !== undefined) {
    where.push(`segment ${p.segmentIndex}${p.segmentName === undefined ? "" : ` (${p.segmentName})`}`);
  } else if (p.segmentName !== undefined) {
    where.push(`segment ${p.segmentName}`);
  }
  if (p.field !== undefined) where.push(`field ${p.field}`);
  if (p.offset !== undefined) where.push(`offset ${p.offset}`);
  return where.length === 0 ? reason : `${where.join(", ")}: ${reason}`;
}

/** Thrown for a malformed path string passed to `get` (a programming error, not bad input). */
export class Hl7PathError extends Error {
  override readonly name = "Hl7PathError";
  constructor(reason: string) {
    super(reason);
  }
}
