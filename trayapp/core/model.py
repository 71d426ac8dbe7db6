"""Frozen value types shared by every layer: what a status source says at one moment.

Nothing here does I/O or imports Qt. Parsers build these; the engine, tracker, log and UI read them.
Every text field from a page is stripped of escape sequences and control characters here, where
payloads become values, so no remote string reaches a terminal, a log line or a notification raw.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

from trayapp.text import clean, clean_or_none


class Severity(StrEnum):
    """How bad a source, component or incident is.

    The five real levels are ordered (``rank``); ``UNKNOWN`` stands apart: a source we could not
    read is neither fine nor an outage, and must never be mistaken for either.
    """

    OPERATIONAL = "operational"
    MAINTENANCE = "maintenance"
    DEGRADED = "degraded"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        """0 for operational up to 4 for major outage; -1 for unknown."""
        return _RANK[self]

    @property
    def label(self) -> str:
        """Human words: 'partial outage'."""
        return self.value.replace("_", " ")

    @property
    def is_problem(self) -> bool:
        """True for degraded and worse (maintenance is planned, not a problem)."""
        return self.rank >= Severity.DEGRADED.rank


_RANK = {
    Severity.OPERATIONAL: 0,
    Severity.MAINTENANCE: 1,
    Severity.DEGRADED: 2,
    Severity.PARTIAL_OUTAGE: 3,
    Severity.MAJOR_OUTAGE: 4,
    Severity.UNKNOWN: -1,
}


def worst(severities: Iterable[Severity], default: Severity = Severity.OPERATIONAL) -> Severity:
    """The worst known severity of ``severities``; ``default`` when none is known."""
    known = [s for s in severities if s is not Severity.UNKNOWN]
    return max(known, key=lambda s: s.rank) if known else default


IncidentKind = Literal["incident", "maintenance"]


@dataclass(frozen=True, slots=True)
class Component:
    """One part of a service as its status page lists it (group containers are not components)."""

    name: str
    severity: Severity
    id: str = ""
    group: str | None = None  # name of the group it belongs to, if the page groups components

    def __post_init__(self) -> None:
        _set(self, name=clean(self.name), id=clean(self.id), group=clean_or_none(self.group))


@dataclass(frozen=True, slots=True)
class Incident:
    """An incident or maintenance as the status page describes it.

    ``status`` is the page's own lifecycle word, lower-cased ('investigating', 'resolved',
    'in_progress', ...). ``open`` says whether it still counts toward the page's severity.
    """

    id: str
    title: str
    status: str
    open: bool
    severity: Severity
    kind: IncidentKind = "incident"
    url: str | None = None
    started: datetime | None = None
    updated: datetime | None = None
    latest_update: str | None = None
    components: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _set(
            self,
            id=clean(self.id),
            title=clean(self.title),
            status=clean(self.status),
            url=clean_or_none(self.url),
            latest_update=clean_or_none(self.latest_update, lines=True),
            components=tuple(clean(c) for c in self.components),
        )


@dataclass(frozen=True, slots=True)
class Reading:
    """One source's state at one moment, as parsed from one payload.

    ``error`` is set (and ``severity`` is UNKNOWN) when the payload could not be read; the reason
    is one line a person can act on.
    """

    format: str
    severity: Severity
    components: tuple[Component, ...] = ()
    incidents: tuple[Incident, ...] = ()
    page_name: str | None = None
    error: str | None = None
    fetched_at: datetime | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _set(self, page_name=clean_or_none(self.page_name), error=clean_or_none(self.error))

    @classmethod
    def unknown(cls, format: str, reason: str) -> Reading:
        """A reading for a source that could not be read, with a one-line reason."""
        return cls(format=format, severity=Severity.UNKNOWN, error=_one_line(reason))

    @property
    def open_incidents(self) -> tuple[Incident, ...]:
        """Unresolved incidents (maintenances excluded)."""
        return tuple(i for i in self.incidents if i.open and i.kind == "incident")

    @property
    def active_maintenances(self) -> tuple[Incident, ...]:
        return tuple(i for i in self.incidents if i.open and i.kind == "maintenance")


def _set(value: object, **fields: object) -> None:
    """Replace fields of a frozen value while it is being built (only if they changed)."""
    for name, new in fields.items():
        if getattr(value, name) is not new:
            object.__setattr__(value, name, new)


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


EventKind = Literal[
    "status",  # the confirmed severity changed (recovery included: to operational)
    "unreadable",  # the source could not be read (confirmed); never counts as a recovery
    "flapping",  # the source keeps changing; further changes are held back until it settles
    "stable",  # flapping ended; severity is the settled one
    "incident_opened",
    "incident_updated",  # a new update text or status on an open incident
    "incident_resolved",
    "offline",  # the connectivity witness failed: the user is offline (service is "")
    "online",  # connectivity is back
    "verdict",  # the verdict from page + active probes changed (e.g. an unacknowledged outage)
    "yours",  # the verdict became "yours": the user's key, quota or settings (message: the fix)
]


@dataclass(frozen=True, slots=True)
class Event:
    """A change worth recording, notifying and showing. Produced only by the tracker/engine."""

    time: datetime
    service: str
    kind: EventKind
    severity: Severity  # the service's confirmed severity after this event
    previous: Severity | None = None  # the confirmed severity before it (for "status")
    message: str = ""  # one line a person reads
    incident: Incident | None = None
    components: tuple[str, ...] = ()  # affected components, by name

    def __post_init__(self) -> None:
        _set(self, message=clean(self.message))


@dataclass(frozen=True, slots=True)
class Watch:
    """One watched source: what to poll, how to read it, and which parts of it matter.

    ``url`` is the endpoint polled; ``page_url`` the human status page that "Open status page"
    shows. ``params`` holds format filters (gcp ``product``, aws ``service``/``region``).
    ``components`` restricts the reading to the named components (empty: all of them).
    """

    name: str
    url: str
    format: str
    page_url: str | None = None
    category: str | None = None
    interval: float | None = None  # seconds; None: the engine's default
    params: tuple[tuple[str, str], ...] = ()
    components: tuple[str, ...] = ()
    token: str | None = None  # a keyring entry's name (never the secret): sent to url as a bearer
    verified: bool = True  # False: from the generated catalog; the engine re-detects if unreadable

    @property
    def param_map(self) -> dict[str, str]:
        return dict(self.params)
