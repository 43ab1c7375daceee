import { createServer, type Server } from "node:http";
import { type MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from "../shared/metrics/registry.ts";

export interface MetricsServer {
  server: Server;
  /** The bound port (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * A small HTTP server for the scraper: `GET /metrics` (Prometheus text) and `GET /healthz`
 * (200 while `healthy()` says so, else 503). Nothing else is served.
 *
 * @example
 * const m = await startMetricsServer({ registry, port: 9464, host: "0.0.0.0", healthy: () => true });
 */
export function startMetricsServer(opts: {
  registry: MetricsRegistry;
  port: number;
  host: string;
  healthy: () => boolean;
}): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
    } else if (path === "/metrics") {
      opts.registry.render().then(
        (text) => res.writeHead(200, { "content-type": PROMETHEUS_CONTENT_TYPE }).end(text),
        () => res.writeHead(500).end(),
      );
    } else if (path === "/healthz") {
      const ok = opts.healthy();
      res
        .writeHead(ok ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify({ status: ok ? "ok" : "unavailable" }));
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      const addr = server.address();
      resolve({
        server,
        port: typeof addr === "object" && addr ? addr.port : opts.port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
