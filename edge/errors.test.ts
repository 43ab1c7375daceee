import { describe, expect, it } from "vitest";
import { ERROR_TABLE, type ErrorCode, problemResponse } from "./errors.ts";

describe("error table", () => {
  it("maps the contract's statuses", () => {
    const status = (c: ErrorCode) => ERROR_TABLE[c].status;
    expect(status("missing_credentials")).toBe(401);
    expect(status("invalid_credentials")).toBe(401);
    expect(status("key_revoked")).toBe(403);
    expect(status("payload_too_large")).toBe(413);
    expect(status("unsupported_media_type")).toBe(415);
    expect(status("rate_limited")).toBe(429);
    expect(status("hl7_rejected")).toBe(400);
    expect(status("application_error")).toBe(500);
    expect(status("queue_unavailable")).toBe(503);
  });

  it("renders RFC 9457 problem documents from the table", async () => {
    const res = problemResponse("rate_limited", { requestId: "r1", headers: { "retry-after": "3" } });
    expect(res.status).toBe(429);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("retry-after")).toBe("3");
    expect(await res.json()).toEqual({
      type: "/docs#error-rate_limited",
      title: ERROR_TABLE.rate_limited.title,
      status: 429,
      code: "rate_limited",
      requestId: "r1",
    });
  });
});
