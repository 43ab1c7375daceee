import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LocalStackConfig } from "./config.ts";
import { LocalServiceError } from "./errors.ts";
import { which } from "./process.ts";

/** Where everything of the local broker lives. Data under dataDir, jars under cacheDir. */
export function kafkaPaths(cfg: LocalStackConfig) {
  const dir = join(cfg.dataDir, "kafka");
  return {
    dir,
    logDirs: join(dir, "kraft-logs"),
    libs: join(cfg.cacheDir, "kafka", cfg.kafkaVersion, "libs"),
    pom: join(cfg.root, "infra", "local", "kafka", "pom.xml"),
    serverProperties: join(dir, "server.properties"),
    log4j: join(dir, "log4j.properties"),
    logFile: join(dir, "kafka.log"),
    pidFile: join(cfg.dataDir, "pids", "kafka.pid"),
    tlsDir: join(dir, "tls"),
    keystore: join(dir, "tls", "broker.p12"),
    caPem: join(dir, "tls", "ca.pem"),
    credentials: join(dir, "local-credentials.json"),
  };
}

/** Credentials of the local SASL_SSL listener. Random per data folder; never used outside loopback. */
export interface LocalKafkaCredentials {
  keystorePassword: string;
  plain: { username: string; password: string };
  /** Scope the unsecured OAUTHBEARER validator requires, so a token without it is refused. */
  oauthScope: string;
  caPem: string;
  saslPort: number;
}

export function requireJava(): string {
  const java = which("java");
  if (!java) {
    throw new LocalServiceError(
      "kafka",
      "java not found: install a JDK 17 (`sudo apt-get install openjdk-17-jdk-headless`)",
    );
  }
  return java;
}

