import { defineConfig } from "vitest/config";

// Two projects: `unit` needs nothing running; `integration` talks to the real Redis and
// Kafka that test/setup/services.ts brings up (or finds through REDIS_URL / KAFKA_BROKERS).
// In CI a JSON report is written too, so .ci/run can print one "N passed, N failed" line.
const reporters: Array<string | [string, Record<string, unknown>]> = process.env.CI
  ? ["default", ["json", { outputFile: ".cache/ci/vitest.json" }]]
  : ["default"];

export default defineConfig({
  test: {
    reporters,
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "shared/**/*.test.ts",
            "edge/**/*.test.ts",
            "workers/**/*.test.ts",
            "infra/**/*.test.ts",
            "scripts/**/*.test.ts",
            "tools/**/*.test.ts",
            "bench/**/*.test.ts",
            "test/unit/**/*.test.ts",
          ],
          exclude: ["**/node_modules/**", "**/*.int.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "**/*.int.test.ts"],
          exclude: ["**/node_modules/**"],
          globalSetup: ["test/setup/services.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Two cores and one broker: run integration files one after another so that
          // timing-sensitive fault tests do not starve each other.
          fileParallelism: false,
        },
      },
    ],
  },
});
