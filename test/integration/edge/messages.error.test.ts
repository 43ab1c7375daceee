import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../../edge/app.ts";
import { StaticKeyStore } from "../../../edge/key-store.ts";
import { generateApiKey } from "../../../edge/keys.ts";
import { BullmqEnqueuer } from "../../../edge/node/bullmq-enqueuer.ts";
import { TokenBucketLimiter } from "../../../edge/rate-limit.ts";
import { MetricsRegistry } from "../../../shared/metrics/registry.ts";
import { type PrivateService, privateRedis } from "../../support/private-stack.ts";
import { testServices, uniqueName } from "../../support/services.ts";
import { waitFor } from "../../support/wait.ts";
import {
  adtMessage,
  CapturingLogger,
  type EdgeFixture,
  edgeFixture,
  msa,
  post,
  segments,
} from "./helpers.ts";

const fixtures: EdgeFixture[] = [];
async function fixture(opts: Partial<Parameters<typeof edgeFixture>[0]> = {}) {
  const f = await edgeFixture({ redisUrl: testServices().redisUrl, ...opts });
  fixtures.push(f);
  return f;
}
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.close()));
});

interface JsonAck {
  ack: string;
  messages: {
    ack: string;
    errors: { code: string; hl7ErrorCode: number; segment: string | null; field: number | null }[];
  }[];
}

/** Posts, expects AR 400 with nothing enqueued, returns the first error of the JSON ACK. */
async function expectRejected(
  f: EdgeFixture,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
) {
  const hl7 = await post(f, body, headers);
  const ack = await hl7.text();
  expect(hl7.status, ack).toBe(400);
  expect(msa(ack)[1], ack).toBe("AR");
  expect(
    segments(ack).some((s) => s[0] === "ERR"),
    ack,
  ).toBe(true);
  const json = await post(f, body, { ...headers, accept: "application/json" });
  const parsed = (await json.json()) as JsonAck;
  expect(json.status).toBe(400);
  expect(parsed.ack).toBe("AR");
  expect(await f.jobs()).toEqual([]);
  return { ack, json: parsed, error: parsed.messages[0]!.errors[0]! };
}