/** Copies the broker's jars from Maven Central into the cache once (pinned by infra/local/kafka/pom.xml). */
export function resolveKafkaJars(cfg: LocalStackConfig): string {
  const p = kafkaPaths(cfg);
  if (existsSync(join(p.libs, `kafka_2.13-${cfg.kafkaVersion}.jar`))) return p.libs;
  const mvn = which("mvn");
  if (!mvn)
    throw new LocalServiceError("kafka", "mvn not found: install Maven (`sudo apt-get install maven`)");
  const tmp = `${p.libs}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  console.error(`resolving Apache Kafka ${cfg.kafkaVersion} jars from Maven Central (first run only)`);
  const r = spawnSync(
    mvn,
    [
      "-q",
      "-B",
      "-f",
      p.pom,
      "dependency:copy-dependencies",
      `-DoutputDirectory=${tmp}`,
      "-DincludeScope=runtime",
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0) {
    throw new LocalServiceError(
      "kafka",
      `maven could not resolve the Kafka jars:\n${(r.stdout + r.stderr).slice(-3000)}`,
    );
  }
  rmSync(p.libs, { recursive: true, force: true });
  mkdirSync(join(p.libs, ".."), { recursive: true });
  renameSync(tmp, p.libs);
  return p.libs;
}

/** A self-signed certificate for the SASL_SSL listener, valid for localhost and 127.0.0.1. */
export function ensureTls(cfg: LocalStackConfig): LocalKafkaCredentials {
  const p = kafkaPaths(cfg);
  if (existsSync(p.credentials) && existsSync(p.keystore) && existsSync(p.caPem)) {
    const saved = JSON.parse(readFileSync(p.credentials, "utf8")) as LocalKafkaCredentials;
    return { ...saved, saslPort: cfg.kafkaSaslPort };
  }
  const keytool = which("keytool");
  if (!keytool) throw new LocalServiceError("kafka", "keytool not found: install a JDK 17");
  rmSync(p.tlsDir, { recursive: true, force: true });
  mkdirSync(p.tlsDir, { recursive: true });
  const keystorePassword = randomBytes(18).toString("base64url");
  const run = (args: string[]) => {
    const r = spawnSync(keytool, args, { encoding: "utf8" });
    if (r.status !== 0) throw new LocalServiceError("kafka", `keytool failed: ${r.stderr || r.stdout}`);
  };
  run([
    "-genkeypair",
    "-alias",
    "broker",
    "-keyalg",
    "RSA",
    "-keysize",
    "2048",
    "-validity",
    "3650",
    "-dname",
    "CN=localhost,O=adt-stream local",
    "-ext",
    "SAN=dns:localhost,ip:127.0.0.1",
    "-keystore",
    p.keystore,
    "-storetype",
    "PKCS12",
    "-storepass",
    keystorePassword,
    "-keypass",
    keystorePassword,
  ]);
  run([
    "-exportcert",
    "-rfc",
    "-alias",
    "broker",
    "-keystore",
    p.keystore,
    "-storepass",
    keystorePassword,
    "-file",
    p.caPem,
  ]);
  const creds: LocalKafkaCredentials = {
    keystorePassword,
    plain: { username: "adt-stream", password: randomBytes(18).toString("base64url") },
    oauthScope: "adt-stream",
    caPem: p.caPem,
    saslPort: cfg.kafkaSaslPort,
  };
  writeFileSync(p.credentials, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return creds;
}

/** Reads the credentials of a broker that `services:up` started, if any. */
export function readLocalKafkaCredentials(cfg: LocalStackConfig): LocalKafkaCredentials | undefined {
  const p = kafkaPaths(cfg);
  if (!existsSync(p.credentials)) return undefined;
  return {
    ...(JSON.parse(readFileSync(p.credentials, "utf8")) as LocalKafkaCredentials),
    saslPort: cfg.kafkaSaslPort,
  };
}

const jaasQuote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

export function serverProperties(cfg: LocalStackConfig, creds: LocalKafkaCredentials): string {
  const p = kafkaPaths(cfg);
  const { username, password } = creds.plain;
  return [
    "# Written by infra/local/kafka.ts on every start; edit that file, not this one.",
    "process.roles=broker,controller",
    "node.id=1",
    `controller.quorum.voters=1@127.0.0.1:${cfg.kafkaControllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${cfg.kafkaPort},CONTROLLER://127.0.0.1:${cfg.kafkaControllerPort},SASL_SSL://127.0.0.1:${cfg.kafkaSaslPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${cfg.kafkaPort},SASL_SSL://localhost:${cfg.kafkaSaslPort}`,
    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL",
    "controller.listener.names=CONTROLLER",
    "inter.broker.listener.name=PLAINTEXT",
    `log.dirs=${p.logDirs}`,
    "num.partitions=3",
    // Producers and tests create what they need; silent auto-creation would hide typos in topic names.
    "auto.create.topics.enable=false",
    "offsets.topic.replication.factor=1",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "group.initial.rebalance.delay.ms=0",
    "log.retention.hours=168",
    // SASL_SSL listener: the TLS + SASL client paths used for AWS MSK, tested against a real broker.
    `ssl.keystore.location=${p.keystore}`,
    `ssl.keystore.password=${creds.keystorePassword}`,
    "ssl.keystore.type=PKCS12",
    "ssl.client.auth=none",
    "sasl.enabled.mechanisms=OAUTHBEARER,PLAIN",
    // Kafka's unsecured-JWS validator: accepts unsigned JWTs that carry the required scope.
    `listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker" unsecuredValidatorRequiredScope=${jaasQuote(creds.oauthScope)};`,
    `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=${jaasQuote(username)} password=${jaasQuote(password)} user_${username}=${jaasQuote(password)};`,
    "",
  ].join("\n");
}

export const LOG4J_PROPERTIES = [
  "log4j.rootLogger=INFO, stdout",
  "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
  "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
  "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n",
  "log4j.logger.kafka=INFO",
  "log4j.logger.org.apache.kafka=INFO",
  "log4j.logger.kafka.request.logger=WARN",
  "log4j.logger.state.change.logger=WARN",
  "",
].join("\n");
