"""The incident log: every event and incident timeline in one SQLite file, plus uptime answers.

One file in the platform data dir (the caller passes its path). WAL with ``synchronous=NORMAL``:
a commit is in the WAL (written, not fsynced) before ``record`` returns, so a killed or crashed
process loses nothing it committed and the file stays consistent; only a power cut can drop the
last few commits, never corrupt the file. That is the right trade for a log written on every poll:
FULL would fsync each tiny write for data a power cut makes moot anyway.

Times are stored as fixed-width ISO 8601 UTC text, so they sort as text and stay readable in the
``sqlite3`` shell. Only ``prune`` deletes (trayapp.store.log_retention: a year by default, and a cap
on what one reading stores); a damaged file is moved aside, a file about to be migrated copied.

Uptime comes in two figures. "As the page says" is the share of *observed* time during which the
page's confirmed severity was below partial outage (degraded and maintenance count as up). "As you
saw it" also counts as down the outages your own checks saw (the acknowledgements table), probe-only
ones included, and counts that time as observed even while the page could not be read. Time we
could not observe counts neither way: unknown/unreadable spells, offline spells (not for a service
that needs no internet: ``local_services``), and time the app
was not running. Each run of the app records its own watched spans (``heartbeat``): a span ends at
the last heartbeat (a clean quit writes one), and a new run, or a wake after a long silence, opens
a new span, so closed time is never bridged. A log with no heartbeats at all is taken as always
watched.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from pathlib import Path
from typing import Any, ClassVar, NamedTuple, Protocol, TextIO, TypeVar

from trayapp.core.model import Event, Incident, Reading, Severity, worst
from trayapp.core.verdict import Acknowledgement
from trayapp.errors import IncidentLogError
from trayapp.store import log_retention

logger = logging.getLogger(__name__)

WINDOWS: Mapping[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}
HEARTBEAT_GAP = timedelta(minutes=30)  # longer silence: app closed or asleep (keep > 2 polls)
_INCIDENT_KINDS = ("incident_opened", "incident_updated", "incident_resolved")
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


# --- schema ------------------------------------------------------------------------------------
# Each migration takes the schema from version i to i + 1 inside one transaction. Released
# migrations are frozen: never edit one, append a new one.

_V1 = (
    """CREATE TABLE incidents (
        service TEXT NOT NULL,
        incident_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT,
        first_seen TEXT NOT NULL,
        page_started TEXT,
        page_updated TEXT,
        resolved_at TEXT,
        status TEXT NOT NULL,
        severity TEXT NOT NULL,
        worst_severity TEXT NOT NULL,
        components TEXT NOT NULL DEFAULT '[]',
        open INTEGER NOT NULL,
        PRIMARY KEY (service, incident_id)
    )""",
    "CREATE INDEX incidents_open ON incidents(open, service)",
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        service TEXT NOT NULL,
        kind TEXT NOT NULL,
        severity TEXT NOT NULL,
        previous TEXT,
        message TEXT NOT NULL DEFAULT '',
        incident_id TEXT,
        components TEXT NOT NULL DEFAULT '[]',
        FOREIGN KEY (service, incident_id) REFERENCES incidents(service, incident_id)
    )""",
    "CREATE INDEX events_service_time ON events(service, time)",
    "CREATE INDEX events_time ON events(time)",
    """CREATE TABLE incident_updates (
        id INTEGER PRIMARY KEY,
        service TEXT NOT NULL,
        incident_id TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        page_time TEXT,
        status TEXT NOT NULL,
        text TEXT,
        FOREIGN KEY (service, incident_id) REFERENCES incidents(service, incident_id)
    )""",
    "CREATE INDEX incident_updates_incident ON incident_updates(service, incident_id, id)",
    """CREATE TABLE component_states (
        id INTEGER PRIMARY KEY,
        service TEXT NOT NULL,
        group_name TEXT NOT NULL DEFAULT '',
        component TEXT NOT NULL,
        time TEXT NOT NULL,
        severity TEXT NOT NULL
    )""",
    "CREATE INDEX component_states_key ON component_states(service, group_name, component, time)",
)

_V2 = (
    # Spans during which the app was running and polling (see IncidentLog.heartbeat).
    """CREATE TABLE observed (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT NOT NULL
    )""",
    # Status page acknowledgement lag: when our own probes saw an outage, when the page admitted
    # it (NULL: it never did) and with which incident.
    """CREATE TABLE acknowledgements (
        id INTEGER PRIMARY KEY,
        service TEXT NOT NULL,
        probe_down_at TEXT NOT NULL,
        probe_up_at TEXT,
        page_ack_at TEXT,
        incident_id TEXT
    )""",
    "CREATE INDEX acknowledgements_service ON acknowledgements(service, probe_down_at)",
)


_V3 = (
    # When an outage row was last written (by the record's own latest moment): an outage left
    # open by a run that ended counts as seen until that run stopped watching, no further.
    "ALTER TABLE acknowledgements ADD COLUMN written_at TEXT",
)


def _run(statements: Sequence[str]) -> Callable[[sqlite3.Connection], None]:
    def migrate(conn: sqlite3.Connection) -> None:
        for statement in statements:
            conn.execute(statement)

    return migrate


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _run(_V1),
    _run(_V2),
    _run(_V3),
)
SCHEMA_VERSION = len(MIGRATIONS)


