"""Crash safety: SIGKILL the writer again and again; every event it reported committed survives."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from trayapp.store import incident_log

WRITER = Path(__file__).with_name("incident_log_writer.py")
RUNS = 30


def _run_and_kill(
    path: Path, tag: str, delay: float, *, after_first: bool
) -> tuple[list[str], str]:
    """Start the writer, SIGKILL it ``delay`` s after start (or after its first commit).

    Returns the complete lines it printed (a cut-off last line promises nothing) and its stderr.
    """
    child = subprocess.Popen(
        [sys.executable, str(WRITER), str(path), tag],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out: list[str] = []
    err: list[str] = []
    first = threading.Event()

    def read_stdout() -> None:
        for line in child.stdout or ():
            out.append(line)
            first.set()
        first.set()  # EOF: the child died before committing anything

    readers = [
        threading.Thread(target=read_stdout),
        threading.Thread(target=lambda: err.append((child.stderr or ()).read())),
    ]
    for reader in readers:
        reader.start()
    if after_first:
        first.wait(timeout=15)
    time.sleep(delay)
    child.kill()  # SIGKILL on POSIX: no cleanup, no atexit, mid-write
    child.wait(timeout=10)
    for reader in readers:
        reader.join(timeout=10)
    return [line[:-1] for line in out if line.endswith("\n")], "".join(err)


def test_sigkill_during_writes_loses_no_committed_event(tmp_path: Path) -> None:
    path = tmp_path / "data" / "incidents.db"
    rng = random.Random(20250301)
    committed: list[str] = []
    runs_that_wrote = 0
    for run in range(RUNS):
        # Every fifth run dies during start-up (open, create, migrate); the rest mid-loop.
        startup = run % 5 == 0
        delay = rng.uniform(0.0, 0.15) if startup else rng.uniform(0.0, 0.25)
        lines, stderr = _run_and_kill(path, f"r{run}", delay, after_first=not startup)
        assert "Traceback" not in stderr and "recovered" not in stderr, stderr
        committed.extend(lines)
        runs_that_wrote += bool(lines)
    assert runs_that_wrote >= RUNS * 4 // 5 and len(committed) > 100  # the kills hit real writes

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    with incident_log.open(path) as log:
        assert log.recovered_from is None and log.backup is None
        stored = {event.message for event in log.history()}
        missing = [token for token in committed if token not in stored]
        assert missing == []
        timeline_texts = {
            update.text
            for record in log.incidents("svc0")
            for update in log.incident_timeline("svc0", record.id)
        }
        assert any(token in timeline_texts for token in committed)
    assert sorted(p.name for p in path.parent.iterdir() if "corrupt" in p.name) == []
