"""Atlassian Statuspage v2 JSON: one parser for every public ``/api/v2/*.json`` endpoint.

summary.json, status.json, components.json, incidents(.json|/unresolved.json|/<id>.json) and
scheduled-maintenances*.json all share one object vocabulary, so they are read by one function
that takes whatever parts the payload carries. incident.io serves a Statuspage-compatible copy of
these endpoints; ``incidentio`` reuses ``read_payload`` with its own vocabulary and format name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from trayapp.core.model import Component, Incident, IncidentKind, Reading, Severity
from trayapp.errors import FormatError
from trayapp.formats import FormatRules, ParseContext
from trayapp.formats.common import (
    as_list,
    expect,
    load_json,
    lookup,
    object_at,
    origin,
    parse_time,
    plain_text,
    rollup,
    text,
)

if TYPE_CHECKING:  # detection is imported when it runs, never on the tray's start
    from trayapp.formats.detection import Detection, Where

TITLE = "Atlassian Statuspage"
DEFAULT_PATH = "/api/v2/summary.json"
FORMAT = "statuspage"

S = Severity

INDICATOR: Mapping[str, Severity] = {
    "none": S.OPERATIONAL,
    "maintenance": S.MAINTENANCE,  # undocumented but real (CloudAMQP)
    "minor": S.DEGRADED,
    "major": S.PARTIAL_OUTAGE,
    "critical": S.MAJOR_OUTAGE,
}

COMPONENT_STATUS: Mapping[str, Severity] = {
    "operational": S.OPERATIONAL,
    "under_maintenance": S.MAINTENANCE,
    "degraded_performance": S.DEGRADED,
    "partial_outage": S.PARTIAL_OUTAGE,
    "major_outage": S.MAJOR_OUTAGE,
}

IMPACT: Mapping[str, Severity] = INDICATOR  # incident impact uses the indicator's words

#: Lifecycle words after which an incident no longer counts toward the page.
CLOSED_STATUSES = frozenset({"resolved", "postmortem", "completed", "cancelled", "canceled"})
#: Maintenance lifecycle words; a maintenance counts only while in progress or verifying.
MAINTENANCE_STATUSES = frozenset({"scheduled", "in_progress", "verifying", "completed"})
ACTIVE_MAINTENANCE = frozenset({"in_progress", "verifying"})

_EPOCH_FLOOR = datetime.min.replace(tzinfo=UTC)  # sorts undated updates as the oldest


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read any Statuspage v2 endpoint's JSON into a Reading."""
    data = expect(load_json(body, encoding=ctx.charset), dict, "Statuspage payload")
    return read_payload(data, ctx)


def read_payload(
    data: Mapping[str, Any],
    ctx: ParseContext,
    *,
    format: str = FORMAT,
    component_status: Mapping[str, Severity] = COMPONENT_STATUS,
    impact: Mapping[str, Severity] = IMPACT,
) -> Reading:
    """Build a Reading from a decoded Statuspage-shaped object (shared with incident.io compat)."""
    page = expect(data.get("page") or {}, dict, "page")
    base = page_base(page, ctx.url)
    indicator = read_indicator(data.get("status"))
    components = read_components(as_list(data.get("components"), "components"), component_status)
    incidents = [
        *read_incidents(data.get("incidents"), "incidents", None, base, impact, component_status),
        *read_incidents(
            data.get("scheduled_maintenances"),
            "scheduled_maintenances",
            "maintenance",
            base,
            impact,
            component_status,
        ),
    ]
    kinds: tuple[tuple[str, IncidentKind | None], ...] = (
        ("incident", None),
        ("scheduled_maintenance", "maintenance"),
    )
    for key, kind in kinds:
        if data.get(key) is not None:
            single = expect(data[key], dict, key)
            incidents.append(read_incident(single, kind, base, impact, component_status))
    check_recognised(indicator, components)
    if indicator is None and is_incident_list(data) and not components:
        indicator = Severity.OPERATIONAL  # an explicit (possibly empty) list of incidents
    return rollup(
        format=format,
        indicator=indicator,
        components=components,
        incidents=incidents,
        page_name=text(page.get("name")) or None,
    )


