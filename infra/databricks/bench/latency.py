"""Send -> silver-table latency of the pipeline at a steady rate, on local Spark.

Sends ADT^A01/A08 messages at ``--rate`` per second through the real edge and workers (or
straight to Kafka with ``--direct``) while the pipeline runs with ``--trigger`` (default: batches
back to back), then reads each message's times:

- sent: when the sender posted it (client clock);
- Kafka: the record timestamp (producer CreateTime);
- silver: the Delta commit that made the row visible (change data feed ``_commit_timestamp``).

Printed side by side, from the same run: send -> Kafka (what the pipeline cannot beat: the
Kafka-only latency), send -> silver (ours), and the reference design's documented 4-5 s.
Numbers, not assertions: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

# PySpark turns timestamps into naive datetimes in the process's zone; UTC keeps them comparable.
os.environ["TZ"] = "UTC"
time.tzset()

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "src"), str(HERE.parent / "tests")]

from adt_pipeline.json_schema import load_json_schema  # noqa: E402
from adt_pipeline.kafka_options import source_options  # noqa: E402
from adt_pipeline.local_spark import local_session  # noqa: E402
from adt_pipeline.main import DEFAULT_EVENT_SCHEMA  # noqa: E402
from adt_pipeline.pipeline import PipelineConfig, start  # noqa: E402

from hl7_messages import Patient, adt  # noqa: E402
from sender import send_messages  # noqa: E402
from system import edge_available, running_system  # noqa: E402

REPO = HERE.parents[2]
REFERENCE = "4-5 s (reference design, documented; not measured here)"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def parse_iso(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(dt.timezone.utc).replace(tzinfo=None)


def messages(run: str, n: int, offset: int) -> list[tuple[str, str]]:
    out = []
    for i in range(offset, offset + n):
        patient = Patient(f"P{i % 500}", "Bench", f"G{i}")
        trigger = "A01" if i % 3 == 0 else "A08"
        out.append(("demo", adt(trigger, f"{run}-{i}", patient, unit=f"U{i % 7}", room=str(i % 40), bed="A")))
    return out


class BatchLog(logging.Handler):
    """Collects the pipeline's ``pipeline_batch`` lines (counts and step durations)."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[dict] = []
        self.census: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = json.loads(record.getMessage())
        except ValueError:
            return
        if line.get("event") == "pipeline_batch":
            self.batches.append(line)
        elif line.get("event") == "census_batch":
            self.census.append(line)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rate", type=float, default=float(os.environ.get("BENCH_RATE", "20")), help="messages/s")
    p.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", "60")))
    p.add_argument("--warmup", type=int, default=30, help="messages sent (and awaited) before measuring")
    p.add_argument("--trigger", default=os.environ.get("BENCH_TRIGGER") or None, help='e.g. "1 second"')
    p.add_argument("--census-trigger", default=os.environ.get("BENCH_CENSUS_TRIGGER", "5 seconds"))
    p.add_argument("--direct", action="store_true", help="produce to Kafka directly, no edge/workers")
    args = p.parse_args()

    batch_log = BatchLog()
    logging.getLogger("adt_pipeline").addHandler(batch_log)
    logging.getLogger("adt_pipeline").setLevel(logging.INFO)
    run = f"bench{uuid.uuid4().hex[:8]}"
    prefix = f"{run}."
    brokers = os.environ.get("KAFKA_BROKERS", "127.0.0.1:9092")
    work = REPO / ".data" / "databricks-bench" / run
    work.mkdir(parents=True, exist_ok=True)
    spark = local_session(warehouse_dir=work / "warehouse", ivy_dir=REPO / ".cache" / "ivy")
    via_edge = edge_available() and not args.direct
    with ExitStack() as stack:
        edge_url, keys = None, None
        if via_edge:
            system = stack.enter_context(running_system(prefix, run, work))
            edge_url, keys = system.url, system.keys

        def send(batch: list[tuple[str, str]], rate: float = 0) -> list:
            return send_messages(
                batch,
                topic_prefix=prefix,
                brokers=brokers,
                rate=rate,
                edge_url=edge_url,
                edge_keys=keys,
                timeout=args.seconds * 4 + 300,
            )

        config = PipelineConfig(
            vendors=["demo"],
            kafka_options=source_options(brokers, "plaintext"),
            checkpoint_location=str(work / "checkpoint"),
            schema=run,
            topic_prefix=prefix,
            trigger_interval=args.trigger,
            census_trigger_interval=args.census_trigger,
            query_name=run,
        )
        send(messages(run, 1, 0))  # creates the topics
        query = start(spark, config, load_json_schema(DEFAULT_EVENT_SCHEMA))
        stack.callback(query.stop)
        silver = config.table("adt_events")

        def wait_rows(n: int, timeout: float) -> None:
            deadline = time.monotonic() + timeout
            while spark.table(silver).count() < n:
                if query.exception() is not None:
                    raise RuntimeError(f"pipeline failed: {query.exception()}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"silver has fewer than {n} rows after {timeout} s")
                time.sleep(1)

        send(messages(run, args.warmup, 1))
        wait_rows(1 + args.warmup, 600)
        n = max(1, int(args.rate * args.seconds))
        print(
            f"measuring: {n} messages at {args.rate}/s via {'edge + workers' if via_edge else 'direct produce'}, "
            f"trigger {args.trigger or 'back to back'}, census every {args.census_trigger}",
            flush=True,
        )
        first_measured, first_census = len(batch_log.batches), len(batch_log.census)
        sent = send(messages(run, n, 1 + args.warmup), rate=args.rate)
        wait_rows(1 + args.warmup + n, 600)
        measured = batch_log.batches[first_measured:]
        census = batch_log.census[first_census:]

    ids = {s.control_id: parse_iso(s.sent_at) for s in sent}
    rows = (
        spark.read.format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", 0)
        .table(silver)
        .where("_change_type = 'insert'")
        .select("control_id", "received_at", "kafka_timestamp", "_commit_timestamp")
        .collect()
    )
    to_kafka, to_silver, kafka_to_silver = [], [], []
    for r in rows:
        t0 = ids.get(r.control_id)
        if t0 is None:
            continue
        to_kafka.append((r.kafka_timestamp - t0).total_seconds())
        to_silver.append((r._commit_timestamp - t0).total_seconds())
        kafka_to_silver.append((r._commit_timestamp - r.kafka_timestamp).total_seconds())
    spark.stop()

    load = os.getloadavg()[0]
    print(
        f"\nsend -> silver latency, {len(to_silver)} of {n} messages at {args.rate}/s "
        f"(local Spark, load average {load:.1f} on {os.cpu_count()} cores)"
    )
    print(f"{'path':<34}{'p50 s':>8}{'p95 s':>8}{'max s':>8}")
    for label, values in (
        ("send -> Kafka (Kafka-only)", to_kafka),
        ("Kafka -> silver commit", kafka_to_silver),
        ("send -> silver commit (ours)", to_silver),
    ):
        print(f"{label:<34}{percentile(values, 50):>8.2f}{percentile(values, 95):>8.2f}{max(values):>8.2f}")
    print(f"{'reference design':<34}{REFERENCE}")

    def mean(batches: list[dict], key: str) -> float:
        return sum(b[key] for b in batches) / len(batches) if batches else float("nan")

    print(
        f"ingest micro-batches while measuring: {len(measured)}, mean {mean(measured, 'events'):.0f} events, "
        f"silver MERGE {mean(measured, 'silver_ms') / 1000:.2f} s, "
        f"bronze append {mean(measured, 'bronze_ms') / 1000:.2f} s"
    )
    print(
        f"census micro-batches: {len(census)}, mean {mean(census, 'events'):.0f} events, "
        f"{mean(census, 'gold_ms') / 1000:.2f} s each"
    )


if __name__ == "__main__":
    main()