# --- rows ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event as the log holds it: the Event's fields, its row id and the incident's id/title."""

    id: int
    time: datetime
    service: str
    kind: str
    severity: Severity
    previous: Severity | None
    message: str
    incident_id: str | None
    incident_title: str | None
    components: tuple[str, ...]

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "time",
        "service",
        "kind",
        "severity",
        "previous",
        "message",
        "incident",
        "incident_title",
        "components",
    )

    def to_json_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": self.time.isoformat(),
            "service": self.service,
            "kind": self.kind,
            "severity": self.severity.value,
            "previous": self.previous.value if self.previous else None,
            "message": self.message,
            "incident": self.incident_id,
            "incident_title": self.incident_title,
            "components": list(self.components),
        }


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """One incident or maintenance: what the page said last, and when we and the page saw it."""

    service: str
    id: str
    kind: str
    title: str
    url: str | None
    first_seen: datetime  # our clock: the first time we saw it
    page_started: datetime | None  # the page's clock
    page_updated: datetime | None
    resolved_at: datetime | None  # the page's resolution time when it gave one, else ours
    status: str
    severity: Severity
    worst_severity: Severity
    components: tuple[str, ...]
    open: bool

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "service",
        "id",
        "kind",
        "title",
        "url",
        "first_seen",
        "page_started",
        "page_updated",
        "resolved_at",
        "status",
        "severity",
        "worst_severity",
        "components",
        "open",
        "duration_seconds",
    )

    @property
    def started(self) -> datetime:
        """When it began: the page's word if it gave one, else when we first saw it."""
        return self.page_started or self.first_seen

    @property
    def duration(self) -> timedelta | None:
        """How long it lasted; None while it is open."""
        return None if self.resolved_at is None else max(self.resolved_at - self.started, _ZERO)

    def to_json_row(self) -> dict[str, Any]:
        duration = self.duration
        return {
            "service": self.service,
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "url": self.url,
            "first_seen": self.first_seen.isoformat(),
            "page_started": _iso(self.page_started),
            "page_updated": _iso(self.page_updated),
            "resolved_at": _iso(self.resolved_at),
            "status": self.status,
            "severity": self.severity.value,
            "worst_severity": self.worst_severity.value,
            "components": list(self.components),
            "open": self.open,
            "duration_seconds": None if duration is None else duration.total_seconds(),
        }


@dataclass(frozen=True, slots=True)
class IncidentUpdate:
    """One step of an incident's timeline: what the page said, its own time, and when we saw it."""

    seen_at: datetime
    page_time: datetime | None
    status: str
    text: str | None


@dataclass(frozen=True, slots=True)
class Uptime:
    """Uptime of one service (or one of its components) over one window ending at ``end``."""

    service: str
    component: str | None
    start: datetime
    end: datetime
    observed: timedelta  # time with a known severity, the app running and the user online
    up: timedelta  # the part of ``observed`` below partial outage
    # As you saw it: the page's outages united with those your checks saw. None (components, or
    # a hand-made figure): the same as the page's.
    seen_observed: timedelta | None = None
    seen_up: timedelta | None = None
    watched: timedelta | None = None  # the app running and online (None: not measured)

    @property
    def fraction(self) -> float | None:
        """Up share of observed time as the page says; None when nothing was observed (never a
        made-up 100 %)."""
        return _share(self.up, self.observed)

    @property
    def percent(self) -> float | None:
        return _percent(self.fraction)

    @property
    def seen_fraction(self) -> float | None:
        """Up share as you saw it: the page's outages and your checks' outages both count."""
        if self.seen_observed is None or self.seen_up is None:
            return self.fraction
        return _share(self.seen_up, self.seen_observed)

    @property
    def seen_percent(self) -> float | None:
        return _percent(self.seen_fraction)

    @property
    def seen_time(self) -> timedelta:
        """Time the figures rest on: observed as you saw it (the page readable, or your checks
        seeing an outage)."""
        return self.observed if self.seen_observed is None else self.seen_observed

    @property
    def watched_time(self) -> timedelta:
        """Time watched: the app running and the user online (readable page or not)."""
        return self.observed if self.watched is None else self.watched

    @property
    def coverage(self) -> float:
        """Observed share of the window."""
        window = self.end - self.start
        return self.observed / window if window > _ZERO else 0.0

    def to_json_row(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "component": self.component,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "uptime": self.fraction,
            "seen_uptime": self.seen_fraction,
            "coverage": self.coverage,
            "observed_seconds": self.observed.total_seconds(),
            "down_seconds": (self.observed - self.up).total_seconds(),
            "watched_seconds": self.watched_time.total_seconds(),
        }


def _share(part: timedelta, whole: timedelta) -> float | None:
    return part / whole if whole > _ZERO else None


def _percent(fraction: float | None) -> float | None:
    return None if fraction is None else 100.0 * fraction


class DayBar(NamedTuple):
    """One day of the 90-day bars: None for both when nothing was observed that day.

    ``worst`` and ``uptime`` are as you saw it (your checks' outages count as major outage);
    ``page_uptime`` is as the page says (None: the same as ``uptime``). ``watched``: trayapp ran
    (online) at some point that day, so a day without figures was unreadable, not unwatched.
    """

    day: date
    worst: Severity | None
    uptime: float | None
    page_uptime: float | None = None
    watched: bool = False


class LastKnown(NamedTuple):
    """What the log last said about a service (see ``IncidentLog.last_known``)."""

    severity: Severity | None
    since: datetime | None
    incidents: tuple[Incident, ...]


class _JsonRow(Protocol):
    def to_json_row(self) -> dict[str, Any]: ...


_ZERO = timedelta(0)
_T = TypeVar("_T")


# --- opening -------------------------------------------------------------------------------------


def open(path: Path | str) -> IncidentLog:
    """Open the log at ``path``, creating, migrating or replacing a damaged file as needed.

    A damaged file is renamed to ``<name>.corrupt-<UTC time>`` (with its -wal/-shm) and a new
    log started; ``recovered_from`` on the result says where the old one went. Before a
    migration, a file holding data is copied to ``<name>.v<old>.bak-<UTC time>``.
    """
    path = Path(path)
    _check_location(path)
    moved: Path | None = None
    reason = _damage(path)
    if reason is not None:
        moved = _move_aside(path)
        logger.warning(
            "The incident log %s was damaged (%s). It was moved to %s and a new log was started.",
            path,
            reason,
            moved,
        )
    conn = _connect(path)
    try:
        backup = _migrate(conn, path)
    finally:
        conn.close()
    return IncidentLog(path, recovered_from=moved, recovery_reason=reason, backup=backup)


