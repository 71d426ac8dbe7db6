"""Heroku's status API (``status.heroku.com/api/v4/current-status``).

``{status: [{system, status: green|yellow|red|blue}], incidents: [...], scheduled: [...]}``.
Systems are the components. An incident is open by its ``state``: the ``resolved`` flag has been
seen ``false`` on resolved incidents, so it is believed only when it says ``true``. ``scheduled``
keeps stale entries, so a maintenance counts as in progress only when its state says so or the
time now lies inside its stated window; otherwise it is upcoming (or over), not open.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from trayapp.core.model import Component, Incident, IncidentKind, Reading, Severity, worst
from trayapp.errors import FormatError
from trayapp.formats import FormatRules, ParseContext
from trayapp.formats.common import (
    as_list,
    expect,
    first_object,
    load_json,
    lookup,
    parse_time,
    plain_text,
    rollup,
    text,
)

if TYPE_CHECKING:  # detection is imported when it runs, never on the tray's start
    from trayapp.formats.detection import Detection, Where

TITLE = "Heroku status"
DEFAULT_PATH = "/api/v4/current-status"
FORMAT = "heroku"

COLOUR: Mapping[str, Severity] = {
    "green": Severity.OPERATIONAL,
    "blue": Severity.MAINTENANCE,
    "yellow": Severity.PARTIAL_OUTAGE,
    "red": Severity.MAJOR_OUTAGE,
}
CLOSED_STATES = frozenset(
    {"resolved", "closed", "complete", "completed", "cancelled", "canceled", "fixed"}
)
ACTIVE_MAINTENANCE_STATES = frozenset({"in_progress", "in progress", "active", "started"})
_START_KEYS = ("starts_at", "start_at", "scheduled_for", "begins_at", "start_time", "start")
_END_KEYS = ("ends_at", "end_at", "scheduled_until", "finishes_at", "end_time", "end")


def parse(body: bytes, ctx: ParseContext, *, now: datetime | None = None) -> Reading:
    """Read ``/api/v4/current-status``; ``now`` (tests) places scheduled windows in time."""
    data = expect(load_json(body, encoding=ctx.charset), dict, "Heroku status payload")
    systems = as_list(data.get("status"), "status (list of systems)")
    components = [read_system(expect(s, dict, "system")) for s in systems]
    if components and all(c.severity is Severity.UNKNOWN for c in components):
        raise FormatError("no system has a recognised status colour")
    incidents = [
        read_incident(expect(i, dict, "incident"), "incident")
        for i in as_list(data.get("incidents"), "incidents")
    ]
    moment = now or datetime.now(UTC)
    incidents += [
        read_incident(expect(m, dict, "scheduled entry"), "maintenance", moment)
        for m in as_list(data.get("scheduled"), "scheduled")
    ]
    return rollup(format=FORMAT, components=components, incidents=incidents, page_name="Heroku")


def read_system(item: Mapping[str, Any]) -> Component:
    name = text(item.get("system") or item.get("name")) or "(unnamed system)"
    severity = lookup(COLOUR, item.get("status"), "system status", default=Severity.UNKNOWN)
    return Component(name=name, severity=severity, id=name)


def read_incident(
    item: Mapping[str, Any], kind: IncidentKind, now: datetime | None = None
) -> Incident:
    updates = newest_first(
        [u for u in as_list(item.get("updates"), "updates") if isinstance(u, dict)]
    )
    state = text(item.get("state")).strip().lower()
    newest_type = text(updates[0].get("update_type")).lower() if updates else ""
    status = state or newest_type or ("scheduled" if kind == "maintenance" else "open")
    closed = (
        state in CLOSED_STATES
        or item.get("resolved") is True
        or (not state and bool(item.get("resolved_at")))
    )
    if kind == "maintenance":
        is_open = not closed and maintenance_active(item, state, now or datetime.now(UTC))
        severity = Severity.MAINTENANCE
    else:
        is_open = not closed
        severity = update_severity(updates)
    return Incident(
        id=str(item.get("id") or ""),
        title=text(item.get("title")) or "(untitled)",
        status=status,
        open=is_open,
        severity=severity,
        kind=kind,
        url=text(item.get("full_url")) or None,
        started=parse_time(item.get("created_at")),
        updated=parse_time(item.get("updated_at"))
        or (parse_time(updates[0].get("created_at")) if updates else None),
        latest_update=(plain_text(text(updates[0].get("contents"))) or None) if updates else None,
    )


def newest_first(updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Updates sorted newest first by created_at (undated ones last, order kept)."""
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(updates, key=lambda u: parse_time(u.get("created_at")) or floor, reverse=True)


def update_severity(updates: list[dict[str, Any]]) -> Severity:
    """Worst colour any update gave any environment (status_prod, status_dev, ...): the impact
    the incident had; an incident that states no colour is degraded (impact unstated)."""
    colours = [
        COLOUR[str(value).lower()]
        for update in updates
        for key, value in update.items()
        if key.startswith("status_") and str(value).lower() in COLOUR
    ]
    return worst(colours) if colours else Severity.DEGRADED


def maintenance_active(item: Mapping[str, Any], state: str, now: datetime) -> bool:
    """In progress by its own state word, else by its stated window; stale entries are not."""
    if state in ACTIVE_MAINTENANCE_STATES:
        return True
    start = next((t for k in _START_KEYS if (t := parse_time(item.get(k)))), None)
    end = next((t for k in _END_KEYS if (t := parse_time(item.get(k)))), None)
    if start is None:
        return False
    return start <= now and (end is None or now < end)


# --------------------------------------------------------------------------- detection


def _known_host(where: Where) -> Detection | None:
    if where.site != "status.heroku.com":
        return None
    return where.found(
        FORMAT,
        "https://status.heroku.com/api/v4/current-status",
        "https://status.heroku.com/",
        "status.heroku.com is Heroku's own status site; its JSON API is /api/v4/current-status",
    )


def _sniff_json(data: Any, where: Where) -> Detection | None:
    system = first_object(data.get("status")) if isinstance(data, dict) else {}
    if "system" not in system:
        return None
    return where.api(FORMAT, "Heroku status API (status[].system)")


DETECT = FormatRules(
    endpoint_shape=r"status\.heroku\.com/api/v4/current-status",
    known_host=_known_host,
    sniff_json=_sniff_json,
)
