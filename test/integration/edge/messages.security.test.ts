import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../../edge/app.ts";
import { CachedKeyStore } from "../../../edge/key-store.ts";
import { generateApiKey } from "../../../edge/keys.ts";
import { BullmqEnqueuer } from "../../../edge/node/bullmq-enqueuer.ts";
import { RedisKeyStore } from "../../../edge/node/redis-key-store.ts";
import { TokenBucketLimiter } from "../../../edge/rate-limit.ts";
import { MetricsRegistry } from "../../../shared/metrics/registry.ts";
import { type PrivateService, privateRedis } from "../../support/private-stack.ts";
import { testServices, uniqueName } from "../../support/services.ts";
import { adtMessage, CapturingLogger, type EdgeFixture, edgeFixture, HL7, msa, post } from "./helpers.ts";

const fixtures: EdgeFixture[] = [];
async function fixture(opts: Partial<Parameters<typeof edgeFixture>[0]> = {}) {
  const f = await edgeFixture({ redisUrl: testServices().redisUrl, ...opts });
  fixtures.push(f);
  return f;
}
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.close()));
});

async function expectProblem(res: Response, status: number, code: string) {
  const body = (await res.json()) as { status: number; code: string; type: string };
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(body).toMatchObject({ status, code });
  expect(body.type).toBe(`/docs#error-${code}`);
}

const send = (f: EdgeFixture, headers: Record<string, string>, body = adtMessage("SEC-1")) =>
  f.app.request("/v1/messages", { method: "POST", headers: { "content-type": HL7, ...headers }, body });

