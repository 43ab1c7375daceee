/**
 * The Node body reader: on @hono/node-server the ingest route reads the request body straight
 * from Node's `IncomingMessage` (`c.env.incoming`, the adapter's documented binding) instead of
 * through the WHATWG `Request`. Building that Request, its AbortSignal and a web stream over
 * the socket cost ~180 µs of CPU per POST, four times everything else Hono does for the
 * request (see docs/benchmarks.md, "Edge"). Same limits and results as `readBodyLimited`.
 */
import type { IncomingMessage } from "node:http";
import { type BodyRead, type BodyReader, RequestBodyError, readBodyLimited } from "../body.ts";

function incomingOf(env: unknown): IncomingMessage | undefined {
  if (typeof env !== "object" || env === null || !("incoming" in env)) return undefined;
  const incoming = (env as { incoming: unknown }).incoming;
  // Duck-typed: an http2 compat request has the same stream interface.
  if (typeof incoming !== "object" || incoming === null || !("readableDidRead" in incoming)) return undefined;
  return incoming as IncomingMessage;
}

/**
 * Reads at most `max` bytes from the Node request: `{ ok: false }` when the declared or actual
 * size is larger, without buffering the rest (the adapter drains or closes it after the answer).
 * Falls back to the WHATWG body when there is no untouched Node request behind `req`.
 *
 * @example
 * const deps = { ...others, readBody: nodeBodyReader };
 */
export const nodeBodyReader: BodyReader = (req, env, max) => {
  const incoming = incomingOf(env);
  if (incoming === undefined || incoming.readableDidRead || incoming.readableEnded)
    return readBodyLimited(req, max);
  const declared = incoming.headers["content-length"];
  if (declared !== undefined) {
    const n = Number(declared);
    if (!Number.isFinite(n) || n > max) return Promise.resolve({ ok: false });
  }
  return new Promise<BodyRead>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > max) {
        cleanup();
        incoming.pause();
        resolve({ ok: false });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve({ ok: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new RequestBodyError({ cause: err }));
    };
    // 'close' before 'end': the client went away mid-body.
    const onClose = () => {
      cleanup();
      reject(new RequestBodyError());
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
    incoming.on("close", onClose);
  });
};
