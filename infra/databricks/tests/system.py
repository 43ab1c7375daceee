"""The real ingest path for end-to-end runs: ``scripts/start.ts`` (edge + workers) as a child.

Started with its own port, queue, topic prefix and demo key file, so it shares nothing with
other runs; stopped with SIGTERM (its own process group: it stops the edge, then the workers)
and never leaves a process behind. Redis and Kafka must already run (``npm run services:up``).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
EDGE_PARTS = ("scripts/start.ts", "edge/entries/node.ts", "workers/main.ts")


class SystemStartError(RuntimeError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.name = "SystemStartError"


@dataclass(frozen=True)
class RunningSystem:
    url: str
    keys: dict[str, str]
    pid: int


def edge_available() -> bool:
    return all((REPO / p).is_file() for p in EDGE_PARTS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_system(topic_prefix: str, queue: str, work_dir: Path, timeout: float = 180) -> Iterator[RunningSystem]:
    """Starts edge + workers; yields the URL and the demo vendor's API key."""
    port = _free_port()
    key_file = work_dir / f"{queue}-demo-key.txt"
    env = {
        **os.environ,
        "PORT": str(port),
        "KAFKA_TOPIC_PREFIX": topic_prefix,
        "INGEST_QUEUE": queue,
        "ADT_DEMO_KEY_FILE": str(key_file),
        "ADT_STATUS_INTERVAL_MS": "60000",
    }
    proc = subprocess.Popen(
        ["node", "--import", "tsx", "scripts/start.ts"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("adt-stream is running"):
                ready.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        deadline = time.monotonic() + timeout
        while not ready.is_set():
            if proc.poll() is not None or time.monotonic() > deadline:
                # Start-up output holds no PHI: endpoints, pids, the demo key of a throwaway file.
                raise SystemStartError("scripts/start.ts did not become ready:\n" + "\n".join(lines[-30:]))
            time.sleep(0.2)
        time.sleep(0.5)
        key_line = next((line for line in lines if "API key" in line), "")
        match = re.search(r"API key\s+(\S+)", key_line)
        if not match:
            raise SystemStartError("scripts/start.ts printed no API key")
        yield RunningSystem(f"http://127.0.0.1:{port}", {"demo": match.group(1)}, proc.pid)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
