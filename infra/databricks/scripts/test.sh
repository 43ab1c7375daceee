#!/usr/bin/env bash
# `npm run test:databricks`: venv (PySpark + Delta from PyPI), local Redis + Kafka, then pytest:
# unit tests (JSON Schema -> Spark types, census fold, transformations and micro-batches on
# local Spark, bundle validation) and the end-to-end run through edge -> workers -> Kafka ->
# Spark (Kafka connector and Delta jars from Maven Central into .cache/ivy).
# Before pytest: ruff lint and format check of the Python code.
# Extra arguments go to pytest, e.g. `npm run test:databricks -- -m "not e2e"`.
# Redis and Kafka that already run (`npm start`, a developer's `services:up`) are reused and left
# running; what this run starts is stopped again at the end, also on failure or Ctrl-C (as the
# vitest global setup test/setup/services.ts does). The local stack's REDIS_PORT, KAFKA_PORT,
# KAFKA_CONTROLLER_PORT, KAFKA_SASL_PORT and ADT_DATA_DIR apply; the e2e test reads KAFKA_BROKERS.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
bash "$root/infra/databricks/scripts/setup-venv.sh"
cd "$root"
source "$root/infra/databricks/scripts/own-services.sh"
own_services_up

cd "$root/infra/databricks"
"$root/.venv/bin/ruff" check src tests bench jobs
"$root/.venv/bin/ruff" format --check src tests bench jobs
"$root/.venv/bin/python" -m pytest -p no:cacheprovider "$@"
