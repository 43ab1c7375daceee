/**
 * POST /v1/messages: authenticate, limit, check, de-duplicate + enqueue durably, ACK. The
 * route's schema (for the OpenAPI document) and its handler live together here.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { DEFAULT_PROFILE } from "../../shared/adt/profile.ts";
import type { LogFields } from "../../shared/log/logger.ts";
import { authenticate, readCredentials } from "../auth.ts";
import { type BodyRead, type BodyReader, RequestBodyError, readBodyLimited } from "../body.ts";
import { type CheckProblem, checkBody } from "../check.ts";
import { parseBodyType, wantsJson } from "../content-type.ts";
import {
  type Clock,
  type EdgeDeps,
  type EnqueueMessage,
  QueueUnavailableError,
  type Sha256Hex,
  systemClock,
} from "../deps.ts";
import { ERROR_TABLE, type ErrorCode, type ProblemCode, problemResponse } from "../errors.ts";
import { sha256Hex } from "../keys.ts";
import type { EdgeMetrics } from "../metrics.ts";
import { type MessageOutcome, type Outcome, outcomeResponse } from "../respond.ts";
import { problemResponses } from "./schemas.ts";

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
const DUPLICATE_TEXT = "duplicate: already received, not enqueued again";
const BATCH_SIBLING_TEXT = "rejected with its batch: another message of the batch failed the check";

const JsonAckSchema = z
  .object({
    ack: z.enum(["AA", "AR", "AE"]),
    duplicate: z.boolean().describe("true when every message was a resend within the window"),
    batch: z.boolean(),
    messages: z.array(
      z.object({
        index: z.number().int(),
        ack: z.enum(["AA", "AR", "AE"]),
        controlId: z.string().nullable().describe("MSH-10 of the message"),
        ingestId: z.string().nullable().describe("job id; the Kafka ingest-id header"),
        seq: z.number().int().nullable(),
        duplicate: z.boolean(),
        errors: z.array(
          z.object({
            code: z.string(),
            hl7ErrorCode: z.number().int().describe("HL7 table 0357"),
            segment: z.string().nullable(),
            field: z.number().int().nullable(),
            text: z.string(),
          }),
        ),
      }),
    ),
  })
  .openapi("JsonAck");

const Hl7Body = z
  .string()
  .openapi({ example: "MSH|^~\\&|APP|FAC|ADT-STREAM||20240101120000||ADT^A01^ADT_A01|MSG0001|P|2.5.1\r" });
const ackContent = (description: string) => ({
  description,
  content: {
    "application/hl7-v2": { schema: z.string().describe("HL7 ACK (MSA, ERR on errors)") },
    "application/json": { schema: JsonAckSchema },
  },
});

export const messagesRoute = createRoute({
  method: "post",
  path: "/v1/messages",
  summary: "Send HL7 v2 message(s)",
  description:
    "Body: one ER7 message, several MSH messages, or an FHS/BHS batch; MLLP framing tolerated. Batches are enqueued all-or-nothing and answered with a batch ACK. Authenticate with `Authorization: Bearer <key>`, `X-API-Key` or Basic `vendor:key`. Answered with the HL7 ACK, or JSON with `Accept: application/json`. AA means the message is durably queued.",
  security: [{ bearer: [] }, { apiKey: [] }, { basic: [] }],
  request: {
    body: {
      required: true,
      content: {
        "application/hl7-v2": { schema: Hl7Body },
        "application/hl7-v2+er7": { schema: Hl7Body },
        "x-application/hl7-v2+er7": { schema: Hl7Body },
        "text/plain": { schema: Hl7Body },
      },
    },
  },
  responses: {
    200: ackContent(
      "AA: accepted and durably queued (or a duplicate of an accepted message; see X-Duplicate)",
    ),
    400: ackContent(`AR: ${ERROR_TABLE.hl7_rejected.doc}`),
    500: ackContent(`AE: ${ERROR_TABLE.application_error.doc}`),
    503: ackContent(`AE: ${ERROR_TABLE.queue_unavailable.doc}`),
    ...problemResponses([
      "missing_credentials",
      "key_revoked",
      "payload_too_large",
      "unsupported_media_type",
      "rate_limited",
    ]),
  },
});

const queueProblem = (code: "queue_unavailable" | "application_error"): CheckProblem => ({
  code: code.toUpperCase(),
  hl7ErrorCode: 207,
  text: ERROR_TABLE[code].title,
});

interface Ctx {
  deps: EdgeDeps;
  metrics: EdgeMetrics;
  clock: Clock;
  maxBodyBytes: number;
  retryAfter: number;
  newId: () => string;
  sha256: Sha256Hex;
  readBody: BodyReader;
}

/**
 * Builds the handler. Every exit goes through `finish`, which records the outcome in the
 * metrics and writes the one log line of the request.
 */
