/**
 * Keeps edge/ runnable on Node, Deno and workerd: outside the runtime-specific places
 * (entries/, node/, runtime/, tests) no file may import a `node:` module, a Node-only
 * package, or use Node globals.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const edgeDir = import.meta.dirname;
const RUNTIME_SPECIFIC = /^(entries|node|runtime)\/|\.test\.ts$|-node\.ts$/;
const FORBIDDEN = [
  /from\s+["']node:/,
  /from\s+["'](ioredis|bullmq|@hono\/node-server)["']/,
  /\bBuffer\./,
  /\bprocess\.(env|exit|on)\b/,
];

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith(".ts")) yield p;
  }
}

describe("edge/ is runtime-free", () => {
  it("uses no Node-only modules or globals outside entries/, node/ and runtime/", () => {
    const problems: string[] = [];
    let checked = 0;
    for (const f of files(edgeDir)) {
      const rel = relative(edgeDir, f);
      if (RUNTIME_SPECIFIC.test(rel)) continue;
      checked++;
      const text = readFileSync(f, "utf8");
      for (const re of FORBIDDEN) if (re.test(text)) problems.push(`${rel}: ${re}`);
    }
    expect(checked).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });
});
