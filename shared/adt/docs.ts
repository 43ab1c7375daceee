/**
 * Generates the parts of docs/adt-event.md that must match the code: the field tables (from
 * the JSON Schema export, so descriptions are written once, in schema.ts), the trigger table
 * and the worked examples (run through `toAdtEvent`). Runtime-free; the file I/O lives in
 * scripts/generate-docs.ts and docs.test.ts.
 */
import { parseMessage } from "../hl7/index.ts";
import { DOC_EXAMPLES, type DocExample } from "./examples.ts";
import { adtEventJsonSchema } from "./json-schema.ts";
import { KIND_BY_TRIGGER } from "./kinds.ts";
import { patientKey, toAdtEvent } from "./map.ts";
import type { VendorProfile } from "./profile.ts";

interface Node {
  type?: string | string[];
  format?: string;
  const?: unknown;
  enum?: unknown[];
  description?: string;
  properties?: Record<string, Node>;
  items?: Node;
  additionalProperties?: Node | boolean;
}

/** Shared object shapes, recognised by their property names, documented once each. */
const NAMED: ReadonlyArray<[string, string]> = [
  ["Timestamp", "value,precision,utc"],
  ["CalendarDate", "value,precision,date"],
  ["Identifier", "id,authority,type"],
  ["PersonName", "family,given,middle,suffix,prefix,type"],
  ["Clinician", "id,family,given,middle,suffix,prefix,authority"],
  ["Location", "pointOfCare,room,bed,facility,building,floor"],
  ["Address", "street,otherDesignation,city,state,postalCode,country,type"],
  ["Phone", "source,use,equipment,number,email"],
];

const namedOf = (n: Node): string | undefined => {
  if (n.properties === undefined) return undefined;
  const keys = Object.keys(n.properties).join(",");
  return NAMED.find(([, k]) => k === keys)?.[0];
};

const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

function typeText(n: Node): string {
  const types = Array.isArray(n.type) ? n.type : n.type === undefined ? [] : [n.type];
  const nullable = types.includes("null");
  const base = types.find((t) => t !== "null") ?? "any";
  let text: string;
  const named = namedOf(n);
  if (named !== undefined) text = named;
  else if (base === "array" && n.items !== undefined) text = `${namedOf(n.items) ?? typeText(n.items)}[]`;
  else if (n.const !== undefined) text = `\`${JSON.stringify(n.const)}\``;
  else if (n.enum !== undefined)
    text = n.enum
      .filter((v) => v !== null)
      .map((v) => `\`${String(v)}\``)
      .join(" / ");
  else if (base === "object" && n.properties === undefined && typeof n.additionalProperties === "object")
    text = `map<string, ${typeText(n.additionalProperties)}>`;
  else text = n.format === undefined ? base : `${base} (${n.format})`;
  return nullable ? `${text} | null` : text;
}

function rows(n: Node, prefix: string, out: string[]): void {
  for (const [key, child] of Object.entries(n.properties ?? {})) {
    const path = `${prefix}${key}`;
    out.push(`| \`${path}\` | ${cell(typeText(child))} | ${cell(child.description ?? "")} |`);
    // Shared shapes get their own table instead of being repeated at every use.
    const named = namedOf(child) ?? (child.items ? namedOf(child.items) : undefined);
    if (named !== undefined) continue;
    if (child.properties !== undefined) rows(child, `${path}.`, out);
    else if (child.items?.properties !== undefined) rows(child.items, `${path}[].`, out);
  }
}

const HEADER = "| Field | Type | Source and meaning |\n|---|---|---|";

/** Markdown table of every `AdtEvent` field (shared shapes are linked by name). */
export function renderFieldTable(): string {
  const out: string[] = [];
  rows(adtEventJsonSchema() as Node, "", out);
  return `${HEADER}\n${out.join("\n")}`;
}

/** One small table per shared shape (Timestamp, Identifier, …). */
export function renderTypeTables(): string {
  const found = new Map<string, Node>();
  const visit = (n: Node) => {
    const named = namedOf(n);
    if (named !== undefined && !found.has(named)) found.set(named, n);
    for (const c of Object.values(n.properties ?? {})) visit(c);
    if (n.items !== undefined) visit(n.items);
  };
  visit(adtEventJsonSchema() as Node);
  return NAMED.map(([name]) => {
    const n = found.get(name);
    if (n === undefined) throw new Error(`shared shape ${name} no longer appears in the schema`);
    const out: string[] = [];
    rows(n, "", out);
    return `#### ${name}\n\n${HEADER}\n${out.join("\n")}`;
  }).join("\n\n");
}

/** Trigger → kind table, from the same constant the mapper uses. */
export function renderTriggerTable(): string {
  const byKind = new Map<string, string[]>();
  for (const [trigger, kind] of Object.entries(KIND_BY_TRIGGER)) {
    byKind.set(kind, [...(byKind.get(kind) ?? []), trigger]);
  }
  const lines = [...byKind].map(([kind, triggers]) => `| \`${kind}\` | ${triggers.join(", ")} |`);
  return `| kind | triggers |\n|---|---|\n${lines.join("\n")}\n| \`other\` | every other trigger |`;
}

/** The HL7 input and the mapper's output (event + patient key, or the error's issues). */
export function renderExample(example: DocExample, profiles: ReadonlyMap<string, VendorProfile>): string {
  const profile = profiles.get(example.vendor);
  if (profile === undefined)
    throw new Error(`doc example ${example.name}: no vendor profile ${example.vendor}`);
  const result = toAdtEvent(parseMessage(example.segments.join("\r")), profile, example.ingest);
  const hl7 = `\`\`\`hl7\n${example.segments.join("\n")}\n\`\`\``;
  if (result.ok) {
    return `Vendor \`${example.vendor}\`, HL7:\n\n${hl7}\n\n\`AdtEvent\` (Kafka key \`${patientKey(result.event)}\`):\n\n\`\`\`json\n${JSON.stringify(result.event, null, 2)}\n\`\`\``;
  }
  return `Vendor \`${example.vendor}\`, HL7:\n\n${hl7}\n\n\`AdtMappingError.issues\`:\n\n\`\`\`json\n${JSON.stringify(result.error.issues, null, 2)}\n\`\`\``;
}

/** Every generated block of docs/adt-event.md by marker name. */
export function generatedBlocks(profiles: ReadonlyMap<string, VendorProfile>): Map<string, string> {
  const blocks = new Map<string, string>([
    ["fields", renderFieldTable()],
    ["types", renderTypeTables()],
    ["triggers", renderTriggerTable()],
  ]);
  for (const ex of DOC_EXAMPLES) blocks.set(`example:${ex.name}`, renderExample(ex, profiles));
  return blocks;
}

/**
 * Replaces the text between `<!-- generated:NAME:start -->` and `<!-- generated:NAME:end -->`
 * for every block. Throws when a marker pair is missing, so a block cannot silently vanish.
 *
 * @example
 * const next = fillGeneratedBlocks(readFileSync(doc, "utf8"), generatedBlocks(profiles));
 */
export function fillGeneratedBlocks(doc: string, blocks: ReadonlyMap<string, string>): string {
  let out = doc;
  for (const [name, body] of blocks) {
    const start = `<!-- generated:${name}:start -->`;
    const end = `<!-- generated:${name}:end -->`;
    const i = out.indexOf(start);
    const j = out.indexOf(end);
    if (i === -1 || j === -1 || j < i) throw new Error(`docs: markers for block "${name}" are missing`);
    out = `${out.slice(0, i + start.length)}\n${body}\n${out.slice(j)}`;
  }
  return out;
}
