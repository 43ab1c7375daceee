import { createHash, createHmac } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MskTokenError, mskTokenProvider } from "./msk-token.ts";

// Fixed test credentials (AWS documentation's example keys); the signer reads them from the
// environment through the default credential chain. No network is involved.
const ACCESS_KEY = "AKIDEXAMPLE";
const SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SESSION_TOKEN = "FQoGZXIvYXdzEXAMPLEsessiontoken//////////wEaDEXAMPLE=";
const REGION = "eu-west-2";

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
const sha256Hex = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");

/** SigV4 query-string signature, written from the AWS documentation, independent of the SDK. */
function expectedSignature(url: URL, secret: string): string {
  const params = [...url.searchParams].filter(([k]) => k !== "X-Amz-Signature" && k !== "User-Agent");
  const query = params
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalRequest = [
    "GET",
    "/",
    query,
    `host:${url.host}\n`,
    "host",
    sha256Hex(""), // presigned GET without a body: the hash of the empty payload
  ].join("\n");
  const amzDate = url.searchParams.get("X-Amz-Date") ?? "";
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${REGION}/kafka-cluster/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const kDate = hmac(`AWS4${secret}`, date);
  const kSigning = hmac(hmac(hmac(kDate, REGION), "kafka-cluster"), "aws4_request");
  return createHmac("sha256", kSigning).update(stringToSign, "utf8").digest("hex");
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("MSK IAM token (aws-msk-iam-sasl-signer-js through mskTokenProvider)", () => {
  it("is a base64url presigned kafka-cluster:Connect URL whose SigV4 signature recomputes independently", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", ACCESS_KEY);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
    vi.stubEnv("AWS_SESSION_TOKEN", SESSION_TOKEN);
    vi.stubEnv("AWS_PROFILE", "");
    const before = Date.now();
    const { value } = await mskTokenProvider({ region: REGION })();

    expect(value).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, no padding
    const url = new URL(Buffer.from(value, "base64url").toString("utf8"));
    expect(url.protocol).toBe("https:");
    expect(url.host).toBe(`kafka.${REGION}.amazonaws.com`);
    expect(url.pathname).toBe("/");
    const q = url.searchParams;
    expect(q.get("Action")).toBe("kafka-cluster:Connect");
    expect(q.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    const amzDate = q.get("X-Amz-Date") ?? "";
    expect(amzDate).toMatch(/^\d{8}T\d{6}Z$/);
    const signedAt = Date.parse(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    expect(signedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(signedAt).toBeLessThanOrEqual(Date.now() + 1000);
    expect(q.get("X-Amz-Credential")).toBe(
      `${ACCESS_KEY}/${amzDate.slice(0, 8)}/${REGION}/kafka-cluster/aws4_request`,
    );
    expect(q.get("X-Amz-Expires")).toBe("900");
    expect(q.get("X-Amz-SignedHeaders")).toBe("host");
    expect(q.get("X-Amz-Security-Token")).toBe(SESSION_TOKEN);
    expect(q.get("User-Agent")).toMatch(/^aws-msk-iam-sasl-signer-js\/\d+\.\d+\.\d+$/);
    expect(q.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    expect(q.get("X-Amz-Signature")).toBe(expectedSignature(url, SECRET_KEY));
    // The check can fail: a different secret gives a different signature.
    expect(q.get("X-Amz-Signature")).not.toBe(expectedSignature(url, `${SECRET_KEY}x`));
  });

  it("caches the token and renews it one minute before expiry, with one signing call for concurrent callers", async () => {
    let clock = 1_000_000;
    let calls = 0;
    const provider = mskTokenProvider({
      region: REGION,
      now: () => clock,
      sign: async () => {
        calls++;
        return { token: `token-${calls}`, expiryTime: clock + 900_000 };
      },
    });
    const [a, b] = await Promise.all([provider(), provider()]);
    expect([a.value, b.value, calls]).toEqual(["token-1", "token-1", 1]);
    clock += 900_000 - 60_001; // just over a minute left
    expect((await provider()).value).toBe("token-1");
    clock += 2; // under a minute left
    expect((await provider()).value).toBe("token-2");
    expect(calls).toBe(2);
  });

  it("wraps signing failures in a retryable MskTokenError and tries again on the next call", async () => {
    let fail = true;
    const provider = mskTokenProvider({
      region: REGION,
      sign: async () => {
        if (fail) throw new Error("no credentials");
        return { token: "ok", expiryTime: Date.now() + 900_000 };
      },
    });
    const err = await provider().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MskTokenError);
    expect(err).toMatchObject({ name: "MskTokenError", retryable: true });
    fail = false;
    expect((await provider()).value).toBe("ok");
  });
});