def _check_location(path: Path) -> None:
    """Refuse, in one sentence, a log path that is a directory or sits in an unusable folder."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        problem = "is a file, not a folder" if isinstance(exc, FileExistsError) else exc.strerror
        raise IncidentLogError(
            f"cannot use the folder of the incident log {path.parent}: {problem}"
        ) from None
    if path.exists() and not path.is_file():
        raise IncidentLogError(f"the incident log {path} is a directory, not a file: move it away")
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise IncidentLogError(f"cannot write the incident log {path}: it is read-only")


def _connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """A connection in autocommit mode (we issue BEGIN/COMMIT), WAL, foreign keys on."""
    uri = f"{path.resolve().as_uri()}?mode={'rwc' if create else 'rw'}"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=5.0, isolation_level=None)
    except sqlite3.OperationalError as exc:
        raise IncidentLogError(f"cannot open the incident log {path}: {exc}") from exc
    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if mode.lower() != "wal":
        logger.warning("The incident log %s cannot use WAL (journal mode %s)", path, mode)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


def _damage(path: Path) -> str | None:
    """Why the file at ``path`` cannot be our log, or None if it is fine (or absent).

    Read-only, so the check itself never rewrites or checkpoints away a -wal we may move aside.
    ``quick_check`` (every page and record well formed, without matching each index against its
    table) finds the damage a crash or a bad disk leaves in a quarter of ``integrity_check``'s
    time, which grows with the log and is paid by every ``trayapp uptime`` and ``log``.
    """
    if not path.exists():
        return None
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=5.0, isolation_level=None)
    except sqlite3.DatabaseError as exc:
        if _is_damage(exc):
            return str(exc)
        raise
    try:
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            detail = " ".join("; ".join(problems).split())
            return "integrity check failed: " + (
                detail[:160] + "…" if len(detail) > 160 else detail
            )
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if version == 0 and tables:
            return "a database, but not a trayapp incident log"
        if version > SCHEMA_VERSION:
            raise IncidentLogError(
                f"The incident log {path} was written by a newer trayapp (schema v{version}; "
                f"this one knows up to v{SCHEMA_VERSION}). Update trayapp or move the file away."
            )
    except sqlite3.DatabaseError as exc:
        if _is_damage(exc):
            return str(exc)
        raise
    finally:
        conn.close()
    return None


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _free_name(path: Path, suffix: str) -> Path:
    """``path`` + ``suffix``, with a counter when that name (or its -wal) is taken."""
    for n in range(1000):
        candidate = path.with_name(path.name + suffix + (f".{n}" if n else ""))
        if not candidate.exists() and not Path(f"{candidate}-wal").exists():
            return candidate
    raise IncidentLogError(f"no free name for {path}{suffix}")


def _move_aside(path: Path) -> Path:
    """Rename the file and its -wal/-shm together, so the set still opens as one database."""
    target = _free_name(path, f".corrupt-{_stamp()}")
    for sidecar in ("-wal", "-shm"):
        source = Path(f"{path}{sidecar}")
        if source.exists():
            os.replace(source, f"{target}{sidecar}")
    os.replace(path, target)
    return target


def _has_data(conn: sqlite3.Connection) -> bool:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return any(
        conn.execute(f'SELECT EXISTS (SELECT 1 FROM "{name}")').fetchone()[0] for name in tables
    )


def _backup(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    """Copy the live database (WAL included) by the backup API; the name appears when done."""
    target = _free_name(path, f".v{version}.bak-{_stamp()}")
    partial = target.with_name(target.name + ".partial")
    dest = sqlite3.connect(partial)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    os.replace(partial, target)
    return target


def _migrate(conn: sqlite3.Connection, path: Path) -> Path | None:
    """Bring the schema up to date; returns the backup made first, if any."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    backup = None
    if 0 < version < SCHEMA_VERSION and _has_data(conn):
        backup = _backup(conn, path, version)
        logger.info("Backed up the incident log (schema v%d) to %s", version, backup)
    for step in range(version, SCHEMA_VERSION):
        with _transaction(conn):
            if conn.execute("PRAGMA user_version").fetchone()[0] != step:
                continue  # another process migrated meanwhile
            MIGRATIONS[step](conn)
            conn.execute(f"PRAGMA user_version = {step + 1}")
    return backup


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE (take the write lock up front, so WAL readers never deadlock us)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


# --- the log -------------------------------------------------------------------------------------