describe("POST /v1/messages (security)", () => {
  it("401 without credentials, with a malformed key, an unknown key id, or a wrong secret", async () => {
    const f = await fixture();
    await expectProblem(await send(f, {}), 401, "missing_credentials");
    await expectProblem(await send(f, { authorization: "Bearer not-a-key" }), 401, "invalid_credentials");
    await expectProblem(await send(f, { authorization: "Token whatever" }), 401, "missing_credentials");
    const [, id, secret] = /^adt_([0-9a-f]{16})_(.+)$/.exec(f.key)!;
    const otherId = id!.replace(/^./, (c) => (c === "0" ? "1" : "0"));
    await expectProblem(
      await send(f, { authorization: `Bearer adt_${otherId}_${secret}` }),
      401,
      "invalid_credentials",
    );
    const wrongSecret = `adt_${id}_${secret!.slice(0, -1)}${secret!.endsWith("A") ? "B" : "A"}`;
    await expectProblem(
      await send(f, { authorization: `Bearer ${wrongSecret}` }),
      401,
      "invalid_credentials",
    );
    await expectProblem(await send(f, { "x-api-key": wrongSecret }), 401, "invalid_credentials");
    expect(await f.jobs()).toEqual([]);
  });

  it("403 for a revoked key; the vendor's other key keeps working (rotation)", async () => {
    const f = await fixture();
    const second = await f.addKey(f.vendor);
    const [, id] = /^adt_([0-9a-f]{16})_/.exec(f.key)!;
    expect(await f.keyStore.revoke(id!, new Date().toISOString())).toBe(true);
    await expectProblem(await post(f, adtMessage("REV-1")), 403, "key_revoked");
    expect((await post({ app: f.app, key: second.key }, adtMessage("REV-2"))).status).toBe(200);
    expect((await f.jobs()).map((j) => j.controlId)).toEqual(["REV-2"]);
  });

  it("403 when the Basic user names another vendor than the key's", async () => {
    const f = await fixture();
    const res = await send(f, { authorization: `Basic ${btoa(`someone-else:${f.key}`)}` });
    await expectProblem(res, 403, "vendor_mismatch");
    expect(await f.jobs()).toEqual([]);
  });

  it("the key alone decides the vendor: nothing in the request overrides it", async () => {
    const f = await fixture();
    const res = await send(f, {
      authorization: `Bearer ${f.key}`,
      "x-vendor": "evil",
      "x-api-key": "adt_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    });
    expect(res.status).toBe(200);
    const [job] = await f.jobs();
    expect(job!.vendor).toBe(f.vendor);
  });

  it("never puts PHI (patient fields, bodies) in logs, metrics, problem documents or ACK texts", async () => {
    const f = await fixture();
    const name = "ZZSECRETNAME^PHIGIVEN";
    const ok = adtMessage("PHI-1", { patientName: name });
    const bad = `${adtMessage("PHI-2", { patientName: name, version: "7.7" })}\rZZSECRETGARBAGE without name`;
    const notHl7 = "ZZSECRETNAME is a patient";
    await post(f, ok);
    const r1 = await post(f, bad);
    const r2 = await post(f, notHl7);
    const r3 = await post(f, ok, { "content-type": "application/json" });
    const texts = [
      await r1.text(),
      await r2.text(),
      await r3.text(),
      await (await f.app.request("/metrics")).text(),
    ];
    const logs = f.logger.lines.join("\n");
    for (const t of [...texts, logs]) {
      expect(t).not.toContain("ZZSECRET");
      expect(t).not.toContain("PHIGIVEN");
      expect(t).not.toContain("PATID12345");
      expect(t).not.toContain("19800101");
    }
    // The log line per request carries what operators need.
    const line = JSON.parse(f.logger.lines.find((l) => l.includes('"PHI-1"'))!) as Record<string, unknown>;
    expect(line).toMatchObject({
      event: "ingest_request",
      vendor: f.vendor,
      control_id: "PHI-1",
      outcome: "accepted",
    });
    expect(typeof line.request_id).toBe("string");
    expect(typeof line.duration_ms).toBe("number");
  });

  it("keeps a sane X-Request-Id and replaces one that could inject into logs", async () => {
    const f = await fixture();
    const good = await post(f, adtMessage("RID-1"), { "x-request-id": "abc-123" });
    expect(good.headers.get("x-request-id")).toBe("abc-123");
    const evil = await post(f, adtMessage("RID-2"), { "x-request-id": 'x","level":"error' });
    expect(evil.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("checks credentials before reading the body: an unauthenticated oversize body is 401, not buffered", async () => {
    const f = await fixture({ maxBodyBytes: 1024 });
    await expectProblem(await send(f, {}, "X".repeat(10_000)), 401, "missing_credentials");
  });

  it("an unexpected failure is a generic 500 AE that reveals nothing internal", async () => {
    const f = await fixture();
    const app = createApp({
      ...f.deps,
      metrics: new MetricsRegistry(),
      enqueuer: {
        enqueue: async () => {
          throw new TypeError("internal detail: redis key bull:secret");
        },
        ping: async () => {},
      },
    });
    const res = await post({ app, key: f.key }, adtMessage("E-1"));
    const ack = await res.text();
    expect(res.status).toBe(500);
    expect(msa(ack)[1]).toBe("AE");
    expect(ack).not.toContain("internal detail");
    expect(f.logger.lines.join("\n")).not.toContain("internal detail");
  });
});

describe("key lookup while Redis is down", () => {
  let redis: PrivateService;
  beforeAll(async () => {
    redis = await privateRedis();
  }, 120_000);
  afterAll(async () => {
    await redis?.destroy();
  });

  it("answers 503 + Retry-After + AE (not 401) when keys cannot be looked up", async () => {
    const client = new Redis(redis.endpoint, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
    client.on("error", () => {});
    await new Promise((resolve) => client.once("ready", resolve));
    const store = new RedisKeyStore(client, uniqueName("keys"));
    const vendor = uniqueName("vendor");
    const { key, stored } = await generateApiKey(vendor, new Date());
    await store.put(stored);
    const enqueuer = await BullmqEnqueuer.connect({
      redisUrl: redis.endpoint,
      queueName: uniqueName("edge-q"),
      dedupWindowSeconds: 60,
    });
    const app = createApp({
      keys: new CachedKeyStore(store, 0),
      enqueuer,
      rateLimiter: new TokenBucketLimiter({ ratePerSecond: 100, burst: 100 }),
      profiles: new Map(),
      logger: new CapturingLogger(),
      metrics: new MetricsRegistry(),
    });
    try {
      expect((await post({ app, key }, adtMessage("K-1"))).status).toBe(200);
      await redis.stop();
      const res = await post({ app, key }, adtMessage("K-2"));
      const ack = await res.text();
      expect(res.status, ack).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect(msa(ack).slice(1, 3)).toEqual(["AE", "K-2"]);
    } finally {
      client.disconnect();
      await enqueuer.close();
      await redis.start();
    }
  });
});
