/**
 * Sums the reports that test runs left in a folder (vitest's JSON reporter, pytest's JUnit XML)
 * and prints the plain closing line CI reads:
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
for (const name of readdirSync(dir)) {
  const text = readFileSync(join(dir, name), "utf8");
  if (name.endsWith(".json")) {
    const r = JSON.parse(text) as VitestJson;
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  } else if (name.endsWith(".xml")) {
    const r = junitCounts(text);
    passed += r.tests - r.failures - r.errors - r.skipped;
    failed += r.failures + r.errors;
    skipped += r.skipped;
  }
}
console.log(`ci: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);

/** Totals of a JUnit XML report: pytest writes one <testsuite> with these attributes. */
function junitCounts(xml: string): { tests: number; failures: number; errors: number; skipped: number } {
  const totals = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const m of xml.matchAll(/<testsuite\b([^>]*)>/g)) {
    const attrs = m[1] ?? "";
    for (const key of Object.keys(totals) as Array<keyof typeof totals>) {
      const v = new RegExp(`\\b${key}="(\\d+)"`).exec(attrs)?.[1];
      totals[key] += v ? Number(v) : 0;
    }
  }
  return totals;
}
