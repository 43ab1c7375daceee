import { describe, expect, it } from "vitest";
import { buildApp } from "../lib/app.ts";
import { parseStageConfig } from "../lib/config.ts";
import { stageInput } from "./fixtures.ts";

describe("compliance packs", () => {
  // stack.test.ts proves the acknowledged stacks synthesise; this proves the packs really run,
  // so a passing synthesis means "compliant", not "nothing checked".
  it("fail synthesis with AwsSolutions and HIPAA findings when the acknowledgements are removed", () => {
    const { app } = buildApp([parseStageConfig(stageInput("dev"))], { suppressions: false });
    let message = "";
    try {
      app.synth();
    } catch (err) {
      message = String(err);
    }
    expect(message).toContain("AwsSolutions-SMG4");
    expect(message).toContain("HIPAA.Security-SecretsManagerRotationEnabled");
    expect(message).toContain(
      "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kafka:eu-west-1:111111111111:topic/",
    );
  }, 60_000);
});
