"""The one "send ADT messages" step of the end-to-end test and the benchmark.

Through the real edge when a running system (``system.py``) is given: the workers then produce
to Kafka. Without one (``ADT_E2E_SEND=produce``, or before edge/ and workers/ existed) straight
to Kafka exactly as the workers would (``tools/send.ts produce``: same normalisation,
topics, key, headers and values). Either way one TS process sends the whole list in order, so
``seq`` follows the list.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
TOOL = REPO / "infra" / "databricks" / "tools" / "send.ts"


class SendFailedError(RuntimeError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.name = "SendFailedError"


@dataclass(frozen=True)
class Sent:
    vendor: str
    control_id: str
    ingest_id: str | None
    sent_at: str
    mode: str


def _run(command: str, lines: Sequence[Mapping[str, object]], env: Mapping[str, str], timeout: float) -> list[dict]:
    stdin = "".join(json.dumps(line) + "\n" for line in lines)
    proc = subprocess.run(
        ["npx", "tsx", str(TOOL), command],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **env},
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise SendFailedError(f"send.ts {command} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def send_messages(
    messages: Sequence[tuple[str, str]],
    *,
    topic_prefix: str,
    brokers: str = "127.0.0.1:9092",
    rate: float = 0,
    timeout: float = 300,
    edge_url: str | None = None,
    edge_keys: Mapping[str, str] | None = None,
) -> list[Sent]:
    """Sends ``(vendor, hl7)`` pairs in order; returns what was sent (no message content).

    With ``edge_url`` through the edge (``POST /v1/messages``), else produced directly.
    """
    env = {"KAFKA_TOPIC_PREFIX": topic_prefix, "KAFKA_BROKERS": brokers, "SEND_RATE": str(rate)}
    mode = "produce"
    if edge_url:
        mode = "edge"
        env.update({"EDGE_URL": edge_url, "EDGE_KEYS_JSON": json.dumps(dict(edge_keys or {}))})
    out = _run(mode, [{"vendor": v, "hl7": m} for v, m in messages], env, timeout)
    return [Sent(o["vendor"], o["controlId"], o["ingestId"], o["sentAt"], o["mode"]) for o in out]


def adt_events(messages: Sequence[tuple[str, str]]) -> list[dict]:
    """Real AdtEvents (``{"key", "event"}``) for messages, from the same TS mapping the workers use."""
    return _run("events", [{"vendor": v, "hl7": m} for v, m in messages], {}, 120)


def redeliver(topics: Sequence[str], *, brokers: str = "127.0.0.1:9092") -> list[dict]:
    """Re-produces every record of ``topics`` unchanged (what at-least-once delivery can do)."""
    return _run("redeliver", [{"topic": t} for t in topics], {"KAFKA_BROKERS": brokers}, 120)
