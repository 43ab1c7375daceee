"""Command line of the pipeline: the same entry on Databricks (job task) and on local Spark.

    python -m adt_pipeline.main --vendors demo,st-mary --bootstrap-servers 127.0.0.1:9092 \\
        --auth plaintext --schema adt_dev --checkpoint .data/ckpt --local

On Databricks ``jobs/run_pipeline.py`` calls ``main`` with the runtime's session; ``--local``
builds an open-source session with Delta and the Kafka connector instead.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .json_schema import load_json_schema
from .kafka_options import source_options
from .pipeline import PipelineConfig, start

# Layout shared by the repository and the bundle's synced files.
DEFAULT_EVENT_SCHEMA = Path(__file__).resolve().parents[4] / "shared" / "adt" / "adt-event.v1.schema.json"


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _optional(value: str) -> str | None:
    # Bundle variables cannot be absent, so "" and "(none)" (the CDK output's empty) mean unset.
    return None if value.strip() in ("", "(none)") else value.strip()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="adt_pipeline", description="Kafka ADT topics -> Delta bronze/silver/gold")
    p.add_argument("--vendors", type=_csv, required=True, help="comma-separated vendor ids")
    p.add_argument("--topic-prefix", type=_optional, default=None, help="topic prefix; CDK output KafkaTopicPrefix")
    p.add_argument("--bootstrap-servers", required=True, help="CDK output MskBootstrapBrokersSaslIam")
    p.add_argument("--auth", choices=["plaintext", "msk-iam", "uc-service-credential"], default="uc-service-credential")
    p.add_argument("--role-arn", type=_optional, default=None, help="msk-iam: CDK output DatabricksReaderRoleArn")
    p.add_argument("--service-credential", type=_optional, default=None, help="UC service credential name")
    p.add_argument("--group-id-prefix", type=_optional, default=None, help="CDK output DatabricksConsumerGroupPrefix")
    p.add_argument("--catalog", type=_optional, default=None, help="Unity Catalog catalog (unset locally)")
    p.add_argument("--schema", required=True, help="schema (database) of the three tables")
    p.add_argument("--checkpoint", required=True, help="checkpoint location (a UC volume path on Databricks)")
    p.add_argument("--event-schema", type=Path, default=DEFAULT_EVENT_SCHEMA, help="AdtEvent JSON Schema file")
    p.add_argument("--trigger-interval", type=_optional, default=None, help='e.g. "1 second"; unset = back to back')
    p.add_argument("--census-trigger-interval", type=_optional, default="5 seconds", help="census query interval")
    p.add_argument("--available-now", action="store_true", help="process what is there, then stop")
    p.add_argument("--max-offsets-per-trigger", type=int, default=50_000)
    p.add_argument("--starting-offsets", default="earliest")
    p.add_argument("--query-name", default="adt_pipeline")
    p.add_argument("--local", action="store_true", help="build a local open-source Spark session")
    p.add_argument("--local-dir", type=Path, default=Path(".data/databricks-local"), help="--local warehouse dir")
    return p


def config_from_args(args: argparse.Namespace) -> PipelineConfig:
    """``PipelineConfig`` for parsed arguments (validates the Kafka settings)."""
    kafka = source_options(
        args.bootstrap_servers, args.auth, role_arn=args.role_arn, service_credential=args.service_credential
    )
    extra = {"groupIdPrefix": args.group_id_prefix} if args.group_id_prefix else {}
    return PipelineConfig(
        vendors=args.vendors,
        kafka_options=kafka,
        checkpoint_location=args.checkpoint,
        schema=args.schema,
        catalog=args.catalog,
        topic_prefix=args.topic_prefix or "",
        starting_offsets=args.starting_offsets,
        max_offsets_per_trigger=args.max_offsets_per_trigger,
        trigger_interval=args.trigger_interval,
        census_trigger_interval=args.census_trigger_interval,
        query_name=args.query_name,
        extra_source_options=extra,
    )


def main(argv: Sequence[str] | None = None, spark: Any = None) -> None:
    """Parses ``argv``, starts the queries and blocks until one ends (or fails)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parser().parse_args(argv)
    config = config_from_args(args)
    if spark is None:
        if not args.local:
            from pyspark.sql import SparkSession

            spark = SparkSession.builder.getOrCreate()
        else:
            from .local_spark import local_session

            repo = Path(__file__).resolve().parents[4]
            spark = local_session(warehouse_dir=args.local_dir / "warehouse", ivy_dir=repo / ".cache" / "ivy")
    pipeline = start(spark, config, load_json_schema(args.event_schema), available_now=args.available_now)
    if not args.available_now:
        pipeline.await_termination()


if __name__ == "__main__":
    main()
