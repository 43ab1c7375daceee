/**
 * Writes shared/adt/adt-event.v1.schema.json from the zod source (`npm run schema:generate`).
 * A unit test (shared/adt/json-schema.test.ts) fails when the committed file is stale.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { adtEventJsonSchemaText } from "../shared/adt/json-schema.ts";

const target = resolve(import.meta.dirname, "../shared/adt/adt-event.v1.schema.json");
writeFileSync(target, adtEventJsonSchemaText());
console.log(`wrote ${target}`);
