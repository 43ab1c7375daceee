import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeMllp, Hl7ErrorCode, Hl7ParseError, MllpDecoder, unwrapMllp } from "./index.ts";

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Splits bytes at the given (sorted, deduplicated) cut points. */
function chunk(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

function expectError(f: () => unknown, code: string): Hl7ParseError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(Hl7ParseError);
    expect((err as Hl7ParseError).code).toBe(code);
    return err as Hl7ParseError;
  }
  throw new Error(`expected ${code}`);
}

describe("MLLP", () => {
  it("frames as <VT> payload <FS><CR>", () => {
    expect([...encodeMllp("AB")]).toEqual([0x0b, 0x41, 0x42, 0x1c, 0x0d]);
    expect([...encodeMllp("é")]).toEqual([0x0b, 0xc3, 0xa9, 0x1c, 0x0d]);
  });

  it("decodes arbitrarily chunked streams to exactly the framed payloads", () => {
    const payload = fc
      .string({ maxLength: 200 })
      .map((s) => s.replaceAll("\u000b", "?").replaceAll("\u001c", "?"));
    fc.assert(
      fc.property(
        fc.array(payload, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.boolean(),
        (messages, cuts, newlines) => {
          const stream = concat(
            messages.flatMap((m) => (newlines ? [encodeMllp(m), new Uint8Array([0x0a])] : [encodeMllp(m)])),
          );
          const decoder = new MllpDecoder();
          const got: string[] = [];
          for (const part of chunk(stream, cuts)) for (const f of decoder.push(part)) got.push(text(f));
          for (const f of decoder.end()) got.push(text(f));
          expect(got).toEqual(messages);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("copies payloads, so a reused chunk buffer cannot change a frame", () => {
    const decoder = new MllpDecoder();
    const buf = encodeMllp("ABC");
    expect(decoder.push(buf.subarray(0, 3))).toEqual([]);
    buf.fill(0x5a, 0, 3);
    const [frame] = decoder.push(buf.subarray(3));
    expect(text(frame!)).toBe("ABC"); // not "ZZC"
  });

  it("reports garbage between frames with its offset and recovers", () => {
    const decoder = new MllpDecoder();
    const stream = concat([encodeMllp("one"), new TextEncoder().encode("junk"), encodeMllp("two")]);
    const err = expectError(() => decoder.push(stream), Hl7ErrorCode.GARBAGE_BETWEEN_FRAMES);
    expect(err.offset).toBe(6);
    expect(err.message).not.toContain("junk");
    expect(decoder.push(new Uint8Array()).map(text)).toEqual(["one", "two"]);
  });

  it("reports a start block inside a frame as a missing end block and keeps the new frame", () => {
    const decoder = new MllpDecoder();
    const stream = concat([new Uint8Array([0x0b, 0x41]), encodeMllp("next")]);
    expectError(() => decoder.push(stream), Hl7ErrorCode.MISSING_END_BLOCK);
    expect(decoder.push(new Uint8Array()).map(text)).toEqual(["next"]);
  });

  it("reports a stream that ends inside a frame", () => {
    const decoder = new MllpDecoder();
    expect(decoder.push(encodeMllp("whole")).map(text)).toEqual(["whole"]);
    decoder.push(new Uint8Array([0x0b, 0x41, 0x42]));
    expectError(() => decoder.end(), Hl7ErrorCode.MISSING_END_BLOCK);
    expect(decoder.end()).toEqual([]);
  });

  it("rejects a frame as soon as it exceeds the limit, across chunks", () => {
    const decoder = new MllpDecoder({ maxFrameSize: 10 });
    expect(decoder.push(encodeMllp("0123456789")).map(text)).toEqual(["0123456789"]);
    const big = encodeMllp("0123456789X");
    expect(decoder.push(big.subarray(0, 6))).toEqual([]);
    expectError(() => decoder.push(big.subarray(6)), Hl7ErrorCode.FRAME_TOO_LARGE);
    expect(decoder.push(encodeMllp("ok")).map(text)).toEqual(["ok"]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it("accepts an end block without the trailing CR", () => {
    const decoder = new MllpDecoder();
    expect(decoder.push(new Uint8Array([0x0b, 0x41, 0x1c, 0x0b, 0x42, 0x1c])).map(text)).toEqual(["A", "B"]);
  });

  it("unwrapMllp passes unframed bodies through and unwraps framed ones", () => {
    const raw = new TextEncoder().encode("MSH|^~\\&|x");
    expect(unwrapMllp(raw)).toEqual([raw]);
    expect(unwrapMllp(concat([encodeMllp("a"), encodeMllp("b")])).map(text)).toEqual(["a", "b"]);
    expectError(() => unwrapMllp(new Uint8Array([0x0b, 0x41])), Hl7ErrorCode.MISSING_END_BLOCK);
  });
});
