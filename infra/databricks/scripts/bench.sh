#!/usr/bin/env bash
# `npm run bench:databricks`: send -> silver-table latency at a steady rate (see
# infra/databricks/bench/latency.py for the knobs). Extra arguments go to the script.
# Redis and Kafka that already run are reused and left running; what this run starts is stopped
# again at the end, also on failure or Ctrl-C (own-services.sh, as in test.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
bash "$root/infra/databricks/scripts/setup-venv.sh"
cd "$root"
source "$root/infra/databricks/scripts/own-services.sh"
own_services_up

cd "$root/infra/databricks"
"$root/.venv/bin/python" bench/latency.py "$@"
