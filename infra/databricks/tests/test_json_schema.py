"""JSON Schema -> Spark types, on small schemas and on the real AdtEvent schema."""

from __future__ import annotations

from typing import Any

import pytest
from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DateType,
    DoubleType,
    LongType,
    MapType,
    StringType,
    StructType,
    TimestampType,
)

from adt_pipeline.json_schema import UnsupportedSchemaError, snake_case, struct_from_json_schema


def obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required or list(props)}


def test_scalars_and_formats() -> None:
    s = struct_from_json_schema(
        obj(
            {
                "s": {"type": "string"},
                "dt": {"type": "string", "format": "date-time"},
                "d": {"type": "string", "format": "date"},
                "u": {"type": "string", "format": "uuid"},
                "i": {"type": "integer", "minimum": 0},
                "n": {"type": "number"},
                "b": {"type": "boolean"},
                "e": {"type": "string", "enum": ["a", "b"]},
                "c": {"const": "adt-event/v1"},
            }
        )
    )
    assert [(f.name, f.dataType) for f in s.fields] == [
        ("s", StringType()),
        ("dt", TimestampType()),
        ("d", DateType()),
        ("u", StringType()),
        ("i", LongType()),
        ("n", DoubleType()),
        ("b", BooleanType()),
        ("e", StringType()),
        ("c", StringType()),
    ]


def test_nullable_forms_all_map_to_the_same_type() -> None:
    inner = obj({"x": {"type": "integer"}})
    s = struct_from_json_schema(
        obj(
            {
                "typeList": {"type": ["string", "null"]},
                "anyOfNull": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                "oneOfObj": {"oneOf": [inner, {"type": "null"}]},
                "objTypeList": {**inner, "type": ["object", "null"]},
            }
        )
    )
    types = {f.name: f.dataType for f in s.fields}
    assert types["typeList"] == StringType()
    assert types["anyOfNull"] == StringType()
    assert types["oneOfObj"] == types["objTypeList"] == StructType([s["oneOfObj"].dataType["x"]])
    assert all(f.nullable for f in s.fields)


def test_required_and_description_are_kept_in_metadata() -> None:
    s = struct_from_json_schema(
        {
            "type": "object",
            "properties": {"a": {"type": "string", "description": "the a"}, "b": {"type": "string"}},
            "required": ["a"],
        }
    )
    assert s["a"].metadata == {"required": True, "json_name": "a", "comment": "the a"}
    assert s["b"].metadata == {"required": False, "json_name": "b"}


def test_arrays_maps_refs_and_renaming() -> None:
    schema = {
        "type": "object",
        "$defs": {"Id": obj({"idValue": {"type": "string"}, "assigningAuthority": {"type": ["string", "null"]}})},
        "properties": {
            "identifierList": {"type": "array", "items": {"$ref": "#/$defs/Id"}},
            "primaryId": {"anyOf": [{"$ref": "#/$defs/Id"}, {"type": "null"}]},
            "extensions": {
                "type": "object",
                "propertyNames": {"type": "string"},
                "additionalProperties": {"type": ["string", "null"]},
            },
        },
    }
    s = struct_from_json_schema(schema, snake_case)
    id_type = StructType([s["primary_id"].dataType["id_value"], s["primary_id"].dataType["assigning_authority"]])
    assert s.fieldNames() == ["identifier_list", "primary_id", "extensions"]
    assert s["identifier_list"].dataType == ArrayType(id_type, True)
    assert id_type.fieldNames() == ["id_value", "assigning_authority"]
    assert s["extensions"].dataType == MapType(StringType(), StringType(), True)


@pytest.mark.parametrize(
    ("schema", "pointer"),
    [
        (obj({"u": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}), "/properties/u"),
        (obj({"u": {"type": ["string", "integer"]}}), "/properties/u"),
        (obj({"t": {"type": "array", "prefixItems": [{"type": "string"}]}}), "/properties/t"),
        (obj({"m": {"type": "object"}}), "/properties/m"),
        (
            {
                "type": "object",
                "$defs": {"N": obj({"next": {"$ref": "#/$defs/N"}})},
                "properties": {"n": {"$ref": "#/$defs/N"}},
            },
            "/properties/n/properties/next",
        ),
        (obj({"r": {"$ref": "https://example.com/x.json"}}), "/properties/r"),
    ],
)
def test_unsupported_constructs_name_where(schema: dict[str, Any], pointer: str) -> None:
    with pytest.raises(UnsupportedSchemaError) as err:
        struct_from_json_schema(schema)
    assert err.value.pointer == pointer
    assert err.value.name == "UnsupportedSchemaError"


def test_root_must_be_an_object() -> None:
    with pytest.raises(UnsupportedSchemaError):
        struct_from_json_schema({"type": "string"})


def test_adt_event_schema_columns(event_schema: dict[str, Any]) -> None:
    table = struct_from_json_schema(event_schema, snake_case)
    read = struct_from_json_schema(event_schema)
    # Every top-level AdtEvent property is a column, in contract order.
    assert read.fieldNames() == list(event_schema["properties"])
    assert table.fieldNames() == [snake_case(n) for n in event_schema["properties"]]
    assert table["ingest"].dataType["received_at"].dataType == TimestampType()
    assert table["ingest"].dataType["seq"].dataType == LongType()
    assert table["header"].dataType["sent_at"].dataType["utc"].dataType == TimestampType()
    assert table["header"].dataType["sent_at"].dataType["value"].dataType == StringType()
    assert table["patient"].dataType["birth_date"].dataType["date"].dataType == DateType()
    assert table["patient"].dataType["deceased"].dataType == BooleanType()
    assert isinstance(table["diagnoses"].dataType, ArrayType)
    assert table["extensions"].dataType == MapType(StringType(), StringType(), True)
    # Same shape, different names: what lets a struct cast rename the parsed JSON.
    assert _shape(read) == _shape(table)


def _shape(t: Any) -> Any:
    if isinstance(t, StructType):
        return [_shape(f.dataType) for f in t.fields]
    if isinstance(t, ArrayType):
        return ["array", _shape(t.elementType)]
    if isinstance(t, MapType):
        return ["map", _shape(t.valueType)]
    return t.simpleString()
