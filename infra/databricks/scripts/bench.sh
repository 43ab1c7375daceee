#!/usr/bin/env bash
# `npm run bench:databricks`: send -> silver-table latency at a steady rate (see
# infra/databricks/bench/latency.py for the knobs). Extra arguments go to the script.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
bash "$root/infra/databricks/scripts/setup-venv.sh"
(cd "$root" && npm run --silent services:up)
cd "$root/infra/databricks"
exec "$root/.venv/bin/python" bench/latency.py "$@"
