import { describe, expect, it } from "vitest";
import { emfLine } from "./emf.ts";

describe("CloudWatch EMF line", () => {
  it("declares namespace AdtStream, dimension Queue and the three metrics the CDK alarms use", () => {
    const at = new Date("2024-03-15T10:00:00Z");
    const line = JSON.parse(
      emfLine({ queue: "adt-ingest", queueDepth: 12, oldestJobAgeSeconds: 3.5, dlqRecords: 2 }, at),
    );
    expect(line).toEqual({
      _aws: {
        Timestamp: at.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: "AdtStream",
            Dimensions: [["Queue"]],
            Metrics: [
              { Name: "QueueDepth", Unit: "Count" },
              { Name: "OldestJobAgeSeconds", Unit: "Seconds" },
              { Name: "DlqRecords", Unit: "Count" },
            ],
          },
        ],
      },
      Queue: "adt-ingest",
      QueueDepth: 12,
      OldestJobAgeSeconds: 3.5,
      DlqRecords: 2,
    });
  });
});
