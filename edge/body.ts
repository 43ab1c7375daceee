/** Reading a request body with a hard size limit, without trusting Content-Length alone. */

export type BodyRead = { ok: true; bytes: Uint8Array } | { ok: false };

/**
 * Reads a request body with a byte limit. `env` is the runtime's binding object (Hono's
 * `c.env`), so a runtime can read from its native request (Node: `edge/node/body.ts`).
 */
export type BodyReader = (req: Request, env: unknown, maxBytes: number) => Promise<BodyRead>;

/** The client stopped sending (connection closed or reset) before the body was complete. */
export class RequestBodyError extends Error {
  override readonly name = "RequestBodyError";
  constructor(options?: { cause?: unknown }) {
    super("request body incomplete: the client closed the connection", options);
  }
}

/**
 * Reads at most `max` bytes; `{ ok: false }` as soon as the body is larger (declared or
 * actual), without buffering the rest. A body cut short rejects with `RequestBodyError`.
 *
 * @example
 * const b = await readBodyLimited(c.req.raw, 10 * 1024 * 1024);
 * if (!b.ok) return problemResponse("payload_too_large");
 */
export async function readBodyLimited(req: Request, max: number): Promise<BodyRead> {
  try {
    return await readLimited(req, max);
  } catch (err) {
    throw new RequestBodyError({ cause: err });
  }
}

async function readLimited(req: Request, max: number): Promise<BodyRead> {
  const declared = req.headers.get("content-length");
  if (declared !== null) {
    const n = Number(declared);
    if (!Number.isFinite(n) || n > max) return { ok: false };
    // The server delivers no more than Content-Length, so the buffered read is bounded.
    return { ok: true, bytes: new Uint8Array(await req.arrayBuffer()) };
  }
  if (req.body === null) return { ok: true, bytes: new Uint8Array(0) };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return { ok: false };
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return { ok: true, bytes: chunks[0]! };
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return { ok: true, bytes: out };
}
