"""The incident log on real SQLite files: schema, migrations, damage, timelines and uptime math."""

from __future__ import annotations

import csv
import io
import logging
import sqlite3
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from trayapp.core.model import Component, Event, Incident, Reading, Severity
from trayapp.core.verdict import Acknowledgement
from trayapp.errors import IncidentLogError
from trayapp.store import incident_log, log_rows, log_schema
from trayapp.store.incident_log import IncidentLog
from trayapp.store.log_rows import DayBar, LoggedEvent, to_json_rows, write_csv
from trayapp.store.log_schema import SCHEMA_VERSION

T0 = datetime(2025, 3, 1, tzinfo=UTC)
OP, MAINT, DEG = Severity.OPERATIONAL, Severity.MAINTENANCE, Severity.DEGRADED
PARTIAL, MAJOR, UNKNOWN = Severity.PARTIAL_OUTAGE, Severity.MAJOR_OUTAGE, Severity.UNKNOWN


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def status(hours: float, severity: Severity, service: str = "github") -> Event:
    return Event(time=at(hours), service=service, kind="status", severity=severity)


@pytest.fixture
def log(tmp_path: Path) -> IncidentLog:
    with incident_log.open(tmp_path / "data" / "incidents.db") as opened:
        yield opened


# --- opening, schema -----------------------------------------------------------------------------


def test_open_creates_a_wal_database_at_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "incidents.db"
    with incident_log.open(path) as log:
        assert log.recovered_from is None and log.backup is None and log.notice is None
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "events_service_time" in indexes
    conn.close()
    assert sorted(p.name for p in path.parent.iterdir() if "bak" in p.name) == []


def test_constructor_refuses_a_missing_file_or_an_old_schema(tmp_path: Path) -> None:
    with pytest.raises(IncidentLogError, match="cannot open"):
        IncidentLog(tmp_path / "missing.db")
    assert list(tmp_path.iterdir()) == []  # and did not create it
    _make_v1(tmp_path / "old.db", with_event=False)
    with pytest.raises(IncidentLogError, match="open"):
        IncidentLog(tmp_path / "old.db")


# The v1 schema exactly as v1 wrote it: migrations must keep reading files like this one.
V1_SCHEMA = """
CREATE TABLE incidents (service TEXT NOT NULL, incident_id TEXT NOT NULL, kind TEXT NOT NULL,
    title TEXT NOT NULL, url TEXT, first_seen TEXT NOT NULL, page_started TEXT, page_updated TEXT,
    resolved_at TEXT, status TEXT NOT NULL, severity TEXT NOT NULL, worst_severity TEXT NOT NULL,
    components TEXT NOT NULL DEFAULT '[]', open INTEGER NOT NULL,
    PRIMARY KEY (service, incident_id));
CREATE INDEX incidents_open ON incidents(open, service);
CREATE TABLE events (id INTEGER PRIMARY KEY, time TEXT NOT NULL, service TEXT NOT NULL,
    kind TEXT NOT NULL, severity TEXT NOT NULL, previous TEXT, message TEXT NOT NULL DEFAULT '',
    incident_id TEXT, components TEXT NOT NULL DEFAULT '[]',
    FOREIGN KEY (service, incident_id) REFERENCES incidents(service, incident_id));
CREATE INDEX events_service_time ON events(service, time);
CREATE INDEX events_time ON events(time);
CREATE TABLE incident_updates (id INTEGER PRIMARY KEY, service TEXT NOT NULL,
    incident_id TEXT NOT NULL, seen_at TEXT NOT NULL, page_time TEXT, status TEXT NOT NULL,
    text TEXT, FOREIGN KEY (service, incident_id) REFERENCES incidents(service, incident_id));
CREATE INDEX incident_updates_incident ON incident_updates(service, incident_id, id);
CREATE TABLE component_states (id INTEGER PRIMARY KEY, service TEXT NOT NULL,
    group_name TEXT NOT NULL DEFAULT '', component TEXT NOT NULL, time TEXT NOT NULL,
    severity TEXT NOT NULL);
CREATE INDEX component_states_key ON component_states(service, group_name, component, time);
PRAGMA user_version = 1;
"""


