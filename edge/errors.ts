/**
 * The one table of edge error codes: code → HTTP status → title and documentation. Handlers
 * answer from it and the OpenAPI document is generated from it, so the two cannot drift.
 *
 * Two kinds: `problem` codes are transport failures answered as RFC 9457
 * `application/problem+json`; `ack` codes are HL7 outcomes answered as an ACK (AR → 400,
 * AE → 500/503) whose ERR segment and MSA-3 carry the `title`/reason (never a field value).
 */
export type ErrorKind = "problem" | "ack";

export interface ErrorEntry {
  readonly status: number;
  readonly kind: ErrorKind;
  /** Short, fixed text; safe to show (no values). */
  readonly title: string;
  /** What it means and what the sender should do. */
  readonly doc: string;
}

export const ERROR_TABLE = {
  missing_credentials: {
    status: 401,
    kind: "problem",
    title: "Missing credentials",
    doc: "Send the API key as `Authorization: Bearer <key>`, `X-API-Key: <key>` or Basic `vendor:key`.",
  },
  invalid_credentials: {
    status: 401,
    kind: "problem",
    title: "Invalid credentials",
    doc: "The API key is malformed or unknown. Keys look like `adt_<keyId>_<secret>`.",
  },
  key_revoked: {
    status: 403,
    kind: "problem",
    title: "API key revoked",
    doc: "The key was revoked. Use another of the vendor's keys or ask for a new one.",
  },
  vendor_mismatch: {
    status: 403,
    kind: "problem",
    title: "Vendor does not match the key",
    doc: "With Basic auth the user name must be the vendor the key belongs to.",
  },
  payload_too_large: {
    status: 413,
    kind: "problem",
    title: "Payload too large",
    doc: "The body exceeds the configured maximum (MAX_BODY_BYTES, default 10 MiB). Split the batch.",
  },
  unsupported_media_type: {
    status: 415,
    kind: "problem",
    title: "Unsupported media type",
    doc: "Use application/hl7-v2, application/hl7-v2+er7, x-application/hl7-v2+er7 or text/plain, with charset UTF-8 (default), ISO-8859-1 or US-ASCII.",
  },
  rate_limited: {
    status: 429,
    kind: "problem",
    title: "Too many requests",
    doc: "The vendor's rate limit is exhausted. Retry after the number of seconds in Retry-After.",
  },
  incomplete_body: {
    status: 400,
    kind: "problem",
    title: "Incomplete request body",
    doc: "The connection closed before the whole body arrived; nothing was enqueued. Resend the request.",
  },
  not_found: { status: 404, kind: "problem", title: "Not found", doc: "No such route." },
  internal_error: {
    status: 500,
    kind: "problem",
    title: "Internal error",
    doc: "An unexpected failure; it is logged with the request id. Retry later.",
  },
  // ---- HL7 outcomes (answered as an ACK) ----
  hl7_rejected: {
    status: 400,
    kind: "ack",
    title: "Message rejected (AR)",
    doc: "The message (or a message of the batch) failed the structural check; the ERR segment names the segment, field and reason. Nothing of the request was enqueued. Fix and resend.",
  },
  queue_unavailable: {
    status: 503,
    kind: "ack",
    title: "Queue unavailable (AE)",
    doc: "The durable queue did not confirm; nothing was enqueued. Resend after Retry-After seconds.",
  },
  application_error: {
    status: 500,
    kind: "ack",
    title: "Application error (AE)",
    doc: "An unexpected failure while accepting the message; nothing was acknowledged. Resend later.",
  },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof ERROR_TABLE;
export type ProblemCode = {
  [K in ErrorCode]: (typeof ERROR_TABLE)[K]["kind"] extends "problem" ? K : never;
}[ErrorCode];

/** Where an error's documentation lives (the `type` URI of a problem document). */
export const errorTypeUri = (code: ErrorCode): string => `/docs#error-${code}`;

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** RFC 9457 problem document as the edge sends it. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  requestId?: string;
}

/**
 * Builds the problem+json response for a table code. `detail` must be fixed text (no values).
 *
 * @example
 * return problemResponse("rate_limited", { requestId, headers: { "retry-after": "2" } });
 */
export function problemResponse(
  code: ProblemCode,
  opts: { detail?: string; requestId?: string; headers?: Record<string, string> } = {},
): Response {
  const e = ERROR_TABLE[code];
  const body: ProblemDocument = { type: errorTypeUri(code), title: e.title, status: e.status, code };
  if (opts.detail !== undefined) body.detail = opts.detail;
  if (opts.requestId !== undefined) body.requestId = opts.requestId;
  return new Response(JSON.stringify(body), {
    status: e.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...opts.headers },
  });
}
