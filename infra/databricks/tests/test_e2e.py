"""End to end on real Spark: ADT messages -> edge -> Redis -> workers -> Kafka -> this pipeline
(local open-source Spark, Delta, the Kafka connector from Maven Central) -> the three tables.

Sends through the real edge and workers (``scripts/start.ts``) when they exist, else produces
the records exactly as the workers would (``ADT_E2E_SEND=produce`` forces that path).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TypeVar

import pytest

from adt_pipeline.kafka_options import source_options, topics
from adt_pipeline.pipeline import PipelineConfig, start

from hl7_messages import Patient, adt
from sender import Sent, redeliver, send_messages
from system import edge_available, running_system

pytestmark = pytest.mark.e2e

BROKERS = os.environ.get("KAFKA_BROKERS", "127.0.0.1:9092")
T = TypeVar("T")


def wait_for(
    what: str,
    probe: Callable[[], T | None],
    timeout: float = 300,
    every: float = 1.0,
    show: Callable[[], object] | None = None,
) -> T:
    """Polls ``probe`` until it returns something truthy; fails naming ``what`` and what it saw."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(every)
    seen = show() if show is not None else last
    raise AssertionError(f"timed out waiting for {what}; saw: {seen!r}")


class Run:
    def __init__(self, spark: Any, config: PipelineConfig, send: Callable[[list[tuple[str, str]]], list[Sent]]):
        self.spark = spark
        self.config = config
        self.send = send
        self.sent: list[Sent] = []

    def table(self, name: str) -> Any:
        return self.spark.table(self.config.table(name))

    def census(self) -> dict[str, tuple[str | None, str | None, str | None]]:
        return {r.patient_key: (r.facility, r.unit, r.bed) for r in self.table("inpatient_census").collect()}

    def silver_count(self) -> int:
        return self.table("adt_events").count()

    def send_and_wait(self, messages: list[tuple[str, str]]) -> None:
        self.sent += self.send(messages)
        expected = len(self.sent)
        wait_for(f"{expected} rows in silver", lambda: self.silver_count() >= expected or None)


@pytest.fixture(scope="module")
def run(spark: Any, event_schema: dict[str, Any], work_dir: Path) -> Iterator[Run]:
    name = f"dbx{uuid.uuid4().hex[:8]}"
    prefix = f"{name}."
    via_edge = edge_available() and os.environ.get("ADT_E2E_SEND", "edge") == "edge"
    with ExitStack() as stack:
        if via_edge:
            system = stack.enter_context(running_system(prefix, name, work_dir))

            def send(messages: list[tuple[str, str]]) -> list[Sent]:
                return send_messages(
                    messages, topic_prefix=prefix, brokers=BROKERS, edge_url=system.url, edge_keys=system.keys
                )
        else:

            def send(messages: list[tuple[str, str]]) -> list[Sent]:
                return send_messages(messages, topic_prefix=prefix, brokers=BROKERS)

        config = PipelineConfig(
            vendors=["demo"],
            kafka_options=source_options(BROKERS, "plaintext"),
            checkpoint_location=str(work_dir / name / "checkpoint"),
            schema=name,
            topic_prefix=prefix,
            trigger_interval="1 second",
            census_trigger_interval="1 second",
            query_name=name,
        )
        r = Run(spark, config, send)
        # Phase 0 before the stream starts: the topics exist (the broker does not auto-create
        # them) and the pipeline must pick up what was already there (startingOffsets earliest).
        r.sent += send(
            [
                ("demo", adt("A01", f"{name}-1", Patient("A1", "Adams", "Ann"), unit="4W", room="401", bed="A")),
                ("demo", adt("A01", f"{name}-2", Patient("B1", "Brown", "Bob"), unit="5E", room="502", bed="B")),
                ("demo", adt("A01", f"{name}-3", Patient("C1", "Clark", "Cy"), unit="3N", room="301", bed="C")),
                ("demo", adt("A01", f"{name}-4", Patient("E1", "Evans", "Eve"), unit="2S", room="201", bed="A")),
            ]
        )
        query = start(spark, config, event_schema)
        stack.callback(query.stop)
        wait_for("the first 4 events in silver", lambda: r.silver_count() >= 4 or query.exception())
        assert query.exception() is None, str(query.exception())
        yield r
        assert query.exception() is None, str(query.exception())


