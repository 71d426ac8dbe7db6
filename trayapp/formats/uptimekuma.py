"""Uptime Kuma status pages (self-hosted).

Two endpoints, both keyed by the page's slug, so there is no default path: ``DEFAULT_PATH`` is
empty and the watch's URL must name the endpoint, usually
``https://host/api/status-page/heartbeat/<slug>`` (``formats.endpoint`` keeps a URL with a path).

* ``/api/status-page/heartbeat/<slug>``: ``{heartbeatList: {"<monitor id>": [beats, oldest
  first]}, uptimeList}``. The newest beat's ``status`` is the monitor's state (0 down, 1 up,
  2 pending, 3 maintenance). It knows monitors only by id, so they are named ``monitor <id>``.
* ``/api/status-page/<slug>``: ``{config, incident (1.x: object or null) | incidents (2.x),
  publicGroupList[{name, monitorList[{id, name}]}], maintenanceList}``: names and groups, pinned
  incidents and maintenances in progress, but no monitor state.

An object carrying both (merged by the caller) gets states from the first and names from the
second.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from trayapp.core.model import Component, Incident, Reading, Severity
from trayapp.errors import FormatError
from trayapp.formats import FormatRules, ParseContext
from trayapp.formats.common import (
    as_list,
    expect,
    load_json,
    lookup,
    object_at,
    parse_time,
    plain_text,
    rollup,
    text,
)

if TYPE_CHECKING:  # detection is imported when it runs, never on the tray's start
    from trayapp.formats.detection import Detection, Where

TITLE = "Uptime Kuma"
DEFAULT_PATH = ""  # slug-specific: the URL must be /api/status-page/heartbeat/<slug> (or /<slug>)
FORMAT = "uptimekuma"

S = Severity

HEARTBEAT: Mapping[str, Severity] = {
    "0": S.MAJOR_OUTAGE,  # DOWN
    "1": S.OPERATIONAL,  # UP
    "2": S.DEGRADED,  # PENDING: failing, not yet confirmed down
    "3": S.MAINTENANCE,
}

#: Incident ``style`` (a Bootstrap colour): only warning and danger say something is wrong.
INCIDENT_STYLE: Mapping[str, Severity] = {
    "danger": S.MAJOR_OUTAGE,
    "warning": S.DEGRADED,
    "info": S.OPERATIONAL,
    "primary": S.OPERATIONAL,
    "secondary": S.OPERATIONAL,
    "success": S.OPERATIONAL,
    "light": S.OPERATIONAL,
    "dark": S.OPERATIONAL,
}

#: Maintenance ``status`` words; the page lists maintenances in progress, so none means active.
MAINTENANCE_STATUS: Mapping[str, str] = {
    "under-maintenance": "in_progress",
    "scheduled": "scheduled",
    "ended": "completed",
    "inactive": "completed",
}

PAGE_KEYS = ("config", "publicGroupList", "incident", "incidents", "maintenanceList")


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read a heartbeat payload, a status-page payload, or both merged into one object."""
    data = expect(load_json(body, encoding=ctx.charset), dict, "Uptime Kuma payload")
    beats = data.get("heartbeatList")
    if beats is None and not any(k in data for k in PAGE_KEYS):
        raise FormatError("not an Uptime Kuma status page payload (no heartbeatList or config)")
    monitors = monitor_names(as_list(data.get("publicGroupList"), "publicGroupList"))
    incidents = [*read_incidents(data), *read_maintenances(data)]
    if beats is None:
        components = [Component(name, S.UNKNOWN, mid, group) for mid, (name, group) in monitors]
    else:
        components = read_heartbeats(expect(beats, dict, "heartbeatList"), dict(monitors))
    if (components or beats is None) and not has_evidence(components, incidents):
        raise FormatError(
            "no monitor state in the payload (poll /api/status-page/heartbeat/<slug>)"
            if beats is None
            else "no monitor has a recognised heartbeat"
        )
    config = data.get("config")
    title = text(config.get("title")).strip() if isinstance(config, dict) else ""
    return rollup(
        format=FORMAT, components=components, incidents=incidents, page_name=title or None
    )


def has_evidence(components: list[Component], incidents: list[Incident]) -> bool:
    """Whether anything states how the service is: a monitor's state, a warning or danger
    incident, or a maintenance in progress. An informational note alone says nothing."""
    if any(c.severity is not S.UNKNOWN for c in components):
        return True
    return any(i.open and (i.kind == "maintenance" or i.severity.is_problem) for i in incidents)


