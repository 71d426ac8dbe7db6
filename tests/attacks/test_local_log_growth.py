"""A remote page must not grow the log without limit, and the log keeps a year by default.

It did: 110k uniquely named components changing at every poll grew the database to 185 MB in
30 s, and nothing was ever deleted. benchmarks/log_growth.py measures the size over 30 s.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from trayapp.core.model import Component, Event, EventKind, Incident, Reading, Severity
from trayapp.demo import payloads
from trayapp.demo.replay import ReplayServer
from trayapp.demo.replay_routes import Reply
from trayapp.engine.monitor import Monitor
from trayapp.engine.settings import EngineSettings
from trayapp.store import config, incident_log, log_retention

NOW = datetime.now(UTC).replace(microsecond=0)
HUGE = 110_000


def churning(poll: int) -> Reading:
    severities = (Severity.OPERATIONAL, Severity.DEGRADED)
    components = tuple(Component(f"c{poll}-{i}", severities[(i + poll) % 2]) for i in range(HUGE))
    return Reading("statuspage", Severity.DEGRADED, components)


def count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_local_one_reading_stores_a_bounded_number_of_rows(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    polls = 4
    with incident_log.open(path) as log:
        for poll in range(polls):
            stored = log.record_components("Huge", churning(poll), NOW + timedelta(seconds=poll))
            # new names, and the old ones turned unknown: at most twice the cap per reading
            assert stored <= 2 * log_retention.MAX_COMPONENTS
        event = Event(
            NOW,
            "Huge",
            "status",
            Severity.DEGRADED,
            Severity.OPERATIONAL,
            "x",
            components=tuple(f"c{i}" for i in range(HUGE)),
        )
        log.record([event])
    # and the service holds at most MAX_COMPONENTS distinct ones: renaming adds nothing more
    assert count(path, "component_states") <= 2 * log_retention.MAX_COMPONENTS
    with sqlite3.connect(path) as conn:
        names = json.loads(conn.execute("SELECT components FROM events").fetchone()[0])
    assert len(names) == log_retention.MAX_EVENT_COMPONENTS


def test_local_retention_deletes_what_is_older_than_kept(tmp_path: Path) -> None:
    old, recent = NOW - timedelta(days=400), NOW - timedelta(days=10)
    path = tmp_path / "incidents.sqlite3"

    def incident(id_: str, open_: bool) -> Incident:
        return Incident(
            id=id_,
            title=id_,
            status="investigating" if open_ else "resolved",
            open=open_,
            severity=Severity.MAJOR_OUTAGE,
        )

    def opened(when: datetime, incident_: Incident, kind: EventKind = "incident_opened") -> Event:
        return Event(when, "Lab", kind, Severity.MAJOR_OUTAGE, None, kind, incident_)

    with incident_log.open(path) as log:
        log.record(
            [
                opened(old, incident("ancient", True)),
                opened(old, incident("ancient", False), "incident_resolved"),
                opened(old, incident("still-open", True)),
                Event(old, "Lab", "status", Severity.MAJOR_OUTAGE, None, "old"),
                Event(old, "Quiet", "status", Severity.OPERATIONAL, None, "quiet since"),
                Event(recent, "Lab", "status", Severity.DEGRADED, Severity.OPERATIONAL, "recent"),
            ]
        )
        comps = (Component("API", Severity.DEGRADED), Component("Gone", Severity.OPERATIONAL))
        log.record_components("Lab", Reading("statuspage", Severity.DEGRADED, comps), old)
        log.record_components(
            "Lab", Reading("statuspage", Severity.OPERATIONAL, comps[:1]), old + timedelta(1)
        )
        deleted = log.prune(365, NOW)
        assert deleted > 0
        # each service's last severity event stays (a new run resumes from it), the rest went
        assert [e.message for e in log.history()] == ["quiet since", "recent"]
        assert {r.id for r in log.incidents()} == {"still-open"}  # open: never deleted
    with sqlite3.connect(path) as conn:
        states = conn.execute("SELECT component, severity FROM component_states").fetchall()
    assert states == [("API", "degraded")]  # the last known state before the cut; 'Gone' went


async def test_local_monitor_prunes_to_the_configured_retention(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    with incident_log.open(path) as log:
        log.record(
            [
                Event(
                    NOW - timedelta(days=40),
                    "Lab",
                    "status",
                    Severity.DEGRADED,
                    Severity.OPERATIONAL,
                    "forty days ago",
                )
            ]
        )
    body = payloads.statuspage_summary("Lab", {"API": Severity.OPERATIONAL})
    with ReplayServer({"/s": Reply(body=body)}) as server:
        cfg = config.loads(
            f'[log]\nkeep_days = 30\n[[watch]]\nname = "Lab"\nurl = "{server.url("/s")}"\n'
            'format = "statuspage"\n'
        )
        log = incident_log.open(path)
        monitor = Monitor(
            cfg, log, settings=EngineSettings(first_round_spread=0.0, reference_urls=())
        )
        task = asyncio.create_task(monitor.run())
        try:
            async with asyncio.timeout(60):
                while "forty days ago" in [e.message for e in log.history()]:
                    await asyncio.sleep(0.05)
        finally:
            monitor.stop()
            await asyncio.wait_for(task, timeout=10)
            log.close()
