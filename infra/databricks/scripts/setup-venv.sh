#!/usr/bin/env bash
# Creates/refreshes the git-ignored .venv at the repository root with the pinned PySpark, Delta,
# databricks-bundles and pytest (infra/databricks/requirements-dev.txt). Reinstalls only when the
# requirements file changed. Needs Python 3.10+ with venv (Debian: python3 python3-venv) and,
# for Spark, Java 17 (openjdk-17-jdk-headless).
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
req="$root/infra/databricks/requirements-dev.txt"
venv="$root/.venv"
python="${PYTHON:-python3}"
stamp="$venv/.adt-databricks-requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
echo "databricks: installing Python packages into $venv (pyspark is ~450 MB, first time only)"
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
