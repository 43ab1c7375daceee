/**
 * HL7 v2 library: parsing, paths, escapes, ACKs, batches, MLLP, charsets. Runtime-neutral
 * (Node, Deno, Cloudflare workerd): only `Uint8Array`, `TextEncoder`/`TextDecoder` and
 * `crypto.getRandomValues`. See README.md in this folder.
 */
export {
  type AckCode,
  type AckError,
  type AckOptions,
  buildAck,
  formatTimestamp,
  newControlId,
} from "./ack.ts";
export {
  type BatchAckOptions,
  buildBatchAck,
  type Hl7Batch,
  type Hl7BatchGroup,
  splitBatch,
} from "./batch.ts";
export { type DecodeOptions, decodeHl7Bytes, type Hl7Charset, normalizeCharset } from "./charset.ts";
export { DEFAULT_DELIMITERS, encodingCharacters, type Hl7Delimiters } from "./delimiters.ts";
export {
  HL7_CONDITION_TEXT,
  Hl7ConditionCode,
  Hl7ErrorCode,
  type Hl7ErrorPosition,
  Hl7ParseError,
  Hl7PathError,
} from "./errors.ts";
export {
  escape,
  escapeHl7,
  type FormattingMode,
  type UnescapeOptions,
  unescape,
  unescapeHl7,
} from "./escape.ts";
export { type Hl7Header, readHeader } from "./header.ts";
export { Hl7Message, Hl7Segment, type ParseOptions, parseMessage } from "./message.ts";
export {
  DEFAULT_MAX_FRAME_SIZE,
  encodeMllp,
  MLLP_END,
  MLLP_START,
  MllpDecoder,
  type MllpDecoderOptions,
  unwrapMllp,
} from "./mllp.ts";
export { type Hl7Path, parsePath } from "./path.ts";
