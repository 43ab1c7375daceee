import { describe, expect, it } from "vitest";
import { decodeHl7Bytes, Hl7ErrorCode, Hl7ParseError, normalizeCharset, parseMessage } from "./index.ts";

const latin1 = (s: string): Uint8Array => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const header = (charset: string) => `MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5||||||${charset}\rPID|1||1||`;

function errorOf(f: () => unknown): Hl7ParseError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(Hl7ParseError);
    return err as Hl7ParseError;
  }
  throw new Error("expected an error");
}

describe("decodeHl7Bytes", () => {
  it("defaults to UTF-8 and skips a BOM", () => {
    expect(decodeHl7Bytes(utf8(`\uFEFF${header("")}Zoë`))).toBe(`${header("")}Zoë`);
    expect(parseMessage(utf8(`\uFEFF${header("UNICODE UTF-8")}Zoë`)).get("PID-5")).toBe("Zoë");
  });

  it("decodes ISO-8859-1 as declared in MSH-18, including 0x80-0x9F", () => {
    const text = `${header("8859/1")}M\u00fcller\u0085`;
    expect(decodeHl7Bytes(latin1(text))).toBe(text);
  });

  it("reads MSH-18 after batch headers", () => {
    const text = `FHS|^~\\&\r${header("8859/1")}\u00e9`;
    expect(decodeHl7Bytes(latin1(text))).toBe(text);
  });

  it("lets the caller's charset win over MSH-18", () => {
    const text = `${header("UNICODE UTF-8")}\u00e9`;
    expect(decodeHl7Bytes(latin1(text), { charset: "ISO-8859-1" })).toBe(text);
  });

  it("decodes ASCII and rejects bytes above 0x7F with their offset", () => {
    expect(decodeHl7Bytes(utf8(`${header("ASCII")}x`))).toBe(`${header("ASCII")}x`);
    const err = errorOf(() => decodeHl7Bytes(latin1(`${header("ASCII")}\u00e9`)));
    expect(err.code).toBe(Hl7ErrorCode.INVALID_ENCODING);
    expect(err.offset).toBe(header("ASCII").length);
  });

  it("rejects invalid UTF-8 with the offset, or replaces on request", () => {
    const bytes = latin1(`${header("")}\u00e9`);
    const err = errorOf(() => decodeHl7Bytes(bytes));
    expect(err.code).toBe(Hl7ErrorCode.INVALID_ENCODING);
    expect(err.offset).toBe(header("").length);
    expect(decodeHl7Bytes(bytes, { onInvalid: "replace" }).endsWith("\uFFFD")).toBe(true);
  });

  it("refuses charsets it cannot decode, naming MSH-18 but not its value", () => {
    const err = errorOf(() => decodeHl7Bytes(utf8(header("ISO IR87"))));
    expect(err.code).toBe(Hl7ErrorCode.UNSUPPORTED_CHARSET);
    expect(err.field).toBe(18);
    expect(err.message).not.toContain("IR87");
    expect(errorOf(() => decodeHl7Bytes(utf8("x"), { charset: "shift_jis" })).code).toBe(
      Hl7ErrorCode.UNSUPPORTED_CHARSET,
    );
    expect(errorOf(() => decodeHl7Bytes(new Uint8Array([0xff, 0xfe, 0x4d, 0x00]))).code).toBe(
      Hl7ErrorCode.UNSUPPORTED_CHARSET,
    );
  });

  it("normalises labels", () => {
    expect(normalizeCharset(" Unicode UTF-8 ")).toBe("utf-8");
    expect(normalizeCharset("latin1")).toBe("iso-8859-1");
    expect(normalizeCharset("US-ASCII")).toBe("ascii");
    expect(normalizeCharset("8859/2")).toBeUndefined();
  });
});
