import { App } from "aws-cdk-lib";
import { AdtStreamStack } from "./adt-stream-stack.ts";
import type { StageConfig } from "./config.ts";
import { applyCompliancePacks } from "./nag.ts";
import { applySuppressions } from "./suppressions.ts";

export interface BuildOptions {
  outdir?: string;
  /** Off only in tests that look at one property and want speed; CI always checks. */
  compliancePacks?: boolean;
  /** Off only in the test that proves the packs really report without the acknowledgements. */
  suppressions?: boolean;
}

/**
 * Builds the CDK app with one stack per stage, the rule packs and their justified suppressions.
 *
 * @example const { app, stacks } = buildApp([parseStageConfig(raw.stages.dev)], { outdir: "infra/aws/cdk.out" });
 */
export function buildApp(
  configs: StageConfig[],
  options: BuildOptions = {},
): { app: App; stacks: AdtStreamStack[] } {
  const app = new App({ outdir: options.outdir });
  const stacks = configs.map((config) => {
    const stack = new AdtStreamStack(app, stackName(config), {
      config,
      env: { account: config.account, region: config.region },
      stackName: stackName(config),
      description: `adt-stream ${config.stage}: HL7 ADT ingest (edge, queue, workers, MSK, Databricks access)`,
      terminationProtection: config.stage === "prod",
    });
    if (options.suppressions !== false) applySuppressions(stack);
    return stack;
  });
  if (options.compliancePacks !== false) applyCompliancePacks(app);
  return { app, stacks };
}

/** `AdtStream-<name>-<stage>`, e.g. `AdtStream-adt-stream-prod`. */
export function stackName(config: StageConfig): string {
  return `AdtStream-${config.name}-${config.stage}`;
}