def _make_v1(path: Path, *, with_event: bool) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    if with_event:
        conn.execute(
            "INSERT INTO events (time, service, kind, severity, message) VALUES (?, ?, ?, ?, ?)",
            ("2025-01-02T03:04:05.000000+00:00", "github", "status", "major_outage", "down"),
        )
    conn.commit()
    conn.close()


def test_migrating_a_v1_file_backs_it_up_first_and_keeps_its_events(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    _make_v1(path, with_event=True)
    with incident_log.open(path) as log:
        backup = log.backup
        assert backup is not None and backup.exists()
        assert backup.name.startswith("incidents.db.v1.bak-")
        [event] = log.history()
        assert (event.service, event.severity, event.message) == ("github", MAJOR, "down")
        assert event.time == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
        log.heartbeat(T0)  # the v2 tables exist and work
    old = sqlite3.connect(backup)
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    assert old.execute("SELECT message FROM events").fetchall() == [("down",)]
    assert old.execute("SELECT count(*) FROM sqlite_master WHERE name='observed'").fetchone() == (
        0,
    )
    old.close()
    new = sqlite3.connect(path)
    assert new.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    new.close()
    assert not list(tmp_path.glob("*.partial"))


def test_a_v2_file_with_outages_migrates_and_reads_them(tmp_path: Path) -> None:
    """v2 had no ``written_at``: an outage it left open ends where its run stopped watching."""
    path = tmp_path / "incidents.db"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    log_schema.MIGRATIONS[1](conn)  # frozen: v2 exactly as released
    conn.execute("PRAGMA user_version = 2")
    conn.executemany(
        "INSERT INTO acknowledgements (service, probe_down_at, probe_up_at, page_ack_at)"
        " VALUES (?, ?, ?, ?)",
        [
            ("gemini", log_rows._ts(at(1)), log_rows._ts(at(2)), None),
            ("gemini", log_rows._ts(at(3)), None, None),  # open when that trayapp quit
        ],
    )
    conn.execute(
        "INSERT INTO observed (started_at, ended_at) VALUES (?, ?)",
        (log_rows._ts(at(0)), log_rows._ts(at(4))),
    )
    conn.commit()
    conn.close()
    with incident_log.open(path) as log:
        assert log.backup is not None and ".v2.bak-" in log.backup.name
        assert log.acknowledgements("gemini", now=at(10)) == [
            Acknowledgement("gemini", at(1), at(2)),
            Acknowledgement("gemini", at(3), at(4)),
        ]
        log.heartbeat(at(8))
        assert log.uptime("gemini", timedelta(hours=10), at(10)).watched == timedelta(hours=4)


def test_an_empty_v1_file_migrates_without_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    _make_v1(path, with_event=False)
    with incident_log.open(path) as log:
        assert log.backup is None
    assert [p.name for p in tmp_path.iterdir() if ".bak-" in p.name] == []


def test_a_file_from_a_newer_trayapp_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(IncidentLogError, match="newer trayapp"):
        incident_log.open(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["incidents.db"]


# --- damage --------------------------------------------------------------------------------------


def _assert_moved_aside(
    log: IncidentLog, path: Path, original: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    moved = log.recovered_from
    assert moved is not None and moved.read_bytes() == original
    assert moved.name.startswith("incidents.db.corrupt-") and moved.parent == path.parent
    assert log.notice is not None and str(moved) in log.notice and str(path) in log.notice
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert str(moved) in warning.getMessage() and str(path) in warning.getMessage()
    log.record([status(0, MAJOR)])  # the new log works
    assert [e.severity for e in log.history()] == [MAJOR]


def test_garbage_is_moved_aside_and_a_new_log_started(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "incidents.db"
    garbage = b"this is not a database, just some text that got here somehow\n" * 64
    path.write_bytes(garbage)
    Path(f"{path}-wal").write_bytes(b"stale wal")
    with caplog.at_level(logging.WARNING, logger="trayapp.store.incident_log"):
        log = incident_log.open(path)
    with log:
        _assert_moved_aside(log, path, garbage, caplog)
        assert log.recovery_reason and "not a database" in log.recovery_reason
        assert Path(f"{log.recovered_from}-wal").read_bytes() == b"stale wal"


def test_a_database_with_damaged_pages_is_moved_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "incidents.db"
    with incident_log.open(path) as log:
        log.record([status(h, OP if h % 2 else MAJOR) for h in range(400)])
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    assert len(data) > 6 * page_size
    for page in range(2, len(data) // page_size):  # scribble over every page but the header
        data[page * page_size : page * page_size + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="trayapp.store.incident_log"):
        log = incident_log.open(path)
    with log:
        _assert_moved_aside(log, path, bytes(data), caplog)


def test_someone_elses_database_is_moved_aside_not_written_into(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "incidents.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (text)")
    conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.commit()
    conn.close()
    original = path.read_bytes()
    with caplog.at_level(logging.WARNING, logger="trayapp.store.incident_log"):
        log = incident_log.open(path)
    with log:
        _assert_moved_aside(log, path, original, caplog)


# --- events and incidents ------------------------------------------------------------------------


def test_history_round_trips_events_and_filters(log: IncidentLog) -> None:
    ids = log.record(
        [
            Event(at(0), "github", "status", MAJOR, OP, "GitHub is down", components=("API",)),
            Event(at(1), "", "offline", UNKNOWN, message="You are offline"),
            Event(at(2), "slack", "unreadable", UNKNOWN, OP, "could not read"),
            Event(at(3), "github", "status", OP, MAJOR, "GitHub is back"),
        ]
    )
    assert len(ids) == 4 and len(set(ids)) == 4
    everything = log.history()
    assert [e.time for e in everything] == [at(0), at(1), at(2), at(3)]
    first = everything[0]
    assert first == LoggedEvent(
        ids[0], at(0), "github", "status", MAJOR, OP, "GitHub is down", None, None, ("API",)
    )
    assert [e.message for e in log.history("github")] == ["GitHub is down", "GitHub is back"]
    assert [e.service for e in log.history(since=at(1.5))] == ["slack", "github"]
    assert [e.time for e in log.history(limit=2)] == [at(2), at(3)]
    assert [e.kind for e in log.history(kinds=["offline"])] == ["offline"]
    assert log.services() == ["github", "slack"]


def test_naive_and_offset_times_are_stored_as_utc(log: IncidentLog) -> None:
    eastern = datetime(2025, 3, 1, 7, 0, tzinfo=timezone(timedelta(hours=-5)))
    log.record(
        [Event(eastern, "a", "status", OP), Event(datetime(2025, 3, 1, 13), "a", "status", OP)]
    )
    assert [e.time for e in log.history()] == [
        datetime(2025, 3, 1, 12, tzinfo=UTC),
        datetime(2025, 3, 1, 13, tzinfo=UTC),
    ]


def test_json_and_csv_exports(log: IncidentLog) -> None:
    log.record([Event(at(0), "github", "status", MAJOR, OP, "down, badly", components=("A", "B"))])
    [row] = to_json_rows(log.history())
    assert row["time"] == "2025-03-01T00:00:00+00:00"
    assert datetime.fromisoformat(row["time"]) == at(0)
    assert (row["service"], row["kind"], row["severity"], row["previous"]) == (
        "github",
        "status",
        "major_outage",
        "operational",
    )
    assert row["components"] == ["A", "B"]
    out = io.StringIO()
    write_csv(log.history(), out, LoggedEvent.COLUMNS)
    [parsed] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert parsed["message"] == "down, badly" and parsed["components"] == "A; B"
    assert parsed["previous"] == "operational" and parsed["incident"] == ""
    empty = io.StringIO()
    write_csv([], empty, LoggedEvent.COLUMNS)
    assert empty.getvalue().strip() == ",".join(LoggedEvent.COLUMNS)


def _incident(status: str, text: str, *, open: bool = True, **kw: object) -> Incident:
    fields: dict[str, object] = {
        "id": "inc-1",
        "title": "Elevated errors",
        "status": status,
        "open": open,
        "severity": PARTIAL,
        "url": "https://status.example/incidents/1",
        "started": at(-0.5),
        "updated": at(0),
        "latest_update": text,
        "components": ("API",),
    }
    fields.update(kw)
    return Incident(**fields)  # type: ignore[arg-type]


def test_incident_lifecycle_keeps_a_timeline_and_a_duration(log: IncidentLog) -> None:
    opened = _incident("investigating", "We are looking into it.")
    log.record([Event(at(0), "github", "incident_opened", PARTIAL, incident=opened)])
    same = _incident("investigating", "We are looking into it.", updated=at(0))
    log.record([Event(at(0.25), "github", "incident_updated", PARTIAL, incident=same)])
    worse = _incident(
        "identified", "Found it.", severity=MAJOR, updated=at(0.5), components=("Git",)
    )
    log.record([Event(at(0.6), "github", "incident_updated", MAJOR, incident=worse)])
    [still_open] = log.open_incidents("github")
    assert (still_open.status, still_open.worst_severity, still_open.open) == (
        "identified",
        MAJOR,
        True,
    )
    assert still_open.duration is None and still_open.components == ("API", "Git")
    done = _incident(
        "resolved", "Fixed.", open=False, severity=OP, updated=at(2), title="Errors (fixed)"
    )
    log.record([Event(at(2.1), "github", "incident_resolved", OP, incident=done)])

    assert log.open_incidents() == []
    record = log.incident("github", "inc-1")
    assert record is not None
    assert (record.title, record.status, record.severity, record.worst_severity) == (
        "Errors (fixed)",
        "resolved",
        OP,
        MAJOR,
    )
    assert record.first_seen == at(0) and record.page_started == at(-0.5)
    assert record.resolved_at == at(2)  # the page's own resolution time
    assert record.duration == timedelta(hours=2.5)
    assert record.to_json_row()["duration_seconds"] == 9000.0
    timeline = log.incident_timeline("github", "inc-1")
    assert [(u.status, u.text) for u in timeline] == [
        ("investigating", "We are looking into it."),
        ("identified", "Found it."),
        ("resolved", "Fixed."),
    ]
    assert [u.seen_at for u in timeline] == [at(0), at(0.6), at(2.1)]
    assert [u.page_time for u in timeline] == [at(0), at(0.5), at(2)]
    titles = {e.kind: e.incident_title for e in log.history("github")}
    assert titles["incident_opened"] == "Errors (fixed)"
    assert log.incidents("github", since=at(3)) == []
    assert len(log.incidents("github", since=at(1))) == 1


def test_an_incident_resolved_by_vanishing_uses_our_time_and_can_reopen(log: IncidentLog) -> None:
    inc = _incident("investigating", "Looking.", started=None)
    log.record([Event(at(0), "x", "incident_opened", PARTIAL, incident=inc)])
    log.record([Event(at(1), "x", "incident_resolved", OP, incident=inc)])  # gone from the page
    record = log.incident("x", "inc-1")
    assert record is not None and record.resolved_at == at(1) and not record.open
    assert record.duration == timedelta(hours=1)  # from first_seen, no page start given
    again = _incident("investigating", "Back again.", started=None)
    log.record([Event(at(2), "x", "incident_updated", PARTIAL, incident=again)])
    [reopened] = log.open_incidents("x")
    assert reopened.resolved_at is None and reopened.first_seen == at(0)


# --- uptime --------------------------------------------------------------------------------------


def test_one_hour_major_outage_in_a_day(log: IncidentLog) -> None:
    log.record([status(0, OP), status(10, MAJOR), status(11, OP)])
    up = log.uptime("github", timedelta(hours=24), at(24))
    assert up.percent == pytest.approx(95.8333, abs=1e-3)
    assert up.observed == timedelta(hours=24) and up.coverage == 1.0
    assert up.to_json_row()["down_seconds"] == 3600.0


def test_degraded_and_maintenance_count_as_up_partial_as_down(log: IncidentLog) -> None:
    log.record([status(0, DEG), status(6, MAINT), status(12, PARTIAL), status(18, OP)])
    assert log.uptime("github", timedelta(hours=24), at(24)).fraction == pytest.approx(0.75)


def test_unknown_time_is_left_out_and_reported_as_coverage(log: IncidentLog) -> None:
    log.record(
        [
            status(0, OP),
            Event(at(6), "github", "unreadable", OP, OP, "could not read"),  # severity ignored
            Event(at(12), "github", "stable", MAJOR),
            status(18, OP),
        ]
    )
    up = log.uptime("github", timedelta(hours=24), at(24))
    assert up.observed == timedelta(hours=18) and up.coverage == pytest.approx(0.75)
    assert up.fraction == pytest.approx(12 / 18)


def test_offline_spells_apply_to_every_service(log: IncidentLog) -> None:
    log.record(
        [
            status(0, OP),
            status(0, MAJOR, "slack"),
            Event(at(4), "", "offline", UNKNOWN),
            Event(at(10), "", "online", UNKNOWN),
        ]
    )
    for service, fraction in (("github", 1.0), ("slack", 0.0)):
        up = log.uptime(service, timedelta(hours=24), at(24))
        assert up.observed == timedelta(hours=18)
        assert up.fraction == fraction


def test_a_service_needing_no_internet_counts_its_own_readings_while_offline(
    log: IncidentLog,
) -> None:
    """A NAS on the LAN is watched through an offline spell: its time counts, its own outage in
    it too (before, the spell blanked it: "0 s recorded")."""
    log.record(
        [
            status(0, OP, "nas"),
            Event(at(4), "", "offline", UNKNOWN),
            status(6, MAJOR, "nas"),
            status(8, OP, "nas"),
            Event(at(10), "", "online", UNKNOWN),
        ]
    )
    log.local_services = frozenset({"nas"})
    up = log.uptime("nas", timedelta(hours=24), at(24))
    assert up.observed == timedelta(hours=24)
    assert up.fraction == pytest.approx(22 / 24)
    assert log.uptime("github", timedelta(hours=24), at(24)).watched == timedelta(hours=18)


def test_state_before_the_window_carries_in_and_history_limits_the_window(
    log: IncidentLog,
) -> None:
    log.record([status(0, MAJOR), status(30, OP)])
    up = log.uptime("github", timedelta(hours=24), at(48))  # window 24h..48h
    assert up.fraction == pytest.approx(18 / 24)
    young = log.uptime("github", timedelta(days=7), at(48))  # nothing known before hour 0
    assert young.observed == timedelta(hours=48) and young.coverage == pytest.approx(48 / 168)


def test_no_observations_means_none_not_a_perfect_score(log: IncidentLog) -> None:
    up = log.uptime("nobody", timedelta(days=7), at(0))
    assert up.fraction is None and up.percent is None and up.coverage == 0.0
    log.record([Event(at(0), "only-unknown", "unreadable", UNKNOWN)])
    assert log.uptime("only-unknown", timedelta(days=1), at(24)).fraction is None
    windows = log.uptimes("nobody", at(0))
    assert list(windows) == ["24h", "7d", "30d", "90d"]
    assert all(u.fraction is None for u in windows.values())


def test_time_the_app_was_not_running_is_not_observed(log: IncidentLog) -> None:
    log.record([status(0, OP), status(2, MAJOR)])
    for minutes in range(0, 4 * 60 + 1, 5):  # running 0h-4h, polling every 5 minutes
        log.heartbeat(at(minutes / 60))
    # closed from 4h to 20h (no heartbeats), still "major" in the log; running again 20h-24h
    log.record([status(21, OP)])
    for minutes in range(20 * 60, 24 * 60 + 1, 5):
        log.heartbeat(at(minutes / 60))
    up = log.uptime("github", timedelta(hours=24), at(24))
    assert up.observed == timedelta(hours=8)
    assert up.fraction == pytest.approx((2 + 3) / 8)


def test_per_component_uptime_from_component_readings(log: IncidentLog) -> None:
    def reading(api: Severity, git: Severity | None) -> Reading:
        parts = [Component("API", api, group="Core")]
        if git is not None:
            parts.append(Component("Git", git))
        return Reading("statuspage", OP, tuple(parts))

    assert log.record_components("github", reading(OP, OP), at(0)) == 2
    assert log.record_components("github", reading(OP, OP), at(1)) == 0  # no change, no row
    assert log.record_components("github", reading(MAJOR, OP), at(6)) == 1
    assert log.record_components("github", reading(OP, None), at(12)) == 2  # Git vanished
    log.record_components("github", Reading.unknown("statuspage", "HTTP 503"), at(18))
    log.record_components("github", reading(OP, OP), at(21))
    for minutes in range(0, 24 * 60 + 1, 10):  # keep the app "running" the whole day
        log.heartbeat(at(minutes / 60))

    assert log.components("github") == [(None, "Git"), ("Core", "API")]
    api = log.uptime("github", timedelta(hours=24), at(24), component="API", group="Core")
    assert api.observed == timedelta(hours=21) and api.fraction == pytest.approx(15 / 21)
    git = log.uptime("github", timedelta(hours=24), at(24), component="Git")
    assert git.observed == timedelta(hours=15) and git.fraction == 1.0
    assert log.uptime("github", timedelta(hours=24), at(24), component="API").fraction is None
    count = sqlite3.connect(log.path).execute("SELECT count(*) FROM component_states").fetchone()
    assert count == (8,)


def test_daily_bars(log: IncidentLog) -> None:
    # day 1 (Mar 1): all up; day 2: 6h major; day 3: unknown all day; day 4 (today): up to 12:00
    log.record(
        [
            status(0, OP),
            status(24 + 6, MAJOR),
            status(24 + 12, DEG),
            Event(at(48), "github", "unreadable", UNKNOWN),
            status(72, OP),
        ]
    )
    bars = log.daily("github", days=5, now=at(84))
    assert bars == [
        DayBar(date(2025, 2, 28), None, None, None, True),
        DayBar(date(2025, 3, 1), OP, 1.0, 1.0, True),
        DayBar(date(2025, 3, 2), MAJOR, 0.75, 0.75, True),
        DayBar(date(2025, 3, 3), None, None, None, True),
        DayBar(date(2025, 3, 4), OP, 1.0, 1.0, True),
    ]
    day, worst, fraction, *_ = bars[2]
    assert (day, worst, fraction) == (date(2025, 3, 2), MAJOR, 0.75)


def test_daily_bars_follow_the_given_time_zone(log: IncidentLog) -> None:
    plus2 = timezone(timedelta(hours=2))
    log.record([status(0, OP), status(22, MAJOR)])  # 22:00 UTC is midnight at +02:00
    assert log.daily("github", days=2, now=at(36), tz=plus2) == [
        DayBar(date(2025, 3, 1), OP, 1.0, 1.0, True),
        DayBar(date(2025, 3, 2), MAJOR, 0.0, 0.0, True),
    ]
    with pytest.raises(ValueError):
        log.daily("github", days=0, now=at(36))


def test_a_second_thread_uses_its_own_connection(log: IncidentLog) -> None:
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with IncidentLog(log.path) as mine:
                mine.record([status(h, OP, "threaded") for h in range(50)])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    log.record([status(h, MAJOR, "main") for h in range(50)])
    thread.join(timeout=10)
    assert errors == []
    assert len(log.history("threaded")) == 50 and len(log.history("main")) == 50
    misuse: list[BaseException] = []

    def read_from_another_thread() -> None:
        try:
            log.history()
        except sqlite3.ProgrammingError as exc:
            misuse.append(exc)

    other = threading.Thread(target=read_from_another_thread)
    other.start()
    other.join(timeout=10)
    assert len(misuse) == 1  # sqlite3 keeps each connection to its own thread


# --- acknowledgements ----------------------------------------------------------------------------


def test_acknowledgements_are_upserted_per_outage_and_read_back(log: IncidentLog) -> None:
    seen = Acknowledgement("openai", probe_down_at=at(1))
    log.record_acknowledgement(seen)
    log.record_acknowledgement(Acknowledgement("claude", probe_down_at=at(2)))
    acked = Acknowledgement("openai", at(1), page_ack_at=at(1.1), incident_id="inc-7")
    log.record_acknowledgement(acked)  # the same outage: updated, not added
    ended = Acknowledgement("openai", at(1), probe_up_at=at(1.5), page_ack_at=at(1.1),
                            incident_id="inc-7")  # fmt: skip
    log.record_acknowledgement(ended)
    assert log.acknowledgements("openai") == [ended]
    assert ended.lag == timedelta(hours=0.1)
    assert [a.service for a in log.acknowledgements()] == ["openai", "claude"]
    assert log.acknowledgements(since=at(1.5)) == [Acknowledgement("claude", at(2))]
    log.close()
    with incident_log.open(log.path) as again:  # committed: survives a reopen
        assert again.acknowledgements("openai") == [ended]


# --- as you saw it, watched spans, resuming ---------------------------------------------------


def test_an_outage_only_your_checks_saw_lowers_as_you_saw_it_not_as_the_page_says(
    log: IncidentLog,
) -> None:
    log.record([status(0, OP)])  # the page stays green all day
    log.record_acknowledgement(Acknowledgement("github", at(6), probe_up_at=at(12)))
    log.record_acknowledgement(Acknowledgement("other", at(1), probe_up_at=at(20)))  # not ours
    up = log.uptime("github", timedelta(hours=24), at(24))
    assert up.fraction == 1.0 and up.percent == 100.0
    assert up.seen_fraction == pytest.approx(18 / 24)
    assert up.seen_time == up.observed == timedelta(hours=24)
    bars = log.daily("github", days=2, now=at(24))  # Mar 1, and Mar 2 just begun
    assert bars[0] == DayBar(date(2025, 3, 1), MAJOR, pytest.approx(0.75), 1.0, True)
    # a page outage overlapping the checks' one is counted once; an unreadable page during
    # the checks' outage still counts as observed, down
    log.record([status(24, OP), status(30, MAJOR), status(33, OP)])
    log.record([Event(at(40), "github", "unreadable", UNKNOWN), status(44, OP)])
    log.record_acknowledgement(Acknowledgement("github", at(31), probe_up_at=at(34)))
    log.record_acknowledgement(Acknowledgement("github", at(41), probe_up_at=at(42)))
    day2 = log.uptime("github", timedelta(hours=24), at(48))
    assert day2.fraction == pytest.approx(17 / 20)  # 3 h down in 20 h readable
    assert day2.seen_observed == timedelta(hours=21)  # + the hour the checks saw it down
    assert day2.seen_fraction == pytest.approx((21 - 5) / 21)  # 30-34 h and 41-42 h down
    together = log.uptimes("github", at(48))  # one read of 90 days, cut to each window
    for name, window in log_rows.WINDOWS.items():
        assert together[name] == log.uptime("github", window, at(48))
    plus2 = timezone(timedelta(hours=2))
    bars, windows = log.overview("github", at(47), days=3, tz=plus2)  # History's one read
    assert (bars, windows) == (
        log.daily("github", 3, at(47), tz=plus2),
        log.uptimes("github", at(47)),
    )


def _run_with_an_open_outage(path: Path) -> None:
    """A run from 0 h to 2 h whose checks saw an outage at 1 h and never saw it end."""
    with incident_log.open(path) as first:
        first.record([status(0, OP)])
        first.record_acknowledgement(Acknowledgement("github", at(1)))
        for quarter in range(9):
            first.heartbeat(at(quarter / 4))


def test_an_outage_left_open_by_a_run_ends_where_that_run_stopped_watching(
    tmp_path: Path,
) -> None:
    """The engine's outage record is lost with the process: nobody saw past its last heartbeat."""

    path = tmp_path / "incidents.db"
    _run_with_an_open_outage(path)  # the process died at 2 h
    with incident_log.open(path) as second:
        for quarter in range(20, 33):
            second.heartbeat(at(quarter / 4))
        up = second.uptime("github", timedelta(hours=8), at(8))
        assert up.observed == timedelta(hours=5)  # 0-2 h and 5-8 h
        assert up.seen_fraction == pytest.approx(4 / 5)  # down 1-2 h only, not 5-8 h
        [outage] = second.acknowledgements("github", now=at(8))
        assert outage.probe_up_at == at(2)


def test_an_outage_still_going_at_a_restart_is_continued_not_counted_twice(
    tmp_path: Path,
) -> None:
    """The engine forgets its outage when it quits; after a restart its checks see it again."""
    from trayapp.core.summary import PageLag

    path = tmp_path / "incidents.db"
    _run_with_an_open_outage(path)
    with incident_log.open(path) as second:  # closed 2 h-5 h; the checks see it down again
        for quarter in range(20, 33):
            second.heartbeat(at(quarter / 4))
        again = Acknowledgement("github", at(5.1))
        second.record_acknowledgement(again, at(5.1))
        second.record_acknowledgement(replace(again, page_ack_at=at(5.5)), at(5.5))
        second.record_acknowledgement(replace(again, page_ack_at=at(5.5), probe_up_at=at(7)), at(7))
        second.record_acknowledgement(replace(again, page_ack_at=at(5.5), probe_up_at=at(7),
                                                  incident_id="inc-1"), at(7.5))  # fmt: skip
        [outage] = second.acknowledgements("github", now=at(8))
        assert outage == Acknowledgement("github", at(1), at(7), at(5.5), "inc-1")
        assert PageLag.of([outage], at(8)) == PageLag(1, 1, timedelta(hours=4.5),
                                                      timedelta(hours=4.5))  # fmt: skip
        up = second.uptime("github", timedelta(hours=8), at(8))
        assert up.watched == timedelta(hours=5)  # 0-2 h and 5-8 h
        assert up.seen_fraction == pytest.approx(2 / 5)  # down 1-2 h and 5-7 h, not 2-5 h
        second.record_acknowledgement(Acknowledgement("github", at(7.6), at(7.8)), at(7.8))
        assert len(second.acknowledgements("github", now=at(8))) == 2  # a new one: a new row


def test_watched_spans_end_with_their_run_and_a_restart_never_bridges(tmp_path: Path) -> None:
    """A 75 s watch, 11 min closed, then 13 min of the tray: 14 min 15 s watched, not 25 min."""
    path = tmp_path / "incidents.db"
    start = at(0)
    with incident_log.open(path) as watch:
        watch.record([Event(start, "fakeai", "status", OP)])
        for seconds in range(0, 61, 30):
            watch.heartbeat(start + timedelta(seconds=seconds))
        watch.end_run(start + timedelta(seconds=75))  # a clean quit
    restart = start + timedelta(seconds=75, minutes=11)  # well within the heartbeat gap
    with incident_log.open(path) as tray:
        for minutes in range(0, 14):
            tray.heartbeat(restart + timedelta(minutes=minutes))
        crash = restart + timedelta(minutes=13, seconds=20)
        tray.record([Event(crash, "fakeai", "status", MAJOR)])  # the last event before a crash
    with incident_log.open(path) as reader:
        end = crash + timedelta(hours=1)
        up = reader.uptime("fakeai", timedelta(hours=24), end)
        assert up.watched == timedelta(seconds=75) + timedelta(minutes=13, seconds=20)
        assert up.observed == up.watched  # the page was readable whenever it was watched
        spans = sqlite3.connect(path).execute("SELECT count(*) FROM observed").fetchone()
        assert spans == (2,)


def test_a_long_silence_within_one_run_is_not_watched(log: IncidentLog) -> None:
    log.record([status(0, OP)])
    log.heartbeat(at(0))
    log.heartbeat(at(0.25))
    log.heartbeat(at(3))  # asleep 2 h 45 min: longer than the heartbeat gap
    log.heartbeat(at(3.5))
    assert log.uptime("github", timedelta(hours=4), at(4)).watched == timedelta(hours=0.75)
    log.heartbeat(at(48))  # two days later: the day between was not watched at all
    log.heartbeat(at(48.25))
    bars = log.daily("github", days=3, now=at(49))
    assert [(b.uptime, b.watched) for b in bars] == [(1.0, True), (None, False), (1.0, True)]


def test_last_known_state_gives_the_severity_and_the_open_incidents(log: IncidentLog) -> None:
    assert log.last_known("github") is None
    incident = Incident(
        "inc-1", "Git is slow", "investigating", True, PARTIAL, latest_update="Looking."
    )
    identified = Incident("inc-1", "Git is slow", "identified", True, PARTIAL,
                          latest_update="Found it.")  # fmt: skip
    gone = Incident("inc-0", "Old", "resolved", False, DEG)
    log.record(
        [
            status(0, OP),
            Event(at(1), "github", "incident_opened", OP, incident=gone),
            status(2, PARTIAL),
            Event(at(2), "github", "incident_opened", PARTIAL, incident=incident),
            Event(at(3), "github", "incident_updated", PARTIAL, incident=identified),
            Event(at(4), "github", "verdict", MAJOR),  # not the page's state
        ]
    )
    known = log.last_known("github")
    assert known is not None
    assert (known.severity, known.since) == (PARTIAL, at(2))
    [resumed] = known.incidents
    assert (resumed.id, resumed.status, resumed.latest_update) == (
        "inc-1",
        "identified",
        "Found it.",
    )
    log.record([Event(at(5), "github", "unreadable", UNKNOWN)])
    assert log.last_known("github").severity is UNKNOWN  # type: ignore[union-attr]
