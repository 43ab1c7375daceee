"""Spark glue for the ``inpatient_census`` gold table (the rules live in ``census.py``).

For the patients a micro-batch touches, their whole silver history is read (following merges
both ways until no new patient appears), folded in ``(vendor, seq)`` order on the driver, and
the result MERGEd into the census: in house -> upsert, otherwise -> delete. Recomputing from
history makes each micro-batch idempotent (a replayed batch writes the same rows) and keeps the
census right when a record arrives late. The driver only ever holds the histories of the
patients in one micro-batch (ADT messages per patient stay in the tens).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import (
    BooleanType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from .census import CensusEvent, Location, PatientId, PatientState, fold

# Rounds of "follow merges to more patients"; a chain longer than this is folded as far as it
# reaches and finished by the next micro-batch that touches it.
MAX_CLOSURE_ROUNDS = 5

CENSUS_SCHEMA = StructType(
    [
        StructField("vendor", StringType(), metadata={"comment": "Vendor id."}),
        StructField("facility", StringType(), metadata={"comment": "AdtEvent facility (profile-defined)."}),
        StructField("unit", StringType(), metadata={"comment": "Nursing unit: PV1-3.1 point of care."}),
        StructField("room", StringType(), metadata={"comment": "PV1-3.2 room."}),
        StructField("bed", StringType(), metadata={"comment": "PV1-3.3 bed."}),
        StructField("patient_key", StringType(), metadata={"comment": "authority|id of the patient."}),
        StructField("family_name", StringType(), metadata={"comment": "PID-5.1 family name."}),
        StructField("given_name", StringType(), metadata={"comment": "PID-5.2 given name."}),
        StructField("visit_number", StringType(), metadata={"comment": "PV1-19.1 visit number."}),
        StructField("patient_class", StringType(), metadata={"comment": "PV1-2 patient class."}),
        StructField("hospital_service", StringType(), metadata={"comment": "PV1-10 hospital service."}),
        StructField("attending_id", StringType(), metadata={"comment": "PV1-7.1 attending doctor id."}),
        StructField("attending_name", StringType(), metadata={"comment": "PV1-7 attending doctor, Family, Given."}),
        StructField("admitted_at", TimestampType(), metadata={"comment": "PV1-44 admit time (UTC)."}),
        StructField("previous_unit", StringType(), metadata={"comment": "Unit before the last transfer."}),
        StructField("last_event_kind", StringType(), metadata={"comment": "Kind of the last event applied."}),
        StructField("last_seq", LongType(), metadata={"comment": "seq of the last event applied."}),
        StructField("last_ingest_id", StringType(), metadata={"comment": "Ingest id of the last event applied."}),
        StructField("last_received_at", TimestampType(), metadata={"comment": "Edge receipt of the last event."}),
        StructField("census_updated_at", TimestampType(), metadata={"comment": "Table time of this row."}),
    ]
)

_STATE_SCHEMA = StructType([*CENSUS_SCHEMA.fields[:-1], StructField("in_house", BooleanType())])


def _history_columns() -> list[Column]:
    """What the fold needs from a silver row; attending doctor = first PV1-7 repetition."""
    # A function, not a constant: Column objects need an active session to be built.
    return [
        F.col("vendor"),
        F.col("seq"),
        F.col("ingest_id"),
        F.col("patient_key"),
        F.col("event_kind"),
        F.col("received_at"),
        F.col("facility"),
        F.col("visit.location").alias("location"),
        F.col("visit.patient_class").alias("patient_class"),
        F.col("visit.hospital_service").alias("hospital_service"),
        F.col("visit.admitted_at.utc").alias("admitted_at"),
        F.col("patient.name.family").alias("family_name"),
        F.col("patient.name.given").alias("given_name"),
        F.col("visit.visit_number.id").alias("visit_number"),
        F.element_at(F.col("visit.attending_doctors"), 1).alias("attending"),
        F.col("merge_source_keys"),
    ]


def _location(row: Any) -> Location | None:
    if row is None:
        return None
    loc = Location(
        point_of_care=row["point_of_care"],
        room=row["room"],
        bed=row["bed"],
        facility=row["facility"],
        building=row["building"],
        floor=row["floor"],
    )
    return None if loc == Location() else loc


def to_census_event(row: Any) -> CensusEvent:
    """A row of ``_history_columns()`` -> ``CensusEvent``."""
    attending = row["attending"]
    attending_name = None
    if attending is not None and (attending["family"] or attending["given"]):
        attending_name = ", ".join(p for p in (attending["family"], attending["given"]) if p)
    return CensusEvent(
        vendor=row["vendor"],
        seq=int(row["seq"]),
        ingest_id=row["ingest_id"],
        patient_key=row["patient_key"],
        kind=row["event_kind"],
        received_at=row["received_at"],
        facility=row["facility"],
        location=_location(row["location"]),
        patient_class=row["patient_class"],
        hospital_service=row["hospital_service"],
        admitted_at=row["admitted_at"],
        family_name=row["family_name"],
        given_name=row["given_name"],
        visit_number=row["visit_number"],
        attending_id=attending["id"] if attending is not None else None,
        attending_name=attending_name,
        merge_source_keys=tuple(row["merge_source_keys"] or ()),
    )


def _keys_frame(spark: SparkSession, keys: Iterable[PatientId]) -> DataFrame:
    schema = StructType([StructField("vendor", StringType()), StructField("key", StringType())])
    return spark.createDataFrame(sorted(set(keys)), schema)


def history(
    silver: DataFrame, spark: SparkSession, touched: set[PatientId]
) -> tuple[list[CensusEvent], set[PatientId]]:
    """Every silver event about ``touched`` patients and the patients merges link them to."""
    keys = set(touched)
    rows: dict[str, CensusEvent] = {}
    frontier = set(keys)
    for _ in range(MAX_CLOSURE_ROUNDS):
        if not frontier:
            break
        wanted = F.broadcast(_keys_frame(spark, frontier))
        as_subject = silver.join(
            wanted, (silver["vendor"] == wanted["vendor"]) & (silver["patient_key"] == wanted["key"]), "left_semi"
        )
        as_source = silver.join(
            wanted,
            (silver["vendor"] == wanted["vendor"]) & F.array_contains(silver["merge_source_keys"], wanted["key"]),
            "left_semi",
        )
        found = as_subject.unionByName(as_source).select(*_history_columns()).collect()
        new_keys: set[PatientId] = set()
        for row in found:
            event = to_census_event(row)
            rows.setdefault(event.ingest_id, event)
            new_keys.add((event.vendor, event.patient_key))
            new_keys.update((event.vendor, k) for k in event.merge_source_keys)
        frontier = new_keys - keys
        keys |= new_keys
    return list(rows.values()), keys


def _state_row(state: PatientState) -> tuple[Any, ...]:
    loc = state.location
    return (
        state.vendor,
        state.facility or (loc.facility if loc else None),
        loc.point_of_care if loc else None,
        loc.room if loc else None,
        loc.bed if loc else None,
        state.patient_key,
        state.family_name,
        state.given_name,
        state.visit_number,
        state.patient_class,
        state.hospital_service,
        state.attending_id,
        state.attending_name,
        state.admitted_at,
        state.previous_location.point_of_care if state.previous_location else None,
        state.last_event_kind,
        state.last_seq,
        state.last_ingest_id,
        state.last_received_at,
        state.in_house,
    )


def update_census(spark: SparkSession, silver_table: str, census_table: str, touched: set[PatientId]) -> int:
    """Recomputes and MERGEs the census rows of ``touched`` patients; returns patients folded."""
    from delta.tables import DeltaTable

    if not touched:
        return 0
    events, keys = history(spark.table(silver_table), spark, touched)
    states = fold(events)
    for vendor, key in keys:
        # A patient with no event left (e.g. only named as a merge source) is not in house.
        states.setdefault((vendor, key), PatientState(vendor=vendor, patient_key=key))
    source = spark.createDataFrame([_state_row(s) for s in states.values()], _STATE_SCHEMA).withColumn(
        "census_updated_at", F.current_timestamp()
    )
    columns = {f.name: F.col(f"s.{f.name}") for f in CENSUS_SCHEMA.fields}
    (
        DeltaTable.forName(spark, census_table)
        .alias("t")
        .merge(source.alias("s"), "t.vendor = s.vendor AND t.patient_key = s.patient_key")
        .whenMatchedDelete(condition="NOT s.in_house")
        .whenMatchedUpdate(set=columns)
        .whenNotMatchedInsert(condition="s.in_house", values=columns)
        .execute()
    )
    return len(states)
