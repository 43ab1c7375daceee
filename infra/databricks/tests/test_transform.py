"""Bronze/silver transformations and whole micro-batches on batch DataFrames (no Kafka needed).

The records are real: AdtEvents from the TS mapping the workers use, with the workers' topics,
keys and headers, shaped like the Kafka source's rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql.types import DateType, LongType, TimestampType

from adt_pipeline.pipeline import PipelineConfig, census_batch, ensure_tables, process_batch
from adt_pipeline.transform import KAFKA_SOURCE_SCHEMA, EventSchemas, bronze, silver

from hl7_messages import Patient, adt
from sender import adt_events

PREFIX = "unit."


def kafka_rows(events: list[dict[str, Any]], *, start_offset: int = 0) -> list[tuple[Any, ...]]:
    """Kafka source rows for AdtEvents: the events record and the raw record of each."""
    import json

    rows: list[tuple[Any, ...]] = []
    for i, item in enumerate(events):
        e = item["event"]
        ing = e["ingest"]
        headers = [
            ("vendor", ing["vendor"].encode()),
            ("ingest-id", ing["id"].encode()),
            ("seq", str(ing["seq"]).encode()),
            ("received-at", ing["receivedAt"].encode()),
            ("hl7-control-id", e["header"]["controlId"].encode()),
            ("hl7-message-type", f"ADT^{e['header']['trigger']}".encode()),
        ]
        ts = dt.datetime(2026, 1, 1, 12, 0, 0) + dt.timedelta(milliseconds=i)
        for kind, value, extra in (
            ("events", json.dumps(e), [("content-type", b"application/json"), ("schema", b"adt-event/v1")]),
            ("raw", "MSH|^~\\&|...", [("content-type", b"application/hl7-v2")]),
        ):
            rows.append(
                (
                    item["key"].encode(),
                    value.encode(),
                    f"{PREFIX}adt.{ing['vendor']}.{kind}",
                    0,
                    start_offset + i,
                    ts,
                    0,
                    headers + extra,
                )
            )
    return rows


@pytest.fixture(scope="module")
def schemas(event_schema: dict[str, Any]) -> EventSchemas:
    return EventSchemas.from_json_schema(event_schema)


def test_bronze_and_silver_columns_are_typed_and_correct(spark: Any, schemas: EventSchemas) -> None:
    patient = Patient("MRN-T1", family="Roe", given="Jane")
    [item] = adt_events([("demo", adt("A01", "CTL-T1", patient, unit="5E", room="12", bed="B"))])
    frame = spark.createDataFrame(kafka_rows([item]), KAFKA_SOURCE_SCHEMA)

    b = bronze(frame, PREFIX).orderBy("record_kind").collect()
    assert [(r.record_kind, r.vendor) for r in b] == [("events", "demo"), ("raw", "demo")]
    assert b[0].ingest_id == item["event"]["ingest"]["id"]
    assert b[0].seq == item["event"]["ingest"]["seq"]
    assert b[0].key == "HOSP|MRN-T1"
    assert {h.key for h in b[0].headers} >= {"vendor", "ingest-id", "seq", "schema"}

    s = silver(bronze(frame, PREFIX), schemas)
    types = dict(s.dtypes)
    assert types["seq"] == "bigint" and types["received_at"] == "timestamp"
    assert s.schema["ingest"].dataType["received_at"].dataType == TimestampType()
    assert s.schema["patient"].dataType["birth_date"].dataType["date"].dataType == DateType()
    assert s.schema["kafka_offset"].dataType == LongType()
    [row] = s.collect()
    assert row.ingest_id == item["event"]["ingest"]["id"]
    assert (row.vendor, row.event_kind, row.trigger, row.control_id) == ("demo", "admit", "A01", "CTL-T1")
    assert row.patient_key == "HOSP|MRN-T1" == row.kafka_key
    assert row.patient.name.family == "Roe" and row.patient.name.given == "Jane"
    assert row.patient.birth_date.date == dt.date(1980, 2, 29)
    assert row.visit.location.point_of_care == "5E" and row.visit.location.bed == "B"
    assert row.visit.attending_doctors[0].family == "Welby"
    assert row.header.sent_at.utc == dt.datetime(2024, 7, 2, 8, 30)
    received = dt.datetime.fromisoformat(item["event"]["ingest"]["receivedAt"].replace("Z", "+00:00"))
    assert row.received_at == received.replace(tzinfo=None)
    assert row.merge_source_keys == []
    assert row.extensions == {}


def test_silver_leaves_out_values_that_are_not_adt_events(spark: Any, schemas: EventSchemas) -> None:
    rows = [(b"k", b"{not json", f"{PREFIX}adt.demo.events", 0, 0, dt.datetime(2026, 1, 1), 0, [])]
    frame = spark.createDataFrame(rows, KAFKA_SOURCE_SCHEMA)
    assert bronze(frame, PREFIX).count() == 1
    assert silver(bronze(frame, PREFIX), schemas).count() == 0


def test_micro_batches_are_idempotent_and_build_the_census(spark: Any, schemas: EventSchemas, work_dir: Path) -> None:
    db = f"unit_{uuid.uuid4().hex[:8]}"
    config = PipelineConfig(
        vendors=["demo"],
        kafka_options={},
        checkpoint_location=str(work_dir / "unused"),
        schema=db,
        topic_prefix=PREFIX,
    )
    ensure_tables(spark, config, schemas)
    a, b = Patient("MRN-A"), Patient("MRN-B", family="Poe")
    messages = [
        ("demo", adt("A01", "C1", a, unit="4W")),
        ("demo", adt("A01", "C2", b, unit="ICU", room="1")),
        ("demo", adt("A02", "C3", a, unit="5E", prior_unit="4W")),
        ("demo", adt("A03", "C4", a, unit="5E")),
        ("demo", adt("A13", "C5", a, unit=None)),
        ("demo", adt("A40", "C6", a, unit=None, merged_from=b)),
    ]
    items = adt_events(messages)
    rows = kafka_rows(items)
    first = spark.createDataFrame(rows[:6], KAFKA_SOURCE_SCHEMA)  # A01, A01, A02 (events + raw)
    rest = spark.createDataFrame(rows[6:], KAFKA_SOURCE_SCHEMA)

    def census() -> list[tuple[str, str | None]]:
        # The census query's micro-batch, fed with the silver rows (refolding is idempotent).
        census_batch(spark, config, spark.table(config.table("adt_events")), 0)
        return sorted((r.patient_key, r.unit) for r in spark.table(config.table("inpatient_census")).collect())

    stats = process_batch(spark, config, schemas, first, 0)
    assert (stats.events, stats.inserted_events) == (3, 3)
    assert census() == [("HOSP|MRN-A", "5E"), ("HOSP|MRN-B", "ICU")]

    # The same batch again (a replay after a crash): nothing changes anywhere.
    again = process_batch(spark, config, schemas, first, 0)
    assert again.inserted_events == 0
    assert spark.table(config.table("adt_bronze")).count() == 6
    assert spark.table(config.table("adt_events")).count() == 3

    process_batch(spark, config, schemas, rest, 1)
    # Discharge then cancel-discharge: back in 5E; the merge retired MRN-B (A kept its own stay).
    assert census() == [("HOSP|MRN-A", "5E")]
    # Redelivered records (same ingest ids, new offsets, new batch): still one row per message.
    process_batch(
        spark, config, schemas, spark.createDataFrame(kafka_rows(items, start_offset=100), KAFKA_SOURCE_SCHEMA), 2
    )
    silver_rows = spark.table(config.table("adt_events"))
    assert silver_rows.count() == 6
    assert silver_rows.select("ingest_id").distinct().count() == 6
    assert spark.table(config.table("adt_bronze")).count() == 24
    assert census() == [("HOSP|MRN-A", "5E")]
    row = spark.table(config.table("inpatient_census")).collect()[0]
    assert (row.last_event_kind, row.facility, row.family_name, row.attending_name) == (
        "merge",
        "HOSP",
        "Doe",
        "Welby, Marcus",
    )
