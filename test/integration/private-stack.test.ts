import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { kafkaReady } from "../../infra/local/kafka.ts";
import { redisPing } from "../../infra/local/redis.ts";
import { privateKafka, privateRedis } from "../support/private-stack.ts";

describe("private services for fault tests", () => {
  it("a private Redis stops and starts again with its data (AOF)", async () => {
    const redis = await privateRedis();
    try {
      const before = new Redis(redis.endpoint);
      await before.set("acknowledged", "kept");
      await before.quit();
      await redis.stop();
      expect(await redisPing(redis.cfg.redisPort)).toBe(false);
      await redis.start();
      const after = new Redis(redis.endpoint);
      expect(await after.get("acknowledged")).toBe("kept");
      await after.quit();
    } finally {
      await redis.destroy();
    }
  });

  it("a private Kafka stops and starts again on its own ports", async () => {
    const kafka = await privateKafka();
    try {
      expect(await kafkaReady([kafka.endpoint])).toBe(true);
      await kafka.stop();
      expect(await kafkaReady([kafka.endpoint], 1000)).toBe(false);
      await kafka.start();
      expect(await kafkaReady([kafka.endpoint])).toBe(true);
    } finally {
      await kafka.destroy();
    }
  });
});
