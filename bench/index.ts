/**
 * `npm run bench`: runs every `bench:*` script of package.json one after another (they would
 * only disturb each other's figures in parallel on two cores), each one's output to
 * reports/bench/<name>.log, and prints where everything went. A benchmark whose program or
 * tools are missing is skipped with a line saying what is missing.
 *
 * `npm run bench -- hl7 edge` runs only those; `--list` shows what would run.
 */
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const outDir = join(root, "reports", "bench");

interface Bench {
  name: string;
  command: string;
}

/** Programs a bench command may call besides node tooling; checked before it runs. */
const EXTERNAL_TOOLS = ["python3", "java", "mvn", "kcat", "deno", "databricks", "spark-submit"];

/**
 * What keeps a bench from running: a referenced script file that does not exist, or an
 * external program not on PATH. Undefined when it can run.
 *
 * @example missingFor("tsx bench/hl7.ts", root) // undefined when bench/hl7.ts exists
 */
export function missingFor(command: string, cwd: string): string | undefined {
  for (const word of command.split(/\s+/)) {
    if (/\.(ts|js|mjs|py|sh)$/.test(word) && !existsSync(resolve(cwd, word)))
      return `file ${word} is missing`;
  }
  const first = command.split(/\s+/)[0] ?? "";
  const tools = EXTERNAL_TOOLS.filter((t) => command.split(/\s+/).includes(t) || first === t);
  for (const t of tools) {
    // deno ships as an npm package here; look in node_modules/.bin too.
    const local = existsSync(join(cwd, "node_modules", ".bin", t));
    if (!local && spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0)
      return `program ${t} is not installed`;
  }
  return undefined;
}

function runOne(b: Bench): Promise<{ code: number; seconds: number; log: string }> {
  const log = join(outDir, `${b.name.replace(/[^a-z0-9._-]/gi, "_")}.log`);
  const out = createWriteStream(log);
  const started = performance.now();
  return new Promise((resolvePromise) => {
    const child = spawn("npm", ["run", "--silent", b.name], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    for (const s of [child.stdout, child.stderr]) {
      s.on("data", (chunk: Buffer) => {
        out.write(chunk);
        process.stdout.write(chunk);
      });
    }
    child.on("close", (code) => {
      out.end();
      resolvePromise({ code: code ?? 1, seconds: (performance.now() - started) / 1000, log });
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const list = args.includes("--list");
  const only = args
    .filter((a) => !a.startsWith("--"))
    .map((a) => (a.startsWith("bench:") ? a : `bench:${a}`));
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    scripts?: Record<string, string>;
  };
  const benches: Bench[] = Object.entries(pkg.scripts ?? {})
    .filter(([name]) => name.startsWith("bench:") && (!only.length || only.includes(name)))
    .map(([name, command]) => ({ name, command }));
  if (!benches.length) {
    console.error(
      only.length ? `no bench script named ${only.join(", ")}` : "no bench:* scripts in package.json",
    );
    process.exit(2);
  }
  if (list) {
    for (const b of benches)
      console.log(
        `${b.name.padEnd(24)} ${b.command}${missingFor(b.command, root) ? `  (skipped: ${missingFor(b.command, root)})` : ""}`,
      );
    return;
  }
  mkdirSync(outDir, { recursive: true });
  const results: string[] = [];
  let failed = 0;
  for (const b of benches) {
    const missing = missingFor(b.command, root);
    if (missing) {
      const line = `SKIP ${b.name}: ${missing}`;
      console.log(`\n${line}`);
      results.push(line);
      continue;
    }
    console.log(`\n═══ ${b.name}: ${b.command}`);
    const r = await runOne(b);
    if (r.code !== 0) failed++;
    results.push(
      `${r.code === 0 ? "ok  " : "FAIL"} ${b.name.padEnd(22)} ${r.seconds.toFixed(0).padStart(5)} s  exit ${r.code}  → ${r.log}`,
    );
  }
  console.log("\n═══ benchmarks");
  for (const r of results) console.log(`  ${r}`);
  console.log(`logs in ${outDir}/ (reports the benches write themselves are named in their logs)`);
  process.exit(failed ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("bench/index.ts")) {
  main().catch((err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
