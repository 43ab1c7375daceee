/**
 * What the send tool reads: a file, every file of a directory (sorted, recursively), or stdin;
 * each as a single message, an FHS/BHS batch, a bare multi-MSH stream or MLLP frames.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { decodeHl7Bytes, MLLP_START, splitBatch, unwrapMllp } from "../../shared/hl7/index.ts";

export interface InputMessage {
  /** Where it came from, for the output: `file #n`. */
  source: string;
  /** 1-based position within its source. */
  position: number;
  text: string;
}

export interface InputFile {
  source: string;
  /** The file as it is (sent unchanged with --as-is). */
  bytes: Uint8Array;
  messages: InputMessage[];
}

export class SendInputError extends Error {
  override name = "SendInputError";
}

const HL7_EXT = /\.(hl7|txt|er7|msg|mllp|dat)$/i;

/** Files named on the command line; directories expand to their HL7-looking files, sorted. */
export function listFiles(path: string): string[] {
  const st = statSync(path);
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => {
      const p = join(path, name);
      if (name.startsWith(".")) return [];
      return statSync(p).isDirectory() ? listFiles(p) : HL7_EXT.test(name) ? [p] : [];
    });
}

/**
 * Splits one input into messages: MLLP frames first (each frame may itself be a batch), then
 * FHS/BHS batches or several MSH messages.
 *
 * @example splitInput("a.hl7", readFileSync("a.hl7")).messages.length
 */
export function splitInput(source: string, bytes: Uint8Array): InputFile {
  let start = 0;
  while (start < bytes.length && (bytes[start] === 0x0d || bytes[start] === 0x0a || bytes[start] === 0x20))
    start++;
  const payloads = bytes[start] === MLLP_START ? unwrapMllp(bytes) : [bytes];
  const messages: InputMessage[] = [];
  for (const p of payloads) {
    const text = decodeHl7Bytes(p);
    if (!text.trim()) continue;
    for (const m of splitBatch(text).messages)
      messages.push({ source, position: messages.length + 1, text: m });
  }
  if (!messages.length) throw new SendInputError(`${source}: no HL7 message found`);
  return { source, bytes, messages };
}

/** Reads every input (`-` = stdin). */
export function readInputs(paths: readonly string[]): InputFile[] {
  const out: InputFile[] = [];
  for (const path of paths) {
    if (path === "-") {
      out.push(splitInput("stdin", readFileSync(0)));
      continue;
    }
    let files: string[];
    try {
      files = listFiles(path);
    } catch (err) {
      throw new SendInputError(`${path}: cannot be read`, { cause: err });
    }
    if (!files.length)
      throw new SendInputError(`${path}: no .hl7/.txt/.er7/.msg/.mllp files in this directory`);
    for (const f of files) out.push(splitInput(f, readFileSync(f)));
  }
  return out;
}
