import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { constantTimeEqual, generateApiKey, parseApiKey, sha256Hex } from "./keys.ts";

describe("API keys", () => {
  it("generated keys parse back to their id, and the stored hash is the secret's SHA-256", async () => {
    for (let i = 0; i < 50; i++) {
      const { key, stored } = await generateApiKey("acme", new Date());
      const parsed = parseApiKey(key);
      expect(parsed?.keyId).toBe(stored.keyId);
      expect(await sha256Hex(parsed!.secret)).toBe(stored.secretHash);
      expect(key).not.toContain(stored.secretHash);
    }
  });

  it("keys are unique", async () => {
    const keys = await Promise.all(Array.from({ length: 200 }, () => generateApiKey("v", new Date())));
    expect(new Set(keys.map((k) => k.key)).size).toBe(200);
    expect(new Set(keys.map((k) => k.stored.keyId)).size).toBe(200);
  });

  it("parseApiKey rejects anything not in the adt_<16 hex>_<43 base64url> format", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = parseApiKey(s);
        if (r !== undefined) expect(s).toBe(`adt_${r.keyId}_${r.secret}`);
      }),
    );
    expect(parseApiKey(`adt_0123456789ABCDEF_${"a".repeat(43)}`)).toBeUndefined();
    expect(parseApiKey(`adt_0123456789abcdef_${"a".repeat(42)}`)).toBeUndefined();
  });

  it("sha256Hex matches a known vector", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("constantTimeEqual agrees with ===", () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => constantTimeEqual(a, b) === (a === b)));
    fc.assert(fc.property(fc.string(), (a) => constantTimeEqual(a, a)));
  });
});
