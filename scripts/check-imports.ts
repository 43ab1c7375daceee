/**
 * Keeps the layering of the design: shared/ imports neither edge/ nor workers/, edge/ and
 * workers/ never import each other, and shared/ (which must run in Deno and workerd) uses no
 * `node:` modules outside files whose name says they are Node-only (`*-node.ts`, `*-file.ts`,
 * tests, testing helpers). Exits 1 listing every violation.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";

const root = resolve(import.meta.dirname, "..");
const IMPORT_RE =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith(".ts")) yield p;
  }
}

const topOf = (p: string) => relative(root, p).split(sep)[0] ?? "";
const forbidden: Record<string, string[]> = {
  shared: ["edge", "workers"],
  edge: ["workers"],
  workers: ["edge"],
};
const nodeOnlyAllowed = (rel: string) =>
  /(?:-node|-file|\.test|\.int\.test)\.ts$/.test(rel) || rel.includes(`${sep}testing${sep}`);

const problems: string[] = [];
for (const top of Object.keys(forbidden)) {
  let dir: string;
  try {
    dir = join(root, top);
    statSync(dir);
  } catch {
    continue;
  }
  for (const file of files(dir)) {
    const rel = relative(root, file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2];
      if (!spec) continue;
      if (spec.startsWith(".")) {
        const target = topOf(resolve(file, "..", spec));
        if (forbidden[top]?.includes(target))
          problems.push(`${rel}: imports ${spec} (${top}/ must not import ${target}/)`);
      } else if (top === "shared" && spec.startsWith("node:") && !nodeOnlyAllowed(rel)) {
        problems.push(
          `${rel}: imports ${spec}, but shared/ must run in Deno and workerd (name the file *-node.ts)`,
        );
      }
    }
  }
}
if (problems.length) {
  console.error(`import layering violations:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("imports: layering ok");
