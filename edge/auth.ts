/**
 * Authentication: which vendor is sending. The key alone decides the vendor; with Basic auth
 * the user name must agree with it (it can never pick another vendor).
 */
import type { KeyStore, Sha256Hex } from "./deps.ts";
import type { ProblemCode } from "./errors.ts";
import { parseApiKey, sha256Hex, verifySecret } from "./keys.ts";

export interface Credentials {
  readonly key: string;
  /** The Basic user name, when Basic was used. */
  readonly claimedVendor?: string;
  readonly scheme: "bearer" | "x-api-key" | "basic";
}

/**
 * Reads the key from `Authorization: Bearer`, `X-API-Key` or `Authorization: Basic` (in that
 * order of precedence). Returns `undefined` when none is present or well-formed.
 *
 * @example
 * readCredentials({ authorization: "Bearer adt_…", "x-api-key": undefined });
 */
export function readCredentials(
  authorization: string | undefined,
  xApiKey: string | undefined,
): Credentials | undefined {
  if (authorization !== undefined) {
    const sp = authorization.indexOf(" ");
    const scheme = (sp === -1 ? authorization : authorization.slice(0, sp)).toLowerCase();
    const value = sp === -1 ? "" : authorization.slice(sp + 1).trim();
    if (scheme === "bearer" && value !== "") return { key: value, scheme: "bearer" };
    if (scheme === "basic" && value !== "") {
      const decoded = decodeBasic(value);
      if (decoded !== undefined) return { ...decoded, scheme: "basic" };
    }
  }
  const k = xApiKey?.trim();
  if (k !== undefined && k !== "") return { key: k, scheme: "x-api-key" };
  return undefined;
}

function decodeBasic(value: string): { key: string; claimedVendor: string } | undefined {
  let text: string;
  try {
    text = atob(value);
  } catch {
    return undefined;
  }
  const colon = text.indexOf(":");
  if (colon === -1) return undefined;
  return { claimedVendor: text.slice(0, colon), key: text.slice(colon + 1) };
}

export type AuthResult =
  | { readonly ok: true; readonly vendor: string; readonly keyId: string }
  | { readonly ok: false; readonly code: ProblemCode; readonly keyId?: string };

/**
 * Verifies credentials against the key store: 401 codes for missing/malformed/unknown keys or a
 * wrong secret, 403 for a revoked key or a Basic user that is not the key's vendor.
 *
 * @example
 * const r = await authenticate(readCredentials(auth, xKey), keyStore);
 * if (!r.ok) return problemResponse(r.code);
 */
export async function authenticate(
  creds: Credentials | undefined,
  keys: KeyStore,
  hash: Sha256Hex = sha256Hex,
): Promise<AuthResult> {
  if (creds === undefined) return { ok: false, code: "missing_credentials" };
  const parsed = parseApiKey(creds.key);
  if (parsed === undefined) return { ok: false, code: "invalid_credentials" };
  const stored = await keys.find(parsed.keyId);
  // Verify the secret even before looking at revocation, so a revoked id alone reveals nothing.
  if (stored === undefined || !(await verifySecret(parsed.secret, stored, hash)))
    return { ok: false, code: "invalid_credentials" };
  if (stored.revokedAt !== undefined && stored.revokedAt !== null)
    return { ok: false, code: "key_revoked", keyId: stored.keyId };
  if (creds.claimedVendor !== undefined && creds.claimedVendor !== stored.vendor)
    return { ok: false, code: "vendor_mismatch", keyId: stored.keyId };
  return { ok: true, vendor: stored.vendor, keyId: stored.keyId };
}