def read_indicator(status: Any) -> Severity | None:
    """The page indicator, or None when absent; an unseen word is UNKNOWN (checked later)."""
    if status is None:
        return None
    status = expect(status, dict, "status")
    if status.get("indicator") is None:
        return None
    return lookup(INDICATOR, status["indicator"], "status indicator", default=Severity.UNKNOWN)


def is_incident_list(data: Mapping[str, Any]) -> bool:
    """True for incidents/maintenances endpoints: their list, even empty, is a real answer."""
    return any(
        key in data and (data[key] is None or isinstance(data[key], list))
        for key in ("incidents", "scheduled_maintenances")
    )


def check_recognised(indicator: Severity | None, components: Iterable[Component]) -> None:
    """Refuse a payload whose every status word is unseen: it must not read as all clear."""
    signals = [c.severity for c in components]
    if indicator is not None:
        signals.append(indicator)
    if signals and all(s is Severity.UNKNOWN for s in signals):
        raise FormatError("no recognised status word in the indicator or any component")


def page_base(page: Mapping[str, Any], url: str) -> str | None:
    """Where incident links live: the page's own URL, else the origin of the polled URL."""
    own = text(page.get("url")).strip()
    if own.startswith(("http://", "https://")):
        return own.rstrip("/")
    return origin(url)


def read_components(
    items: list[Any], vocabulary: Mapping[str, Severity] = COMPONENT_STATUS
) -> list[Component]:
    """Non-group components, each with its group's name; group containers only lend names."""
    rows = [expect(item, dict, "component") for item in items]
    groups = {str(row.get("id")): text(row.get("name")) for row in rows if row.get("group") is True}
    components = []
    for row in rows:
        if row.get("group") is True:
            continue
        group_id = row.get("group_id")
        components.append(
            Component(
                name=text(row.get("name")).strip() or str(row.get("id") or "(unnamed)"),
                severity=lookup(vocabulary, row.get("status"), "component status", S.UNKNOWN),
                id=str(row.get("id") or ""),
                group=groups.get(str(group_id)) if group_id else None,
            )
        )
    return components


def read_incidents(
    value: Any,
    what: str,
    kind: IncidentKind | None,
    base: str | None,
    impact: Mapping[str, Severity],
    component_status: Mapping[str, Severity],
) -> list[Incident]:
    """Every incident of a list that may be absent or null (incident.io compat)."""
    return [
        read_incident(expect(item, dict, f"{what} entry"), kind, base, impact, component_status)
        for item in as_list(value, what)
    ]


def read_incident(
    row: Mapping[str, Any],
    kind: IncidentKind | None,
    base: str | None,
    impact: Mapping[str, Severity],
    component_status: Mapping[str, Severity],
) -> Incident:
    """One incident or scheduled maintenance; ``kind`` None means: tell from its fields."""
    status = text(row.get("status")).strip().lower()
    if kind is None:
        is_maintenance = row.get("scheduled_for") is not None or status in MAINTENANCE_STATUSES
        kind = "maintenance" if is_maintenance else "incident"
    updates = sorted_updates(row.get("incident_updates"))
    newest = updates[0] if updates else {}
    ident = str(row.get("id") or row.get("name") or "")
    started = row.get("scheduled_for") if kind == "maintenance" else None
    return Incident(
        id=ident,
        title=text(row.get("name")).strip() or "(untitled)",
        status=status,
        open=is_open(kind, status),
        severity=incident_severity(row, kind, updates, impact, component_status),
        kind=kind,
        url=incident_url(row, ident, base),
        started=parse_time(started or row.get("started_at") or row.get("created_at")),
        updated=parse_time(row.get("updated_at")) or update_time(newest),
        latest_update=plain_text(newest.get("body")) or None,
        components=affected_names(row, updates),
    )


