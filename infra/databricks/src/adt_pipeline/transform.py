"""Bronze and silver transformations: pure DataFrame -> DataFrame functions.

They work on streaming and batch DataFrames alike (unit tests feed batch frames built from JSON
rows), use no Databricks-only API, and so run unchanged on open-source Spark and on Databricks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    BinaryType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from .json_schema import snake_case, struct_from_json_schema

# The Kafka source's own schema (spark-sql-kafka with includeHeaders=true); unit tests build
# batch frames of it to run the same transformations as the stream.
KAFKA_SOURCE_SCHEMA = StructType(
    [
        StructField("key", BinaryType()),
        StructField("value", BinaryType()),
        StructField("topic", StringType()),
        StructField("partition", IntegerType()),
        StructField("offset", LongType()),
        StructField("timestamp", TimestampType()),
        StructField("timestampType", IntegerType()),
        StructField(
            "headers",
            ArrayType(StructType([StructField("key", StringType()), StructField("value", BinaryType())])),
        ),
    ]
)


@dataclass(frozen=True)
class EventSchemas:
    """The AdtEvent JSON Schema as Spark types: ``read`` has the JSON names, ``table`` snake case."""

    read: StructType
    table: StructType

    @staticmethod
    def from_json_schema(schema: Mapping[str, Any]) -> EventSchemas:
        return EventSchemas(
            read=struct_from_json_schema(schema),
            table=struct_from_json_schema(schema, snake_case),
        )


# Header names of the Kafka contract (architecture doc, "Kafka contract").
CONTRACT_HEADERS = (
    "vendor",
    "ingest-id",
    "seq",
    "received-at",
    "hl7-control-id",
    "hl7-message-type",
    "content-type",
    "schema",
)

BRONZE_SCHEMA = StructType(
    [
        StructField("topic", StringType(), metadata={"comment": "Kafka topic."}),
        StructField("partition", IntegerType(), metadata={"comment": "Kafka partition."}),
        StructField("offset", LongType(), metadata={"comment": "Kafka offset within the partition."}),
        StructField("key", StringType(), metadata={"comment": "Record key: patient key authority|id."}),
        StructField("value", StringType(), metadata={"comment": "Record value as UTF-8 text (AdtEvent JSON or HL7)."}),
        StructField(
            "headers",
            ArrayType(StructType([StructField("key", StringType()), StructField("value", StringType())])),
            metadata={"comment": "Every record header as received, in order."},
        ),
        StructField("kafka_timestamp", TimestampType(), metadata={"comment": "Kafka record timestamp."}),
        StructField("kafka_timestamp_type", IntegerType(), metadata={"comment": "0 CreateTime, 1 LogAppendTime."}),
        StructField("vendor", StringType(), metadata={"comment": "Vendor segment of the topic name."}),
        StructField("record_kind", StringType(), metadata={"comment": "events, raw or dlq (from the topic)."}),
        StructField("ingest_id", StringType(), metadata={"comment": "Header ingest-id."}),
        StructField("seq", LongType(), metadata={"comment": "Header seq (per-vendor arrival order)."}),
        StructField("received_at", TimestampType(), metadata={"comment": "Header received-at: edge receipt."}),
        StructField("hl7_control_id", StringType(), metadata={"comment": "Header hl7-control-id (MSH-10)."}),
        StructField("hl7_message_type", StringType(), metadata={"comment": "Header hl7-message-type."}),
        StructField("bronze_ingested_at", TimestampType(), metadata={"comment": "When the pipeline read it."}),
    ]
)


def _header(name: str) -> Column:
    # Last value wins if a producer repeated a header; the array keeps every value anyway.
    matches = F.filter(F.col("headers"), lambda h: h["key"] == F.lit(name))
    return F.element_at(matches, -1)["value"]


def bronze(kafka: DataFrame, topic_prefix: str) -> DataFrame:
    """Kafka source rows -> bronze rows: every record as received plus its contract headers.

    ``kafka`` has the Kafka source's columns (key/value binary, headers array of key/value binary,
    topic, partition, offset, timestamp, timestampType).
    """
    pattern = "^" + topic_prefix.replace(".", r"\.") + r"adt\.(.+)\.(events|raw|dlq)$"
    headers = F.transform(
        F.col("headers"),
        lambda h: F.struct(h["key"].alias("key"), h["value"].cast("string").alias("value")),
    )
    base = kafka.select(
        F.col("topic"),
        F.col("partition"),
        F.col("offset"),
        F.col("key").cast("string").alias("key"),
        F.col("value").cast("string").alias("value"),
        F.coalesce(headers, F.array().cast(BRONZE_SCHEMA["headers"].dataType)).alias("headers"),
        F.col("timestamp").alias("kafka_timestamp"),
        F.col("timestampType").alias("kafka_timestamp_type"),
    )
    return base.select(
        *[F.col(c) for c in base.columns],
        F.regexp_extract("topic", pattern, 1).alias("vendor"),
        F.regexp_extract("topic", pattern, 2).alias("record_kind"),
        _header("ingest-id").alias("ingest_id"),
        _header("seq").cast("long").alias("seq"),
        _header("received-at").cast("timestamp").alias("received_at"),
        _header("hl7-control-id").alias("hl7_control_id"),
        _header("hl7-message-type").alias("hl7_message_type"),
        F.current_timestamp().alias("bronze_ingested_at"),
    )


def _identifier_key(identifier: Column) -> Column:
    # Same rule as shared/adt patientKey: `authority|id`, authority "" when absent.
    return F.concat(F.coalesce(identifier["authority"], F.lit("")), F.lit("|"), identifier["id"])


def silver(bronze_rows: DataFrame, schemas: EventSchemas) -> DataFrame:
    """Bronze ``events`` rows -> ``adt_events`` rows: the AdtEvent as typed columns.

    Rows whose value is not an AdtEvent (no ingest id after parsing) are left out; they stay in
    bronze. Not de-duplicated here: de-duplication by ingest id is a MERGE against the table.
    """
    parsed = F.from_json(F.col("value"), schemas.read, {"mode": "PERMISSIVE"}).cast(schemas.table)
    events = bronze_rows.where(F.col("record_kind") == "events").select(
        parsed.alias("e"),
        F.col("topic").alias("kafka_topic"),
        F.col("partition").alias("kafka_partition"),
        F.col("offset").alias("kafka_offset"),
        F.col("key").alias("kafka_key"),
        F.col("kafka_timestamp"),
        F.col("ingest_id").alias("header_ingest_id"),
    )
    event_columns = [F.col(f"e.{f.name}").alias(f.name) for f in schemas.table.fields]
    primary = F.col("e.patient.primary_identifier")
    out = events.select(
        F.col("e.ingest.id").alias("ingest_id"),
        F.col("e.ingest.vendor").alias("vendor"),
        F.col("e.ingest.seq").alias("seq"),
        F.when(primary.isNotNull(), _identifier_key(primary))
        .otherwise(F.col("e.header.control_id"))
        .alias("patient_key"),
        F.col("e.event.kind").alias("event_kind"),
        F.col("e.header.trigger").alias("trigger"),
        F.col("e.header.control_id").alias("control_id"),
        F.coalesce(
            F.transform(F.col("e.merge_source.identifiers"), _identifier_key),
            F.array().cast("array<string>"),
        ).alias("merge_source_keys"),
        F.col("e.ingest.received_at").alias("received_at"),
        F.col("kafka_timestamp"),
        F.current_timestamp().alias("silver_processed_at"),
        *event_columns,
        "kafka_topic",
        "kafka_partition",
        "kafka_offset",
        "kafka_key",
    )
    return out.where(F.col("ingest_id").isNotNull())


SILVER_COLUMN_COMMENTS = {
    "ingest_id": "Ingest id from the edge; unique in this table (de-duplication key).",
    "vendor": "Vendor id.",
    "seq": "Per-vendor arrival sequence number.",
    "patient_key": "authority|id of the primary identifier, else the control id (the Kafka key).",
    "event_kind": "event.kind (admit, transfer, discharge, ...).",
    "trigger": "HL7 trigger event (A01...).",
    "control_id": "MSH-10 message control id.",
    "merge_source_keys": "authority|id of every MRG-1 prior identifier.",
    "received_at": "Ingestion time: when the edge received the message.",
    "kafka_timestamp": "Kafka time: the record's timestamp.",
    "silver_processed_at": "Table time: when the micro-batch that wrote the row ran.",
}
