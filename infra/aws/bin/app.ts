import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { App } from "aws-cdk-lib";
import { buildApp } from "../lib/app.ts";
import { parseStageConfig } from "../lib/config.ts";

/**
 * The only place that reads context and environment. Context keys (`-c key=value` with the CDK
 * CLI) or, when run with tsx, environment variables of the same meaning:
 * - `config` / ADT_INFRA_CONFIG: stage configuration file (default: infra/aws/config/example.json)
 * - `stages` / ADT_INFRA_STAGES: comma-separated stages to synthesise (default: all in the file)
 * Output goes to CDK_OUTDIR when the CDK CLI runs this, else to infra/aws/cdk.out.
 * Synthesis fails (non-zero exit) on any unacknowledged AwsSolutions / HIPAA finding.
 */
const here = dirname(fileURLToPath(import.meta.url));
const probe = new App(); // only to read -c context the CDK CLI passes in CDK_CONTEXT_JSON
const ctx = (key: string): string | undefined => {
  const v: unknown = probe.node.tryGetContext(key);
  return typeof v === "string" ? v : undefined;
};

const configPath = resolve(
  ctx("config") ?? process.env.ADT_INFRA_CONFIG ?? resolve(here, "../config/example.json"),
);
const file = JSON.parse(readFileSync(configPath, "utf8")) as { stages?: Record<string, unknown> };
const all = Object.keys(file.stages ?? {});
const wanted = (ctx("stages") ?? process.env.ADT_INFRA_STAGES ?? all.join(","))
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);
for (const s of wanted) {
  if (!all.includes(s)) throw new Error(`stage "${s}" is not in ${configPath} (has: ${all.join(", ")})`);
}
const configs = wanted.map((s) => parseStageConfig(file.stages?.[s]));

const outdir = process.env.CDK_OUTDIR ?? resolve(here, "../cdk.out");
const { app, stacks } = buildApp(configs, { outdir });
app.synth();
for (const stack of stacks) console.log(`${stack.stackName}: synthesised to ${outdir}`);
