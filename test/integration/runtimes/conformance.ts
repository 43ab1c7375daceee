/**
 * The runtime conformance check: one fixed set of requests, answered by `createApp` on Node
 * (in-process, the reference) and by the same app running under another runtime, against the
 * shared local Redis. Answers are reduced to what must not depend on the runtime (status,
 * content type, the duplicate flag, the ACK without its generated time and id, the problem
 * type) and compared; then the jobs each runtime enqueued are read back with BullMQ and the
 * contract schema and compared too.
 */
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../../edge/app.ts";
import { EdgeEnvSchema } from "../../../edge/env.ts";
import { generateApiKey } from "../../../edge/keys.ts";
import { API_KEYS_HASH, RedisKeyStore } from "../../../edge/node/redis-key-store.ts";
import { createNodeDeps, type NodeEdge } from "../../../edge/node/setup.ts";
import { parseEnv } from "../../../shared/config/env.ts";
import { silentLogger } from "../../../shared/log/logger.ts";
import {
  INGEST_JOB_NAME,
  INGEST_JOB_OPTIONS,
  type IngestJob,
  parseIngestJob,
} from "../../../shared/queue/job.ts";
import { testServices, uniqueName } from "../../support/services.ts";
import { waitFor } from "../../support/wait.ts";
import type { RuntimeProcess } from "./runtime-process.ts";

/** A vendor bundled in config/vendors.json (the Worker has no other profiles). */
export const VENDOR = "demo";
const HL7 = "application/hl7-v2";

/** Test data only: the "patient" is invented. */
export function adt(controlId: string, opts: { version?: string; trigger?: string } = {}): string {
  return [
    `MSH|^~\\&|EPIC|GENERAL HOSP|ADT-STREAM|HUB|20240101120000||ADT^${opts.trigger ?? "A01"}^ADT_A01|${controlId}|P|${opts.version ?? "2.5.1"}`,
    `EVN|${opts.trigger ?? "A01"}|20240101120000`,
    "PID|1||PATID12345^^^HOSP^MR||ZZTESTPATIENT^JANE||19800101|F",
    "PV1|1|I|WARD1^101^A",
  ].join("\r");
}

export interface Keys {
  valid: string;
  revoked: string;
  remove(): Promise<void>;
}

/** A valid and a revoked key of {@link VENDOR} in the Redis key hash every runtime reads. */
export async function createKeys(redisUrl: string): Promise<Keys> {
  const redis = new Redis(redisUrl);
  const store = new RedisKeyStore(redis);
  const now = new Date();
  const valid = await generateApiKey(VENDOR, now);
  const revoked = await generateApiKey(VENDOR, now);
  await store.put(valid.stored);
  await store.put({ ...revoked.stored, revokedAt: now.toISOString() });
  return {
    valid: valid.key,
    revoked: revoked.key,
    remove: async () => {
      await redis.hdel(API_KEYS_HASH, valid.stored.keyId, revoked.stored.keyId);
      redis.disconnect();
    },
  };
}

export interface Case {
  name: string;
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** The request set, in order (the duplicate must follow the original). */
export function cases(keys: Keys): Case[] {
  const auth = { authorization: `Bearer ${keys.valid}` };
  const post = (name: string, body: string, headers: Record<string, string>): Case => ({
    name,
    method: "POST",
    path: "/v1/messages",
    headers,
    body,
  });
  return [
    { name: "healthz", method: "GET", path: "/healthz" },
    { name: "readyz", method: "GET", path: "/readyz" },
    post("valid ADT^A01", adt("CONF0001"), { ...auth, "content-type": HL7 }),
    post("duplicate of the valid ADT^A01", adt("CONF0001"), { ...auth, "content-type": HL7 }),
    post("valid ADT^A08, JSON answer", adt("CONF0002", { trigger: "A08" }), {
      "x-api-key": keys.valid,
      "content-type": `${HL7}; charset=utf-8`,
      accept: "application/json",
    }),
    post("batch of two messages", `${adt("CONF0003")}\r${adt("CONF0004", { trigger: "A03" })}\r`, {
      ...auth,
      "content-type": "text/plain",
    }),
    post("unsupported HL7 version → AR", adt("CONF0005", { version: "9.9" }), {
      ...auth,
      "content-type": HL7,
    }),
    post("not HL7 at all → AR", "hello, this is not HL7", { ...auth, "content-type": HL7 }),
    post("no key → 401", adt("CONF0006"), { "content-type": HL7 }),
    post("revoked key → 403", adt("CONF0007"), {
      authorization: `Bearer ${keys.revoked}`,
      "content-type": HL7,
    }),
    post("wrong content type → 415", adt("CONF0008"), { ...auth, "content-type": "application/json" }),
  ];
}

/** What must be the same on every runtime. */
export interface Observed {
  status: number;
  contentType: string | null;
  duplicate: string | null;
  retryAfter: string | null;
  /** ER7 ACK with generated fields blanked, JSON with generated ids blanked, or problem type. */
  body: unknown;
  /** Ingest ids the answer named (to find the jobs), in order. */
  ingestIds: string[];
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TS_RE = /^\d{8,14}(\.\d+)?([+-]\d{4})?$/;
const GENERATED_ID_RE = /^[0-9A-F]{20}$/;

/** Blanks the ACK's own time stamps and control ids (MSH-7/-10, BHS-7/-11, …) in header segments. */
export function normaliseAck(er7: string): string[] {
  return er7
    .split(/\r\n|\r|\n/)
    .filter((s) => s !== "")
    .map((seg) => {
      if (!/^(MSH|BHS|FHS)/.test(seg)) return seg;
      return seg
        .split("|")
        .map((f) => (TS_RE.test(f) || GENERATED_ID_RE.test(f) ? "<generated>" : f))
        .join("|");
    });
}

function normaliseJson(v: unknown, ids: string[]): unknown {
  if (Array.isArray(v)) return v.map((x) => normaliseJson(x, ids));
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normaliseJson(x, ids)]));
  }
  if (typeof v === "string" && UUID_RE.test(v)) {
    ids.push(v);
    return "<uuid>";
  }
  if (typeof v === "string" && (TS_RE.test(v) || GENERATED_ID_RE.test(v) || /^\d{4}-\d\d-\d\dT/.test(v)))
    return "<generated>";
  return v;
}