def monitor_names(groups: list[Any]) -> list[tuple[str, tuple[str, str | None]]]:
    """(monitor id, (name, group name)) in page order."""
    found: dict[str, tuple[str, str | None]] = {}
    for item in groups:
        group = expect(item, dict, "publicGroupList entry")
        group_name = text(group.get("name")).strip() or None
        for monitor in as_list(group.get("monitorList"), "monitorList"):
            monitor = expect(monitor, dict, "monitorList entry")
            mid = str(monitor.get("id"))
            found.setdefault(
                mid, (text(monitor.get("name")).strip() or f"monitor {mid}", group_name)
            )
    return list(found.items())


def read_heartbeats(
    beats: Mapping[str, Any], names: Mapping[str, tuple[str, str | None]]
) -> list[Component]:
    """One component per monitor, from its newest real beat (a bare 0 is an empty time slot)."""
    order = list(names) + [mid for mid in beats if mid not in names]
    components = []
    for mid in order:
        if mid not in beats:
            continue
        history = [b for b in as_list(beats[mid], f"heartbeatList[{mid}]") if isinstance(b, dict)]
        newest = max(reversed(history), key=beat_time, default=None) if history else None
        severity = S.UNKNOWN
        if newest is not None:
            severity = lookup(HEARTBEAT, newest.get("status"), "heartbeat status", S.UNKNOWN)
        name, group = names.get(mid, (f"monitor {mid}", None))
        components.append(Component(name=name, severity=severity, id=mid, group=group))
    return components


def beat_time(beat: Mapping[str, Any]) -> float:
    """Sort key: the beat's time; beats without one keep their list position (oldest first)."""
    when = parse_time(beat.get("time"))
    return when.timestamp() if when else float("-inf")


def read_incidents(data: Mapping[str, Any]) -> Iterable[Incident]:
    """Pinned incidents: 2.x ``incidents`` list, or 1.x single ``incident`` (possibly null)."""
    rows = as_list(data.get("incidents"), "incidents")
    if data.get("incident") is not None:
        rows = [*rows, expect(data["incident"], dict, "incident")]
    for row in rows:
        row = expect(row, dict, "incident")
        yield Incident(
            id=str(row.get("id") or text(row.get("title"))),
            title=text(row.get("title")).strip() or "(untitled)",
            status="active",
            open=row.get("active", True) not in (False, 0),
            severity=lookup(INCIDENT_STYLE, row.get("style") or "primary", "style", S.UNKNOWN),
            started=parse_time(row.get("createdDate")),
            updated=parse_time(row.get("lastUpdatedDate") or row.get("createdDate")),
            latest_update=plain_text(row.get("content")) or None,
        )


def read_maintenances(data: Mapping[str, Any]) -> Iterable[Incident]:
    for row in as_list(data.get("maintenanceList"), "maintenanceList"):
        row = expect(row, dict, "maintenance")
        raw = text(row.get("status")).strip().lower()
        status = MAINTENANCE_STATUS.get(raw, raw or "in_progress")
        slots = [s for s in as_list(row.get("timeslotList"), "timeslotList") if isinstance(s, dict)]
        yield Incident(
            id=str(row.get("id") or text(row.get("title"))),
            title=text(row.get("title")).strip() or "(untitled)",
            status=status,
            open=status == "in_progress",
            severity=S.MAINTENANCE,
            kind="maintenance",
            started=parse_time(slots[0].get("startDate")) if slots else None,
            latest_update=plain_text(row.get("description")) or None,
        )


# --------------------------------------------------------------------------- detection


def _sniff_json(data: Any, where: Where) -> Detection | None:
    if not isinstance(data, dict):
        return None
    slug = object_at(data, "config").get("slug")
    if slug and isinstance(data.get("publicGroupList"), list):
        # the page config names monitors but holds no state: the heartbeat API does
        heartbeat = f"{where.origin}/api/status-page/heartbeat/{quote(str(slug), safe='')}"
        evidence = "Uptime Kuma status page API (config + publicGroupList)"
        return where.api(FORMAT, evidence, heartbeat)
    if isinstance(data.get("heartbeatList"), dict):
        return where.api(FORMAT, "Uptime Kuma heartbeat API (heartbeatList)")
    return None


DETECT = FormatRules(
    endpoint_shape=r"[^/]+/api/status-page/(heartbeat/)?[^/]+",
    sniff_json=_sniff_json,
    probe_paths=("/api/status-page/{slug}",),  # only when the URL names a /status/<slug> page
)
