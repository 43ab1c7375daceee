import { describe, expect, it } from "vitest";
import { loadLocalStackConfig } from "../../infra/local/config.ts";
import { servicesStatus, servicesUp } from "../../infra/local/services.ts";

describe("services:up", () => {
  it("started once, a second up starts nothing and status says what runs where", async () => {
    // The global setup has already brought the stack up (or found one), so this is the second call.
    const cfg = loadLocalStackConfig();
    const { services, endpoints } = await servicesUp(cfg);
    expect(services.map((s) => [s.name, s.startedNow])).toEqual([
      ["redis", false],
      ["kafka", false],
    ]);
    expect(endpoints).toEqual({ redisUrl: "redis://127.0.0.1:6379", kafkaBrokers: ["127.0.0.1:9092"] });
    const status = await servicesStatus(cfg);
    expect(status.map((s) => s.name)).toEqual(["redis", "kafka"]);
    for (const s of status) {
      expect(["ours", "external"], JSON.stringify(s)).toContain(s.state);
      expect(s.detail).toMatch(/^healthy/);
    }
  });
});
