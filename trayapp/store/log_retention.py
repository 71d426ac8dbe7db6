"""What the incident log keeps: a cap on what one reading may store, and a retention policy.

A status page is remote input: one that lists 110,000 uniquely named components, all changing
at every poll, would otherwise add a row per component per poll (185 MB in 30 s, measured).
So the log tracks at most ``MAX_COMPONENTS`` distinct components per service (the first ones
seen, in page order; the others are not stored), which bounds what one reading can add, and
what a page that renames everything at every poll can add at all (once its first names have
turned unknown, nothing more). An event names at most ``MAX_EVENT_COMPONENTS`` of the
components it affects.

Retention (``[log] keep_days``, a year by default) deletes, once a day, what is older than that:
events, resolved incidents and their timelines, observed spans and acknowledgement records. The
latest state before the cut is kept (each service's last severity event, each component's last
state), so a new run resumes from it and the history knows how the window began; incidents
still open are never deleted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

_K = TypeVar("_K")
_V = TypeVar("_V")

MAX_COMPONENTS = 1000  # distinct components of one service tracked in the log
MAX_EVENT_COMPONENTS = 100  # component names stored with one event
PRUNE_EVERY = timedelta(days=1)
SEVERITY_KINDS = "('status', 'unreadable', 'flapping', 'stable')"  # SQL: events that set a severity


def admitted(current: dict[_K, _V], known: Collection[_K]) -> dict[_K, _V]:
    """``current`` without the components that would take a service past ``MAX_COMPONENTS``
    distinct ones: those already ``known`` stay tracked, new ones only while there is room."""
    room = max(0, MAX_COMPONENTS - len(known))
    new = [key for key in current if key not in known]
    refused = set(new[room:])
    return {key: value for key, value in current.items() if key not in refused}


def capped(names: Sequence[str], limit: int = MAX_EVENT_COMPONENTS) -> list[str]:
    """The first ``limit`` names, for storage."""
    return list(names[:limit])


def prune(conn: sqlite3.Connection, cutoff: str) -> int:
    """Delete rows older than ``cutoff`` (a stored timestamp) in the caller's transaction;
    returns how many rows went."""
    statements = (
        (  # the latest severity event stays: a new run resumes from it (last_known)
            "DELETE FROM events WHERE time < ? AND id NOT IN (SELECT max(id) FROM events"
            f" WHERE kind IN {SEVERITY_KINDS} GROUP BY service)",
            (cutoff,),
        ),
        (
            "DELETE FROM incident_updates WHERE (service, incident_id) IN"
            " (SELECT service, incident_id FROM incidents WHERE open = 0 AND resolved_at < ?)",
            (cutoff,),
        ),
        ("DELETE FROM incidents WHERE open = 0 AND resolved_at < ?", (cutoff,)),
        (  # the latest state before the cut stays, unless it is "unknown" (no data anyway)
            "DELETE FROM component_states WHERE time < ? AND (severity = 'unknown' OR id NOT IN"
            " (SELECT max(id) FROM component_states WHERE time < ?"
            "  GROUP BY service, group_name, component))",
            (cutoff, cutoff),
        ),
        ("DELETE FROM observed WHERE ended_at < ?", (cutoff,)),
        ("DELETE FROM acknowledgements WHERE probe_down_at < ?", (cutoff,)),
    )
    return sum(conn.execute(sql, args).rowcount for sql, args in statements)


def cutoff(now: datetime, keep_days: int) -> datetime:
    """The oldest moment kept."""
    return now - timedelta(days=keep_days)
