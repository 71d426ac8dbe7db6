"""Uptime arithmetic over the incident log's spans: what the page said, what your checks saw, when
trayapp watched and you were online; per window and per day. Pure functions of integer
microsecond spans."""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from typing import NamedTuple

from trayapp.core.model import Severity, worst
from trayapp.store.log_rows import (
    _T,
    _US,
    WINDOWS,
    DayBar,
    Uptime,
    _aware,
    _dt,
    _from_us,
    _is_up,
    _ts,
    _us,
)


class _Views(NamedTuple):
    """What a window holds: watched spans (running and online), the page's severities, as you
    saw it (None for a component: your checks watch the whole service), and the spans trayapp
    ran, online or not, a lone heartbeat's zero-length one included (offline time is not
    watched, but it is not "not running" either)."""

    watched: list[tuple[int, int]]
    page: list[tuple[int, int, Severity]]
    seen: list[tuple[int, int, Severity]] | None
    ran: list[tuple[int, int]]

    def since(self, lo: int) -> _Views:
        """The same views cut to start at ``lo`` (µs): a shorter window ending at the same time."""
        return _Views(
            [(max(a, lo), b) for a, b in self.watched if b > lo],
            _since(self.page, lo),
            None if self.seen is None else _since(self.seen, lo),
            [(max(a, lo), b) for a, b in self.ran if b >= lo],
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
        bool(views.ran),
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
    ran = [any(a < hi and b >= lo for a, b in views.ran) for lo, hi in pairwise(bounds)]
    first = today - timedelta(days=len(bounds) - 2)
    return [
        DayBar(
            first + timedelta(d),
            worst([s for *_, s in seen_day]) if seen_day else None,
            _fraction(seen_day),
            _fraction(page_day),
            ran_day,
        )
        for d, (seen_day, page_day, ran_day) in enumerate(zip(seen, page, ran, strict=True))
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


class UptimeQueries:
    """The incident log's uptime queries (a part of ``IncidentLog``, which opens the connection)."""

    _conn: sqlite3.Connection
    local_services: frozenset[str]
    heartbeat_gap: timedelta

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
        ran = self._ran(start, end)
        watched = _subtract(_merge(ran), self._offline(service, start, end))
        page = [(a, b, Severity(s)) for a, b, s in _intersect(states, watched)]
        if component is not None:
            return _Views(watched, page, None, ran)
        down = [(a, b, _CHECKS_DOWN) for a, b in self._checks_down(service, start, end)]
        down = _intersect(down, watched)
        seen = sorted([*_cut(page, [(a, b) for a, b, _ in down]), *down])
        return _Views(watched, page, seen, ran)

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

    def _ran(self, start: datetime, end: datetime) -> list[tuple[int, int]]:
        """Spans the app was running (heartbeats), clipped to the window, sorted, unmerged: a
        run that has beaten once so far (offline, no poll yet) is a zero-length span, and still
        a run. The whole window if no heartbeat was ever recorded."""
        if self._conn.execute("SELECT NOT EXISTS (SELECT 1 FROM observed)").fetchone()[0]:
            return [(_us(start), _us(end))]
        rows = self._conn.execute(
            "SELECT started_at, ended_at FROM observed WHERE started_at < ? AND ended_at >= ?"
            " ORDER BY started_at",
            (_ts(end), _ts(start)),
        )
        return [(max(_us(_dt(a)), _us(start)), min(_us(_dt(b)), _us(end))) for a, b in rows]

    # --- acknowledgements --------------------------------------------------------------------
