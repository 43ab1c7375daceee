import { afterEach, describe, expect, it } from "vitest";
import { MetricsRegistry } from "../shared/metrics/registry.ts";
import { type MetricsServer, startMetricsServer } from "./metrics-server.ts";

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("metrics server", () => {
  it("serves Prometheus text on /metrics, health on /healthz, and nothing else", async () => {
    const registry = new MetricsRegistry();
    registry.counter("adt_test_total", "a test counter").inc({}, 3);
    let healthy = true;
    server = await startMetricsServer({ registry, port: 0, host: "127.0.0.1", healthy: () => healthy });
    const url = `http://127.0.0.1:${server.port}`;
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("adt_test_total 3");
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    healthy = false;
    const down = await fetch(`${url}/healthz`);
    expect([down.status, await down.json()]).toEqual([503, { status: "unavailable" }]);
    expect((await fetch(`${url}/other`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: "POST" })).status).toBe(405);
  });
});
