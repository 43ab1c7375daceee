/**
 * Renders an ingest outcome as the HL7 ACK (default) or its JSON twin (`Accept:
 * application/json`). Both carry the same facts: the acknowledgement code, per message the
 * control id, ingest id, seq, duplicate flag and errors (positions and fixed texts only).
 */
import {
  type AckCode,
  buildAck,
  buildBatchAck,
  type Hl7Batch,
  type Hl7Header,
  readHeader,
} from "../shared/hl7/index.ts";
import type { CheckProblem } from "./check.ts";

/** Our MSH-3 in ACKs when the original's MSH-5 is empty. */
export const ACK_SENDING_APPLICATION = "ADT-STREAM";
export const HL7_CONTENT_TYPE = "application/hl7-v2; charset=utf-8";

export interface MessageOutcome {
  /** The original message (or what could be read of it) for the ACK's header. */
  readonly source: string | Uint8Array;
  readonly ack: "AA" | "AR" | "AE";
  readonly problems: readonly CheckProblem[];
  /** MSA-3 when there are no problems (e.g. the duplicate note). Fixed text only. */
  readonly text?: string | undefined;
  readonly controlId?: string | undefined;
  readonly ingestId?: string | undefined;
  readonly seq?: number | null | undefined;
  readonly duplicate?: boolean | undefined;
}

export interface Outcome {
  readonly ack: "AA" | "AR" | "AE";
  readonly status: number;
  readonly batch: Hl7Batch | undefined;
  readonly messages: readonly MessageOutcome[];
  readonly now: Date;
}

/** The JSON variant of the ACK (schema in routes/messages.ts). */
export interface JsonAck {
  ack: "AA" | "AR" | "AE";
  duplicate: boolean;
  batch: boolean;
  messages: {
    index: number;
    ack: "AA" | "AR" | "AE";
    controlId: string | null;
    ingestId: string | null;
    seq: number | null;
    duplicate: boolean;
    errors: {
      code: string;
      hl7ErrorCode: number;
      segment: string | null;
      field: number | null;
      text: string;
    }[];
  }[];
}

function headerOf(source: string | Uint8Array): Hl7Header | undefined {
  return readHeader(source);
}

function messageAck(m: MessageOutcome, now: Date): string {
  const header = headerOf(m.source);
  const opts = {
    now,
    errors: m.problems,
    sendingApplication: ACK_SENDING_APPLICATION,
    ...(m.text !== undefined && m.problems.length === 0 ? { text: m.text } : {}),
  };
  return buildAck(header ?? "", m.ack as AckCode, opts);
}

/** The HL7 ACK text: one ACK, or a batch ACK wrapping one ACK per message of the batch. */
export function renderHl7(o: Outcome): string {
  if (o.batch !== undefined && o.batch.messages.length === o.messages.length) {
    return buildBatchAck(
      o.batch,
      o.messages.map((m) => messageAck(m, o.now)),
      { now: o.now },
    );
  }
  // Single message, or a body too broken to split: one ACK.
  return messageAck(o.messages[0]!, o.now);
}

export function renderJson(o: Outcome): JsonAck {
  return {
    ack: o.ack,
    duplicate: o.messages.length > 0 && o.messages.every((m) => m.duplicate === true),
    batch: o.batch !== undefined,
    messages: o.messages.map((m, i) => ({
      index: i + 1,
      ack: m.ack,
      controlId: m.controlId ?? (headerOf(m.source)?.controlId || null),
      ingestId: m.ingestId ?? null,
      seq: m.seq ?? null,
      duplicate: m.duplicate ?? false,
      errors: m.problems.map((p) => ({
        code: p.code,
        hl7ErrorCode: p.hl7ErrorCode,
        segment: p.segmentName ?? null,
        field: p.field ?? null,
        text: p.text,
      })),
    })),
  };
}

/**
 * The HTTP response for an outcome, in the representation the client asked for.
 *
 * @example
 * return outcomeResponse(outcome, wantsJson(accept), { "x-request-id": requestId });
 */
export function outcomeResponse(o: Outcome, json: boolean, headers: Record<string, string>): Response {
  if (json) {
    return new Response(JSON.stringify(renderJson(o)), {
      status: o.status,
      headers: { "content-type": "application/json", ...headers },
    });
  }
  return new Response(renderHl7(o), {
    status: o.status,
    headers: { "content-type": HL7_CONTENT_TYPE, ...headers },
  });
}