export function messagesHandler(deps: EdgeDeps, metrics: EdgeMetrics) {
  const ctx: Ctx = {
    deps,
    metrics,
    clock: deps.clock ?? systemClock,
    maxBodyBytes: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    retryAfter: deps.queueRetryAfterSeconds ?? 5,
    newId: deps.newId ?? (() => crypto.randomUUID()),
    sha256: deps.sha256Hex ?? sha256Hex,
    readBody: deps.readBody ?? ((req, _env, max) => readBodyLimited(req, max)),
  };
  /** `env` is Hono's `c.env`, handed to the body reader. */
  return (req: Request, requestId: string, env?: unknown): Promise<Response> =>
    handle(ctx, req, requestId, env);
}

async function handle(ctx: Ctx, req: Request, requestId: string, env: unknown): Promise<Response> {
  const { deps, metrics, clock } = ctx;
  const started = clock.monotonic();
  const log: LogFields = { request_id: requestId };
  let vendor = "unknown";
  const headers: Record<string, string> = { "x-request-id": requestId };

  const finish = (res: Response, outcome: string, level: "info" | "warn" | "error" = "info"): Response => {
    const ms = clock.monotonic() - started;
    metrics.requests.inc({ vendor, outcome });
    metrics.ackLatency.observe({ outcome }, ms / 1000);
    deps.logger[level]("ingest_request", {
      ...log,
      vendor,
      outcome,
      status: res.status,
      duration_ms: Math.round(ms * 1000) / 1000,
    });
    return res;
  };
  const problem = (code: ProblemCode, extra: Record<string, string> = {}) =>
    finish(problemResponse(code, { requestId, headers: { ...headers, ...extra } }), code, "warn");

  // 1. Who is sending. The key decides the vendor.
  let auth: Awaited<ReturnType<typeof authenticate>>;
  try {
    auth = await authenticate(
      readCredentials(
        req.headers.get("authorization") ?? undefined,
        req.headers.get("x-api-key") ?? undefined,
      ),
      deps.keys,
      ctx.sha256,
    );
  } catch (err) {
    if (!(err instanceof QueueUnavailableError)) throw err;
    // Keys live in the same Redis as the queue: the sender should simply retry later.
    metrics.enqueueFailures.inc({ reason: "queue_unavailable" });
    const body = await ctx.readBody(req, env, ctx.maxBodyBytes).catch((): BodyRead => ({ ok: false }));
    const source = body.ok ? body.bytes : "";
    const outcome: Outcome = {
      ack: "AE",
      status: ERROR_TABLE.queue_unavailable.status,
      batch: undefined,
      messages: [{ source, ack: "AE", problems: [queueProblem("queue_unavailable")] }],
      now: new Date(clock.now()),
    };
    headers["retry-after"] = String(ctx.retryAfter);
    const json = wantsJson(req.headers.get("accept") ?? undefined);
    return finish(outcomeResponse(outcome, json, headers), "queue_unavailable", "warn");
  }
  if (!auth.ok) {
    if (auth.keyId !== undefined) log.key_id = auth.keyId;
    return problem(auth.code);
  }
  vendor = auth.vendor;
  log.key_id = auth.keyId;

  // 2. Per-vendor rate limit (RateLimit headers on every authenticated answer).
  const rate = await deps.rateLimiter.take(vendor);
  headers["ratelimit-limit"] = String(rate.limit);
  headers["ratelimit-remaining"] = String(rate.remaining);
  headers["ratelimit-reset"] = String(rate.resetSeconds);
  if (!rate.allowed) return problem("rate_limited", { "retry-after": String(rate.retryAfterSeconds) });

  // 3. What it is and how big.
  const bodyType = parseBodyType(req.headers.get("content-type") ?? undefined);
  if (!bodyType.ok) return problem("unsupported_media_type");
  let body: BodyRead;
  try {
    body = await ctx.readBody(req, env, ctx.maxBodyBytes);
  } catch (err) {
    // The sender went away mid-body: nothing to enqueue, and most likely no one to answer.
    if (err instanceof RequestBodyError) return problem("incomplete_body");
    throw err;
  }
  if (!body.ok) return problem("payload_too_large");
  log.bytes = body.bytes.byteLength;
  const json = wantsJson(req.headers.get("accept") ?? undefined);
  const now = new Date(clock.now());

  // 4. Structural check (AR at once, naming the problem).
  const profile = deps.profiles.get(vendor) ?? DEFAULT_PROFILE;
  const checked = checkBody(body.bytes, bodyType.charset, profile);
  if (!checked.ok) {
    let messages: MessageOutcome[];
    let problems: CheckProblem[];
    if (checked.scope === "body") {
      problems = [checked.problem];
      messages = [{ source: checked.ackSource, ack: "AR", problems }];
    } else {
      problems = checked.problems.filter((p): p is CheckProblem => p !== undefined);
      const sibling: CheckProblem = { code: "BATCH_REJECTED", hl7ErrorCode: 207, text: BATCH_SIBLING_TEXT };
      messages = checked.texts.map((t, i) => {
        const p = checked.problems[i];
        return { source: t, ack: "AR" as const, problems: p === undefined ? [sibling] : [p] };
      });
    }
    log.messages = messages.length;
    log.error_code = problems[0]?.code;
    log.error_segment = problems[0]?.segmentName;
    log.error_field = problems[0]?.field;
    const outcome: Outcome = {
      ack: "AR",
      status: ERROR_TABLE.hl7_rejected.status,
      batch: checked.scope === "messages" ? checked.batch : undefined,
      messages,
      now,
    };
    return finish(outcomeResponse(outcome, json, headers), "hl7_rejected", "warn");
  }

  const msgs = checked.messages;
  log.messages = msgs.length;
  if (msgs.length === 1) {
    log.control_id = msgs[0]!.controlId;
    log.message_type = msgs[0]!.messageType;
  }

  // 5. De-duplicate, assign seq and enqueue, all-or-nothing; answer only after Redis confirmed.
  const toEnqueue: EnqueueMessage[] = await Promise.all(
    msgs.map(async (m) => ({
      id: ctx.newId(),
      controlId: m.controlId,
      messageType: m.messageType,
      raw: m.raw,
      bodyHash: await ctx.sha256(m.raw),
    })),
  );
  const enqueueStarted = clock.monotonic();
  let results: Awaited<ReturnType<EdgeDeps["enqueuer"]["enqueue"]>>;
  try {
    results = await deps.enqueuer.enqueue({ vendor, receivedAt: now.toISOString(), messages: toEnqueue });
  } catch (err) {
    const unavailable = err instanceof QueueUnavailableError;
    const code: ErrorCode = unavailable ? "queue_unavailable" : "application_error";
    metrics.enqueueFailures.inc({ reason: unavailable ? "queue_unavailable" : "error" });
    log.error_name = err instanceof Error ? err.name : typeof err;
    if (!unavailable)
      deps.logger.error("enqueue_failed", { request_id: requestId, vendor, error_name: log.error_name });
    const problemsAe = [queueProblem(code)];
    const outcome: Outcome = {
      ack: "AE",
      status: ERROR_TABLE[code].status,
      batch: checked.batch,
      messages: msgs.map((m) => ({ source: m.raw, ack: "AE", problems: problemsAe, controlId: m.controlId })),
      now,
    };
    if (unavailable) headers["retry-after"] = String(ctx.retryAfter);
    return finish(outcomeResponse(outcome, json, headers), code, unavailable ? "warn" : "error");
  }
  log.enqueue_ms = Math.round((clock.monotonic() - enqueueStarted) * 1000) / 1000;

  let duplicates = 0;
  let reused = 0;
  const outcomes: MessageOutcome[] = msgs.map((m, i) => {
    const r = results[i]!;
    if (r.duplicate) duplicates++;
    if (r.controlIdReused) reused++;
    return {
      source: m.raw,
      ack: "AA",
      problems: [],
      text: r.duplicate ? DUPLICATE_TEXT : undefined,
      controlId: m.controlId,
      ingestId: r.id,
      seq: r.seq,
      duplicate: r.duplicate,
    };
  });
  if (duplicates > 0) metrics.duplicates.inc({ vendor }, duplicates);
  if (reused > 0) metrics.controlIdReused.inc({ vendor }, reused);
  if (msgs.length - duplicates > 0) metrics.messagesEnqueued.inc({ vendor }, msgs.length - duplicates);
  log.duplicates = duplicates;
  log.control_id_reused = reused;
  headers["x-duplicate"] = duplicates === msgs.length ? "true" : "false";
  if (msgs.length === 1) headers["x-ingest-id"] = results[0]!.id;
  const outcome: Outcome = { ack: "AA", status: 200, batch: checked.batch, messages: outcomes, now };
  return finish(
    outcomeResponse(outcome, json, headers),
    duplicates === msgs.length ? "duplicate" : "accepted",
  );
}
