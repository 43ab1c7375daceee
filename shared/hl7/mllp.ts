import { Hl7ErrorCode, Hl7ParseError } from "./errors.ts";

/** MLLP start block <VT>. */
export const MLLP_START = 0x0b;
/** MLLP end block <FS>, followed by <CR>. */
export const MLLP_END = 0x1c;
const CR = 0x0d;
const LF = 0x0a;

/** Default maximum frame payload: room for messages carrying several-MB embedded documents. */
export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

const encoder = new TextEncoder();

/**
 * Wraps one message in an MLLP frame: <VT> payload <FS><CR>. Strings are encoded as UTF-8;
 * pass bytes to send another charset.
 *
 * @example
 * socket.write(encodeMllp(buildAck(msg, "AA")));
 */
export function encodeMllp(message: string | Uint8Array): Uint8Array {
  const payload = typeof message === "string" ? encoder.encode(message) : message;
  const frame = new Uint8Array(payload.length + 3);
  frame[0] = MLLP_START;
  frame.set(payload, 1);
  frame[payload.length + 1] = MLLP_END;
  frame[payload.length + 2] = CR;
  return frame;
}

export interface MllpDecoderOptions {
  /** Largest payload accepted, in bytes (default 16 MiB). */
  maxFrameSize?: number;
}

// Plain constants rather than an enum: enums are not erasable syntax (Deno/wrangler strip types).
const State = {
  /** Between frames: only CR/LF/space/tab may appear. */
  Outside: 0,
  /** Inside a frame, collecting payload. */
  Inside: 1,
  /** After <FS>: a <CR> is consumed if it follows. */
  AfterEnd: 2,
  /** Discarding an oversize frame up to its end block. */
  Skipping: 3,
} as const;
type State = (typeof State)[keyof typeof State];

const EMPTY = new Uint8Array(0);

/**
 * Streaming MLLP decoder: push chunks as they arrive, get complete frame payloads back.
 *
 * Errors (`Hl7ParseError` with code GARBAGE_BETWEEN_FRAMES, FRAME_TOO_LARGE or
 * MISSING_END_BLOCK, and the stream `offset`) are thrown from `push`/`end`. The decoder stays
 * usable: it has already skipped the offending bytes (an oversize frame is discarded up to its
 * end block), keeps the rest of the chunk, and returns frames completed before the error from
 * the next `push` call (an empty chunk is fine). A lone <FS> ends a frame even without <CR>.
 *
 * @example
 * const decoder = new MllpDecoder({ maxFrameSize: 1 << 20 });
 * socket.on("data", (chunk) => { for (const frame of decoder.push(chunk)) handle(frame); });
 * socket.on("end", () => decoder.end());
 */
export class MllpDecoder {
  readonly #max: number;
  #state: State = State.Outside;
  #parts: Uint8Array[] = [];
  #size = 0;
  #ready: Uint8Array[] = [];
  #pending: Uint8Array | undefined;
  /** Stream offset of the first byte of #pending (or of the next chunk). */
  #offset = 0;

