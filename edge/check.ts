/**
 * The edge's structural check: turns a request body into messages ready to enqueue, or says
 * precisely why not (segment, field, HL7 table 0357 code, fixed reason text), so the vendor
 * gets an AR at once. Mapping to `AdtEvent` stays the workers' job; this only decides whether
 * the message is readable HL7 v2 of a type the vendor's profile accepts.
 */
import { isAccepted, type VendorProfile } from "../shared/adt/profile.ts";
import {
  type AckError,
  decodeHl7Bytes,
  type Hl7Batch,
  Hl7ConditionCode,
  Hl7ParseError,
  parseMessage,
  splitBatch,
  unwrapMllp,
} from "../shared/hl7/index.ts";

/** HL7 v2 versions that exist (MSH-12.1). Anything else is answered AR 203. */
export const HL7_V2_VERSIONS: ReadonlySet<string> = new Set([
  "2.1",
  "2.2",
  "2.3",
  "2.3.1",
  "2.4",
  "2.5",
  "2.5.1",
  "2.6",
  "2.7",
  "2.7.1",
  "2.8",
  "2.8.1",
  "2.8.2",
  "2.9",
  "2.9.1",
]);

/** A problem found in the body or in one message; `code` is machine-readable and stable. */
export interface CheckProblem extends AckError {
  /** An `Hl7ErrorCode` from shared/hl7, or one of the edge's own (`UNSUPPORTED_VERSION`, …). */
  readonly code: string;
  readonly text: string;
}

export interface CheckedMessage {
  /** The message text as received (decoded, unframed). */
  readonly raw: string;
  readonly controlId: string;
  /** `MSH-9.1^MSH-9.2`. */
  readonly messageType: string;
}

export type CheckResult =
  /** Every message passed. `batch` is set when the body was a batch (answer with a batch ACK). */
  | { readonly ok: true; readonly messages: CheckedMessage[]; readonly batch: Hl7Batch | undefined }
  /** The body as a whole is unreadable (charset, framing, batch envelope, empty, not HL7). */
  | {
      readonly ok: false;
      readonly scope: "body";
      readonly problem: CheckProblem;
      /** What to read the ACK header from: the decoded text, or the bytes when undecodable. */
      readonly ackSource: string | Uint8Array;
    }
  /** The body split into messages but some failed; `problems[i]` is undefined for good ones. */
  | {
      readonly ok: false;
      readonly scope: "messages";
      readonly texts: string[];
      readonly batch: Hl7Batch | undefined;
      readonly problems: (CheckProblem | undefined)[];
    };

const TYPE_RE = /^[A-Z0-9]{3}$/;
const TRIGGER_RE = /^[A-Z0-9]{1,3}$/;
const MAX_CONTROL_ID = 199;
// A second header or envelope segment at the start of a line means a batch (or garbage that
// splitBatch will name); without one the body is a single message and splitting is skipped.
const BATCH_MARKER = /[\r\n]\s*(?:MSH|BHS|BTS|FHS|FTS)/;
const LEADING_MSH = /^[\s\ufeff]*MSH/;

const fromParseError = (e: Hl7ParseError): CheckProblem => ({
  code: e.code,
  hl7ErrorCode: e.hl7ErrorCode,
  segmentName: e.segmentName,
  segmentSequence: e.segmentSequence,
  field: e.field,
  text: e.reason,
});

const mshProblem = (code: string, hl7ErrorCode: number, field: number, text: string): CheckProblem => ({
  code,
  hl7ErrorCode,
  segmentName: "MSH",
  segmentSequence: 1,
  field,
  text,
});

/**
 * Decodes and unframes a body: MLLP frames (if the body starts with <VT>) each decoded with
 * the HTTP charset, or MSH-18 when none was given. Throws `Hl7ParseError`.
 */
export function decodeBody(bytes: Uint8Array, charset: string | undefined): string {
  const frames = unwrapMllp(bytes);
  if (frames.length === 1) return decodeHl7Bytes(frames[0]!, { charset });
  // Several frames: several messages; keep each frame's text and separate them by a terminator.
  return frames.map((f) => decodeHl7Bytes(f, { charset }).replace(/[\r\n]*$/, "\r")).join("");
}

/**
 * Checks one message's structure and header against the vendor's profile.
 *
 * @example
 * const r = checkMessage(text, profile);
 * if ("problem" in r) return ar(r.problem);
 */
