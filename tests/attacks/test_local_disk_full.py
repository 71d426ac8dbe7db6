"""The data disk fills up while a page opens an incident: nothing may be lost.

It was: "Incident opened" and "operational → degraded" were dropped for good, with a traceback
per poll and nothing in the UI. Here the incident log lives on a real 600 KB tmpfs that a filler
file makes full; ``trayapp watch`` must say "the incident log cannot be written: disk full",
keep the events, and write them all, in order, once there is room again.
"""

from __future__ import annotations

import errno
import signal
from pathlib import Path

import pytest

from tests.attacks.local_support import (
    LOOPBACK_WATCH,
    Output,
    can_mount,
    start,
    tiny_filesystem,
    write_config,
)
from trayapp.core.model import Severity
from trayapp.demo import payloads
from trayapp.demo.replay import ReplayServer
from trayapp.demo.replay_routes import Reply
from trayapp.store import incident_log

SUMMARY = "/api/v2/summary.json"
CALM = payloads.statuspage_summary("Lab", {"API": Severity.OPERATIONAL})
OUTAGE = payloads.statuspage_summary(
    "Lab",
    {"API": Severity.MAJOR_OUTAGE},
    payloads.IncidentSpec("Database down", impact=Severity.MAJOR_OUTAGE),
)


def fill(folder: Path) -> Path:
    """Write a file until the filesystem says it is full; returns it."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 1024)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


@pytest.mark.skipif(not can_mount(), reason="mounting a tiny tmpfs needs root")
def test_local_disk_full_keeps_every_event_and_says_so(
    trayapp_env: dict[str, str], tmp_path: Path
) -> None:
    data = Path(trayapp_env["TRAYAPP_DATA_DIR"])
    with tiny_filesystem(data), ReplayServer({SUMMARY: Reply(body=CALM)}) as server:
        write_config(trayapp_env, LOOPBACK_WATCH.format(url=server.url(SUMMARY)))
        proc = start(trayapp_env, "watch")
        out = Output(proc)
        try:
            out.wait_for("first round: 1/1 checked")
            filler = fill(data)
            server.set_route(SUMMARY, Reply(body=OUTAGE))
            out.wait_for("Incident opened: Database down")
            out.wait_for("operational → major outage")
            out.wait_for("the incident log cannot be written: disk full", "stderr")
            filler.unlink()
            out.wait_for("the incident log is written again; nothing was lost", "stderr")
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
        assert proc.returncode == 130, out.text("stderr")
        assert "Traceback" not in out.text("stderr")
        with incident_log.open(data / "incidents.sqlite3") as log:
            rows = [(e.kind, e.message) for e in log.history()]
    kinds = [kind for kind, _ in rows]
    assert kinds[0] == "status"  # the first reading, written before the disk filled
    assert ("incident_opened", "Incident opened: Database down") in rows
    assert ("status", "operational → major outage") in rows
    assert kinds.index("incident_opened") < kinds.index("status", 1)  # in the order they came
