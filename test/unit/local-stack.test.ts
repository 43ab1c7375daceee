import { describe, expect, it } from "vitest";
import { LocalConfigError, loadLocalStackConfig } from "../../infra/local/config.ts";
import { serverProperties } from "../../infra/local/kafka-files.ts";

describe("local stack config", () => {
  it("defaults to the ports the rest of the project expects", () => {
    const cfg = loadLocalStackConfig({}, "/repo");
    expect(cfg).toMatchObject({
      dataDir: "/repo/.data",
      cacheDir: "/repo/.cache",
      redisPort: 6379,
      kafkaPort: 9092,
      kafkaControllerPort: 9093,
      kafkaSaslPort: 9094,
      kafkaVersion: "3.9.1",
    });
  });

  it("names the variable that is wrong", () => {
    expect(() => loadLocalStackConfig({ KAFKA_PORT: "99999" }, "/repo")).toThrow(/KAFKA_PORT/);
    expect(() => loadLocalStackConfig({ KAFKA_HEAP: "lots" }, "/repo")).toThrow(/KAFKA_HEAP: must look like/);
    expect(() => loadLocalStackConfig({ REDIS_PORT: "9092" }, "/repo")).toThrow(LocalConfigError);
  });

  it("writes a KRaft broker config with a PLAINTEXT and a SASL_SSL listener", () => {
    const cfg = loadLocalStackConfig({ KAFKA_PORT: "19092", KAFKA_SASL_PORT: "19094" }, "/repo");
    const props = serverProperties(cfg, {
      keystorePassword: "ks",
      plain: { username: "adt-stream", password: 'p"w' },
      oauthScope: "adt-stream",
      caPem: "/repo/.data/kafka/tls/ca.pem",
      saslPort: 19094,
    });
    const kv = Object.fromEntries(
      props
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    expect(kv["process.roles"]).toBe("broker,controller");
    expect(kv.listeners).toBe(
      "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:9093,SASL_SSL://127.0.0.1:19094",
    );
    expect(kv["offsets.topic.replication.factor"]).toBe("1");
    expect(kv["auto.create.topics.enable"]).toBe("false");
    expect(kv["sasl.enabled.mechanisms"]).toBe("OAUTHBEARER,PLAIN");
    expect(kv["listener.name.sasl_ssl.oauthbearer.sasl.jaas.config"]).toContain(
      'unsecuredValidatorRequiredScope="adt-stream"',
    );
    // JAAS values are quoted and escaped, so a password cannot break out of the config line.
    expect(kv["listener.name.sasl_ssl.plain.sasl.jaas.config"]).toContain('user_adt-stream="p\\"w"');
  });
});
