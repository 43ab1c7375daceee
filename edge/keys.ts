/**
 * API keys: format, generation, hashing and constant-time verification. Runtime-free (Web
 * Crypto only), shared by the app, the key stores and the key CLI.
 *
 * Format `adt_<keyId>_<secret>`: `keyId` (16 hex characters) is the lookup handle and may be
 * shown in listings; `secret` (32 random bytes, base64url) is shown once and stored only as
 * its SHA-256. A plain SHA-256 rather than scrypt/argon2: the secret carries 256 bits of
 * randomness, so a leaked hash cannot be brute-forced and a slow hash would add only latency
 * (every request verifies a key). Comparison is constant-time over the digests.
 */
import type { Sha256Hex, StoredKey } from "./deps.ts";

export const KEY_PREFIX = "adt";
const KEY_RE = /^adt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedKey {
  readonly keyId: string;
  readonly secret: string;
}

/**
 * Splits a presented key into id and secret, or `undefined` when it is not in our format.
 *
 * @example
 * parseApiKey("adt_0123456789abcdef_" + "x".repeat(43)); // { keyId: "0123456789abcdef", secret: "xxx…" }
 */
export function parseApiKey(key: string): ParsedKey | undefined {
  const m = KEY_RE.exec(key);
  if (m === null) return undefined;
  return { keyId: m[1]!, secret: m[2]! };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += HEX[b];
  return s;
}

function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const encoder = new TextEncoder();

/** Lowercase hex SHA-256 of a string's UTF-8 bytes (Web Crypto: Node, Deno, workerd). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return toHex(new Uint8Array(digest));
}

/** Compares two equal-length hex strings without an early exit. */
export function constantTimeEqual(a: string, b: string): boolean {
  // Length is not secret here (always 64 hex characters for our digests).
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** True when `secret` hashes to the stored hash. */
export async function verifySecret(
  secret: string,
  stored: StoredKey,
  hash: Sha256Hex = sha256Hex,
): Promise<boolean> {
  return constantTimeEqual(await hash(secret), stored.secretHash);
}

export interface NewApiKey {
  /** The full key, to show once. */
  readonly key: string;
  /** What to store. */
  readonly stored: StoredKey;
}

/**
 * Creates a new random key for a vendor. Only `stored` may be persisted.
 *
 * @example
 * const { key, stored } = await generateApiKey("acme", new Date());
 * await keyAdmin.put(stored);
 * console.log(key); // shown once
 */
export async function generateApiKey(vendor: string, now: Date): Promise<NewApiKey> {
  const id = new Uint8Array(8);
  const secretBytes = new Uint8Array(32);
  crypto.getRandomValues(id);
  crypto.getRandomValues(secretBytes);
  const keyId = toHex(id);
  const secret = base64url(secretBytes);
  return {
    key: `${KEY_PREFIX}_${keyId}_${secret}`,
    stored: { keyId, vendor, secretHash: await sha256Hex(secret), createdAt: now.toISOString() },
  };
}
