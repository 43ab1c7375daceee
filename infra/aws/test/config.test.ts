import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cidrsOverlap, parseStageConfig } from "../lib/config.ts";
import { parseImageUri } from "../lib/images.ts";
import { stageInput } from "./fixtures.ts";

describe("stage configuration", () => {
  it("fills defaults: Kafka 3.9 sizing, consumer-group prefix, queue-store engine", () => {
    const c = parseStageConfig(stageInput("dev"));
    expect(c.kafka.databricksGroupPrefix).toBe("adt-stream-databricks-");
    expect(c.queueStore).toMatchObject({ engine: "valkey", userName: "adt-stream-app", replicasPerShard: 2 });
    expect(c.compute.edgeAllowedCidrs).toEqual(["0.0.0.0/0"]);
  });

  it("rejects a Databricks CIDR that overlaps ours", () => {
    const input = stageInput("dev", {
      databricks: { ...stageInput("dev").databricks, vpcCidr: "10.50.128.0/20" },
    });
    expect(() => parseStageConfig(input)).toThrow(
      "invalid infra configuration: databricks.vpcCidr: overlaps the VPC CIDR 10.50.0.0/16; VPC peering needs disjoint ranges",
    );
  });

  it("rejects min above max for a service", () => {
    const base = stageInput("dev");
    const input = stageInput("dev", {
      compute: { ...base.compute, workers: { ...base.compute.workers, minCount: 5, maxCount: 2 } },
    });
    expect(() => parseStageConfig(input)).toThrow(
      "invalid infra configuration: compute.workers.minCount: must not exceed maxCount (2)",
    );
  });

  it("requires a multi-AZ queue store and a year of logs in prod", () => {
    const input = stageInput("prod", {
      queueStore: { nodeType: "db.r7g.large", replicasPerShard: 0 },
      logRetentionDays: 30,
    });
    expect(() => parseStageConfig(input)).toThrow(
      "invalid infra configuration: queueStore.replicasPerShard: must be at least 1 in prod (multi-AZ queue store); " +
        "logRetentionDays: must be at least 365 in prod (audit trail)",
    );
  });

  it("rejects an image that is not a pinned ECR URI", () => {
    const base = stageInput("dev");
    const input = stageInput("dev", {
      compute: { ...base.compute, edge: { ...base.compute.edge, image: "node:20-slim" } },
    });
    expect(() => parseStageConfig(input)).toThrow(
      "invalid infra configuration: compute.edge.image: must be an ECR image URI with a tag or digest, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/adt-stream-edge:1.0.0",
    );
  });

  it("rejects a Fargate size that does not exist", () => {
    const base = stageInput("dev");
    const input = stageInput("dev", {
      compute: { ...base.compute, edge: { ...base.compute.edge, cpu: 256, memoryMiB: 4096 } },
    });
    expect(() => parseStageConfig(input)).toThrow(
      "invalid infra configuration: compute.edge.memoryMiB: is not a Fargate size for 256 CPU units",
    );
  });
});

describe("cidrsOverlap", () => {
  const block = fc
    .tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 8, max: 30 }))
    .map(([ip, bits]) => {
      const size = 2 ** (32 - bits);
      const base = ip - (ip % size);
      const o = [24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256);
      return { text: `${o.join(".")}/${bits}`, start: base, end: base + size };
    });

  it("agrees with interval arithmetic and is symmetric", () => {
    fc.assert(
      fc.property(block, block, (a, b) => {
        const expected = a.start < b.end && b.start < a.end;
        expect(cidrsOverlap(a.text, b.text)).toBe(expected);
        expect(cidrsOverlap(b.text, a.text)).toBe(expected);
      }),
    );
  });

  it("treats a block as overlapping itself and its sub-blocks", () => {
    expect(cidrsOverlap("10.0.0.0/16", "10.0.0.0/16")).toBe(true);
    expect(cidrsOverlap("10.0.0.0/16", "10.0.255.0/24")).toBe(true);
    expect(cidrsOverlap("10.0.0.0/16", "10.1.0.0/16")).toBe(false);
  });
});

describe("parseImageUri", () => {
  it("splits tag and digest forms", () => {
    expect(parseImageUri("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/adt-stream-edge:1.2.3")).toEqual({
      account: "123456789012",
      region: "eu-west-1",
      repositoryName: "team/adt-stream-edge",
      tagOrDigest: "1.2.3",
    });
    const digest = `sha256:${"a".repeat(64)}`;
    expect(
      parseImageUri(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/adt-stream-workers@${digest}`).tagOrDigest,
    ).toBe(digest);
  });

  it("rejects an unpinned or non-ECR image", () => {
    expect(() => parseImageUri("123456789012.dkr.ecr.eu-west-1.amazonaws.com/adt-stream-edge")).toThrow(
      "image must be an ECR URI with a tag or a sha256 digest",
    );
    expect(() => parseImageUri("docker.io/library/node:20")).toThrow(
      "image must be an ECR URI with a tag or a sha256 digest",
    );
  });
});