/** Reduces a response to its runtime-independent part. */
export async function observe(res: Response): Promise<Observed> {
  const contentType = res.headers.get("content-type");
  const text = await res.text();
  const ingestIds: string[] = [];
  const given = res.headers.get("x-ingest-id");
  if (given) ingestIds.push(...given.split(",").map((s) => s.trim()));
  let body: unknown;
  if (contentType?.startsWith("application/hl7-v2")) body = normaliseAck(text);
  else if (contentType?.startsWith("application/problem+json")) {
    const p = JSON.parse(text) as Record<string, unknown>;
    body = { type: p.type, status: p.status, title: p.title };
  } else if (contentType?.includes("json")) body = normaliseJson(JSON.parse(text), []);
  else body = text;
  return {
    status: res.status,
    contentType,
    duplicate: res.headers.get("x-duplicate"),
    retryAfter: res.headers.get("retry-after"),
    body,
    ingestIds,
  };
}

export type Send = (c: Case) => Promise<Response>;

/** Sends the cases one after another and observes each answer. */
export async function run(all: Case[], send: Send): Promise<Observed[]> {
  const out: Observed[] = [];
  for (const c of all) out.push(await observe(await send(c)));
  return out;
}

/**
 * Waits until the app's Redis connections are up: readiness (the queue connection) answers 200
 * and a request with the revoked key is answered 403 (the key-store connection). The edge's
 * connections fail fast instead of queueing commands, so right after a start they answer 503.
 */