describe("POST /v1/messages (HL7 rejections: AR 400, nothing enqueued)", () => {
  it("empty body", async () => {
    const f = await fixture();
    const { error } = await expectRejected(f, "");
    expect(error.code).toBe("EMPTY");
  });

  it("not HL7 at all", async () => {
    const f = await fixture();
    const { error } = await expectRejected(f, '{"resourceType":"Patient"}');
    expect(error.code).toBe("NO_MSH");
  });

  it("broken segment structure (a segment without a valid name)", async () => {
    const f = await fixture();
    const msg = `${adtMessage("BS-1")}\rthis is not a segment`;
    const { error } = await expectRejected(f, msg);
    expect(error.code).toBe("BAD_SEGMENT_NAME");
    expect(error.segment).toBeNull(); // the garbage "name" is never echoed
  });

  it("bad delimiters in MSH-1/MSH-2", async () => {
    const f = await fixture();
    const { error } = await expectRejected(f, adtMessage("BD-1").replace("MSH|^~\\&|", "MSH|^^^^|"));
    expect(error.code).toBe("BAD_DELIMITERS");
  });

  it("missing MSH-10", async () => {
    const f = await fixture();
    const { error, ack } = await expectRejected(f, adtMessage(""));
    expect(error).toMatchObject({ code: "MISSING_FIELD", hl7ErrorCode: 101, segment: "MSH", field: 10 });
    expect(ack).toContain("ERR||MSH^1^10");
  });

  it("unknown HL7 version in MSH-12", async () => {
    const f = await fixture();
    const { error } = await expectRejected(f, adtMessage("V-1", { version: "3.0" }));
    expect(error).toMatchObject({
      code: "UNSUPPORTED_VERSION",
      hl7ErrorCode: 203,
      segment: "MSH",
      field: 12,
    });
  });

  it("message type not accepted by the vendor's profile", async () => {
    const f = await fixture();
    const { error } = await expectRejected(f, adtMessage("ORU-1", { type: "ORU", trigger: "R01" }));
    expect(error).toMatchObject({ code: "UNSUPPORTED_MESSAGE_TYPE", hl7ErrorCode: 200, field: 9 });
  });

  it("trigger not accepted by the vendor's profile", async () => {
    const vendor = uniqueName("vendor");
    const f = await fixture({
      vendor,
      profilesJson: { vendors: { [vendor]: { accept: { ADT: ["A01"] } } } },
    });
    expect((await post(f, adtMessage("TR-0"))).status).toBe(200);
    await (await f.jobs()).length;
    const res = await post(f, adtMessage("TR-1", { trigger: "A08" }), { accept: "application/json" });
    const body = (await res.json()) as JsonAck;
    expect(res.status).toBe(400);
    expect(body.messages[0]!.errors[0]).toMatchObject({ code: "UNSUPPORTED_EVENT", hl7ErrorCode: 201 });
    expect((await f.jobs()).map((j) => j.controlId)).toEqual(["TR-0"]);
  });

  it("batch count mismatch (BTS-1)", async () => {
    const f = await fixture();
    const batch = ["BHS|^~\\&|EPIC|H", adtMessage("C-1"), adtMessage("C-2"), "BTS|3"].join("\r");
    const { error } = await expectRejected(f, batch);
    expect(error.code).toBe("BATCH_COUNT_MISMATCH");
  });

  it("nested batches (BHS inside an open BHS)", async () => {
    const f = await fixture();
    const batch = [
      "BHS|^~\\&|EPIC|H",
      adtMessage("N-1"),
      "BHS|^~\\&|EPIC|H",
      adtMessage("N-2"),
      "BTS|1",
      "BTS|1",
    ].join("\r");
    const { error } = await expectRejected(f, batch);
    expect(error.code).toBe("BAD_BATCH_STRUCTURE");
  });

  it("a batch with one bad message is rejected as a whole: batch ACK, AR for every message, nothing enqueued", async () => {
    const f = await fixture();
    const batch = [
      "BHS|^~\\&|EPIC|H",
      adtMessage("G-1"),
      adtMessage("G-2", { version: "9.9" }),
      "BTS|2",
    ].join("\r");
    const { ack, json } = await expectRejected(f, batch);
    expect(segments(ack).map((s) => s[0])).toEqual(["BHS", "MSH", "MSA", "ERR", "MSH", "MSA", "ERR", "BTS"]);
    expect(json.messages.map((m) => [m.ack, m.errors[0]!.code])).toEqual([
      ["AR", "BATCH_REJECTED"],
      ["AR", "UNSUPPORTED_VERSION"],
    ]);
  });
});

describe("POST /v1/messages (transport errors: problem+json)", () => {
  it("415 for a content type that is not HL7 v2 text, or an unsupported charset", async () => {
    const f = await fixture();
    for (const ct of [
      "application/json",
      "application/xml",
      "text/plain; charset=utf-16",
      "application/hl7-v2; charset=klingon",
    ]) {
      const res = await post(f, adtMessage("CT-1"), { "content-type": ct });
      expect(res.status, ct).toBe(415);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(await res.json()).toMatchObject({ status: 415, code: "unsupported_media_type" });
    }
    expect(await f.jobs()).toEqual([]);
  });

  it("413 for a body larger than the limit, by Content-Length and by actual (chunked) size", async () => {
    const f = await fixture({ maxBodyBytes: 2048 });
    const big = adtMessage("BIG-1", { extra: `|${"X".repeat(4096)}` });
    const res = await post(f, big);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "payload_too_large" });
    // No Content-Length: a stream that grows past the limit.
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 8; i++) c.enqueue(new TextEncoder().encode("X".repeat(1024)));
        c.close();
      },
    });
    const chunked = await f.app.request("/v1/messages", {
      method: "POST",
      headers: { authorization: `Bearer ${f.key}`, "content-type": "application/hl7-v2" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await f.jobs()).toEqual([]);
  });

  it("429 with Retry-After and RateLimit headers once the vendor's bucket is empty", async () => {
    const f = await fixture({ rateLimiter: new TokenBucketLimiter({ ratePerSecond: 0.01, burst: 2 }) });
    const a = await post(f, adtMessage("RL-1"));
    const b = await post(f, adtMessage("RL-2"));
    const c = await post(f, adtMessage("RL-3"));
    expect([a.status, b.status, c.status]).toEqual([200, 200, 429]);
    expect(a.headers.get("ratelimit-limit")).toBe("2");
    expect(a.headers.get("ratelimit-remaining")).toBe("1");
    expect(c.headers.get("content-type")).toBe("application/problem+json");
    expect(Number(c.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(c.headers.get("ratelimit-remaining")).toBe("0");
    expect(await c.json()).toMatchObject({ status: 429, code: "rate_limited" });
    expect((await f.jobs()).map((j) => j.controlId)).toEqual(["RL-1", "RL-2"]);
  });

  it("404 problem for an unknown route", async () => {
    const f = await fixture();
    const res = await f.app.request("/v2/nothing");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "not_found" });
  });
});

