/**
 * Sums the JSON reports that test runs left in a folder (vitest's json reporter, and pytest
 * results converted to the same shape) and prints the plain closing line CI reads:
 * `ci: N passed, N failed, N skipped`. Exits 1 if anything failed or nothing ran.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests?: number;
  numTodoTests?: number;
}

const dir = process.argv[2] ?? ".cache/ci";
let passed = 0;
let failed = 0;
let skipped = 0;
for (const name of readdirSync(dir).filter((n) => n.endsWith(".json"))) {
  const r = JSON.parse(readFileSync(join(dir, name), "utf8")) as VitestJson;
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}
console.log(`ci: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