class IncidentLog:
    """One connection to the log. Use from one thread; another thread opens ``IncidentLog(path)``.

    Construct through :func:`open` first (it checks, repairs and migrates); the constructor only
    connects to a file that is already at the current schema.
    """

    open = staticmethod(open)

    def __init__(
        self,
        path: Path | str,
        *,
        recovered_from: Path | None = None,
        recovery_reason: str | None = None,
        backup: Path | None = None,
    ) -> None:
        self.path = Path(path)
        self.recovered_from = recovered_from  # where a damaged file was moved, if one was
        self.recovery_reason = recovery_reason
        self.backup = backup  # the copy made before a migration, if one was made
        self.heartbeat_gap = HEARTBEAT_GAP
        # services that need no internet (Config.local_services): offline spells do not apply
        self.local_services: frozenset[str] = frozenset()
        self._span: tuple[int, str, str] | None = None  # this run's watched span: id, start, end
        self._continued: dict[tuple[str, str], int] = {}  # outages of this run continuing a row
        self._conn = _connect(self.path, create=False)
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            self._conn.close()
            raise IncidentLogError(
                f"{self.path} is at schema v{version}, not v{SCHEMA_VERSION}; open it with open()"
            )

    @property
    def notice(self) -> str | None:
        """One sentence for the user when opening had to replace a damaged file."""
        if self.recovered_from is None:
            return None
        return (
            f"The incident log was damaged ({self.recovery_reason}); it was moved to "
            f"{self.recovered_from} and a new, empty log was started at {self.path}."
        )

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> IncidentLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writes ----------------------------------------------------------------------------------

    def record(self, events: Sequence[Event]) -> list[int]:
        """Append events (and their incidents' state and timeline) in one transaction.

        Returns the new event ids; once this returns they survive a crash of the process.
        """
        if not events:
            return []
        ids = []
        with _transaction(self._conn):
            for event in events:
                if event.incident is not None:
                    self._store_incident(event, event.incident)
                cursor = self._conn.execute(
                    "INSERT INTO events (time, service, kind, severity, previous, message,"
                    " incident_id, components) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        _ts(event.time),
                        event.service,
                        event.kind,
                        Severity(event.severity).value,
                        Severity(event.previous).value if event.previous else None,
                        event.message,
                        event.incident.id if event.incident else None,
                        json.dumps(log_retention.capped(event.components)),
                    ),
                )
                ids.append(int(cursor.lastrowid or 0))
            if self._span is not None:  # a watching run: its span reaches its last event
                self._heartbeat(max(event.time for event in events), extend_only=True)
        return ids

    def _store_incident(self, event: Event, incident: Incident) -> None:
        """Upsert the incident's latest state; append to its timeline when status or text moved."""
        key = (event.service, incident.id)
        old = self._conn.execute(
            "SELECT worst_severity, components FROM incidents"
            " WHERE service = ? AND incident_id = ?",
            key,
        ).fetchone()
        worst_so_far = worst(
            [incident.severity, *([Severity(old[0])] if old else [])], default=Severity.UNKNOWN
        )
        components = log_retention.capped(
            list(dict.fromkeys([*(json.loads(old[1]) if old else []), *incident.components]))
        )
        closing = event.kind == "incident_resolved" or not incident.open
        resolved_at = None
        if closing:
            page_said = incident.updated if not incident.open else None
            resolved_at = _ts(page_said or event.time)
        self._conn.execute(
            "INSERT INTO incidents (service, incident_id, kind, title, url, first_seen,"
            " page_started, page_updated, resolved_at, status, severity, worst_severity,"
            " components, open) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (service, incident_id) DO UPDATE SET kind = excluded.kind,"
            " title = excluded.title, url = coalesce(excluded.url, url),"
            " page_started = coalesce(excluded.page_started, page_started),"
            " page_updated = coalesce(excluded.page_updated, page_updated),"
            " resolved_at = excluded.resolved_at, status = excluded.status,"
            " severity = excluded.severity, worst_severity = excluded.worst_severity,"
            " components = excluded.components, open = excluded.open",
            (
                *key,
                incident.kind,
                incident.title,
                incident.url,
                _ts(event.time),
                _ts_or_none(incident.started),
                _ts_or_none(incident.updated),
                resolved_at,
                incident.status,
                Severity(incident.severity).value,
                worst_so_far.value,
                json.dumps(components),
                int(not closing),
            ),
        )
        if event.kind in _INCIDENT_KINDS:
            last = self._conn.execute(
                "SELECT status, text FROM incident_updates WHERE service = ? AND incident_id = ?"
                " ORDER BY id DESC LIMIT 1",
                key,
            ).fetchone()
            if last != (incident.status, incident.latest_update):
                self._conn.execute(
                    "INSERT INTO incident_updates (service, incident_id, seen_at, page_time,"
                    " status, text) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        *key,
                        _ts(event.time),
                        _ts_or_none(incident.updated),
                        incident.status,
                        incident.latest_update,
                    ),
                )

    def record_components(self, service: str, reading: Reading, now: datetime | None = None) -> int:
        """Store each component's severity when it changed; also a heartbeat at ``now``.

        Components missing from the reading (all of them when it is unreadable) become unknown,
        so their last state does not silently stretch over time we did not see them.
        Returns how many changes were stored.
        """
        now = now or datetime.now(UTC)
        current: dict[tuple[str, str], Severity] = {}
        for component in reading.components[: log_retention.MAX_COMPONENTS]:
            key = (component.group or "", component.name)
            seen = [current[key]] if key in current else []
            current[key] = worst([component.severity, *seen], default=Severity.UNKNOWN)
        with _transaction(self._conn):
            last = {
                (group, name): Severity(severity)
                for group, name, severity in self._conn.execute(
                    "SELECT group_name, component, severity FROM component_states WHERE id IN"
                    " (SELECT max(id) FROM component_states WHERE service = ?"
                    "  GROUP BY group_name, component)",
                    (service,),
                )
            }
            current = log_retention.admitted(current, last)
            gone = {key: Severity.UNKNOWN for key, sev in last.items() if key not in current}
            changes = {
                key: sev for key, sev in {**gone, **current}.items() if last.get(key) is not sev
            }
            self._conn.executemany(
                "INSERT INTO component_states (service, group_name, component, time, severity)"
                " VALUES (?, ?, ?, ?, ?)",
                [(service, g, n, _ts(now), sev.value) for (g, n), sev in changes.items()],
            )
            self._heartbeat(now)
        return len(changes)

    def prune(self, keep_days: int, now: datetime | None = None) -> int:
        """Delete what is older than ``keep_days`` (see store.log_retention); rows deleted."""
        cut = log_retention.cutoff(now or datetime.now(UTC), keep_days)
        with _transaction(self._conn):
            return log_retention.prune(self._conn, _ts(cut))

    def heartbeat(self, now: datetime | None = None) -> None:
        """Say the app is running and watching at ``now`` (call once per poll round).

        This connection's heartbeats less than ``heartbeat_gap`` apart make one watched span; a
        longer silence (machine asleep) starts a new one. The first heartbeat of a connection
        always starts a new span: a restart never bridges the time the app was closed.
        """
        with _transaction(self._conn):
            self._heartbeat(now or datetime.now(UTC))

    def end_run(self, now: datetime | None = None) -> None:
        """A clean quit: the watched span ends at ``now``; a later heartbeat opens a new one."""
        self.heartbeat(now)
        self._span = None

    def _heartbeat(self, now: datetime, *, extend_only: bool = False) -> None:
        """Extend this run's span to ``now``, or start a new one (unless ``extend_only``)."""
        now = _aware(now)
        stamp = _ts(now)
        if self._span is not None:
            span_id, started, ended = self._span
            if started <= stamp <= ended:
                return
            if ended < stamp and now - _dt(ended) <= self.heartbeat_gap:
                self._conn.execute(
                    "UPDATE observed SET ended_at = ? WHERE id = ?", (stamp, span_id)
                )
                self._span = (span_id, started, stamp)
                return
        if extend_only:
            return
        cursor = self._conn.execute(
            "INSERT INTO observed (started_at, ended_at) VALUES (?, ?)", (stamp, stamp)
        )
        self._span = (int(cursor.lastrowid or 0), stamp, stamp)

    # --- reads -----------------------------------------------------------------------------------

    def history(
        self,
        service: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
        *,
        until: datetime | None = None,
        kinds: Iterable[str] | None = None,
    ) -> list[LoggedEvent]:
        """Events, oldest first; with ``limit``, the most recent ``limit`` of them."""
        where, args = ["1"], []
        if service is not None:
            where.append("e.service = ?")
            args.append(service)
        if since is not None:
            where.append("e.time >= ?")
            args.append(_ts(since))
        if until is not None:
            where.append("e.time < ?")
            args.append(_ts(until))
        if kinds is not None:
            kinds = list(kinds)
            where.append(f"e.kind IN ({', '.join('?' * len(kinds))})")
            args.extend(kinds)
        rows = self._conn.execute(
            "SELECT e.id, e.time, e.service, e.kind, e.severity, e.previous, e.message,"
            " e.incident_id, i.title, e.components FROM events e LEFT JOIN incidents i"
            " ON i.service = e.service AND i.incident_id = e.incident_id"
            f" WHERE {' AND '.join(where)} ORDER BY e.time DESC, e.id DESC LIMIT ?",
            [*args, -1 if limit is None else limit],
        ).fetchall()
        return [
            LoggedEvent(
                id=r[0],
                time=_dt(r[1]),
                service=r[2],
                kind=r[3],
                severity=Severity(r[4]),
                previous=Severity(r[5]) if r[5] else None,
                message=r[6],
                incident_id=r[7],
                incident_title=r[8],
                components=tuple(json.loads(r[9])),
            )
            for r in reversed(rows)
        ]

    def services(self) -> list[str]:
        """Every service the log has heard of (not the '' of offline/online events)."""
        rows = self._conn.execute(
            "SELECT DISTINCT service FROM events WHERE service != ''"
            " UNION SELECT DISTINCT service FROM component_states ORDER BY 1"
        )
        return [r[0] for r in rows]

    def components(self, service: str) -> list[tuple[str | None, str]]:
        """(group, name) of each component recorded for ``service``."""
        rows = self._conn.execute(
            "SELECT DISTINCT group_name, component FROM component_states WHERE service = ?"
            " ORDER BY 1, 2",
            (service,),
        )
        return [(g or None, n) for g, n in rows]

    def incidents(
        self,
        service: str | None = None,
        *,
        since: datetime | None = None,
        open_only: bool = False,
        kind: str | None = None,
    ) -> list[IncidentRecord]:
        """Incidents and maintenances, by when they started (page time, else ours)."""
        where, args = ["1"], []
        if service is not None:
            where.append("service = ?")
            args.append(service)
        if since is not None:  # ended after ``since`` (or still open)
            where.append("(resolved_at IS NULL OR resolved_at >= ?)")
            args.append(_ts(since))
        if open_only:
            where.append("open = 1")
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        rows = self._conn.execute(
            "SELECT service, incident_id, kind, title, url, first_seen, page_started,"
            " page_updated, resolved_at, status, severity, worst_severity, components, open"
            f" FROM incidents WHERE {' AND '.join(where)}"
            " ORDER BY coalesce(page_started, first_seen), service, incident_id",
            args,
        )
        return [_incident_row(r) for r in rows]

    def open_incidents(self, service: str | None = None) -> list[IncidentRecord]:
        return self.incidents(service, open_only=True)

    def incident(self, service: str, incident_id: str) -> IncidentRecord | None:
        row = self._conn.execute(
            "SELECT service, incident_id, kind, title, url, first_seen, page_started,"
            " page_updated, resolved_at, status, severity, worst_severity, components, open"
            " FROM incidents WHERE service = ? AND incident_id = ?",
            (service, incident_id),
        ).fetchone()
        return _incident_row(row) if row else None

    def last_known(self, service: str) -> LastKnown | None:
        """The service's state when the log last heard of it, for a new run to resume from:
        the last severity event and the incidents and maintenances still open (None: never
        heard of)."""
        row = self._conn.execute(
            "SELECT time, CASE kind WHEN 'unreadable' THEN 'unknown' ELSE severity END"
            " FROM events WHERE service = ? AND kind IN ('status', 'unreadable', 'stable',"
            " 'flapping') ORDER BY time DESC, id DESC LIMIT 1",
            (service,),
        ).fetchone()
        records = self.open_incidents(service)
        if row is None and not records:
            return None
        incidents = []
        for record in records:
            updates = self.incident_timeline(service, record.id)
            latest = updates[-1] if updates else None
            incidents.append(
                Incident(
                    id=record.id,
                    title=record.title,
                    status=latest.status if latest else record.status,
                    open=True,
                    severity=record.severity,
                    kind="maintenance" if record.kind == "maintenance" else "incident",
                    url=record.url,
                    started=record.page_started,
                    updated=record.page_updated,
                    latest_update=latest.text if latest else None,
                    components=record.components,
                )
            )
        severity, since = (Severity(row[1]), _dt(row[0])) if row else (None, None)
        return LastKnown(severity, since, tuple(incidents))

    def incident_timeline(self, service: str, incident_id: str) -> list[IncidentUpdate]:
        rows = self._conn.execute(
            "SELECT seen_at, page_time, status, text FROM incident_updates"
            " WHERE service = ? AND incident_id = ? ORDER BY id",
            (service, incident_id),
        )
        return [IncidentUpdate(_dt(s), _dt_or_none(p), status, text) for s, p, status, text in rows]

    # --- uptime ----------------------------------------------------------------------------------

    def uptime(
        self,
        service: str,
        window: timedelta,
        now: datetime | None = None,
        *,
        component: str | None = None,
        group: str | None = None,
    ) -> Uptime:
        """Uptime of ``service`` (or one component) over the ``window`` ending at ``now``, as the
        page says and as you saw it (components: the page's figures only)."""
        end = _aware(now or datetime.now(UTC))
        start = end - window
        views = self._views(service, start, end, component, group)
        return _uptime(service, component, start, end, views)

    def uptimes(
        self,
        service: str,
        now: datetime | None = None,
        *,
        component: str | None = None,
        group: str | None = None,
    ) -> dict[str, Uptime]:
        """Uptime over each of WINDOWS (24h, 7d, 30d, 90d), from one read of the longest."""
        end = _aware(now or datetime.now(UTC))
        longest = max(WINDOWS.values())
        views = self._views(service, end - longest, end, component, group)
        return {
            name: _uptime(service, component, end - window, end, views.since(_us(end - window)))
            for name, window in WINDOWS.items()
        }

    def daily(
        self,
        service: str,
        days: int = 90,
        now: datetime | None = None,
        *,
        component: str | None = None,
        group: str | None = None,
        tz: tzinfo = UTC,
    ) -> list[DayBar]:
        """One bar per calendar day (in ``tz``), oldest first, today (up to ``now``) last.

        The bar's colour and uptime are as you saw it; ``page_uptime`` as the page says."""
        now = _aware(now or datetime.now(UTC))
        bounds = _day_bounds(days, now, tz)
        views = self._views(service, _from_us(bounds[0]), now, component, group)
        return _day_bars(views, bounds, now.astimezone(tz).date())

    def overview(
        self, service: str, now: datetime | None = None, *, days: int = 90, tz: tzinfo = UTC
    ) -> tuple[list[DayBar], dict[str, Uptime]]:
        """``daily`` and ``uptimes`` of a whole service from one read of the log (History)."""
        now = _aware(now or datetime.now(UTC))
        bounds = _day_bounds(days, now, tz)
        start = min(_from_us(bounds[0]), now - max(WINDOWS.values()))
        views = self._views(service, start, now, None, None)
        uptimes = {
            name: _uptime(service, None, now - window, now, views.since(_us(now - window)))
            for name, window in WINDOWS.items()
        }
        return _day_bars(views.since(bounds[0]), bounds, now.astimezone(tz).date()), uptimes

    def _views(
        self,
        service: str,
        start: datetime,
        end: datetime,
        component: str | None,
        group: str | None,
    ) -> _Views:
        """The window's watched spans, the page's known severities in them and, for a whole
        service, those severities overlaid with your checks' outages (as major outage)."""
        lo, hi = _us(start), _us(end)
        if component is None:
            changes = self._changes(
                "SELECT time, CASE kind WHEN 'unreadable' THEN 'unknown' ELSE severity END"
                " FROM events WHERE service = ? AND kind IN ('status', 'unreadable', 'stable')",
                (service,),
                start,
                end,
            )
        else:
            changes = self._changes(
                "SELECT time, severity FROM component_states"
                " WHERE service = ? AND group_name = ? AND component = ?",
                (service, group or "", component),
                start,
                end,
            )
        states = [
            (a, b, sev)
            for a, b, sev in _segments(changes, lo, hi)
            if Severity(sev) is not Severity.UNKNOWN
        ]
        watched = _subtract(self._watched(start, end), self._offline(service, start, end))
        page = [(a, b, Severity(s)) for a, b, s in _intersect(states, watched)]
        if component is not None:
            return _Views(watched, page, None)
        down = [(a, b, _CHECKS_DOWN) for a, b in self._checks_down(service, start, end)]
        down = _intersect(down, watched)
        seen = sorted([*_cut(page, [(a, b) for a, b, _ in down]), *down])
        return _Views(watched, page, seen)

    def _checks_down(self, service: str, start: datetime, end: datetime) -> list[tuple[int, int]]:
        """Spans (µs, merged) when your checks saw ``service`` down, clipped to the window."""
        rows = self._conn.execute(
            "SELECT probe_down_at, probe_up_at, coalesce(written_at, probe_down_at)"
            " FROM acknowledgements WHERE service = ?"
            " AND probe_down_at < ? AND (probe_up_at IS NULL OR probe_up_at > ?)",
            (service, _ts(end), _ts(start)),
        ).fetchall()
        lo, hi = _us(start), _us(end)
        spans = []
        for down, up, written in rows:
            stop = _dt(up) if up else self._run_end(_dt(written))
            spans.append((max(_us(_dt(down)), lo), hi if stop is None else min(_us(stop), hi)))
        return _merge(spans)

    def _run_end(self, moment: datetime) -> datetime | None:
        """The end of the watched span holding ``moment``: the last moment that run was known
        to be watching (None: the log has no spans, so it is taken as always watched)."""
        row = self._conn.execute(
            "SELECT ended_at FROM observed WHERE started_at <= ? ORDER BY started_at DESC LIMIT 1",
            (_ts(moment),),
        ).fetchone()
        return None if row is None else max(_dt(row[0]), moment)

    def _changes(
        self, select: str, args: tuple[str, ...], start: datetime, end: datetime
    ) -> list[tuple[int, str]]:
        """(µs, value) rows of ``select`` in [start, end), led by the last one before start."""
        before = self._conn.execute(
            f"{select} AND time < ? ORDER BY time DESC, id DESC LIMIT 1", (*args, _ts(start))
        ).fetchall()
        within = self._conn.execute(
            f"{select} AND time >= ? AND time < ? ORDER BY time, id", (*args, _ts(start), _ts(end))
        ).fetchall()
        return [(_us(_dt(t)), value) for t, value in [*before, *within]]

    def _offline(self, service: str, start: datetime, end: datetime) -> list[tuple[int, int]]:
        """Spans when the user was offline (events for '' apply to every service that needs the
        internet; a local one's time then counts from its own readings)."""
        if service in self.local_services:
            return []
        toggles = self._changes(
            "SELECT time, kind FROM events"
            " WHERE service IN ('', ?) AND kind IN ('offline', 'online')",
            (service,),
            start,
            end,
        )
        return [
            (a, b) for a, b, kind in _segments(toggles, _us(start), _us(end)) if kind == "offline"
        ]

    def _watched(self, start: datetime, end: datetime) -> list[tuple[int, int]]:
        """Spans the app was running (heartbeats); the whole window if none were ever recorded."""
        if self._conn.execute("SELECT NOT EXISTS (SELECT 1 FROM observed)").fetchone()[0]:
            return [(_us(start), _us(end))]
        rows = self._conn.execute(
            "SELECT started_at, ended_at FROM observed WHERE started_at < ? AND ended_at > ?"
            " ORDER BY started_at",
            (_ts(end), _ts(start)),
        )
        spans = [(max(_us(_dt(a)), _us(start)), min(_us(_dt(b)), _us(end))) for a, b in rows]
        return _merge(spans)

    # --- acknowledgements --------------------------------------------------------------------

    def record_acknowledgement(self, ack: Acknowledgement, now: datetime | None = None) -> None:
        """Insert or update the row of one outage your checks saw (keyed by service and
        ``probe_down_at``); see ``trayapp.core.verdict.follow_acknowledgement``.

        An outage the log does not know while the service's latest outage is still open is that
        outage, continued: the engine forgets its outage when it stops, and after a restart
        sees the same one again with a new start. It is written into the open row (kept under
        the new start for the rest of this run), so one outage is never counted twice.
        ``now`` (default: the record's latest moment) is when it was written.
        """
        written = now or max(
            t for t in (ack.probe_down_at, ack.probe_up_at, ack.page_ack_at) if t is not None
        )
        key = (ack.service, _ts(ack.probe_down_at))
        with _transaction(self._conn):
            row_id = self._continued.get(key)
            if row_id is None:
                row = self._conn.execute(
                    "SELECT id FROM acknowledgements WHERE service = ? AND probe_down_at = ?", key
                ).fetchone()
                if row is None:
                    row = self._conn.execute(
                        "SELECT id FROM acknowledgements WHERE service = ? AND probe_down_at < ?"
                        " AND probe_up_at IS NULL ORDER BY probe_down_at DESC LIMIT 1",
                        key,
                    ).fetchone()
                    if row is not None:
                        self._continued[key] = row[0]
                row_id = None if row is None else row[0]
            values = (
                _ts_or_none(ack.probe_up_at),
                _ts_or_none(ack.page_ack_at),
                ack.incident_id,
                _ts(written),
            )
            if row_id is not None:
                self._conn.execute(
                    "UPDATE acknowledgements SET probe_up_at = ?,"
                    " page_ack_at = coalesce(page_ack_at, ?),"
                    " incident_id = coalesce(incident_id, ?), written_at = ? WHERE id = ?",
                    (*values, row_id),
                )
            else:
                self._conn.execute(
                    "INSERT INTO acknowledgements (probe_up_at, page_ack_at, incident_id,"
                    " written_at, service, probe_down_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (*values, *key),
                )

    def acknowledgements(
        self, service: str | None = None, since: datetime | None = None, now: datetime | None = None
    ) -> list[Acknowledgement]:
        """Outages your checks saw, oldest first, with when the status page admitted each.

        An outage still open in the log whose run has ended (the run that last wrote it was
        followed by another, or has been silent longer than ``heartbeat_gap`` at ``now``) ends,
        as seen, at the last moment that run was watching: nobody saw it after that.
        """
        where, args = ["1"], []
        if service is not None:
            where.append("service = ?")
            args.append(service)
        if since is not None:
            where.append("probe_down_at >= ?")
            args.append(_ts(since))
        rows = self._conn.execute(
            "SELECT service, probe_down_at, probe_up_at, page_ack_at, incident_id,"
            " coalesce(written_at, probe_down_at)"
            f" FROM acknowledgements WHERE {' AND '.join(where)} ORDER BY probe_down_at, id",
            args,
        ).fetchall()
        latest = self._conn.execute("SELECT max(ended_at) FROM observed").fetchone()[0]
        now = _aware(now or datetime.now(UTC))
        records = []
        for r in rows:
            down_at, up_at = _dt(r[1]), _dt_or_none(r[2])
            if up_at is None and latest is not None:
                run_end = self._run_end(_dt(r[5]))
                if run_end is not None and (
                    _ts(run_end) < latest or now - run_end > self.heartbeat_gap
                ):
                    up_at = run_end
            records.append(
                Acknowledgement(
                    service=r[0],
                    probe_down_at=down_at,
                    probe_up_at=up_at,
                    page_ack_at=_dt_or_none(r[3]),
                    incident_id=r[4],
                )
            )
        return records