export function checkMessage(
  text: string,
  profile: VendorProfile,
): { message: CheckedMessage } | { problem: CheckProblem } {
  let msg: ReturnType<typeof parseMessage>;
  try {
    msg = parseMessage(text);
  } catch (err) {
    if (err instanceof Hl7ParseError) return { problem: fromParseError(err) };
    throw err;
  }
  const type = msg.get("MSH-9.1") ?? "";
  const trigger = msg.get("MSH-9.2") ?? "";
  if (type === "") return { problem: mshProblem("MISSING_FIELD", 101, 9, "MSH-9.1 message type is empty") };
  if (!TYPE_RE.test(type))
    return { problem: mshProblem("BAD_MESSAGE_TYPE", 102, 9, "MSH-9.1 is not a message type code") };
  if (trigger === "")
    return { problem: mshProblem("MISSING_FIELD", 101, 9, "MSH-9.2 trigger event is empty") };
  if (!TRIGGER_RE.test(trigger))
    return { problem: mshProblem("BAD_MESSAGE_TYPE", 102, 9, "MSH-9.2 is not a trigger event code") };
  const controlId = msg.get("MSH-10") ?? "";
  if (controlId === "")
    return { problem: mshProblem("MISSING_FIELD", 101, 10, "MSH-10 control id is empty") };
  if (controlId.length > MAX_CONTROL_ID)
    return {
      problem: mshProblem("BAD_CONTROL_ID", 102, 10, "MSH-10 control id is longer than 199 characters"),
    };
  const version = (msg.get("MSH-12.1") ?? "").trim();
  if (version === "") return { problem: mshProblem("MISSING_FIELD", 101, 12, "MSH-12 version id is empty") };
  if (!HL7_V2_VERSIONS.has(version))
    return {
      problem: mshProblem(
        "UNSUPPORTED_VERSION",
        Hl7ConditionCode.UNSUPPORTED_VERSION_ID,
        12,
        "MSH-12 is not an HL7 v2 version",
      ),
    };
  if (!isAccepted(profile, type, "*") && profile.accept[type] === undefined)
    return {
      problem: mshProblem(
        "UNSUPPORTED_MESSAGE_TYPE",
        Hl7ConditionCode.UNSUPPORTED_MESSAGE_TYPE,
        9,
        "message type is not accepted for this vendor",
      ),
    };
  if (!isAccepted(profile, type, trigger))
    return {
      problem: mshProblem(
        "UNSUPPORTED_EVENT",
        Hl7ConditionCode.UNSUPPORTED_EVENT_CODE,
        9,
        "trigger event is not accepted for this vendor",
      ),
    };
  return { message: { raw: text, controlId, messageType: `${type}^${trigger}` } };
}

/**
 * The whole check for a request body: decode, unframe, split a batch, check every message.
 * Batches are all-or-nothing, so one bad message fails the request (the others are reported
 * as rejected because of it).
 *
 * @example
 * const r = checkBody(bytes, charset, profile);
 * if (r.ok) await enqueuer.enqueue({ vendor, receivedAt, messages: … });
 */
export function checkBody(
  bytes: Uint8Array,
  charset: string | undefined,
  profile: VendorProfile,
): CheckResult {
  let text: string;
  try {
    text = decodeBody(bytes, charset);
  } catch (err) {
    if (err instanceof Hl7ParseError)
      return { ok: false, scope: "body", problem: fromParseError(err), ackSource: bytes };
    throw err;
  }
  let texts: string[];
  let batch: Hl7Batch | undefined;
  if (LEADING_MSH.test(text) && !BATCH_MARKER.test(text)) {
    texts = [text];
  } else {
    try {
      batch = splitBatch(text);
    } catch (err) {
      if (err instanceof Hl7ParseError)
        return { ok: false, scope: "body", problem: fromParseError(err), ackSource: text };
      throw err;
    }
    texts = batch.messages;
    // A bare single message with stray blank lines is not a batch: answer it with a plain ACK.
    if (
      batch.fileHeader === undefined &&
      batch.batches.length === 1 &&
      batch.batches[0]?.header === undefined
    )
      if (texts.length === 1) {
        texts = [text];
        batch = undefined;
      }
  }
  if (texts.length === 0) {
    return {
      ok: false,
      scope: "body",
      problem: { code: "EMPTY_BATCH", hl7ErrorCode: 100, text: "batch holds no messages" },
      ackSource: text,
    };
  }
  const messages: CheckedMessage[] = [];
  const problems: (CheckProblem | undefined)[] = [];
  let failed = false;
  for (const t of texts) {
    const r = checkMessage(t, profile);
    if ("problem" in r) {
      failed = true;
      problems.push(r.problem);
    } else {
      messages.push(r.message);
      problems.push(undefined);
    }
  }
  if (failed) return { ok: false, scope: "messages", texts, batch, problems };
  return { ok: true, messages, batch };
}
