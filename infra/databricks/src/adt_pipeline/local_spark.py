"""A local open-source Spark session with Delta Lake and the Kafka connector (tests, benchmark).

On Databricks the runtime provides the session; nothing here is used there. Jars come from Maven
Central through ``spark.jars.packages`` into an Ivy cache outside git (``.cache/ivy``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pyspark
from pyspark.sql import SparkSession

SCALA_BINARY = "2.13"


def kafka_package() -> str:
    """Maven coordinate of the Kafka connector matching the installed PySpark."""
    return f"org.apache.spark:spark-sql-kafka-0-10_{SCALA_BINARY}:{pyspark.__version__}"


def local_session(
    *,
    warehouse_dir: Path,
    ivy_dir: Path,
    app_name: str = "adt-pipeline-local",
    cores: int = 2,
) -> SparkSession:
    """Builds (or returns the running) local Spark session with Delta and Kafka.

    Example::

        spark = local_session(warehouse_dir=Path(".data/spark"), ivy_dir=Path(".cache/ivy"))
    """
    # Imported here so the pure modules (census, json_schema) need no Delta package.
    from delta import configure_spark_with_delta_pip

    builder = (
        SparkSession.builder.appName(app_name)
        .master(f"local[{cores}]")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.warehouse.dir", str(warehouse_dir))
        .config("spark.jars.ivy", str(ivy_dir))
        .config("spark.sql.session.timeZone", "UTC")
        # Two cores: a few shuffle partitions keep micro-batches from fanning out into 200 tasks.
        .config("spark.sql.shuffle.partitions", str(max(2, cores)))
        .config("spark.default.parallelism", str(max(2, cores)))
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "2g"))
        .config("spark.sql.streaming.stopTimeout", "30s")
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.databricks.delta.properties.defaults.checkpointInterval", "50")
        # The pipeline's MERGE sources are cached micro-batches or driver-built rows, both
        # deterministic, so materialising them again (one more Spark job per MERGE) buys nothing.
        .config("spark.databricks.delta.merge.materializeSource", "none")
        # Micro-batches of tens of ADT messages: compiling generated code for the wide nested
        # AdtEvent schema costs more CPU than interpreting it (measured: ~2x less JVM CPU per
        # micro-batch on 2 cores). Local runs only; Databricks keeps its defaults (Photon).
        .config("spark.sql.codegen.factoryMode", os.environ.get("SPARK_CODEGEN_FACTORY_MODE", "NO_CODEGEN"))
    )
    session = configure_spark_with_delta_pip(builder, extra_packages=[kafka_package()]).getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    return session
