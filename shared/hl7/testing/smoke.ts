/**
 * Runtime smoke check: the library's main paths with no test framework, so it runs unchanged
 * under Node, Deno and workerd. `runtime-smoke.ts` runs it from a CLI; `worker-smoke.ts` from a
 * Worker's fetch handler (workerd forbids random values at global scope, so nothing runs here
 * on import).
 */
import {
  buildAck,
  decodeHl7Bytes,
  encodeMllp,
  MllpDecoder,
  parseMessage,
  readHeader,
  splitBatch,
  unescapeHl7,
} from "../index.ts";

function check(label: string, actual: unknown, expected: unknown): void {
  if (actual !== expected)
    throw new Error(`${label}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

/** Runs every check; returns the number performed. */
export function runHl7Smoke(): number {
  const text =
    "MSH|^~\\&|APP|FAC|ME|US|20240101||ADT^A01^ADT_A01|C1|P|2.5||||||8859/1\rPID|1||42^^^H^MR||M\u00fcller \\T\\ Co^Zo\u00eb\r";
  const latin1 = Uint8Array.from([...text].map((c) => c.charCodeAt(0)));
  let n = 0;
  const m = parseMessage(latin1);
  check("MSH-9", m.get("MSH-9"), "ADT^A01^ADT_A01");
  check("PID-5.1", m.get("PID-5.1"), "Müller & Co");
  check("roundtrip", m.toString(), text);
  check("charset", decodeHl7Bytes(latin1), text);
  check("header", readHeader(text)?.controlId, "C1");
  check("ack", parseMessage(buildAck(m, "AA")).get("MSA-2"), "C1");
  check("batch", splitBatch(text + text).messages.length, 2);
  check("unescape", unescapeHl7("\\X41\\"), "A");
  const decoder = new MllpDecoder();
  const frames = decoder.push(encodeMllp(text));
  check("mllp", new TextDecoder().decode(frames[0]), text);
  n += 9;
  return n;
}
