"""The rows the incident log hands out (events, incidents and their updates, uptime figures, day
bars), their JSON and CSV export, and the time stamps they are stored as."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar, NamedTuple, Protocol, TextIO, TypeVar

from trayapp.core.model import Incident, Severity

WINDOWS: Mapping[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


_US = timedelta(microseconds=1)


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
    ran: bool | None = None  # the app ran in the window, online or not (None: not measured)

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
    def has_run(self) -> bool:
        """Whether trayapp ran in the window, offline or not: no figure then means the page was
        unreadable or you were offline, where without a run it means "not watched"."""
        return self.watched_time > _ZERO if self.ran is None else self.ran

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
    (online or offline) at some point that day, so a day without figures was unreadable or
    offline, not unwatched.
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
