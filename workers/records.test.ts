import { describe, expect, it } from "vitest";
import { DEFAULT_PROFILE, toAdtEvent } from "../shared/adt/index.ts";
import { parseMessage } from "../shared/hl7/index.ts";
import { dlqRecord, jobRecords } from "./records.ts";
import { adtJob } from "./testing/adt-jobs.ts";

describe("Kafka records of a job", () => {
  const job = adtJob("st-mary", 42);
  const result = toAdtEvent(parseMessage(job.raw), DEFAULT_PROFILE, job);
  if (!result.ok) throw result.error;

  it("events and raw carry the contract headers, the same key, and topics from topicName", () => {
    const [events, raw] = jobRecords("stg.", job, result.event, "GENHOSP|100042");
    const common = {
      vendor: "st-mary",
      "ingest-id": job.id,
      seq: "42",
      "received-at": job.receivedAt,
      "hl7-control-id": job.controlId,
      "hl7-message-type": job.messageType,
    };
    expect(events).toEqual({
      topic: "stg.adt.st-mary.events",
      key: "GENHOSP|100042",
      value: JSON.stringify(result.event),
      headers: { ...common, "content-type": "application/json", schema: "adt-event/v1" },
    });
    expect(raw).toEqual({
      topic: "stg.adt.st-mary.raw",
      key: "GENHOSP|100042",
      value: job.raw,
      headers: { ...common, "content-type": "application/hl7-v2" },
    });
  });

  it("a DLQ record holds the problems, the job metadata and the raw text; raw is dropped only when too large", () => {
    const problems = [{ code: "hl7:NO_MSH", path: "segment 1", reason: "message does not start with MSH" }];
    const now = new Date("2024-03-15T10:00:00Z");
    const r = dlqRecord("", job, "parse", problems, { now, attemptsMade: 0 });
    expect(r.topic).toBe("adt.st-mary.dlq");
    expect(r.key).toBe(job.controlId);
    expect(r.headers["error-code"]).toBe("hl7:NO_MSH");
    expect(r.headers["ingest-id"]).toBe(job.id);
    const { raw, ...meta } = job;
    expect(JSON.parse(r.value)).toEqual({
      v: 1,
      stage: "parse",
      error: problems,
      failedAt: "2024-03-15T10:00:00.000Z",
      attemptsMade: 0,
      job: meta,
      raw,
    });
    const big = JSON.parse(
      dlqRecord("", job, "produce", problems, { now, attemptsMade: 1, maxRawBytes: 10 }).value,
    );
    expect(big).toMatchObject({ raw: null, rawOmitted: "too_large" });
  });
});
