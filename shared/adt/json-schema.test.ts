import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { adtEventJsonSchema, adtEventJsonSchemaText } from "./json-schema.ts";

const committedPath = resolve(import.meta.dirname, "adt-event.v1.schema.json");

describe("AdtEvent JSON Schema export", () => {
  it("matches the committed file (run `npm run schema:generate` after changing shared/adt/schema.ts)", () => {
    expect(readFileSync(committedPath, "utf8")).toBe(adtEventJsonSchemaText());
  });

  it("compiles under Ajv 2020 strict mode with formats", () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    expect(() => ajv.compile(adtEventJsonSchema())).not.toThrow();
  });

  it("stays plain for Spark: no anyOf/oneOf/allOf/$ref anywhere", () => {
    const text = adtEventJsonSchemaText();
    for (const keyword of ['"anyOf"', '"oneOf"', '"allOf"', '"$ref"']) expect(text).not.toContain(keyword);
  });

  it("declares date and date-time formats where they apply", () => {
    const s = adtEventJsonSchema() as {
      properties: Record<string, { properties: Record<string, { properties: Record<string, unknown> }> }>;
    };
    expect(s.properties.patient?.properties.birthDate?.properties.date).toMatchObject({ format: "date" });
    expect(s.properties.header?.properties.sentAt?.properties.utc).toMatchObject({ format: "date-time" });
  });
});
