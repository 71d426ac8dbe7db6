"""Small, realistic status payloads built from a few words, for replay timelines, tests and demos.

Output follows Atlassian Statuspage's real ``/api/v2/summary.json`` field names (FORMATS.md §1),
so ``trayapp.formats.statuspage`` reads it like a live page. Everything is deterministic: the same
arguments give the same bytes (stable ETags), with times taken from ``at`` (a fixed default).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from trayapp.core.model import Severity, worst
from trayapp.demo.replay_routes import Reply, Step

REFERENCE_TIME = datetime(2024, 5, 14, 9, 0, tzinfo=UTC)  # default "now" of generated payloads
CREATED_TIME = datetime(2019, 3, 1, 12, 0, tzinfo=UTC)  # when generated components were created

COMPONENT_STATUS: Mapping[Severity, str] = {
    Severity.OPERATIONAL: "operational",
    Severity.MAINTENANCE: "under_maintenance",
    Severity.DEGRADED: "degraded_performance",
    Severity.PARTIAL_OUTAGE: "partial_outage",
    Severity.MAJOR_OUTAGE: "major_outage",
}
IMPACT: Mapping[Severity, str] = {
    Severity.OPERATIONAL: "none",
    Severity.MAINTENANCE: "maintenance",
    Severity.DEGRADED: "minor",
    Severity.PARTIAL_OUTAGE: "major",
    Severity.MAJOR_OUTAGE: "critical",
}
DESCRIPTION: Mapping[str, str] = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major Service Outage",
    "maintenance": "Service Under Maintenance",
}
CLOSED_STATUSES = frozenset({"resolved", "postmortem"})
_MONITORED = frozenset({"monitoring", *CLOSED_STATUSES})  # statuses that set monitoring_at

OUTAGE_PHASES = ("operational", "degraded", "major", "monitoring", "resolved")
#: What each phase of ``outage_timeline`` reads as (monitoring: impact lowered to minor).
OUTAGE_SEVERITIES = (
    Severity.OPERATIONAL,
    Severity.DEGRADED,
    Severity.MAJOR_OUTAGE,
    Severity.DEGRADED,
    Severity.OPERATIONAL,
)

_SEVERITY_OF_WORD = {
    **{word: severity for severity, word in COMPONENT_STATUS.items()},
    **{word: severity for severity, word in IMPACT.items()},
}


@dataclass(frozen=True, slots=True)
class IncidentSpec:
    """An incident described in words; ``statuspage_summary`` renders it with page context.

    ``status`` and ``impact`` are Statuspage words (a Severity is translated; any other string is
    written verbatim, to test unseen vocabulary). ``history`` holds earlier updates as
    ``(status, body)``, oldest first; ``update`` is the newest update's body.
    """

    name: str
    status: str = "investigating"
    impact: Severity | str = Severity.DEGRADED
    update: str = ""
    components: tuple[str, ...] = ()
    history: tuple[tuple[str, str], ...] = ()
    started: datetime | None = None
    id: str = ""

    @property
    def open(self) -> bool:
        return self.status not in CLOSED_STATUSES


def statuspage_summary(
    name: str,
    components: Mapping[str, Severity | str],
    incident: IncidentSpec | Sequence[IncidentSpec] | None = None,
    indicator: str | None = None,
    *,
    groups: Mapping[str, Sequence[str]] | None = None,
    at: datetime = REFERENCE_TIME,
    url: str | None = None,
) -> bytes:
    """A Statuspage ``summary.json`` for page ``name`` as compact UTF-8 JSON.

    ``components`` maps names to a Severity (translated) or a raw status word (verbatim).
    ``groups`` maps a group name to member names; a group container (``group: true``) is emitted
    before its first member. ``indicator`` defaults to the worst of components and open
    incidents. Incidents are rendered as given: the real endpoint lists only unresolved ones.
    """
    page_id = ident("page", name)
    incidents = _as_tuple(incident)
    objects = _components(page_id, components, groups or {}, at)
    by_name = {obj["name"]: obj for obj in objects if not obj["group"]}
    if indicator is None:
        indicator = _indicator(
            [str(obj["status"]) for obj in by_name.values()]
            + [_impact_word(spec.impact) for spec in incidents if spec.open]
        )
    summary = {
        "page": {
            "id": page_id,
            "name": name,
            "url": url or f"https://status.{slug(name)}.example",
            "time_zone": "Etc/UTC",
            "updated_at": stamp(at),
        },
        "components": objects,
        "incidents": [_incident(spec, page_id, by_name, at) for spec in incidents],
        "scheduled_maintenances": [],
        "status": {"indicator": indicator, "description": DESCRIPTION.get(indicator, indicator)},
    }
    return json.dumps(summary, ensure_ascii=False, separators=(",", ":")).encode()


def outage_timeline(
    service: str = "Example",
    step_seconds: float = 60.0,
    *,
    path: str | None = None,
    components: Sequence[str] = ("Website", "API", "Notifications"),
    affected: str | None = None,
    start: datetime = REFERENCE_TIME,
) -> list[Step]:
    """A replay timeline of one outage, a step per ``OUTAGE_PHASES`` entry, ``step_seconds`` apart.

    operational → degraded (incident investigating, minor) → major (identified, critical)
    → monitoring (components back, incident open, impact lowered to minor) → resolved (the
    incident gone from the summary, as on the real endpoint); ``OUTAGE_SEVERITIES`` says what
    each step reads as. Served at ``path`` (default ``/<slug>/api/v2/summary.json``)
    with an ETag and Last-Modified, so pollers can use conditional requests.
    """
    path = path or f"/{slug(service)}/api/v2/summary.json"
    affected = affected or components[min(1, len(components) - 1)]
    ok = dict.fromkeys(components, Severity.OPERATIONAL)
    times = [start + timedelta(seconds=step_seconds * i) for i in range(len(OUTAGE_PHASES))]
    notes = (
        f"We are investigating elevated error rates and slow responses for {affected}.",
        f"The issue has been identified: a faulty configuration change affecting {affected}. "
        "We are rolling it back.",
        "A fix has been deployed and we are monitoring the results.",
    )
    incident = IncidentSpec(
        name=f"Elevated errors on {affected}",
        components=(affected,),
        started=times[1],
    )
    phases: list[tuple[dict[str, Severity], IncidentSpec | None]] = [
        (ok, None),
        (
            {**ok, affected: Severity.DEGRADED},
            _evolve(incident, "investigating", Severity.DEGRADED, notes[:1]),
        ),
        (
            {**ok, affected: Severity.MAJOR_OUTAGE},
            _evolve(incident, "identified", Severity.MAJOR_OUTAGE, notes[:2]),
        ),
        (ok, _evolve(incident, "monitoring", Severity.DEGRADED, notes)),
        (ok, None),
    ]
    return [
        (
            step_seconds * i,
            {
                path: Reply(
                    body=statuspage_summary(service, state, spec, at=when),
                    etag=True,
                    last_modified=when,
                )
            },
        )
        for i, ((state, spec), when) in enumerate(zip(phases, times, strict=True))
    ]


def slug(name: str) -> str:
    """'Example Cloud' → 'example-cloud': for paths and made-up hosts."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "service"


