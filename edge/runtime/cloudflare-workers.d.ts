/**
 * The subset of workerd's `cloudflare:workers` module and Durable Object types the Workers
 * entry uses. `@cloudflare/workers-types` declares the whole Workers global scope, which
 * conflicts with the DOM and Node types the rest of the repository checks against; these
 * declarations follow its signatures (2026 compatibility date) for what we call.
 */
declare module "cloudflare:workers" {
  export interface DurableObjectId {
    toString(): string;
    readonly name?: string;
  }

  export interface DurableObjectState {
    readonly id: DurableObjectId;
    /** Runs `callback` with no other event delivered to the object until it settles. */
    blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
    waitUntil(promise: Promise<unknown>): void;
  }

  /**
   * Base class of RPC-capable Durable Objects: public methods become callable on a stub,
   * arguments and results travel by structured clone.
   */
  export abstract class DurableObject<Env = unknown> {
    protected readonly ctx: DurableObjectState;
    protected readonly env: Env;
    constructor(ctx: DurableObjectState, env: Env);
  }

  /** What a namespace binding hands out: `get(idFromName(name))` reaches one object instance. */
  export interface DurableObjectNamespace<Stub = unknown> {
    idFromName(name: string): DurableObjectId;
    get(id: DurableObjectId): Stub;
  }
}
