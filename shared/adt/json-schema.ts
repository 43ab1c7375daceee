/**
 * The JSON Schema (draft 2020-12) export of `AdtEvent` v1, committed as
 * `shared/adt/adt-event.v1.schema.json` and checked against this function in CI.
 */
import { z } from "zod";
import { AdtEventSchema } from "./schema.ts";

/** A URN, not a URL: the schema is published as a file in this repository, not on the web. */
export const ADT_EVENT_JSON_SCHEMA_ID = "urn:adt-stream:schema:adt-event:v1";

type JsonObject = { [key: string]: unknown };

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * zod writes a nullable object or enum as `anyOf: [{…}, {type: "null"}]`. Spark schema
 * derivation (and people) read `type: ["object", "null"]` more easily, and it means the same,
 * so such pairs are folded into the non-null branch. Nothing else is changed.
 */
function foldNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(foldNullable);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) out[k] = foldNullable(v);
  const anyOf = out.anyOf;
  if (Array.isArray(anyOf) && anyOf.length === 2) {
    const nullIndex = anyOf.findIndex((b) => isObject(b) && b.type === "null" && Object.keys(b).length === 1);
    const other = anyOf[1 - nullIndex];
    if (nullIndex !== -1 && isObject(other) && typeof other.type === "string") {
      const { anyOf: _dropped, ...rest } = out;
      const folded: JsonObject = { ...rest, ...other, type: [other.type, "null"] };
      if (Array.isArray(other.enum)) folded.enum = [...other.enum, null];
      // The outer description (the field's) wins over the shared type's description.
      if (rest.description !== undefined) folded.description = rest.description;
      return folded;
    }
  }
  return out;
}

/**
 * Builds the JSON Schema of `AdtEvent` v1 from the zod source.
 *
 * @example
 * const ajv = new Ajv2020({ strict: true }); addFormats(ajv);
 * const validate = ajv.compile(adtEventJsonSchema());
 */
export function adtEventJsonSchema(): JsonObject {
  const raw = z.toJSONSchema(AdtEventSchema, { target: "draft-2020-12", io: "output" });
  const folded = foldNullable(raw) as JsonObject;
  const { $schema, ...rest } = folded;
  return { $schema, $id: ADT_EVENT_JSON_SCHEMA_ID, ...rest };
}

/** The committed file's exact text: stable key order, two-space indent, trailing newline. */
export function adtEventJsonSchemaText(): string {
  return `${JSON.stringify(adtEventJsonSchema(), null, 2)}\n`;
}