def test_census_follows_admit_transfer_discharge_cancel_discharge_and_merge(run: Run) -> None:
    name = run.config.schema
    a, c, d, e = (
        Patient("A1", "Adams", "Ann"),
        Patient("C1", "Clark", "Cy"),
        Patient("D1", "Dunn", "Di"),
        Patient("E1", "Evans", "Eve"),
    )
    admitted = {
        "HOSP|A1": ("HOSP", "4W", "A"),
        "HOSP|B1": ("HOSP", "5E", "B"),
        "HOSP|C1": ("HOSP", "3N", "C"),
        "HOSP|E1": ("HOSP", "2S", "A"),
    }
    # Gold commits after silver within a micro-batch: wait for it, then compare exactly.
    wait_for("the four admits in the census", lambda: run.census() == admitted, show=run.census)
    run.send_and_wait(
        [
            ("demo", adt("A02", f"{name}-5", a, unit="ICU", room="1", bed="B", prior_unit="4W")),
            ("demo", adt("A11", f"{name}-6", e, unit="2S", room="201", bed="A")),
        ]
    )
    wait_for(
        "transfer and cancel-admit in the census",
        lambda: run.census().get("HOSP|A1") == ("HOSP", "ICU", "B") and "HOSP|E1" not in run.census(),
        show=run.census,
    )
    run.send_and_wait([("demo", adt("A03", f"{name}-7", a, unit="ICU", room="1", bed="B"))])
    wait_for("discharge in the census", lambda: "HOSP|A1" not in run.census(), show=run.census)
    # A13 without PV1-3: back where the patient was; A40: D survives C and takes C's bed.
    run.send_and_wait(
        [
            ("demo", adt("A13", f"{name}-8", a, unit=None)),
            ("demo", adt("A40", f"{name}-9", d, unit=None, merged_from=c)),
        ]
    )
    expected = {
        "HOSP|A1": ("HOSP", "ICU", "B"),
        "HOSP|B1": ("HOSP", "5E", "B"),
        "HOSP|D1": ("HOSP", "3N", "C"),
    }
    wait_for("cancel-discharge and merge in the census", lambda: run.census() == expected, show=run.census)
    assert run.census() == expected
    row = run.table("inpatient_census").where("patient_key = 'HOSP|D1'").collect()[0]
    assert (row.family_name, row.given_name, row.last_event_kind, row.visit_number) == ("Dunn", "Di", "merge", "V1")


def test_every_message_once_with_typed_correct_columns(run: Run) -> None:
    silver = run.table("adt_events")
    rows = silver.collect()
    sent_ids = sorted(s.control_id for s in run.sent)
    assert sorted(r.control_id for r in rows) == sent_ids
    assert len({r.ingest_id for r in rows}) == len(rows)
    if all(s.ingest_id for s in run.sent):
        assert {r.ingest_id for r in rows} == {s.ingest_id for s in run.sent}
    types = dict(silver.dtypes)
    assert (types["seq"], types["received_at"], types["kafka_timestamp"], types["silver_processed_at"]) == (
        "bigint",
        "timestamp",
        "timestamp",
        "timestamp",
    )
    assert silver.schema["ingest"].dataType["received_at"].dataType.typeName() == "timestamp"
    assert silver.schema["patient"].dataType["birth_date"].dataType["date"].dataType.typeName() == "date"
    by_control = {r.control_id: r for r in rows}
    first = by_control[f"{run.config.schema}-1"]
    assert (first.vendor, first.event_kind, first.trigger, first.patient_key, first.kafka_key) == (
        "demo",
        "admit",
        "A01",
        "HOSP|A1",
        "HOSP|A1",
    )
    assert (first.patient.name.family, first.visit.location.point_of_care, first.facility) == ("Adams", "4W", "HOSP")
    assert str(first.patient.birth_date.date) == "1980-02-29"
    merge = by_control[f"{run.config.schema}-9"]
    assert (merge.event_kind, merge.merge_source_keys) == ("merge", ["HOSP|C1"])
    # seq follows the sending order (one sender, one after another).
    ordered = [r.control_id for r in sorted(rows, key=lambda r: r.seq)]
    assert ordered == [s.control_id for s in run.sent]
    # Latency columns: ingestion <= Kafka <= table time (same clock on this machine).
    for r in rows:
        assert r.received_at <= r.kafka_timestamp <= r.silver_processed_at, r.control_id


def test_bronze_keeps_every_record_with_headers(run: Run) -> None:
    bronze = run.table("adt_bronze")
    counts = {r.record_kind: r["count"] for r in bronze.groupBy("record_kind").count().collect()}
    assert counts == {"events": len(run.sent), "raw": len(run.sent)}
    row = bronze.where("record_kind = 'raw'").orderBy("seq").first()
    assert row.value.startswith("MSH|")
    headers = {h.key: h.value for h in row.headers}
    assert headers["vendor"] == "demo" and headers["content-type"] == "application/hl7-v2"
    assert set(headers) >= {"ingest-id", "seq", "received-at", "hl7-control-id", "hl7-message-type"}


def test_redelivered_records_change_nothing_downstream(run: Run) -> None:
    before_census = run.census()
    before_bronze = run.table("adt_bronze").count()
    events_topic = topics(run.config.topic_prefix, ["demo"], ("events",))
    [out] = redeliver(events_topic, brokers=BROKERS)
    assert out["redelivered"] == len(run.sent)
    wait_for("the duplicates in bronze", lambda: run.table("adt_bronze").count() >= before_bronze + len(run.sent))
    # Each ingest micro-batch MERGEs silver before it appends bronze: with every duplicate in
    # bronze, silver has seen them all. No new silver row means no census batch either.
    assert run.silver_count() == len(run.sent)
    assert run.census() == before_census
