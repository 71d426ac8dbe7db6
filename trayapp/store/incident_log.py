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

import json
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from trayapp.core.model import Event, Incident, Reading, Severity, worst
from trayapp.errors import IncidentLogError
from trayapp.store import log_retention
from trayapp.store.log_acks import AcknowledgementRecord
from trayapp.store.log_rows import (
    IncidentRecord,
    IncidentUpdate,
    LastKnown,
    LoggedEvent,
    _aware,
    _dt,
    _dt_or_none,
    _incident_row,
    _ts,
    _ts_or_none,
)
from trayapp.store.log_schema import (
    SCHEMA_VERSION,
    _check_location,
    _connect,
    _damage,
    _migrate,
    _move_aside,
    _transaction,
)

logger = logging.getLogger(__name__)

HEARTBEAT_GAP = timedelta(minutes=30)  # longer silence: app closed or asleep (keep > 2 polls)
_INCIDENT_KINDS = ("incident_opened", "incident_updated", "incident_resolved")


# --- schema ------------------------------------------------------------------------------------
# Each migration takes the schema from version i to i + 1 inside one transaction. Released
# migrations are frozen: never edit one, append a new one.


# --- rows ----------------------------------------------------------------------------------------


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


# --- the log -------------------------------------------------------------------------------------


class IncidentLog(AcknowledgementRecord):
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
