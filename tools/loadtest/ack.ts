/**
 * Reads the outcome out of an edge response cheaply: the MSA segments of an HL7 ACK (one per
 * message, several for a batch ACK), or the JSON form. Only codes and control ids are read;
 * error texts are kept for the send tool, which shows them to the person who sent the file.
 */
import { parseMessage } from "../../shared/hl7/index.ts";

export interface AckEntry {
  code: string;
  controlId: string;
  /** MSA-3 and ERR texts, when present. */
  text: string | undefined;
}

/**
 * Finds every MSA segment in ER7 text without a full parse (the load test reads thousands of
 * ACKs a second). The field separator is MSH-1 of the ACK (or FHS-1 for a batch ACK).
 *
 * @example scanAcks("MSH|^~\\&|...\rMSA|AA|C1\r") // [{ code: "AA", controlId: "C1", text: undefined }]
 */
export function scanAcks(body: string): AckEntry[] {
  const out: AckEntry[] = [];
  const fs = body.length > 3 ? body[3] : "|";
  let from = 0;
  for (;;) {
    const at = body.indexOf(`MSA${fs}`, from);
    if (at < 0) break;
    if (at > 0 && body[at - 1] !== "\r" && body[at - 1] !== "\n") {
      from = at + 4;
      continue;
    }
    let end = body.indexOf("\r", at);
    const lf = body.indexOf("\n", at);
    if (end < 0 || (lf >= 0 && lf < end)) end = lf;
    const fields = body.slice(at, end < 0 ? body.length : end).split(fs as string);
    out.push({ code: fields[1] ?? "", controlId: fields[2] ?? "", text: fields[3] || undefined });
    from = at + 4;
  }
  return out;
}

/** The JSON outcome the edge answers with `Accept: application/json` (edge/routes/messages.ts `JsonAck`). */
interface JsonAck {
  ack?: unknown;
  messages?: {
    ack?: unknown;
    controlId?: unknown;
    duplicate?: unknown;
    errors?: { code?: unknown; segment?: unknown; field?: unknown; text?: unknown }[];
  }[];
}

export interface ReadableAck extends AckEntry {
  /** ERR segments rendered as "ERR-3 code, ERR-4 severity, ERR-8 text" pieces. */
  errors: string[];
}

/**
 * Full, human-oriented reading of one response body, for the send tool: every ACK with its
 * MSA-3 text and ERR details. JSON bodies are read too. Returns [] when nothing is recognised.
 */
export function readAcks(body: string, contentType: string | undefined): ReadableAck[] {
  // problem+json (401/403/413/415/429) is a transport error, not an ACK.
  if (contentType?.includes("problem+json")) return [];
  if (contentType?.includes("json")) {
    try {
      const j = JSON.parse(body) as JsonAck;
      return (j.messages ?? []).map((m) => ({
        code: String(m.ack ?? ""),
        controlId: typeof m.controlId === "string" ? m.controlId : "",
        text: m.duplicate === true ? "duplicate: already received, not enqueued again" : undefined,
        errors: (m.errors ?? []).map((e) =>
          [
            typeof e.code === "string" && `code ${e.code}`,
            typeof e.segment === "string" &&
              `at ${e.segment}${typeof e.field === "number" ? `-${e.field}` : ""}`,
            typeof e.text === "string" && e.text,
          ]
            .filter(Boolean)
            .join(", "),
        ),
      }));
    } catch {
      return [];
    }
  }
  const acks: ReadableAck[] = [];
  // A batch ACK holds one MSH…MSA…ERR group per message: split at MSH and read each.
  const text = body.replace(/\r\n|\n/g, "\r");
  const starts: number[] = [];
  for (let i = text.indexOf("MSH"); i >= 0; i = text.indexOf("\rMSH", i + 1))
    starts.push(i === 0 || text[i] === "M" ? i : i + 1);
  for (let k = 0; k < starts.length; k++) {
    const chunk = text.slice(starts[k], starts[k + 1] ?? text.length);
    const scanned = scanAcks(chunk);
    if (!scanned.length) continue;
    const errors: string[] = [];
    try {
      const msg = parseMessage(chunk, { requireHeaderFields: false });
      for (const err of msg.segments("ERR")) {
        const code = err.get("3.1");
        const codeText = err.get("3.2");
        const pieces = [
          code && `code ${code}${codeText ? ` (${codeText})` : ""}`,
          err.get("2") && `at ${err.get("2")}`,
          err.get("4") && `severity ${err.get("4")}`,
          err.get("8") ?? err.get("7"),
        ].filter(Boolean);
        errors.push(pieces.length ? pieces.join(", ") : err.toString());
      }
    } catch {
      // The MSA is what matters; a malformed ERR is shown raw below.
    }
    for (const a of scanned) acks.push({ ...a, errors });
  }
  return acks;
}
