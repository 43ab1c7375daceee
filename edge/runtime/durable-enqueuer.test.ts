import { describe, expect, it } from "vitest";
import { QueueUnavailableError } from "../deps.ts";
import { QueueObjectError, unwrap, vendorShard } from "./durable-enqueuer.ts";
import { keyShard } from "./durable-key-store.ts";
import { stringVars } from "./worker-env.ts";

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error("rejected with a non-Error", { cause: err });
  }
  throw new Error("expected a rejection, but the promise resolved");
}

describe("unwrap (queue object outcome → value or the error the app expects)", () => {
  it("returns the value of a successful call", async () => {
    await expect(unwrap("enqueue", async () => ({ ok: true, value: [1, 2] }))).resolves.toEqual([1, 2]);
  });

  it("turns queue_unavailable into QueueUnavailableError (the app answers 503 + Retry-After)", async () => {
    const err = await failure(unwrap("enqueue", async () => ({ ok: false, error: "queue_unavailable" })));
    expect(err).toBeInstanceOf(QueueUnavailableError);
    expect(err.message).toBe("queue unavailable during enqueue");
  });

  it("turns a failed RPC into QueueUnavailableError and keeps the cause", async () => {
    const cause = new Error("Durable Object reset because its code was updated.");
    const err = await failure(unwrap("ping", () => Promise.reject(cause)));
    expect(err).toBeInstanceOf(QueueUnavailableError);
    expect(err.cause).toBe(cause);
    expect(err.message).not.toContain("reset");
  });

  it("turns internal into QueueObjectError, not an outage (the app answers 500 as on Node)", async () => {
    const err = await failure(unwrap("enqueue", async () => ({ ok: false, error: "internal" })));
    expect(err).toBeInstanceOf(QueueObjectError);
    expect(err).not.toBeInstanceOf(QueueUnavailableError);
    expect(err.name).toBe("QueueObjectError");
  });
});

describe("object names", () => {
  it("gives each vendor its own object, and key lookups 16 shards by the key id's first hex digit", () => {
    expect(vendorShard("acme-hie")).toBe("vendor:acme-hie");
    expect(vendorShard("acme")).not.toBe(vendorShard("acme-hie"));
    expect(keyShard("0123456789abcdef")).toBe("keys:0");
    expect(keyShard("f123456789abcdef")).toBe("keys:f");
  });
});

describe("stringVars", () => {
  it("keeps string bindings only (namespaces and other objects are not configuration)", () => {
    expect(stringVars({ REDIS_URL: "redis://x", INGEST_QUEUE_OBJECT: { idFromName() {} }, N: 3 })).toEqual({
      REDIS_URL: "redis://x",
    });
  });
});
