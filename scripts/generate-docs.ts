/**
 * Rewrites the generated blocks of docs/adt-event.md (`npm run docs:generate`): field tables
 * from the schema, the trigger table, and the examples run through `toAdtEvent` with the
 * profiles of config/vendors.json. shared/adt/docs.test.ts fails when the doc is stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fillGeneratedBlocks, generatedBlocks } from "../shared/adt/docs.ts";
import { loadVendorProfiles } from "../shared/adt/profile-file.ts";

const root = resolve(import.meta.dirname, "..");
const docPath = resolve(root, "docs/adt-event.md");
const profiles = loadVendorProfiles(resolve(root, "config/vendors.json"));
const before = readFileSync(docPath, "utf8");
const after = fillGeneratedBlocks(before, generatedBlocks(profiles));
writeFileSync(docPath, after);
console.log(before === after ? `${docPath} already up to date` : `updated ${docPath}`);
