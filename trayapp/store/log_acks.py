"""The incident log's acknowledgement record: when a status page admitted an outage your own
checks saw, and how late (a part of ``IncidentLog``, which opens the connection)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from trayapp.core.verdict import Acknowledgement
from trayapp.store.log_rows import (
    _aware,
    _dt,
    _dt_or_none,
    _ts,
    _ts_or_none,
)
from trayapp.store.log_schema import _transaction
from trayapp.store.log_uptime import UptimeQueries


class AcknowledgementRecord(UptimeQueries):
    """Writes and reads the acknowledgements table."""

    _conn: sqlite3.Connection
    _continued: dict[tuple[str, str], int]

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


# --- helpers -------------------------------------------------------------------------------------