describe("Redis down", () => {
  let redis: PrivateService;
  beforeAll(async () => {
    redis = await privateRedis();
  }, 120_000);
  afterAll(async () => {
    await redis?.destroy();
  });

  it("answers 503 + Retry-After + AE, writes nothing, and accepts the resend once Redis is back", async () => {
    const queueName = uniqueName("edge-down");
    const vendor = uniqueName("vendor");
    const { key, stored } = await generateApiKey(vendor, new Date());
    const enqueuer = await BullmqEnqueuer.connect({
      redisUrl: redis.endpoint,
      queueName,
      dedupWindowSeconds: 3600,
    });
    const logger = new CapturingLogger();
    const app = createApp({
      keys: new StaticKeyStore([stored]),
      enqueuer,
      rateLimiter: new TokenBucketLimiter({ ratePerSecond: 1000, burst: 1000 }),
      profiles: new Map(),
      logger,
      metrics: new MetricsRegistry(),
      queueRetryAfterSeconds: 7,
    });
    const f = { app, key };
    const probe = new Redis(redis.endpoint, { maxRetriesPerRequest: 1, lazyConnect: true });
    probe.on("error", () => {});
    try {
      expect((await post(f, adtMessage("UP-1"))).status).toBe(200);
      await redis.stop();

      const single = await post(f, adtMessage("DOWN-1"));
      const ack = await single.text();
      expect(single.status, ack).toBe(503);
      expect(single.headers.get("retry-after")).toBe("7");
      expect(msa(ack).slice(1, 3)).toEqual(["AE", "DOWN-1"]);
      const batch = await post(
        f,
        ["BHS|^~\\&|EPIC|H", adtMessage("DOWN-2"), adtMessage("DOWN-3"), "BTS|2"].join("\r"),
        {
          accept: "application/json",
        },
      );
      expect(batch.status).toBe(503);
      expect(((await batch.json()) as JsonAck).messages.map((m) => m.ack)).toEqual(["AE", "AE"]);
      expect((await app.request("/readyz")).status).toBe(503);
      const metrics = await (await app.request("/metrics")).text();
      expect(metrics).toContain('edge_enqueue_failures_total{reason="queue_unavailable"} 2');

      await redis.start();
      await waitFor("edge ready again", async () => (await app.request("/readyz")).status === 200, {
        timeoutMs: 30_000,
      });
      // Nothing of the refused requests was written: only UP-1 is there.
      await probe.connect();
      const keys = await probe.keys(`bull:${queueName}:*`);
      const jobKeys = keys.filter((k) => /^bull:[^:]+:[0-9a-f-]{36}$/.test(k));
      expect(jobKeys).toHaveLength(1);
      expect(keys.filter((k) => k.includes(":de:"))).toHaveLength(1);
      // The resend is a new message, not a "duplicate" of something never stored.
      const resend = await post(f, adtMessage("DOWN-1"));
      expect(resend.status).toBe(200);
      expect(resend.headers.get("x-duplicate")).toBe("false");
    } finally {
      probe.disconnect();
      await enqueuer.close();
    }
  });
});