# --- export --------------------------------------------------------------------------------------


def to_json_rows(rows: Iterable[_JsonRow]) -> list[dict[str, Any]]:
    """Plain dicts (ISO 8601 times, severities as their words) for ``json.dumps``."""
    return [row.to_json_row() for row in rows]


def write_csv(rows: Iterable[_JsonRow], stream: TextIO, columns: Sequence[str]) -> None:
    """CSV with a header of ``columns`` (e.g. LoggedEvent.COLUMNS); lists joined with '; '."""
    import csv  # exports only: the tray never needs it

    writer = csv.DictWriter(stream, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        data = row.to_json_row()
        writer.writerow(
            {
                k: "; ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v)
                for k, v in data.items()
            }
        )


# --- helpers -------------------------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC (the tracker and engine work in UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _ts(moment: datetime) -> str:
    """Fixed-width UTC ISO 8601, so text order is time order."""
    return _aware(moment).astimezone(UTC).isoformat(timespec="microseconds")


def _ts_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else _ts(moment)


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _dt_or_none(text: str | None) -> datetime | None:
    return None if text is None else _dt(text)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _us(moment: datetime) -> int:
    return (_aware(moment) - _EPOCH) // _US


def _from_us(micros: int) -> datetime:
    return _EPOCH + micros * _US


def _is_up(severity: Severity) -> bool:
    return severity.rank < Severity.PARTIAL_OUTAGE.rank


def _incident_row(r: Sequence[Any]) -> IncidentRecord:
    return IncidentRecord(
        service=r[0],
        id=r[1],
        kind=r[2],
        title=r[3],
        url=r[4],
        first_seen=_dt(r[5]),
        page_started=_dt_or_none(r[6]),
        page_updated=_dt_or_none(r[7]),
        resolved_at=_dt_or_none(r[8]),
        status=r[9],
        severity=Severity(r[10]),
        worst_severity=Severity(r[11]),
        components=tuple(json.loads(r[12])),
        open=bool(r[13]),
    )


class _Views(NamedTuple):
    """What a window holds: watched spans, the page's severities, and as you saw it (None for a
    component: your checks watch the whole service)."""

    watched: list[tuple[int, int]]
    page: list[tuple[int, int, Severity]]
    seen: list[tuple[int, int, Severity]] | None

    def since(self, lo: int) -> _Views:
        """The same views cut to start at ``lo`` (µs): a shorter window ending at the same time."""
        return _Views(
            [(max(a, lo), b) for a, b in self.watched if b > lo],
            _since(self.page, lo),
            None if self.seen is None else _since(self.seen, lo),
        )


def _since(pieces: list[tuple[int, int, Severity]], lo: int) -> list[tuple[int, int, Severity]]:
    return [(max(a, lo), b, sev) for a, b, sev in pieces if b > lo]


def _uptime(
    service: str, component: str | None, start: datetime, end: datetime, views: _Views
) -> Uptime:
    seen = views.seen
    return Uptime(
        service,
        component,
        start,
        end,
        _length(views.page) * _US,
        _length(views.page, up=True) * _US,
        None if seen is None else _length(seen) * _US,
        None if seen is None else _length(seen, up=True) * _US,
        sum((b - a for a, b in views.watched), 0) * _US,
    )


_CHECKS_DOWN = Severity.MAJOR_OUTAGE  # what an outage your checks saw counts as


def _length(pieces: Iterable[tuple[int, int, Severity]], *, up: bool = False) -> int:
    return sum(b - a for a, b, sev in pieces if not up or _is_up(sev))


def _fraction(pieces: Sequence[tuple[int, int, Severity]]) -> float | None:
    observed = _length(pieces)
    return _length(pieces, up=True) / observed if observed else None


def _day_bounds(days: int, now: datetime, tz: tzinfo) -> list[int]:
    """µs of each local midnight of the last ``days`` days (today's included), then ``now``."""
    if days < 1:
        raise ValueError("days must be at least 1")
    first = now.astimezone(tz).date() - timedelta(days=days - 1)
    return [_us(datetime.combine(first + timedelta(d), time(), tz)) for d in range(days)] + [
        _us(now)
    ]


def _day_bars(views: _Views, bounds: list[int], today: date) -> list[DayBar]:
    page = _per_day(views.page, bounds)
    seen = page if views.seen is None else _per_day(views.seen, bounds)
    watched = _per_day([(a, b, Severity.UNKNOWN) for a, b in views.watched], bounds)
    first = today - timedelta(days=len(bounds) - 2)
    return [
        DayBar(
            first + timedelta(d),
            worst([s for *_, s in seen_day]) if seen_day else None,
            _fraction(seen_day),
            _fraction(page_day),
            bool(watched_day),
        )
        for d, (seen_day, page_day, watched_day) in enumerate(zip(seen, page, watched, strict=True))
    ]


def _per_day(
    pieces: Sequence[tuple[int, int, Severity]], bounds: list[int]
) -> list[list[tuple[int, int, Severity]]]:
    """``pieces`` cut at the day ``bounds`` and grouped per day."""
    days: list[list[tuple[int, int, Severity]]] = [[] for _ in range(len(bounds) - 1)]
    for a, b, sev in _intersect(pieces, list(pairwise(bounds))):  # no piece spans midnight
        days[bisect_right(bounds, a) - 1].append((a, b, sev))
    return days


def _segments(changes: Sequence[tuple[int, str]], lo: int, hi: int) -> list[tuple[int, int, str]]:
    """Each change's value holds until the next change; the pieces inside [lo, hi)."""
    ends = [t for t, _ in changes[1:]] + [hi]
    pieces = []
    for (t, value), nxt in zip(changes, ends, strict=False):  # no changes: no pieces
        a, b = max(t, lo), min(nxt, hi)
        if a < b:
            pieces.append((a, b, value))
    return pieces


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(s for s in spans if s[0] < s[1]):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _subtract(spans: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` minus ``holes`` (spans sorted and disjoint)."""
    return [(a, b) for a, b, _ in _cut([(a, b, None) for a, b in spans], _merge(holes))]


def _cut(
    pieces: Sequence[tuple[int, int, _T]], holes: Sequence[tuple[int, int]]
) -> list[tuple[int, int, _T]]:
    """The parts of ``pieces`` outside ``holes`` (both sorted and disjoint), in one walk."""
    out, j = [], 0
    for a, b, value in pieces:
        while j < len(holes) and holes[j][1] <= a:
            j += 1
        k = j
        while a < b and k < len(holes) and holes[k][0] < b:
            h0, h1 = holes[k]
            if h0 > a:
                out.append((a, h0, value))
            a = max(a, h1)
            k += 1
        if a < b:
            out.append((a, b, value))
    return out


def _intersect(
    pieces: Sequence[tuple[int, int, _T]], allowed: Sequence[tuple[int, int]]
) -> list[tuple[int, int, _T]]:
    """The parts of ``pieces`` inside ``allowed`` (both sorted and disjoint), two-pointer walk."""
    out, i, j = [], 0, 0
    while i < len(pieces) and j < len(allowed):
        a, b, value = pieces[i]
        lo, hi = allowed[j]
        start, stop = max(a, lo), min(b, hi)
        if start < stop:
            out.append((start, stop, value))
        if b < hi:
            i += 1
        else:
            j += 1
    return out
