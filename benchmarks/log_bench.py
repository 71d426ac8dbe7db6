"""Incident log benchmark on a year-sized log: a script that reports, not a timed test.

Generates (or reuses, with ``--keep``) a log of 50 services and one year of events through the
log's own writing API, the way the engine writes it: the app runs twice a day (a morning and an
afternoon run, closed at night), and during each run every service gets its status changes,
incidents with their updates, component changes, and the outages its own checks saw (most
admitted by the page seconds to minutes later, some never). Then it times:

1. ``trayapp uptime`` and ``trayapp uptime --json`` in a real process (the command as a user
   runs it: interpreter start-up included), median of several runs;
2. opening History (offscreen Qt): constructing the window and showing it, which reads the
   service list, 90 daily bars, both uptimes over the four windows and the acknowledgement
   record of all 50 services, and the newest 2000 events; median of several openings.

Nothing touches the network. Run: ``.venv/bin/python benchmarks/log_bench.py [--runs N]
[--keep DIR] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from trayapp.core.model import Component, Event, Incident, Reading, Severity
from trayapp.core.tracker import SourceState, TrackerConfig, step
from trayapp.core.verdict import Acknowledgement
from trayapp.store import incident_log

SERVICES = 50
DAYS = 365
COMPONENTS = 8
TARGET = 1.0  # seconds, for each of the two measurements
END = datetime(2026, 12, 1, tzinfo=UTC)
OK, DEG, PART, MAJOR = (
    Severity.OPERATIONAL,
    Severity.DEGRADED,
    Severity.PARTIAL_OUTAGE,
    Severity.MAJOR_OUTAGE,
)


def generate(path: Path, seed: int = 10) -> dict[str, int]:
    """Write the year; returns what was written (row counts)."""
    rng = random.Random(seed)
    names = [f"Service {n:02d}" for n in range(SERVICES)]
    parts = [f"Component {c}" for c in range(COMPONENTS)]
    config = TrackerConfig(confirm_worse=1, confirm_better=1)
    states = {name: SourceState() for name in names}
    open_incidents: dict[str, list[Incident]] = {name: [] for name in names}
    counts = {"runs": 0, "events": 0, "acknowledgements": 0}
    start = END - timedelta(days=DAYS)
    with incident_log.open(path) as log:
        log.heartbeat_gap = timedelta(days=1)  # one heartbeat at each end of a run suffices here
        for day in range(DAYS):
            midnight = start + timedelta(days=day)
            for run_start, run_end in ((8, 12.5), (13.5, 19)):
                begin = midnight + timedelta(hours=run_start + rng.uniform(0, 0.5))
                end = midnight + timedelta(hours=run_end + rng.uniform(-0.5, 0.5))
                log.heartbeat(begin)
                if rng.random() < 0.02:  # the odd offline spell
                    off = begin + timedelta(minutes=rng.uniform(10, 60))
                    log.record(
                        [
                            Event(off, "", "offline", Severity.UNKNOWN, message="You went offline"),
                            Event(off + timedelta(minutes=20), "", "online", OK, message="Online"),
                        ]
                    )
                for name in names:
                    counts["events"] += _run(
                        log, rng, name, parts, states, open_incidents, config, begin, end, counts
                    )
                log.end_run(end)
                counts["runs"] += 1
    return counts


def _run(
    log: incident_log.IncidentLog,
    rng: random.Random,
    name: str,
    parts: list[str],
    states: dict[str, Any],
    open_incidents: dict[str, list[Incident]],
    config: TrackerConfig,
    begin: datetime,
    end: datetime,
    counts: dict[str, int],
) -> int:
    """One service during one run: a handful of readings through the tracker."""
    written = 0
    moments = sorted(begin + (end - begin) * rng.random() for _ in range(rng.randint(2, 5)))
    for moment in moments:
        incidents = open_incidents[name]
        if incidents and rng.random() < 0.5:  # an update, or the end of it
            first = incidents[0]
            if rng.random() < 0.5:
                incidents[0] = Incident(
                    first.id, first.title, "monitoring", True, first.severity,
                    started=first.started, latest_update=f"Update at {moment:%H:%M}",
                )  # fmt: skip
            else:
                incidents.pop(0)
        elif rng.random() < 0.2:  # a new incident (about 150 a year)
            severity = rng.choice((DEG, PART, PART, MAJOR))
            incidents.append(
                Incident(
                    f"inc-{moment:%Y%m%d%H%M}-{rng.randrange(10**6)}",
                    "Elevated error rates",
                    "investigating",
                    True,
                    severity,
                    started=moment - timedelta(minutes=rng.uniform(0, 10)),
                    latest_update="We are investigating.",
                )
            )
            if rng.random() < 0.4:  # the service's own checks saw it first (or alone)
                down = moment - timedelta(seconds=rng.uniform(5, 600))
                admitted = None if rng.random() < 0.15 else moment
                log.record_acknowledgement(
                    Acknowledgement(
                        name, down, moment + timedelta(minutes=rng.uniform(5, 90)), admitted
                    )
                )
                counts["acknowledgements"] += 1
        worst = max((i.severity for i in incidents), key=lambda s: s.rank, default=OK)
        components = tuple(Component(part, worst if rng.random() < 0.3 else OK) for part in parts)
        reading = Reading("statuspage", worst, components, tuple(incidents))
        states[name], events = step(states[name], name, reading, moment, config)
        log.record(events)
        log.record_components(name, reading, moment)
        written += len(events)
    return written


def timed_uptime(data_dir: Path, runs: int, *extra: str) -> list[float]:
    env = {**os.environ, "TRAYAPP_DATA_DIR": str(data_dir), "TRAYAPP_CONFIG_DIR": str(data_dir)}
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "trayapp", "uptime", *extra],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        times.append(time.perf_counter() - began)
        if done.returncode != 0:
            raise SystemExit(f"trayapp uptime failed: {done.stderr}")
    return times


def timed_history(path: Path, runs: int) -> tuple[list[float], int]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from trayapp.ui.history import HistoryWindow

    app = QApplication.instance() or QApplication([])
    times, rows = [], 0
    for _ in range(runs):
        began = time.perf_counter()
        window = HistoryWindow(path)
        window.show()
        app.processEvents()
        times.append(time.perf_counter() - began)
        rows = len(window.bars)
        window.close()
        window.deleteLater()
        app.processEvents()
    return times, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) this directory")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="trayapp-log-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "incidents.sqlite3"
    counts: dict[str, int] = {}
    generation = 0.0
    if not path.exists():
        began = time.perf_counter()
        counts = generate(path)
        generation = time.perf_counter() - began
    with incident_log.open(path) as log:  # checkpoint the WAL, so the size is the file's
        log._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        tables = ("events", "incidents", "incident_updates", "component_states", "observed",
                  "acknowledgements")  # fmt: skip
        rows = {t: log._conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    size = path.stat().st_size
    uptime = timed_uptime(folder, args.runs)
    uptime_json = timed_uptime(folder, args.runs, "--json")
    history, shown = timed_history(path, args.runs)
    result = {
        "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        "services": SERVICES,
        "days": DAYS,
        "generated_in_seconds": round(generation, 1) if generation else None,
        "written": counts or None,
        "rows": rows,
        "database_bytes": size,
        "uptime_seconds": _figures(uptime),
        "uptime_json_seconds": _figures(uptime_json),
        "history_open_seconds": _figures(history),
        "history_rows": shown,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"Log: {path} ({size / 2**20:.1f} MiB), {SERVICES} services, {DAYS} days")
    if generation:
        print(f"  generated in {generation:.0f} s: {counts}")
    print("  rows: " + ", ".join(f"{t} {n}" for t, n in rows.items()))
    for label, times in (
        ("trayapp uptime", uptime),
        ("trayapp uptime --json", uptime_json),
        (f"opening History ({shown} services)", history),
    ):
        median = statistics.median(times)
        verdict = "met" if median < TARGET else "MISSED"
        print(f"  {label:<36} median {median:.3f} s (min {min(times):.3f}, max {max(times):.3f}"
              f" over {len(times)})  [{verdict}: under {TARGET:g} s]")  # fmt: skip
    return 0


def _figures(times: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(times), 3),
        "min": round(min(times), 3),
        "max": round(max(times), 3),
    }


if __name__ == "__main__":
    sys.exit(main())
