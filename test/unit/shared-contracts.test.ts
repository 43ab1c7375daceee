import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, parseEnv } from "../../shared/config/env.ts";
import { parseTopicName, TOPIC_KINDS, topicName } from "../../shared/kafka/topics.ts";
import { createJsonLogger, errorFields } from "../../shared/log/logger.ts";
import { MetricsRegistry } from "../../shared/metrics/registry.ts";
import { InvalidJobPayloadError, parseIngestJob } from "../../shared/queue/job.ts";

const validJob = {
  v: 1,
  id: "7d5c1f3e-2b1a-4c7e-9a3b-1f2e3d4c5b6a",
  vendor: "st-mary",
  receivedAt: "2026-11-27T05:00:00.123Z",
  seq: 42,
  controlId: "MSG00001",
  messageType: "ADT^A01",
  raw: "MSH|^~\\&|...",
};

describe("topic names", () => {
  it("are built by one function and parse back", () => {
    expect(topicName("", "st-mary", "events")).toBe("adt.st-mary.events");
    expect(topicName("staging.", "demo", "dlq")).toBe("staging.adt.demo.dlq");
    for (const kind of TOPIC_KINDS) {
      expect(parseTopicName("p.", topicName("p.", "acme-hie", kind))).toEqual({ vendor: "acme-hie", kind });
    }
    expect(parseTopicName("", "adt.demo.other")).toBeUndefined();
    expect(parseTopicName("x.", "adt.demo.events")).toBeUndefined();
  });

  it("refuse vendor ids that would break topic names", () => {
    for (const bad of ["", "Demo", "a.b", "a b", "-lead", "x".repeat(64)]) {
      expect(() => topicName("", bad, "events"), bad).toThrow(RangeError);
    }
  });
});

describe("ingest job payload", () => {
  it("accepts the v1 contract", () => {
    expect(parseIngestJob(validJob)).toEqual(validJob);
  });

  it("names every bad key and never echoes a value", () => {
    const secret = "DOE^JANE";
    try {
      parseIngestJob({ ...validJob, v: 2, seq: 0, vendor: secret, messageType: secret });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidJobPayloadError);
      const e = err as InvalidJobPayloadError;
      expect(e.problems.map((p) => p.split(":")[0])).toEqual(["v", "vendor", "seq", "messageType"]);
      expect(e.message).not.toContain(secret);
      expect(e.retryable).toBe(false);
    }
  });
});

describe("env parsing", () => {
  it("fails with the variable's name, not its value", () => {
    const schema = z.object({ PORT: z.coerce.number().int().min(1), REDIS_URL: z.url() });
    expect(() => parseEnv(schema, { PORT: "0", REDIS_URL: "redis://:hunter2@x:6379" })).toThrow(ConfigError);
    try {
      parseEnv(schema, { PORT: "x", REDIS_URL: "not a url hunter2" });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/^invalid configuration: PORT: .*; REDIS_URL: /);
      expect((err as Error).message).not.toContain("hunter2");
    }
    expect(parseEnv(schema, { PORT: "8080", REDIS_URL: "redis://127.0.0.1:6379" }).PORT).toBe(8080);
  });
});

describe("metrics registry", () => {
  it("renders Prometheus text with escaped labels and cumulative buckets", async () => {
    const reg = new MetricsRegistry();
    const c = reg.counter("adt_requests_total", "Requests", ["vendor", "outcome"]);
    c.inc({ vendor: "demo", outcome: "AA" });
    c.inc({ vendor: "demo", outcome: "AA" }, 2);
    c.inc({ vendor: 'we"ird', outcome: "AR" });
    const h = reg.histogram("adt_ack_seconds", "ACK latency", ["vendor"], [0.01, 0.1]);
    h.observe({ vendor: "demo" }, 0.005);
    h.observe({ vendor: "demo" }, 0.05);
    h.observe({ vendor: "demo" }, 5);
    const g = reg.gauge("adt_queue_depth", "Depth");
    g.onCollect(() => g.set({}, 7));
    const text = await reg.render();
    expect(text).toContain('adt_requests_total{vendor="demo",outcome="AA"} 3');
    expect(text).toContain('adt_requests_total{vendor="we\\"ird",outcome="AR"} 1');
    expect(text).toContain('adt_ack_seconds_bucket{vendor="demo",le="0.01"} 1');
    expect(text).toContain('adt_ack_seconds_bucket{vendor="demo",le="0.1"} 2');
    expect(text).toContain('adt_ack_seconds_bucket{vendor="demo",le="+Inf"} 3');
    expect(text).toContain('adt_ack_seconds_count{vendor="demo"} 3');
    expect(text).toContain("adt_queue_depth 7");
    expect(h.quantile(0.5)).toBe(0.1);
    expect(h.quantile(0.99)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("logger", () => {
  it("writes one JSON line per event with child fields, filtered by level", () => {
    const lines: string[] = [];
    const log = createJsonLogger({
      service: "edge",
      level: "info",
      write: (l) => lines.push(l),
      now: () => new Date("2026-01-01T00:00:00Z"),
    });
    const child = log.child({ request_id: "r1", vendor: "demo" });
    child.debug("ignored");
    child.info("message_enqueued", { bytes: 10 });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        ts: "2026-01-01T00:00:00.000Z",
        level: "info",
        service: "edge",
        event: "message_enqueued",
        request_id: "r1",
        vendor: "demo",
        bytes: 10,
      },
    ]);
  });

  it("logs an error's name and code but not its message", () => {
    const err = Object.assign(new Error("value DOE^JANE"), { code: "ECONNREFUSED" });
    expect(errorFields(err)).toEqual({ error_name: "Error", error_code: "ECONNREFUSED" });
  });
});
