import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { authenticate, readCredentials } from "./auth.ts";
import { StaticKeyStore } from "./key-store.ts";
import { generateApiKey } from "./keys.ts";

describe("readCredentials", () => {
  it("reads Bearer, X-API-Key and Basic, Bearer first", () => {
    expect(readCredentials("Bearer abc", undefined)).toEqual({ key: "abc", scheme: "bearer" });
    expect(readCredentials("bearer   abc  ", undefined)).toEqual({ key: "abc", scheme: "bearer" });
    expect(readCredentials(undefined, " k1 ")).toEqual({ key: "k1", scheme: "x-api-key" });
    expect(readCredentials("Bearer b", "x")).toEqual({ key: "b", scheme: "bearer" });
    expect(readCredentials(`Basic ${btoa("acme:adt_x:y")}`, undefined)).toEqual({
      key: "adt_x:y",
      claimedVendor: "acme",
      scheme: "basic",
    });
  });

  it("returns undefined for absent, empty or malformed credentials", () => {
    expect(readCredentials(undefined, undefined)).toBeUndefined();
    expect(readCredentials("Bearer", undefined)).toBeUndefined();
    expect(readCredentials("Bearer ", "")).toBeUndefined();
    expect(readCredentials("Digest abc", undefined)).toBeUndefined();
    expect(readCredentials("Basic !!!not-base64", undefined)).toBeUndefined();
    expect(readCredentials(`Basic ${btoa("no-colon")}`, undefined)).toBeUndefined();
  });
});

describe("authenticate", () => {
  it("accepts every generated key for its vendor and rejects any other secret", async () => {
    const { key, stored } = await generateApiKey("acme", new Date("2024-01-01T00:00:00Z"));
    const store = new StaticKeyStore([stored]);
    expect(await authenticate({ key, scheme: "bearer" }, store)).toEqual({
      ok: true,
      vendor: "acme",
      keyId: stored.keyId,
    });
    const prefix = key.slice(0, key.lastIndexOf("_") + 1);
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), async (secret) => {
        fc.pre(prefix + secret !== key);
        const r = await authenticate({ key: prefix + secret, scheme: "bearer" }, store);
        expect(r).toEqual({ ok: false, code: "invalid_credentials" });
      }),
      { numRuns: 200 },
    );
  });

  it("distinguishes missing, revoked and vendor mismatch", async () => {
    const { key, stored } = await generateApiKey("acme", new Date());
    const revoked = await generateApiKey("acme", new Date());
    const store = new StaticKeyStore([stored, { ...revoked.stored, revokedAt: new Date().toISOString() }]);
    expect(await authenticate(undefined, store)).toEqual({ ok: false, code: "missing_credentials" });
    expect((await authenticate({ key: revoked.key, scheme: "bearer" }, store)).ok).toBe(false);
    expect(await authenticate({ key: revoked.key, scheme: "bearer" }, store)).toMatchObject({
      code: "key_revoked",
    });
    expect(await authenticate({ key, claimedVendor: "other", scheme: "basic" }, store)).toMatchObject({
      code: "vendor_mismatch",
    });
    expect(await authenticate({ key, claimedVendor: "acme", scheme: "basic" }, store)).toMatchObject({
      ok: true,
    });
  });
});
