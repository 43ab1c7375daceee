/**
 * The Worker's bindings: the queue object namespace, plus the same string variables as the
 * Node edge's environment (wrangler.toml `[vars]`, secrets, `.dev.vars`).
 */
import type { DurableObjectNamespace } from "cloudflare:workers";
import type { QueueObjectRpc } from "./durable-enqueuer.ts";
import type { KeyObjectRpc } from "./durable-key-store.ts";

export interface WorkerBindings {
  INGEST_QUEUE_OBJECT: DurableObjectNamespace<QueueObjectRpc & KeyObjectRpc>;
  /**
   * Optional: the content of an API key file (`{ "keys": [...] }`, hashes only), set as a
   * secret. When absent, keys are read from Redis through the queue objects.
   */
  API_KEYS?: string;
  [name: string]: unknown;
}

/**
 * The string-valued bindings, for `parseEnv(EdgeEnvSchema, …)` (namespaces and other objects
 * are left out).
 *
 * @example
 * const env = parseEnv(EdgeEnvSchema, stringVars(bindings));
 */
export function stringVars(bindings: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(bindings)) if (typeof v === "string") out[k] = v;
  return out;
}
