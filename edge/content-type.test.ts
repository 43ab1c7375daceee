import { describe, expect, it } from "vitest";
import { parseBodyType, wantsJson } from "./content-type.ts";

describe("parseBodyType", () => {
  it("accepts the HL7-over-HTTP media types, case-insensitively, with or without charset", () => {
    expect(parseBodyType("application/hl7-v2")).toEqual({
      ok: true,
      mediaType: "application/hl7-v2",
      charset: undefined,
    });
    expect(parseBodyType("Application/HL7-v2+ER7; charset=UTF-8")).toEqual({
      ok: true,
      mediaType: "application/hl7-v2+er7",
      charset: "utf-8",
    });
    expect(parseBodyType('x-application/hl7-v2+er7; charset="iso-8859-1"')).toMatchObject({
      charset: "iso-8859-1",
    });
    expect(parseBodyType("text/plain;charset=us-ascii")).toMatchObject({ ok: true, charset: "ascii" });
  });

  it("refuses other media types, a missing header and charsets the decoder cannot read", () => {
    for (const h of [
      undefined,
      "",
      "application/json",
      "text/html",
      "application/hl7-v3",
      "text/plain; charset=utf-16",
    ])
      expect(parseBodyType(h), String(h)).toEqual({ ok: false });
  });
});

describe("wantsJson", () => {
  it("is true only when application/json is asked for explicitly", () => {
    expect(wantsJson("application/json")).toBe(true);
    expect(wantsJson("application/hl7-v2, application/json;q=0.5")).toBe(true);
    expect(wantsJson("*/*")).toBe(false);
    expect(wantsJson(undefined)).toBe(false);
    expect(wantsJson("application/hl7-v2")).toBe(false);
  });
});
