"""Slack's status API (``slack-status.com/api/v2.0.0/current``).

``{status: ok|active, active_incidents: [...]}``. Incident ``type`` gives the impact (incident →
partial outage, outage → major outage, notice → informational); ``status`` the lifecycle
(active | resolved | scheduled | completed | cancelled; the last three belong to maintenances).
Slack has no page-level component list, so the components are the services named by open
incidents, each with the worst severity of the open incidents naming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from trayapp.core.model import Component, Incident, IncidentKind, Reading, Severity, worst
from trayapp.formats import FormatRules, ParseContext
from trayapp.formats.common import (
    as_list,
    expect,
    load_json,
    lookup,
    parse_time,
    plain_text,
    rollup,
    text,
)

if TYPE_CHECKING:  # detection is imported when it runs, never on the tray's start
    from trayapp.formats.detection import Detection, Where

TITLE = "Slack status"
DEFAULT_PATH = "/api/v2.0.0/current"
FORMAT = "slack"

PAGE_STATUS: Mapping[str, Severity | None] = {
    "ok": Severity.OPERATIONAL,
    "active": None,  # something is active: the incidents say how bad
}
INCIDENT_TYPE: Mapping[str, Severity] = {
    "notice": Severity.OPERATIONAL,  # informational: listed, raises nothing
    "incident": Severity.PARTIAL_OUTAGE,
    "outage": Severity.MAJOR_OUTAGE,
}
CLOSED = frozenset({"resolved", "completed", "cancelled", "canceled"})
MAINTENANCE_STATUSES = frozenset({"scheduled", "completed", "cancelled", "canceled"})


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read ``/api/v2.0.0/current``."""
    data = expect(load_json(body, encoding=ctx.charset), dict, "Slack status payload")
    word = str(data.get("status") or "").strip().lower()
    indicator = PAGE_STATUS.get(word)  # an unseen page word leaves the incidents to decide
    raw = as_list(data.get("active_incidents"), "active_incidents")
    incidents = [read_incident(expect(item, dict, "active incident")) for item in raw]
    return rollup(
        format=FORMAT,
        indicator=indicator,
        components=service_components(incidents),
        incidents=incidents,
        page_name="Slack",
    )


def read_incident(item: Mapping[str, Any]) -> Incident:
    status = str(item.get("status") or "active").strip().lower()
    kind: IncidentKind = "maintenance" if status in MAINTENANCE_STATUSES else "incident"
    if kind == "maintenance":
        severity = Severity.MAINTENANCE
    else:
        # an active incident of an unseen type is still a problem whose impact is unstated
        severity = lookup(INCIDENT_TYPE, item.get("type"), "incident type", Severity.DEGRADED)
    services = tuple(text(s) for s in as_list(item.get("services"), "services") if text(s))
    return Incident(
        id=str(item.get("id") or ""),
        title=text(item.get("title")) or "(untitled)",
        status=status,
        # listed in active_incidents: open unless its own word closes it or it is only upcoming
        open=status not in CLOSED and status != "scheduled",
        severity=severity,
        kind=kind,
        url=text(item.get("url")) or None,
        started=parse_time(item.get("date_created")),
        updated=parse_time(item.get("date_updated")) or parse_time(item.get("date_created")),
        latest_update=newest_note(as_list(item.get("notes"), "notes")),
        components=services,
    )


def newest_note(notes: list[Any]) -> str | None:
    """The newest note's body (by date_created; document order when undated)."""
    dated = [
        (parse_time(n.get("date_created")), -i, n)
        for i, n in enumerate(notes)
        if isinstance(n, dict) and text(n.get("body"))
    ]
    if not dated:
        return None
    known = [d for d in dated if d[0] is not None]
    _, _, note = max(known, key=lambda d: (d[0], d[1])) if known else dated[0]
    return plain_text(text(note.get("body"))) or None


def service_components(incidents: Iterable[Incident]) -> list[Component]:
    """One component per service named by an open incident, at that incident's severity."""
    by_name: dict[str, list[Severity]] = {}
    for incident in incidents:
        if not incident.open:
            continue
        severity = Severity.MAINTENANCE if incident.kind == "maintenance" else incident.severity
        for name in incident.components:
            by_name.setdefault(name, []).append(severity)
    return [Component(name=name, severity=worst(sevs)) for name, sevs in by_name.items()]


# --------------------------------------------------------------------------- detection


def _known_host(where: Where) -> Detection | None:
    if where.site not in ("slack-status.com", "status.slack.com"):
        return None
    return where.found(
        FORMAT,
        "https://slack-status.com/api/v2.0.0/current",
        "https://slack-status.com/",
        f"{where.site} is Slack's own status site; its JSON API is /api/v2.0.0/current",
    )


def _sniff_json(data: Any, where: Where) -> Detection | None:
    if not isinstance(data, dict) or not isinstance(data.get("active_incidents"), list):
        return None
    return where.api(FORMAT, "Slack status API (active_incidents)")


DETECT = FormatRules(
    endpoint_shape=r"slack-status\.com/api/v2\.0\.0/current",
    known_host=_known_host,
    sniff_json=_sniff_json,
)
