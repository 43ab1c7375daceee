import { loadLocalStackConfig } from "./config.ts";
import { LocalServiceError } from "./errors.ts";
import { servicesDown, servicesStatus, servicesUp } from "./services.ts";

const USAGE = "usage: tsx infra/local/cli.ts up | down [redis] [kafka] | status";
const SERVICE_NAMES = ["redis", "kafka"] as const;
type ServiceName = (typeof SERVICE_NAMES)[number];

function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}

async function main(command: string | undefined, args: string[]): Promise<number> {
  const cfg = loadLocalStackConfig();
  switch (command) {
    case "up": {
      const { services, endpoints } = await servicesUp(cfg);
      for (const s of services) {
        console.log(
          `${s.name.padEnd(6)} ${s.startedNow ? "started" : "reused "} ${s.endpoint}${s.pid ? ` pid ${s.pid}` : ""}`,
        );
      }
      console.log(`REDIS_URL=${endpoints.redisUrl}`);
      console.log(`KAFKA_BROKERS=${endpoints.kafkaBrokers.join(",")}`);
      return 0;
    }
    case "down": {
      // `down redis` / `down kafka`: only that one (still only if services:up started it).
      const only = args.filter(isServiceName);
      if (only.length !== args.length) {
        console.error(USAGE);
        return 2;
      }
      const stopped = await servicesDown(cfg, only.length ? only : undefined);
      console.log(
        stopped.length
          ? `stopped ${stopped.join(", ")}`
          : "nothing to stop (no service was started by services:up)",
      );
      return 0;
    }
    case "status": {
      const all = await servicesStatus(cfg);
      for (const s of all) {
        console.log(
          `${s.name.padEnd(6)} ${s.state.padEnd(8)} ${s.endpoint}${s.pid ? ` pid ${s.pid}` : ""}${s.detail ? ` ${s.detail}` : ""}`,
        );
      }
      return all.every((s) => s.state !== "stopped") ? 0 : 3;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof LocalServiceError ? err.message : err);
    process.exit(1);
  },
);