def is_open(kind: IncidentKind, status: str) -> bool:
    """Incidents count until closed; maintenances only while in progress or verifying."""
    if kind == "maintenance":
        return status in ACTIVE_MAINTENANCE
    return status not in CLOSED_STATUSES


def incident_severity(
    row: Mapping[str, Any],
    kind: IncidentKind,
    updates: list[Mapping[str, Any]],
    impact: Mapping[str, Severity],
    component_status: Mapping[str, Severity],
) -> Severity:
    """The stated impact; if absent or unseen, the worst component state its updates name.

    An incident with no usable impact still counts as degraded (a maintenance as maintenance),
    so an open incident can never vanish from the page's severity.
    """
    stated = lookup(impact, row.get("impact"), "incident impact", S.UNKNOWN)
    if stated is not S.UNKNOWN:
        return stated
    words = [
        entry.get("new_status")
        for update in updates
        for entry in as_list(update.get("affected_components"), "affected_components")
        if isinstance(entry, dict)
    ]
    known = [lookup(component_status, w, "component status", S.UNKNOWN) for w in words]
    known = [s for s in known if s is not S.UNKNOWN]
    if known:
        return max(known, key=lambda s: s.rank)
    return S.MAINTENANCE if kind == "maintenance" else S.DEGRADED


def incident_url(row: Mapping[str, Any], ident: str, base: str | None) -> str | None:
    """The shortlink if given, else ``<page>/incidents/<id>``."""
    short = text(row.get("shortlink")).strip()
    if short.startswith(("http://", "https://")):
        return short
    if base and ident and row.get("id"):
        return f"{base}/incidents/{ident}"
    return None


def sorted_updates(value: Any) -> list[Mapping[str, Any]]:
    """Updates newest first by display/creation time (payload order breaks ties)."""
    updates = [u for u in as_list(value, "incident_updates") if isinstance(u, dict)]
    return sorted(updates, key=lambda u: update_time(u) or _EPOCH_FLOOR, reverse=True)


def update_time(update: Mapping[str, Any]) -> datetime | None:
    """When an update was shown (``display_at``), falling back to when it was written."""
    return parse_time(update.get("display_at")) or parse_time(update.get("created_at"))


def affected_names(row: Mapping[str, Any], updates: list[Mapping[str, Any]]) -> tuple[str, ...]:
    """Names from the incident's ``components``, else from the newest update that lists some."""
    names = [
        text(c.get("name")).strip()
        for c in as_list(row.get("components"), "incident components")
        if isinstance(c, dict)
    ]
    if not any(names):
        for update in updates:
            entries = as_list(update.get("affected_components"), "affected_components")
            names = [text(e.get("name")).strip() for e in entries if isinstance(e, dict)]
            if any(names):
                break
    return tuple(dict.fromkeys(n for n in names if n))


# --------------------------------------------------------------------------- detection

STATUSPAGE_KEYS = ("status", "components", "incidents", "incident", "scheduled_maintenances")


def _sniff_json(data: Any, where: Where) -> Detection | None:
    if not object_at(data, "page") or not any(k in data for k in STATUSPAGE_KEYS):
        return None
    return where.api(FORMAT, "Atlassian Statuspage JSON (page, status/components)")


DETECT = FormatRules(
    endpoint_shape=r"[^/]+/api/v[12]/(summary|status)\.json",
    sniff_json=_sniff_json,
    html_markers=(
        ("Statuspage CDN", r"dka575ofm4ao0\.cloudfront\.net"),
        ("statuspage.io host", r"(?<![\w-])statuspage\.io\b|\.statuspage\.io\b"),
        ("Statuspage customer assets", r"\bstspg[\w-]*"),
        ("'Powered by Atlassian Statuspage'", r"atlassian\.com/software/statuspage"),
        (
            "Statuspage layout classes",
            r"layout-content status\b|page-status status-(?:none|minor|major|critical|maintenance)",
        ),
    ),
    probe_paths=("/api/v2/summary.json",),  # Statuspage, incident.io compat, some Instatus
)
