"""Shared fixtures: one local Spark session (Delta + Kafka connector) for the whole run."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adt_pipeline.json_schema import load_json_schema

# PySpark turns timestamps into naive datetimes in the process's zone: make that UTC, as the
# Spark session's zone is, so expected values can be written in UTC.
os.environ["TZ"] = "UTC"
time.tzset()

REPO = Path(__file__).resolve().parents[3]
EVENT_SCHEMA_PATH = REPO / "shared" / "adt" / "adt-event.v1.schema.json"


@pytest.fixture(scope="session")
def event_schema() -> dict[str, Any]:
    return load_json_schema(EVENT_SCHEMA_PATH)


@pytest.fixture(scope="session")
def work_dir() -> Iterator[Path]:
    base = REPO / ".data" / "databricks-tests"
    base.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="run-", dir=base))
    yield path
    if not os.environ.get("KEEP_SPARK_DATA"):
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def spark(work_dir: Path) -> Iterator[Any]:
    from adt_pipeline.local_spark import local_session

    session = local_session(warehouse_dir=work_dir / "warehouse", ivy_dir=REPO / ".cache" / "ivy")
    yield session
    session.stop()
