"""Cost of one micro-batch's steps without Kafka: real AdtEvents (TS mapping) as Kafka-source
rows, fed to ``process_batch`` (silver MERGE, bronze append) and ``census_batch`` in batches.

    .venv/bin/python infra/databricks/bench/batch_profile.py [--batches 6] [--size 240]

Prints wall time per step and the JVM's CPU seconds per batch (robust when the VM is shared).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

os.environ["TZ"] = "UTC"
time.tzset()
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "src"), str(HERE.parent / "tests")]

from adt_pipeline.json_schema import load_json_schema  # noqa: E402
from adt_pipeline.local_spark import local_session  # noqa: E402
from adt_pipeline.main import DEFAULT_EVENT_SCHEMA  # noqa: E402
from adt_pipeline.pipeline import PipelineConfig, census_batch, ensure_tables, process_batch  # noqa: E402
from adt_pipeline.transform import KAFKA_SOURCE_SCHEMA, EventSchemas  # noqa: E402

from hl7_messages import Patient, adt  # noqa: E402
from sender import adt_events  # noqa: E402
from test_transform import kafka_rows  # noqa: E402

REPO = HERE.parents[2]


def jvm_cpu_seconds() -> float:
    """CPU seconds of the local Spark JVM (user + system), from /proc."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if "SparkSubmit" in Path(f"/proc/{pid}/cmdline").read_text():
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            continue
    return float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batches", type=int, default=6)
    p.add_argument("--size", type=int, default=240, help="events per batch")
    args = p.parse_args()
    n = args.batches * args.size
    items = adt_events(
        [("demo", adt("A01" if i % 3 == 0 else "A08", f"C{i}", Patient(f"M{i % 500}"))) for i in range(n)]
    )
    run = f"prof{uuid.uuid4().hex[:8]}"
    work = REPO / ".data" / "databricks-bench" / run
    spark = local_session(warehouse_dir=work / "warehouse", ivy_dir=REPO / ".cache" / "ivy")
    schemas = EventSchemas.from_json_schema(load_json_schema(DEFAULT_EVENT_SCHEMA))
    config = PipelineConfig(
        vendors=["demo"], kafka_options={}, checkpoint_location=str(work / "unused"), schema=run, topic_prefix="unit."
    )
    ensure_tables(spark, config, schemas)
    rows = kafka_rows(items)  # events + raw record per message
    print(f"{'batch':>5}{'silver s':>10}{'bronze s':>10}{'census s':>10}{'JVM CPU s':>11}")
    for b in range(args.batches):
        frame = spark.createDataFrame(rows[b * 2 * args.size : (b + 1) * 2 * args.size], KAFKA_SOURCE_SCHEMA)
        cpu = jvm_cpu_seconds()
        ingest = process_batch(spark, config, schemas, frame, b)
        new_rows = spark.table(config.table("adt_events")).where(
            f"control_id IN ({','.join(repr(f'C{i}') for i in range(b * args.size, (b + 1) * args.size))})"
        )
        census = census_batch(spark, config, new_rows, b)
        print(
            f"{b:>5}{ingest.silver_ms / 1000:>10.2f}{ingest.bronze_ms / 1000:>10.2f}"
            f"{census.gold_ms / 1000:>10.2f}{jvm_cpu_seconds() - cpu:>11.2f}",
            flush=True,
        )
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    spark.stop()


if __name__ == "__main__":
    main()
