import { Worker } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { encodeMllp } from "../../../shared/hl7/index.ts";
import { IngestJobSchema, parseIngestJob } from "../../../shared/queue/job.ts";
import { testServices } from "../../support/services.ts";
import { waitFor } from "../../support/wait.ts";
import { adtMessage, type EdgeFixture, edgeFixture, msa, post, segments } from "./helpers.ts";

const fixtures: EdgeFixture[] = [];
async function fixture(opts: Partial<Parameters<typeof edgeFixture>[0]> = {}) {
  const f = await edgeFixture({ redisUrl: testServices().redisUrl, ...opts });
  fixtures.push(f);
  return f;
}
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.close()));
});

describe("POST /v1/messages (happy paths)", () => {
  it("answers AA 200 with an HL7 ACK only after the job is in the queue, with the contract payload", async () => {
    const f = await fixture();
    const msg = adtMessage("CTRL-1");
    const res = await post(f, msg);
    const ack = await res.text();
    expect(res.status, ack).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/hl7-v2/);
    expect(msa(ack).slice(0, 3)).toEqual(["MSA", "AA", "CTRL-1"]);
    const msh = segments(ack)[0]!;
    // MSH-3/4 ↔ MSH-5/6 swapped
    expect(msh.slice(2, 6)).toEqual(["ADT-STREAM", "HUB", "EPIC", "GENERAL HOSP"]);
    expect(msh[8]).toBe("ACK^A01^ACK");
    const jobs = await f.jobs();
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(IngestJobSchema.safeParse(job).success).toBe(true);
    expect(job).toMatchObject({
      v: 1,
      vendor: f.vendor,
      controlId: "CTRL-1",
      messageType: "ADT^A01",
      raw: msg,
      seq: 1,
    });
    expect(res.headers.get("x-ingest-id")).toBe(job.id);
    expect(res.headers.get("x-duplicate")).toBe("false");
  });

  it("stores jobs a plain BullMQ Worker consumes, with the real seq in the payload", async () => {
    const f = await fixture();
    await post(f, adtMessage("W-1"));
    await post(f, `${adtMessage("W-2")}\r${adtMessage("W-3")}\r`);
    const seen: [string, number][] = [];
    const worker = new Worker(
      f.queueName,
      async (job) => {
        const p = parseIngestJob(job.data);
        seen.push([p.controlId, p.seq]);
      },
      { connection: { url: testServices().redisUrl, maxRetriesPerRequest: null } },
    );
    try {
      await waitFor("three jobs processed", () => seen.length === 3, { timeoutMs: 20_000 });
    } finally {
      await worker.close();
    }
    expect(seen.sort((a, b) => a[1] - b[1])).toEqual([
      ["W-1", 1],
      ["W-2", 2],
      ["W-3", 3],
    ]);
  });

  it("assigns increasing per-vendor seq numbers; another vendor has its own sequence", async () => {
    const f = await fixture();
    for (let i = 1; i <= 3; i++) expect((await post(f, adtMessage(`S-${i}`))).status).toBe(200);
    const other = await f.addKey(`${f.vendor}-b`);
    expect((await post({ app: f.app, key: other.key }, adtMessage("S-1"))).status).toBe(200);
    const jobs = await f.jobs();
    const mine = jobs.filter((j) => j.vendor === f.vendor).map((j) => [j.controlId, j.seq]);
    expect(mine).toEqual([
      ["S-1", 1],
      ["S-2", 2],
      ["S-3", 3],
    ]);
    expect(jobs.find((j) => j.vendor === `${f.vendor}-b`)?.seq).toBe(1);
  });

  it("answers the same outcome as JSON with Accept: application/json", async () => {
    const f = await fixture();
    const res = await post(f, adtMessage("J-1"), { accept: "application/json" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await res.json()) as {
      ack: string;
      messages: { controlId: string; ingestId: string; seq: number }[];
    };
    const [job] = await f.jobs();
    expect(body).toMatchObject({ ack: "AA", duplicate: false, batch: false });
    expect(body.messages).toEqual([
      { index: 1, ack: "AA", controlId: "J-1", ingestId: job!.id, seq: 1, duplicate: false, errors: [] },
    ]);
  });

  it("accepts every HL7-over-HTTP media type and X-API-Key / Basic auth", async () => {
    const f = await fixture();
    const types = ["application/hl7-v2", "application/hl7-v2+er7", "x-application/hl7-v2+er7", "text/plain"];
    for (const [i, t] of types.entries()) {
      const res = await post(f, adtMessage(`T-${i}`), { "content-type": `${t}; charset=utf-8` });
      expect(res.status, t).toBe(200);
    }
    const viaHeader = await f.app.request("/v1/messages", {
      method: "POST",
      headers: { "x-api-key": f.key, "content-type": "application/hl7-v2" },
      body: adtMessage("X-1"),
    });
    expect(viaHeader.status).toBe(200);
    const viaBasic = await f.app.request("/v1/messages", {
      method: "POST",
      headers: {
        authorization: `Basic ${btoa(`${f.vendor}:${f.key}`)}`,
        "content-type": "application/hl7-v2",
      },
      body: adtMessage("B-1"),
    });
    expect(viaBasic.status).toBe(200);
    expect((await f.jobs()).map((j) => j.controlId).sort()).toEqual([
      "B-1",
      "T-0",
      "T-1",
      "T-2",
      "T-3",
      "X-1",
    ]);
  });

  it("tolerates MLLP framing; raw is the unframed text", async () => {
    const f = await fixture();
    const msg = adtMessage("M-1");
    const res = await post(f, encodeMllp(msg));
    expect(res.status, await res.clone().text()).toBe(200);
    const [job] = await f.jobs();
    expect(job!.raw).toBe(msg);
  });

  it("honours the charset parameter: ISO-8859-1 bytes are decoded, raw holds the text", async () => {
    const f = await fixture();
    const msg = adtMessage("L-1", { patientName: "MÜLLER^JOSÉ" });
    const latin1 = Uint8Array.from(msg, (ch) => ch.charCodeAt(0));
    const res = await post(f, latin1, { "content-type": "application/hl7-v2; charset=ISO-8859-1" });
    expect(res.status).toBe(200);
    const [job] = await f.jobs();
    expect(job!.raw).toBe(msg);
  });

  it("enqueues an FHS/BHS batch all together and answers a batch ACK", async () => {
    const f = await fixture();
    const batch = [
      "FHS|^~\\&|EPIC|GENERAL HOSP|ADT-STREAM|HUB|20240101120000||||F-1",
      "BHS|^~\\&|EPIC|GENERAL HOSP|ADT-STREAM|HUB|20240101120000||||B-1",
      adtMessage("BATCH-1"),
      adtMessage("BATCH-2", { trigger: "A08" }),
      "BTS|2",
      "FTS|1",
    ].join("\r");
    const res = await post(f, batch);
    const ack = await res.text();
    expect(res.status, ack).toBe(200);
    const segs = segments(ack).map((s) => s[0]);
    expect(segs).toEqual(["FHS", "BHS", "MSH", "MSA", "MSH", "MSA", "BTS", "FTS"]);
    expect(
      segments(ack)
        .filter((s) => s[0] === "MSA")
        .map((s) => s.slice(1, 3)),
    ).toEqual([
      ["AA", "BATCH-1"],
      ["AA", "BATCH-2"],
    ]);
    const jobs = await f.jobs();
    expect(jobs.map((j) => [j.controlId, j.messageType, j.seq])).toEqual([
      ["BATCH-1", "ADT^A01", 1],
      ["BATCH-2", "ADT^A08", 2],
    ]);
  });

  it("treats several bare MSH messages as a batch", async () => {
    const f = await fixture();
    const res = await post(f, `${adtMessage("MM-1")}\r${adtMessage("MM-2")}\r`, {
      accept: "application/json",
    });
    const body = (await res.json()) as { batch: boolean; messages: { controlId: string }[] };
    expect(res.status).toBe(200);
    expect(body.batch).toBe(true);
    expect(body.messages.map((m) => m.controlId)).toEqual(["MM-1", "MM-2"]);
    expect((await f.jobs()).map((j) => j.controlId)).toEqual(["MM-1", "MM-2"]);
  });

  it("answers a resend AA again, says it is a duplicate, and does not enqueue twice", async () => {
    const f = await fixture();
    const msg = adtMessage("D-1");
    const first = await post(f, msg);
    const second = await post(f, msg, { accept: "application/json" });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers.get("x-duplicate")).toBe("true");
    const body = (await second.json()) as {
      duplicate: boolean;
      messages: { ingestId: string; seq: number }[];
    };
    const jobs = await f.jobs();
    expect(jobs).toHaveLength(1);
    expect(body.duplicate).toBe(true);
    expect(body.messages[0]).toMatchObject({ ingestId: jobs[0]!.id, seq: 1 });
    expect(first.headers.get("x-ingest-id")).toBe(jobs[0]!.id);
    const metrics = await (await f.app.request("/metrics")).text();
    expect(metrics).toContain(`edge_duplicates_total{vendor="${f.vendor}"} 1`);
  });

  it("a resend storm (same message x100 concurrently) enqueues exactly once and answers AA to all", async () => {
    const f = await fixture();
    const msg = adtMessage("STORM-1");
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => post(f, msg, { accept: "application/json" })),
    );
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as {
      ack: string;
      messages: { ingestId: string; duplicate: boolean; seq: number | null }[];
    }[];
    expect(responses.map((r) => r.status)).toEqual(Array(100).fill(200));
    const jobs = await f.jobs();
    expect(jobs).toHaveLength(1);
    // Everyone is told the same ingest id; exactly one request created it.
    expect(new Set(bodies.map((b) => b.messages[0]!.ingestId))).toEqual(new Set([jobs[0]!.id]));
    expect(bodies.filter((b) => !b.messages[0]!.duplicate)).toHaveLength(1);
    // De-dup, seq and add are one script: no seq is burnt by the 99 resends.
    expect(new Set(bodies.map((b) => b.messages[0]!.seq))).toEqual(new Set([1]));
  });

  it("accepts a reused control id with a different body, enqueues it and counts it", async () => {
    const f = await fixture();
    expect((await post(f, adtMessage("R-1"))).status).toBe(200);
    const res = await post(f, adtMessage("R-1", { trigger: "A08" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-duplicate")).toBe("false");
    const jobs = await f.jobs();
    expect(jobs.map((j) => [j.controlId, j.messageType, j.seq])).toEqual([
      ["R-1", "ADT^A01", 1],
      ["R-1", "ADT^A08", 2],
    ]);
    const metrics = await (await f.app.request("/metrics")).text();
    expect(metrics).toContain(`edge_control_id_reused_total{vendor="${f.vendor}"} 1`);
  });

  it("serves /healthz, /readyz, /metrics, /openapi.json and /docs", async () => {
    const f = await fixture();
    await post(f, adtMessage("H-1"));
    expect(await (await f.app.request("/healthz")).json()).toEqual({ status: "ok" });
    const ready = await f.app.request("/readyz");
    expect(ready.status).toBe(200);
    const metrics = await f.app.request("/metrics");
    expect(metrics.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await metrics.text();
    expect(text).toContain(`edge_requests_total{vendor="${f.vendor}",outcome="accepted"} 1`);
    expect(text).toContain('edge_ack_latency_seconds_count{outcome="accepted"} 1');
    expect(text).toContain(`edge_messages_enqueued_total{vendor="${f.vendor}"} 1`);
    const doc = (await (await f.app.request("/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths["/v1/messages"]!.post!.responses).sort()).toEqual(
      ["200", "400", "401", "403", "413", "415", "429", "500", "503"].sort(),
    );
    const docs = await f.app.request("/docs");
    const html = await docs.text();
    expect(docs.headers.get("content-type")).toContain("text/html");
    expect(html).toContain("POST /v1/messages");
    expect(html).toContain('id="error-queue_unavailable"');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  });
});
