"""The incident log's schema and its migrations, and opening the SQLite file safely: a damaged file
moved aside, a backup before each migration, one transaction per write."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from trayapp.errors import IncidentLogError

logger = logging.getLogger(__name__)

_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26  # sqlite3 error codes of a damaged file


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