export async function warmUp(send: Send, keys: Keys): Promise<void> {
  await waitFor(
    "the app to be ready (GET /readyz 200, revoked key 403)",
    async () => {
      const ready = await send({ name: "warm-up", method: "GET", path: "/readyz" });
      await ready.body?.cancel();
      if (ready.status !== 200) return false;
      const res = await send({
        name: "warm-up",
        method: "POST",
        path: "/v1/messages",
        headers: { authorization: `Bearer ${keys.revoked}`, "content-type": HL7 },
        body: adt("WARMUP"),
      });
      await res.body?.cancel();
      return res.status === 403;
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
}

/** The reference: `createApp` on Node with the Node dependency set, queried in-process. */
export async function nodeReference(
  redisUrl: string,
  queueName: string,
  extraEnv: Record<string, string> = {},
): Promise<{ send: Send; close(): Promise<void> }> {
  const env = parseEnv(EdgeEnvSchema, {
    REDIS_URL: redisUrl,
    INGEST_QUEUE: queueName,
    KEY_CACHE_SECONDS: "0",
    ...extraEnv,
  });
  const edge: NodeEdge = await createNodeDeps(env, silentLogger);
  const app = createApp(edge.deps);
  return {
    send: (c) =>
      Promise.resolve(
        app.request(c.path, {
          method: c.method,
          headers: c.headers ?? {},
          ...(c.body !== undefined ? { body: c.body } : {}),
        }),
      ),
    close: () => edge.close(),
  };
}

/** A sender for an app listening at `baseUrl`. */
export function httpSender(baseUrl: string): Send {
  return (c) =>
    fetch(`${baseUrl}${c.path}`, {
      method: c.method,
      headers: c.headers ?? {},
      ...(c.body !== undefined ? { body: c.body } : {}),
    });
}

/** Every job in the queue (any state), parsed with the contract schema, ordered by `seq`. */
export async function queuedJobs(redisUrl: string, queueName: string): Promise<IngestJob[]> {
  const queue = new Queue(queueName, { connection: { url: redisUrl } });
  try {
    const jobs = await queue.getJobs(["wait", "active", "delayed", "prioritized", "completed", "failed"]);
    return jobs.map((j) => parseIngestJob(j.data)).sort((a, b) => a.seq - b.seq);
  } finally {
    await queue.close();
  }
}

/** Removes a test queue's keys. */
export async function dropQueue(redisUrl: string, queueName: string): Promise<void> {
  const queue = new Queue(queueName, { connection: { url: redisUrl } });
  try {
    await queue.obliterate({ force: true });
    // The enqueuer's own keys (sequence, control-id tracking) are not BullMQ's to remove.
    const redis = new Redis(redisUrl);
    const stale = await redis.keys(`bull:${queueName}:adt-*`);
    if (stale.length > 0) await redis.del(...stale);
    redis.disconnect();
  } finally {
    await queue.close();
  }
}

/** A job without the fields that differ per run (its id and arrival time). */
export const comparableJob = ({ id: _id, receivedAt: _at, ...rest }: IngestJob) => rest;

/** Starts the runtime under test against `queueName`; resolves once it answers /healthz. */
export type StartRuntime = (env: Record<string, string>) => Promise<RuntimeProcess>;

/**
 * The conformance suite for one runtime: starts it once, sends the request set to it and to the
 * Node reference (each with a fresh queue), and compares answers and enqueued jobs.
 */
export function describeConformance(runtime: string, start: StartRuntime): void {
  describe(`edge on ${runtime} answers like createApp on Node`, () => {
    const { redisUrl } = testServices();
    const nodeQueue = uniqueName("conf-node");
    const runtimeQueue = uniqueName(`conf-${runtime}`);
    let keys: Keys;
    let reference: Awaited<ReturnType<typeof nodeReference>> | undefined;
    let proc: RuntimeProcess | undefined;
    let all: Case[];
    let expected: Observed[];
    let actual: Observed[];

    beforeAll(async () => {
      keys = await createKeys(redisUrl);
      all = cases(keys);
      reference = await nodeReference(redisUrl, nodeQueue);
      proc = await start({
        REDIS_URL: redisUrl,
        INGEST_QUEUE: runtimeQueue,
        KEY_CACHE_SECONDS: "0",
        LOG_LEVEL: "warn",
      });
      const sendRuntime = httpSender(proc.baseUrl);
      await warmUp(reference.send, keys);
      await warmUp(sendRuntime, keys);
      expected = await run(all, reference.send);
      actual = await run(all, sendRuntime);
    });

    afterAll(async () => {
      await proc?.stop();
      await reference?.close();
      await keys?.remove();
      await dropQueue(redisUrl, nodeQueue);
      await dropQueue(redisUrl, runtimeQueue);
    });

    it("gives the answers Node gives: status, content type, duplicate flag, ACK / JSON / problem", () => {
      // Sanity: the reference itself behaves as the contract says, so equality means something.
      expect(expected.map((o) => o.status)).toEqual([200, 200, 200, 200, 200, 200, 400, 400, 401, 403, 415]);
      expect(expected[3]?.duplicate, "the resend is reported as a duplicate").toBe("true");
      for (let i = 0; i < all.length; i++) {
        const { ingestIds: _a, ...want } = expected[i]!;
        const { ingestIds: _b, ...got } = actual[i]!;
        expect(got, `${runtime}: ${all[i]!.name}\n${proc?.output().slice(-2000)}`).toEqual(want);
      }
    });

    it("enqueues the same jobs as Node (read back with BullMQ and the contract schema)", async () => {
      const want = await queuedJobs(redisUrl, nodeQueue);
      const got = await queuedJobs(redisUrl, runtimeQueue);
      expect(want.map((j) => j.controlId)).toEqual(["CONF0001", "CONF0002", "CONF0003", "CONF0004"]);
      expect(got.map(comparableJob)).toEqual(want.map(comparableJob));
      // The ids the runtime answered with are the ids of the jobs it added; the duplicate
      // named the original job.
      const answered = actual.flatMap((o) => o.ingestIds);
      expect(answered[0]).toBe(got[0]?.id);
      expect(answered[1], "duplicate answers with the original's id").toBe(got[0]?.id);
      expect(answered[2]).toBe(got[1]?.id);
      const queue = new Queue(runtimeQueue, { connection: { url: redisUrl } });
      try {
        const job = await queue.getJob(got[0]!.id);
        expect(job?.name).toBe(INGEST_JOB_NAME);
        expect(job?.opts.attempts).toBe(INGEST_JOB_OPTIONS.attempts);
        expect(parseIngestJob(job?.data).raw).toBe(adt("CONF0001"));
      } finally {
        await queue.close();
      }
    });
  });
}