def ident(*parts: str) -> str:
    """A stable 12-character id in Statuspage's style, derived from ``parts``."""
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()[:12]


def stamp(moment: datetime) -> str:
    """Statuspage's timestamp style: '2024-05-14T09:00:00.000Z'."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _as_tuple(incident: IncidentSpec | Sequence[IncidentSpec] | None) -> tuple[IncidentSpec, ...]:
    if incident is None:
        return ()
    if isinstance(incident, IncidentSpec):
        return (incident,)
    return tuple(incident)


def _evolve(
    spec: IncidentSpec, status: str, impact: Severity, notes: Sequence[str]
) -> IncidentSpec:
    """``spec`` at a later stage: ``notes`` are the bodies of its updates so far, oldest first."""
    statuses = ("investigating", "identified", "monitoring", "resolved")
    history = tuple(zip(statuses, notes[:-1], strict=False))
    return IncidentSpec(
        name=spec.name,
        status=status,
        impact=impact,
        update=notes[-1],
        components=spec.components,
        history=history,
        started=spec.started,
        id=spec.id,
    )


def _status_word(value: Severity | str) -> str:
    if isinstance(value, Severity):
        if value not in COMPONENT_STATUS:
            raise ValueError("Statuspage has no word for an unknown severity")
        return COMPONENT_STATUS[value]
    return value


def _impact_word(value: Severity | str) -> str:
    if isinstance(value, Severity):
        if value not in IMPACT:
            raise ValueError("Statuspage has no impact for an unknown severity")
        return IMPACT[value]
    return value


def _indicator(words: Sequence[str]) -> str:
    """The page indicator for these component statuses and incident impacts (unseen words skip)."""
    severity = worst(_SEVERITY_OF_WORD.get(word, Severity.UNKNOWN) for word in words)
    return IMPACT[severity]


def _component(
    page_id: str, name: str, status: str, position: int, at: datetime, group_id: str | None
) -> dict[str, Any]:
    return {
        "id": ident(page_id, "component", name),
        "name": name,
        "status": status,
        "created_at": stamp(CREATED_TIME),
        "updated_at": stamp(at),
        "position": position,
        "description": None,
        "showcase": False,
        "start_date": None,
        "group_id": group_id,
        "page_id": page_id,
        "group": False,
        "only_show_if_degraded": False,
    }


def _components(
    page_id: str,
    components: Mapping[str, Severity | str],
    groups: Mapping[str, Sequence[str]],
    at: datetime,
) -> list[dict[str, Any]]:
    """Component objects in page order, each group container just before its first member."""
    group_of = {member: group for group, members in groups.items() for member in members}
    unknown = set(group_of) - set(components)
    if unknown:
        raise ValueError(f"groups name components that do not exist: {sorted(unknown)}")
    objects: list[dict[str, Any]] = []
    emitted: set[str] = set()
    for name, value in components.items():
        group = group_of.get(name)
        group_id = ident(page_id, "group", group) if group else None
        if group is not None and group not in emitted:
            emitted.add(group)
            members = groups[group]
            container = _component(page_id, group, "", len(objects) + 1, at, None)
            container.update(
                id=group_id,
                status=_group_status([_status_word(components[m]) for m in members]),
                group=True,
                components=[ident(page_id, "component", m) for m in members],
            )
            objects.append(container)
        objects.append(
            _component(page_id, name, _status_word(value), len(objects) + 1, at, group_id)
        )
    return objects


def _group_status(words: Sequence[str]) -> str:
    """A group container's roll-up: its worst member's status word."""
    return COMPONENT_STATUS[worst(_SEVERITY_OF_WORD.get(w, Severity.UNKNOWN) for w in words)]


def _incident(
    spec: IncidentSpec, page_id: str, by_name: Mapping[str, dict[str, Any]], at: datetime
) -> dict[str, Any]:
    missing = [name for name in spec.components if name not in by_name]
    if missing:
        raise ValueError(f"incident {spec.name!r} names unknown components: {missing}")
    incident_id = spec.id or ident(page_id, "incident", spec.name)
    started = spec.started or at - timedelta(minutes=15 * (len(spec.history) + 1))
    entries = [*spec.history, (spec.status, spec.update)]
    span = (at - started) / max(len(entries) - 1, 1)
    times = [started + span * i for i in range(len(entries))]
    newest = len(entries) - 1
    updates = [
        _update(incident_id, i, status, body, when, spec.components, by_name, newest=i == newest)
        for i, ((status, body), when) in enumerate(zip(entries, times, strict=True))
    ]
    monitoring_at = next(
        (when for (status, _), when in zip(entries, times, strict=True) if status in _MONITORED),
        None,
    )
    return {
        "id": incident_id,
        "name": spec.name,
        "status": spec.status,
        "created_at": stamp(started),
        "updated_at": stamp(at),
        "monitoring_at": stamp(monitoring_at) if monitoring_at else None,
        "resolved_at": None if spec.open else stamp(at),
        "impact": _impact_word(spec.impact),
        "shortlink": f"https://stspg.io/{incident_id[:7]}",
        "started_at": stamp(started),
        "page_id": page_id,
        "incident_updates": updates[::-1],  # newest first, as the API lists them
        "components": [by_name[name] for name in spec.components],
    }


def _update(
    incident_id: str,
    index: int,
    status: str,
    body: str,
    when: datetime,
    names: Sequence[str],
    by_name: Mapping[str, dict[str, Any]],
    *,
    newest: bool,
) -> dict[str, Any]:
    affected = [
        {
            "code": by_name[name]["id"],
            "name": name,
            "old_status": "operational",
            "new_status": by_name[name]["status"],
        }
        for name in names
    ]
    return {
        "id": ident(incident_id, "update", str(index)),
        "status": status,
        "body": body,
        "incident_id": incident_id,
        "created_at": stamp(when),
        "updated_at": stamp(when),
        "display_at": stamp(when),
        "affected_components": affected if newest and affected else None,
        "deliver_notifications": True,
        "custom_tweet": None,
        "tweet_id": None,
    }
