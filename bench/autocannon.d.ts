// Minimal typing for the parts of autocannon 9 the edge benchmark uses (the package ships no types).
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  interface RequestParams {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    requests?: (RequestParams & {
      // Method syntax on purpose: callers may type the request loosely (Record<string, unknown>).
      setupRequest?(req: RequestParams): RequestParams | Record<string, unknown>;
    })[];
  }
  interface Result {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number; average: number };
    non2xx: number;
    errors: number;
  }
  interface Instance extends EventEmitter {
    once(event: "done", cb: (r: Result) => void): this;
    once(event: "error", cb: (err: Error) => void): this;
  }
  function autocannon(opts: Options, done?: (err: unknown, result: Result) => void): Instance;
  export default autocannon;
}
