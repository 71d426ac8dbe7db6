"""Cachet (self-hosted) API: ``/api/v1/components`` and ``/api/v1/incidents``.

Both are paginated ``{meta, data: [...]}``. Cachet 2 puts each object's fields in the item itself
with integer (or numeric string) statuses; Cachet 3 (cachethq/core) uses JSON:API items whose
``attributes`` carry ``status`` as ``{human, value}``. Only the first page is read: poll with
``?per_page=`` large enough for the page's components.

Component status: 0 and 5 unknown, 1 operational, 2 performance issues, 3 partial outage, 4 major
outage, 6 under maintenance (Cachet 3); disabled components are skipped. Incident status: 0
scheduled (Cachet 2, a maintenance) or unknown (Cachet 3), 1 investigating, 2 identified,
3 watching, 4 fixed. Cachet incidents state no impact, so an incident reads as degraded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from trayapp.core.model import Component, Incident, Reading, Severity
from trayapp.errors import FormatError
from trayapp.formats import FormatRules, ParseContext
from trayapp.formats.common import (
    expect,
    first_object,
    load_json,
    lookup,
    object_at,
    parse_time,
    plain_text,
    rollup,
    text,
)
from trayapp.formats.statuspage import check_recognised

if TYPE_CHECKING:  # detection is imported when it runs, never on the tray's start
    from trayapp.formats.detection import Detection, Where

TITLE = "Cachet"
DEFAULT_PATH = "/api/v1/components"
FORMAT = "cachet"

S = Severity

COMPONENT_STATUS: Mapping[str, Severity] = {
    "0": S.UNKNOWN,
    "1": S.OPERATIONAL,
    "2": S.DEGRADED,
    "3": S.PARTIAL_OUTAGE,
    "4": S.MAJOR_OUTAGE,
    "5": S.UNKNOWN,
    "6": S.MAINTENANCE,
}

INCIDENT_STATUS: Mapping[str, str] = {
    "1": "investigating",
    "2": "identified",
    "3": "watching",
    "4": "fixed",
}

#: Keys only an incident carries (Cachet 2 items, Cachet 3 attributes).
INCIDENT_KEYS = frozenset(
    {"message", "component_id", "visible", "stickied", "occurred_at", "scheduled_at", "occurred"}
)


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read a Cachet components or incidents page."""
    data = expect(load_json(body, encoding=ctx.charset), dict, "Cachet payload")
    if "data" not in data:
        raise FormatError("not a Cachet API response (no 'data')")
    items = expect(data["data"], list, "data")
    components: list[Component] = []
    incidents: list[Incident] = []
    for item in items:
        row, jsonapi = fields(expect(item, dict, "data entry"))
        if is_incident(item, row):
            incidents.append(read_incident(row, jsonapi))
        elif row.get("enabled", True) is not False:
            components.append(read_component(row))
    check_recognised(None, components)
    indicator = None
    if not items and urlsplit(ctx.url).path.rstrip("/").endswith("/incidents"):
        indicator = S.OPERATIONAL  # an empty incident list is a real answer: nothing happened
    return rollup(format=FORMAT, indicator=indicator, components=components, incidents=incidents)


def fields(item: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
    """The object's own fields and whether it came as a JSON:API item (Cachet 3)."""
    attributes = item.get("attributes")
    if isinstance(attributes, dict):
        return {"id": item.get("id"), **attributes}, True
    return item, False


def is_incident(item: Mapping[str, Any], row: Mapping[str, Any]) -> bool:
    kind = text(item.get("type")).lower()
    if kind:
        return kind.startswith("incident")
    return bool(INCIDENT_KEYS & row.keys())


def code(value: Any) -> str:
    """A status as its numeric word: 3, "3" and {"value": 3, "human": ...} all give "3"."""
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, bool) or value is None:
        return ""
    return str(value).strip()


def read_component(row: Mapping[str, Any]) -> Component:
    group = row.get("group")
    group_name = text(group.get("name")).strip() if isinstance(group, dict) else ""
    return Component(
        name=text(row.get("name")).strip() or str(row.get("id") or "(unnamed)"),
        severity=lookup(COMPONENT_STATUS, code(row.get("status")), "component status", S.UNKNOWN),
        id=str(row.get("id") or ""),
        group=group_name or None,
    )


def read_incident(row: Mapping[str, Any], jsonapi: bool) -> Incident:
    """An incident; Cachet 2's status 0 is a scheduled maintenance, never open."""
    raw = code(row.get("latest_status")) or code(row.get("status"))
    scheduled = raw == "0" and not jsonapi
    status = "scheduled" if scheduled else INCIDENT_STATUS.get(raw, "unknown")
    return Incident(
        id=str(row.get("id") or row.get("guid") or text(row.get("name"))),
        title=text(row.get("name")).strip() or "(untitled)",
        status=status,
        open=status in ("investigating", "identified", "watching"),
        severity=S.MAINTENANCE if scheduled else S.DEGRADED,
        kind="maintenance" if scheduled else "incident",
        url=permalink(row),
        started=parse_time(
            row.get("scheduled_at") or row.get("occurred_at") or when(row.get("occurred"))
        )
        or parse_time(row.get("created_at") or when(row.get("created"))),
        updated=parse_time(row.get("updated_at") or when(row.get("updated"))),
        latest_update=plain_text(row.get("message")) or None,
    )


def when(value: Any) -> Any:
    """Cachet 3 dates are ``{human, string}``; Cachet 2 dates are plain strings."""
    return value.get("string") if isinstance(value, dict) else value


def permalink(row: Mapping[str, Any]) -> str | None:
    link = text(row.get("permalink")).strip()
    return link if link.startswith(("http://", "https://")) else None


# --------------------------------------------------------------------------- detection

COMPONENT_KEYS = frozenset({"enabled", "group_id", "status_name", "link", "order"})
GROUP_KEYS = frozenset({"enabled_components", "lowest_human_status", "collapsed"})


def _sniff_json(data: Any, where: Where) -> Detection | None:
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        return None
    if "pagination" not in object_at(data, "meta"):
        return None
    item = first_object(data["data"])
    if GROUP_KEYS & item.keys():
        endpoint = where.default_endpoint(FORMAT)
        return where.api(FORMAT, "Cachet component groups (data/meta pagination)", endpoint)
    if "status" in item and "name" in item and COMPONENT_KEYS & item.keys():
        return where.api(FORMAT, "Cachet components (data/meta pagination)")
    if not data["data"] and where.path.rstrip("/").endswith("/api/v1/components"):
        return where.api(FORMAT, "Cachet components endpoint (empty, paginated)")
    return None


DETECT = FormatRules(
    endpoint_shape=r"[^/]+/api/v1/components(/groups)?",
    sniff_json=_sniff_json,
    probe_paths=("/api/v1/components",),
)
