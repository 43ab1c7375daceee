"""Databricks job task (spark_python_task): the thin wrapper around ``adt_pipeline.main``.

The bundle syncs ``infra/databricks/src`` and ``shared/adt`` with the same layout as the
repository, so the package and the AdtEvent JSON Schema are found relative to this file.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pyspark.sql import SparkSession  # noqa: E402

from adt_pipeline.main import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv[1:], spark=SparkSession.builder.getOrCreate())
