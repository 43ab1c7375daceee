/**
 * The Node body reader (`edge/node/body.ts`) behind a real @hono/node-server: the app reads the
 * body from Node's request instead of the WHATWG Request, so these tests hold it to the same
 * answers as the WHATWG path (`app.request`) for Content-Length and chunked bodies, byte for
 * byte (ISO-8859-1 included), the size limit by declared and actual size, the empty body, and a
 * client that hangs up mid-body (nothing enqueued, a warn line, no unhandled error).
 */
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { nodeBodyReader } from "../../../edge/node/body.ts";
import { testServices } from "../../support/services.ts";
import { waitFor } from "../../support/wait.ts";
import { adtMessage, type EdgeFixture, edgeFixture, HL7, msa, post } from "./helpers.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The fixture's app served by @hono/node-server with the Node body reader, on a free port. */
async function served(opts: { maxBodyBytes?: number } = {}): Promise<EdgeFixture & { port: number }> {
  const f = await edgeFixture({ redisUrl: testServices().redisUrl, readBody: nodeBodyReader, ...opts });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: f.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  cleanups.push(async () => {
    await new Promise((r) => server.close(r));
    await f.close();
  });
  return { ...f, port: (server.address() as AddressInfo).port };
}

interface RawAnswer {
  status: number;
  body: string;
}

/**
 * POSTs `chunks` over node:http: with Content-Length when `length` is given (it may lie, to cut
 * the body short), chunked transfer encoding otherwise. `hangUpAfter` destroys the socket after
 * that many chunks.
 */
function rawPost(
  port: number,
  key: string,
  chunks: Uint8Array[],
  opts: { length?: number; contentType?: string; hangUpAfter?: number } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${key}`,
      "content-type": opts.contentType ?? HL7,
    };
    if (opts.length !== undefined) headers["content-length"] = String(opts.length);
    const req = httpRequest(
      { host: "127.0.0.1", port, method: "POST", path: "/v1/messages", headers },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    chunks.forEach((c, i) => {
      if (opts.hangUpAfter !== undefined && i >= opts.hangUpAfter) return;
      req.write(c);
    });
    if (opts.hangUpAfter !== undefined) {
      // Let the written chunks leave, then drop the connection mid-body.
      setTimeout(() => req.destroy(), 50);
      return;
    }
    req.end();
  });
}

const bytes = (s: string) => new TextEncoder().encode(s);

/** Splits `b` at the given cut points (sorted, deduplicated, inside the array). */
function split(b: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, b.length]) {
    if (c > prev) out.push(b.subarray(prev, c));
    prev = c;
  }
  return out;
}

describe("Node body reader behind @hono/node-server", () => {
  it("enqueues Content-Length and chunked bodies byte for byte, ISO-8859-1 included", async () => {
    const f = await served();
    const utf8 = adtMessage("NB-1", { patientName: "ZZTEST^RENÉE" });
    const a = await rawPost(f.port, f.key, [bytes(utf8)], { length: bytes(utf8).length });
    expect(a.status, a.body).toBe(200);
    expect(msa(a.body)[1]).toBe("AA");

    // ISO-8859-1: É is the single byte 0xC9, sent in several chunks without Content-Length.
    const latin = adtMessage("NB-2", { patientName: "ZZTEST^\u00c9LISE", extra: `|${"Y".repeat(200_000)}` });
    const latinBytes = Uint8Array.from(latin, (ch) => ch.charCodeAt(0));
    const b = await rawPost(f.port, f.key, split(latinBytes, [7, 100, 65_536, 150_001]), {
      contentType: "application/hl7-v2; charset=iso-8859-1",
    });
    expect(b.status, b.body.slice(0, 200)).toBe(200);

    const jobs = await f.jobs();
    expect(jobs.map((j) => j.raw)).toEqual([utf8, latin]);
  });

  it("answers 413 by declared and by actual size, enqueues nothing, and keeps serving", async () => {
    const f = await served({ maxBodyBytes: 4096 });
    const big = bytes(adtMessage("NB-BIG", { extra: `|${"X".repeat(10_000)}` }));
    const declared = await rawPost(f.port, f.key, [big], { length: big.length });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ code: "payload_too_large" });
    const actual = await rawPost(f.port, f.key, split(big, [1000, 3000, 5000]));
    expect(actual.status).toBe(413);
    expect(await f.jobs()).toEqual([]);
    const ok = adtMessage("NB-OK");
    expect((await rawPost(f.port, f.key, [bytes(ok)])).status).toBe(200);
    expect((await f.jobs()).map((j) => j.raw)).toEqual([ok]);
  });

  it("answers exactly as the WHATWG path for an empty body, non-HL7 and a broken message", async () => {
    const f = await served();
    for (const body of ["", "hello, not HL7", "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|CTL|P\rPID|1"]) {
      const viaNode = await rawPost(f.port, f.key, body === "" ? [] : [bytes(body)], {
        length: bytes(body).length,
      });
      const viaWeb = await post(f, body);
      expect(viaNode.status, body).toBe(viaWeb.status);
      // Same ACK apart from its own control id and timestamp.
      expect(msa(viaNode.body).slice(0, 1), body).toEqual(msa(await viaWeb.text()).slice(0, 1));
    }
    expect(await f.jobs()).toEqual([]);
  });

  it("a client hanging up mid-body enqueues nothing and logs incomplete_body, not an unhandled error", async () => {
    const f = await served();
    const msg = bytes(adtMessage("NB-CUT", { extra: `|${"Z".repeat(5000)}` }));
    await rawPost(f.port, f.key, split(msg, [1000]), { length: msg.length, hangUpAfter: 1 }).catch(() => {});
    await waitFor("the incomplete_body log line", () =>
      f.logger.lines.some((l) => l.includes('"outcome":"incomplete_body"')),
    );
    expect(f.logger.lines.filter((l) => l.includes("unhandled_error"))).toEqual([]);
    expect(await f.jobs()).toEqual([]);
  });

  it("property: any chunking of a message is read exactly", async () => {
    const f = await served();
    const expected: string[] = [];
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom(..."ABCXYZ0123 .,-/"), maxLength: 3000 }),
        fc.array(fc.nat({ max: 4000 }), { maxLength: 6 }),
        fc.boolean(),
        async (text, cuts, withLength) => {
          const msg = adtMessage(`NB-P${n++}`, { extra: `|${text}` });
          const b = bytes(msg);
          const res = await rawPost(f.port, f.key, split(b, cuts), withLength ? { length: b.length } : {});
          expect(res.status, res.body).toBe(200);
          expected.push(msg);
        },
      ),
      { numRuns: 40 },
    );
    expect((await f.jobs()).map((j) => j.raw)).toEqual(expected);
  });
});
