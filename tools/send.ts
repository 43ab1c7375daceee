/**
 * `npm run send -- <file|dir|-> [...] [--url URL] [--key KEY]`: sends HL7 files (single
 * messages, FHS/BHS batches, multi-MSH streams or MLLP frames) to the edge, one message per
 * request (or each file unchanged with --as-is), and prints every ACK readably: code, control
 * id, MSA-3 text and ERR details. The tool a vendor uses to test their interface.
 *
 * Defaults: --url from ADT_URL (else http://127.0.0.1:$PORT/v1/messages, PORT=8080), --key
 * from ADT_API_KEY (else the demo key `npm start` saved in .data/demo-key.txt).
 * Exit code 0 when every ACK is AA, 1 otherwise, 2 for usage or input errors.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { readAcks } from "./loadtest/ack.ts";
import { readInputs, SendInputError } from "./send/input.ts";

const root = resolve(import.meta.dirname, "..");
const HELP = `usage: npm run send -- <file|directory|-> [...] [options]

  --url URL     endpoint (default $ADT_URL or http://127.0.0.1:\${PORT:-8080}/v1/messages)
  --key KEY     API key (default $ADT_API_KEY or the demo key in .data/demo-key.txt)
  --as-is       send each file unchanged in one request (batches stay batches)
  --json        ask for the JSON form of the outcome (Accept: application/json)
  --quiet       only the summary line and failures
`;

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);

interface Outcome {
  ok: boolean;
  lines: string[];
}

function describe(
  label: string,
  status: number,
  body: string,
  contentType: string | undefined,
  ms: number,
  expected: number,
): Outcome {
  const acks = readAcks(body, contentType);
  const lines: string[] = [];
  let ok = acks.length > 0;
  for (const a of acks) {
    const good = a.code === "AA" || a.code === "CA";
    if (!good) ok = false;
    const mark = good ? paint("32", "✓") : paint("31", "✗");
    lines.push(
      `${mark} ${paint(good ? "32" : "31", a.code.padEnd(2))}  ${a.controlId || "(no control id)"}  ${label}  HTTP ${status}, ${ms} ms${a.text ? `  — ${a.text}` : ""}`,
    );
    for (const e of a.errors) lines.push(`      ERR ${e}`);
  }
  if (!acks.length) {
    ok = false;
    // Not an ACK: a transport error (401/403/413/415/429 as problem+json). Show its title/detail.
    let detail = body.trim().slice(0, 300);
    if (contentType?.includes("json")) {
      try {
        const j = JSON.parse(body) as { title?: string; detail?: string };
        detail = [j.title, j.detail].filter(Boolean).join(": ") || detail;
      } catch {
        // keep the raw text
      }
    }
    lines.push(`${paint("31", "✗")} HTTP ${status}  ${label}  ${ms} ms  — ${detail || "(empty response)"}`);
  } else if (acks.length < expected) {
    ok = false;
    lines.push(`${paint("31", "✗")} ${label}: ${expected} message(s) sent, ${acks.length} ACK(s) back`);
  }
  return { ok, lines };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      url: { type: "string" },
      key: { type: "string" },
      "as-is": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: true,
  });
  if (values.help || !positionals.length) {
    (values.help ? console.log : console.error)(HELP);
    process.exit(values.help ? 0 : 2);
  }
  const url =
    values.url ?? process.env.ADT_URL ?? `http://127.0.0.1:${process.env.PORT ?? "8080"}/v1/messages`;
  const demoKeyFile = resolve(root, process.env.ADT_DEMO_KEY_FILE ?? ".data/demo-key.txt");
  const key =
    values.key ??
    process.env.ADT_API_KEY ??
    (existsSync(demoKeyFile) ? readFileSync(demoKeyFile, "utf8").trim() : undefined);
  if (!key) {
    console.error(
      "send: no API key: pass --key, set ADT_API_KEY, or run `npm start` once (it saves the demo key)",
    );
    process.exit(2);
  }
  let files: ReturnType<typeof readInputs>;
  try {
    files = readInputs(positionals);
  } catch (err) {
    console.error(`send: ${err instanceof SendInputError ? err.message : String(err)}`);
    process.exit(2);
  }

  const headers = {
    "content-type": "application/hl7-v2; charset=utf-8",
    authorization: `Bearer ${key}`,
    ...(values.json ? { accept: "application/json" } : {}),
  };
  let sent = 0;
  let good = 0;
  let requestsFailed = 0;
  // One request after the other: a vendor's feed is ordered, and the ACKs read in order.
  const post = async (label: string, body: Uint8Array | string, expected: number) => {
    const t = performance.now();
    let res: Response;
    try {
      // A copy typed over a plain ArrayBuffer, which is what fetch's BodyInit accepts.
      const payload = typeof body === "string" ? body : new Uint8Array(body);
      res = await fetch(url, { method: "POST", headers, body: payload });
    } catch (err) {
      requestsFailed++;
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      console.log(`${paint("31", "✗")} ${label}: no answer from ${url} (${cause})`);
      return;
    }
    const text = await res.text();
    const o = describe(
      label,
      res.status,
      text,
      res.headers.get("content-type") ?? undefined,
      Math.round(performance.now() - t),
      expected,
    );
    sent += expected;
    if (o.ok) good += expected;
    if (!o.ok || !values.quiet) for (const l of o.lines) console.log(l);
  };
  for (const f of files) {
    if (values["as-is"]) await post(f.source, f.bytes, f.messages.length);
    else
      for (const m of f.messages)
        await post(f.messages.length > 1 ? `${f.source} #${m.position}` : f.source, m.text, 1);
  }
  const allOk = good === sent && requestsFailed === 0;
  console.log(
    `${allOk ? paint("32", "all accepted") : paint("31", "not all accepted")}: ${good}/${sent} message(s) AA${requestsFailed ? `, ${requestsFailed} request(s) without answer` : ""} → ${url}`,
  );
  process.exit(allOk ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(`send failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
