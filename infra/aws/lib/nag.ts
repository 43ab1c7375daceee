import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks, HIPAASecurityChecks } from "cdk-nag";

/**
 * Registers the AwsSolutions and HIPAA Security rule packs as validation plugins of the app.
 * Any finding that is not acknowledged with a written reason (see suppressions.ts) fails
 * `app.synth()`, `cdk synth` and therefore the tests and `npm run infra:check`.
 *
 * @example applyCompliancePacks(app)
 */
export function applyCompliancePacks(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true }),
    new HIPAASecurityChecks(app, { verbose: true }),
  );
}

/** One violation the validation report lists. */
export interface Finding {
  plugin: string;
  rule: string;
  severity: string;
  paths: string[];
}

interface ReportJson {
  pluginReports?: Array<{
    pluginName?: string;
    violations?: Array<{
      ruleName?: string;
      severity?: string;
      violatingConstructs?: Array<{ constructPath?: string }>;
    }>;
  }>;
}

/**
 * Reads the unacknowledged violations from the report CDK writes into the cloud assembly.
 *
 * @example const failures = reportedFindings("infra/aws/cdk.out");
 */
export function reportedFindings(assemblyDir: string): Finding[] {
  const file = join(assemblyDir, "validation-report.json");
  if (!existsSync(file)) return [];
  const report = JSON.parse(readFileSync(file, "utf8")) as ReportJson;
  const out: Finding[] = [];
  for (const r of report.pluginReports ?? []) {
    for (const v of r.violations ?? []) {
      out.push({
        plugin: r.pluginName ?? "?",
        rule: v.ruleName ?? "?",
        severity: v.severity ?? "error",
        paths: (v.violatingConstructs ?? []).map((c) => c.constructPath ?? "?"),
      });
    }
  }
  return out;
}
