/**
 * `npm run infra:check`: synthesises every stage of infra/aws/config/example.json (or
 * ADT_INFRA_CONFIG) into infra/aws/cdk.out, fails on any unacknowledged cdk-nag finding
 * (AwsSolutions + HIPAA Security), then runs cfn-lint over the templates and fails on any error
 * or any warning not listed in IGNORED_CFN_LINT_RULES below.
 *
 * Needs cfn-lint from PyPI: `pip install -r infra/aws/requirements.txt`.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { reportedFindings } from "../lib/nag.ts";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");
const outdir = resolve(here, "../cdk.out");

/** cfn-lint rules we accept on purpose, each with its reason. */
const IGNORED_CFN_LINT_RULES: Record<string, string> = {
  // Zones come from the stage configuration on purpose: CDK would otherwise need AWS credentials
  // at synth time to look them up, and subnet placement must not move between deployments.
  W3010: "availability zones are stage configuration, not hard-coded guesses",
  // CDK emits DependsOn next to Ref/GetAtt for ordering it needs in other cases; harmless.
  W3005: "redundant DependsOn emitted by CDK constructs",
};

function step(name: string, fn: () => boolean): boolean {
  const t0 = Date.now();
  const ok = fn();
  console.log(`infra:check: ${name}: ${ok ? "ok" : "FAILED"} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return ok;
}

const synthOk = step("synth + cdk-nag (AwsSolutions, HIPAA Security)", () => {
  rmSync(outdir, { recursive: true, force: true });
  const r = spawnSync(process.execPath, ["--import", "tsx", join(here, "../bin/app.ts")], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, CDK_OUTDIR: outdir },
  });
  const findings = reportedFindings(outdir).filter((f) => f.severity === "error");
  for (const f of findings) console.error(`  ${f.plugin} ${f.rule}: ${f.paths.join(", ")}`);
  return r.status === 0 && findings.length === 0;
});

const lintOk =
  synthOk &&
  step("cfn-lint", () => {
    const templates = readdirSync(outdir)
      .filter((f) => f.endsWith(".template.json"))
      .map((f) => relative(root, join(outdir, f)));
    if (templates.length === 0) {
      console.error("  no templates synthesised");
      return false;
    }
    const args = [...templates, "--ignore-checks", ...Object.keys(IGNORED_CFN_LINT_RULES)];
    const r = spawnSync("cfn-lint", args, { cwd: root, stdio: "inherit" });
    if (r.error) {
      console.error(
        `  cannot run cfn-lint (${r.error.message}); install it: pip install -r infra/aws/requirements.txt`,
      );
      return false;
    }
    console.log(`  ${templates.length} template(s), cfn-lint exit ${r.status}`);
    // cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational.
    return r.status === 0 || r.status === 8;
  });

process.exitCode = synthOk && lintOk ? 0 : 1;
