/**
 * `npx tsx shared/hl7/testing/runtime-smoke.ts` (Node) or
 * `npx deno run --no-lock shared/hl7/testing/runtime-smoke.ts` (Deno): prints one line or throws.
 */
import { runHl7Smoke } from "./smoke.ts";

console.log(`hl7 runtime smoke: ${runHl7Smoke()} checks passed`);
