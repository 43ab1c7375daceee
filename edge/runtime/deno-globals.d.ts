/**
 * The few Deno globals edge/entries/deno.ts uses. The repository type-checks with Node's
 * types (tsc), where `Deno` does not exist; declaring this subset keeps the Deno entry under
 * the same strict check without pulling Deno's whole lib (which clashes with @types/node).
 * Signatures follow Deno 2.x (`deno types`).
 */
declare namespace Deno {
  interface Env {
    get(key: string): string | undefined;
    toObject(): Record<string, string>;
  }
  const env: Env;

  interface NetAddr {
    transport: "tcp" | "udp";
    hostname: string;
    port: number;
  }
  interface ServeHandlerInfo {
    remoteAddr: NetAddr;
  }
  interface ServeTcpOptions {
    port?: number;
    hostname?: string;
    signal?: AbortSignal;
    onListen?: (addr: NetAddr) => void;
    onError?: (error: unknown) => Response | Promise<Response>;
  }
  interface HttpServer {
    readonly finished: Promise<void>;
    readonly addr: NetAddr;
    shutdown(): Promise<void>;
  }
  function serve(
    options: ServeTcpOptions,
    handler: (request: Request, info: ServeHandlerInfo) => Response | Promise<Response>,
  ): HttpServer;

  type Signal = "SIGTERM" | "SIGINT";
  function addSignalListener(signal: Signal, handler: () => void): void;
  function exit(code?: number): never;
}