  constructor(options: MllpDecoderOptions = {}) {
    this.#max = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  }

  /** Feeds bytes; returns every frame payload completed so far, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    let buf = chunk;
    if (this.#pending !== undefined) {
      buf = concat([this.#pending, chunk], this.#pending.length + chunk.length);
      this.#pending = undefined;
    }
    let i = 0;
    const n = buf.length;
    try {
      while (i < n) {
        switch (this.#state) {
          case State.Outside: {
            const c = buf[i]!;
            if (c === MLLP_START) {
              this.#state = State.Inside;
              this.#parts = [];
              this.#size = 0;
            } else if (c !== CR && c !== LF && c !== 0x20 && c !== 0x09) {
              const at = i;
              i = this.#skipGarbage(buf, i);
              throw this.#error(Hl7ErrorCode.GARBAGE_BETWEEN_FRAMES, "bytes outside an MLLP frame", at);
            }
            i++;
            break;
          }
          case State.Inside: {
            const end = buf.indexOf(MLLP_END, i);
            const stop = end === -1 ? n : end;
            const start = buf.indexOf(MLLP_START, i);
            if (start !== -1 && start < stop) {
              // A new frame began before this one ended: report it, keep the new frame.
              this.#parts = [];
              this.#size = 0;
              i = start + 1;
              throw this.#error(Hl7ErrorCode.MISSING_END_BLOCK, "start block inside a frame", start);
            }
            if (this.#size + (stop - i) > this.#max) {
              this.#parts = [];
              this.#size = 0;
              this.#state = State.Skipping;
              const at = i;
              i = stop;
              throw this.#error(Hl7ErrorCode.FRAME_TOO_LARGE, `frame exceeds ${this.#max} bytes`, at);
            }
            if (stop > i) {
              // Copy: callers (sockets, streams) may reuse their chunk buffers.
              this.#parts.push(buf.slice(i, stop));
              this.#size += stop - i;
            }
            i = stop;
            if (end !== -1) {
              this.#ready.push(concat(this.#parts, this.#size));
              this.#parts = [];
              this.#size = 0;
              this.#state = State.AfterEnd;
              i++;
            }
            break;
          }
          case State.AfterEnd:
            if (buf[i] === CR) i++;
            this.#state = State.Outside;
            break;
          case State.Skipping: {
            const end = buf.indexOf(MLLP_END, i);
            if (end === -1) i = n;
            else {
              i = end + 1;
              this.#state = State.AfterEnd;
            }
            break;
          }
        }
      }
    } catch (err) {
      if (i < n) this.#pending = buf.slice(i);
      this.#offset += i;
      throw err;
    }
    this.#offset += n;
    const out = this.#ready;
    this.#ready = [];
    return out;
  }

  /**
   * Declares the end of the stream and returns any frames not yet returned. Throws
   * MISSING_END_BLOCK when a frame is still open (the partial frame is discarded; frames
   * completed before it come back from the next `push`/`end`). The decoder is then reset.
   */
  end(): Uint8Array[] {
    const frames = this.#pending !== undefined || this.#ready.length > 0 ? this.push(EMPTY) : [];
    const open = this.#state === State.Inside || this.#state === State.Skipping;
    this.#state = State.Outside;
    this.#parts = [];
    this.#size = 0;
    if (open) {
      this.#ready = frames;
      throw this.#error(Hl7ErrorCode.MISSING_END_BLOCK, "stream ended inside a frame", 0);
    }
    return frames;
  }

  /** Frames completed but not yet returned (after an error), and bytes buffered in an open frame. */
  get bufferedBytes(): number {
    return this.#size + (this.#pending?.length ?? 0);
  }

  // Skips to the next start block, so one report covers a whole run of garbage.
  #skipGarbage(buf: Uint8Array, i: number): number {
    const next = buf.indexOf(MLLP_START, i);
    return next === -1 ? buf.length : next;
  }

  #error(code: Hl7ErrorCode, reason: string, at: number): Hl7ParseError {
    return new Hl7ParseError(code, reason, { offset: this.#offset + at });
  }
}

/**
 * For bodies that may or may not be MLLP-framed (HTTP): returns the frame payloads when the
 * first non-blank byte is <VT>, otherwise the input unchanged as the only element.
 *
 * @example
 * for (const payload of unwrapMllp(body)) parseMessage(payload);
 */
export function unwrapMllp(bytes: Uint8Array, options: MllpDecoderOptions = {}): Uint8Array[] {
  let i = 0;
  while (i < bytes.length && (bytes[i] === CR || bytes[i] === LF || bytes[i] === 0x20 || bytes[i] === 0x09))
    i++;
  if (bytes[i] !== MLLP_START) return [bytes];
  const decoder = new MllpDecoder(options);
  const frames = decoder.push(bytes);
  frames.push(...decoder.end());
  return frames;
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
