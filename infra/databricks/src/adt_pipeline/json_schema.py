"""JSON Schema (draft 2020-12, as zod 4's ``z.toJSONSchema`` emits it) -> Spark ``StructType``.

The silver table's columns come from ``shared/adt/adt-event.v1.schema.json`` at run time, so the
AdtEvent contract is written once (the zod schema) and never again by hand here.

Supported constructs: object/properties/required, ``additionalProperties`` with a schema and no
``properties`` (a map), array/items, string (``format: date-time`` -> timestamp, ``format: date``
-> date), integer (-> long: zod ints reach 2^53), number (-> double), boolean, enum/const,
nullability as ``type: [X, "null"]`` or ``anyOf``/``oneOf`` with a ``{"type": "null"}`` branch,
single-element ``allOf``, and ``$ref`` into ``$defs``/``definitions``. Anything Spark cannot
represent (unions of different shapes, tuples, recursion) raises ``UnsupportedSchemaError`` naming
the JSON pointer, so a contract change that breaks the lakehouse fails loudly at start.

Every Spark field is nullable: ``from_json`` yields nullable fields whatever the schema says, and a
struct cast to non-nullable fields is refused. Whether the contract requires a field is kept in
the field metadata (``required``) together with its description (``comment``, which Delta shows).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DataType,
    DateType,
    DoubleType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

JsonObject = Mapping[str, Any]
Rename = Callable[[str], str]


class UnsupportedSchemaError(ValueError):
    """A JSON Schema construct has no Spark equivalent; ``pointer`` says where (no data values)."""

    def __init__(self, pointer: str, reason: str) -> None:
        super().__init__(f"{pointer or '#'}: {reason}")
        self.name = "UnsupportedSchemaError"
        self.pointer = pointer
        self.reason = reason


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake_case(name: str) -> str:
    """``receivedAt`` -> ``received_at``; names already in snake case are unchanged.

    >>> snake_case("primaryIdentifier")
    'primary_identifier'
    """
    return _CAMEL_BOUNDARY.sub("_", name).replace("-", "_").lower()


def _identity(name: str) -> str:
    return name


class _Converter:
    def __init__(self, root: JsonObject, rename: Rename) -> None:
        self._root = root
        self._rename = rename

    def _resolve(self, ref: str, pointer: str) -> JsonObject:
        if not ref.startswith("#/"):
            raise UnsupportedSchemaError(pointer, f"only local $ref is supported, got {ref!r}")
        node: Any = self._root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or part not in node:
                raise UnsupportedSchemaError(pointer, f"$ref {ref!r} does not resolve")
            node = node[part]
        if not isinstance(node, Mapping):
            raise UnsupportedSchemaError(pointer, f"$ref {ref!r} is not a schema")
        return node

    def convert(self, node: JsonObject, pointer: str, refs: tuple[str, ...] = ()) -> DataType:
        """Spark type of one schema node; nullability is handled by the caller (all nullable)."""
        if "$ref" in node:
            ref = str(node["$ref"])
            if ref in refs:
                raise UnsupportedSchemaError(pointer, f"recursive $ref {ref!r} cannot be a Spark type")
            return self.convert(self._resolve(ref, pointer), pointer, (*refs, ref))

        for union in ("anyOf", "oneOf"):
            if union in node:
                branches = [b for b in node[union] if not _is_null_schema(b)]
                if len(branches) != 1:
                    raise UnsupportedSchemaError(
                        pointer, f"{union} with {len(branches)} non-null branches has no single Spark type"
                    )
                return self.convert(branches[0], f"{pointer}/{union}", refs)

        if "allOf" in node:
            parts = list(node["allOf"])
            if len(parts) != 1:
                raise UnsupportedSchemaError(pointer, "allOf with several parts is not supported")
            return self.convert(parts[0], f"{pointer}/allOf/0", refs)

        json_type = _single_type(node, pointer)
        if json_type == "object":
            return self._object(node, pointer, refs)
        if json_type == "array":
            if "prefixItems" in node or not isinstance(node.get("items"), Mapping):
                raise UnsupportedSchemaError(pointer, "arrays need one `items` schema (tuples are not supported)")
            return ArrayType(self.convert(node["items"], f"{pointer}/items", refs), containsNull=True)
        if json_type == "string":
            fmt = node.get("format")
            if fmt == "date-time":
                return TimestampType()
            if fmt == "date":
                return DateType()
            return StringType()
        if json_type == "integer":
            return LongType()
        if json_type == "number":
            return DoubleType()
        if json_type == "boolean":
            return BooleanType()
        raise UnsupportedSchemaError(pointer, f"type {json_type!r} is not supported")

    def _object(self, node: JsonObject, pointer: str, refs: tuple[str, ...]) -> DataType:
        props = node.get("properties")
        extra = node.get("additionalProperties")
        if not props:
            if isinstance(extra, Mapping):
                # A record/map (zod `z.record`): string keys, values of one schema.
                value = self.convert(extra, f"{pointer}/additionalProperties", refs)
                return MapType(StringType(), value, valueContainsNull=True)
            raise UnsupportedSchemaError(pointer, "an object without properties needs an additionalProperties schema")
        return self.struct(node, pointer, refs)

    def struct(self, node: JsonObject, pointer: str, refs: tuple[str, ...] = ()) -> StructType:
        required = set(node.get("required", []))
        fields: list[StructField] = []
        for name, child in node["properties"].items():
            child_pointer = f"{pointer}/properties/{name}"
            data_type = self.convert(child, child_pointer, refs)
            metadata: dict[str, Any] = {"required": name in required, "json_name": name}
            description = child.get("description")
            if isinstance(description, str):
                metadata["comment"] = description
            fields.append(StructField(self._rename(name), data_type, nullable=True, metadata=metadata))
        return StructType(fields)


def _is_null_schema(node: Any) -> bool:
    return isinstance(node, Mapping) and node.get("type") == "null" and len(node) <= 2


def _single_type(node: JsonObject, pointer: str) -> str:
    declared = node.get("type")
    if declared is None:
        if "const" in node:
            return _type_of_value(node["const"], pointer)
        if "enum" in node:
            kinds = {_type_of_value(v, pointer) for v in node["enum"] if v is not None}
            if len(kinds) == 1:
                return kinds.pop()
            raise UnsupportedSchemaError(pointer, "enum mixes value types")
        if "properties" in node:
            return "object"
        raise UnsupportedSchemaError(pointer, "schema has no type")
    if isinstance(declared, str):
        return declared
    non_null = [t for t in declared if t != "null"]
    if len(non_null) != 1:
        raise UnsupportedSchemaError(pointer, f"type {declared!r} has no single Spark type")
    return str(non_null[0])


def _type_of_value(value: Any, pointer: str) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    raise UnsupportedSchemaError(pointer, "const/enum values must be scalars")


def struct_from_json_schema(schema: JsonObject, rename: Rename = _identity) -> StructType:
    """Spark ``StructType`` for a JSON Schema whose root is an object.

    ``rename`` maps each property name to its column name at every depth (map keys are data and
    are never renamed). Use the identity to read JSON with ``from_json`` and ``snake_case`` for
    the table; the two differ only in names, so a struct cast turns one into the other.

    >>> struct_from_json_schema({"type": "object", "properties": {"seqNo": {"type": "integer"}}},
    ...                         snake_case).simpleString()
    'struct<seq_no:bigint>'
    """
    converter = _Converter(schema, rename)
    root_type = _single_type(schema, "")
    if root_type != "object" or not schema.get("properties"):
        raise UnsupportedSchemaError("", "the root must be an object with properties")
    return converter.struct(schema, "")


def load_json_schema(path: str | Path) -> dict[str, Any]:
    """Reads a JSON Schema file (UTF-8)."""
    with open(path, encoding="utf-8") as f:
        loaded = json.load(f)
    if not isinstance(loaded, dict):
        raise UnsupportedSchemaError("", "the schema file does not hold a JSON object")
    return loaded
