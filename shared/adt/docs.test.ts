import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { fillGeneratedBlocks, generatedBlocks } from "./docs.ts";
import { DOC_EXAMPLES } from "./examples.ts";
import { loadVendorProfiles } from "./profile-file.ts";
import { AdtEventSchema } from "./schema.ts";

const root = resolve(import.meta.dirname, "../..");
const doc = readFileSync(resolve(root, "docs/adt-event.md"), "utf8");
const profiles = loadVendorProfiles(resolve(root, "config/vendors.json"));

describe("docs/adt-event.md", () => {
  it("is what `npm run docs:generate` produces from the code (tables and examples)", () => {
    expect(doc).toBe(fillGeneratedBlocks(doc, generatedBlocks(profiles)));
  });

  it("shows example events that validate against the schema, and one rejection", () => {
    const blocks = [...doc.matchAll(/`AdtEvent` \(Kafka key `[^`]*`\):\n\n```json\n([\s\S]*?)\n```/g)];
    expect(blocks.length).toBe(DOC_EXAMPLES.length - 1);
    for (const [, json] of blocks) expect(AdtEventSchema.safeParse(JSON.parse(json!)).success).toBe(true);
    expect(doc).toContain("`AdtMappingError.issues`");
  });

  it("documents every top-level field", () => {
    for (const key of Object.keys(AdtEventSchema.shape)) expect(doc).toContain(`| \`${key}\` |`);
  });

  it("fillGeneratedBlocks refuses a doc that lost a marker", () => {
    expect(() => fillGeneratedBlocks("no markers", new Map([["fields", "x"]]))).toThrow(/fields/);
  });
});
