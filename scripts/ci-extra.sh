#!/usr/bin/env bash
# Checks that have their own commands, run by .ci/run after the README's test command:
# the AWS CDK synth + cdk-nag + cfn-lint gate, and the Databricks pipeline on real local Spark.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install -q --disable-pip-version-check -r infra/aws/requirements.txt
npm run infra:check

npm run test:databricks -- --junitxml="$PWD/.cache/ci/pytest-databricks.xml"
