"""Better Stack (Better Uptime) status pages: ``<page>/index.json``, a JSON:API document.

``data`` is the status page (``aggregate_state``); ``included`` holds its sections (group names),
resources (the components), status reports (incidents and maintenances) and status updates
(their messages). A report is over when its ``aggregate_state`` is ``resolved`` or its
``ends_at`` has passed; resolved reports often keep ``ends_at: null``. A maintenance report is in
progress between ``starts_at`` and ``ends_at``, so parsing reads the clock (once) to tell it from
one only scheduled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from trayapp.core.model import Component, Incident, IncidentKind, Reading, Severity, worst
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
from trayapp.formats.statuspage import check_recognised

if TYPE_CHECKING:  # detection is imported when it runs, never on the tray's start
    from trayapp.formats.detection import Detection, Where

TITLE = "Better Stack"
DEFAULT_PATH = "/index.json"
FORMAT = "betterstack"

S = Severity

STATE: Mapping[str, Severity] = {
    "operational": S.OPERATIONAL,
    "recovered": S.OPERATIONAL,
    "maintenance": S.MAINTENANCE,
    "under_maintenance": S.MAINTENANCE,
    "degraded": S.DEGRADED,
    "downtime": S.MAJOR_OUTAGE,
    "not_monitored": S.UNKNOWN,  # a manual resource: the page states nothing about it
}

_EPOCH_FLOOR = datetime.min.replace(tzinfo=UTC)

Included = Mapping[tuple[str, str], Mapping[str, Any]]  # (type, id) → attributes


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read a Better Stack ``index.json``."""
    doc = expect(load_json(body, encoding=ctx.charset), dict, "Better Stack payload")
    page = expect(doc.get("data"), dict, "data")
    if page.get("type") != "status_page":
        raise FormatError("not a Better Stack status page (data.type is not 'status_page')")
    attrs = page.get("attributes")
    attrs = {} if attrs is None else expect(attrs, dict, "data.attributes")
    included = index(as_list(doc.get("included"), "included"))
    indicator = None
    if attrs.get("aggregate_state") is not None:
        indicator = lookup(STATE, attrs["aggregate_state"], "aggregate_state", S.UNKNOWN)
    components = list(read_resources(included))
    names = {c.id: c.name for c in components}
    base = page_base(attrs, ctx.url)
    now = datetime.now(UTC)
    incidents = [
        read_report(rid, row, included, names, base, now)
        for (kind, rid), row in included.items()
        if kind == "status_report"
    ]
    check_recognised(indicator, components)
    return rollup(
        format=FORMAT,
        indicator=indicator,
        components=components,
        incidents=incidents,
        page_name=text(attrs.get("company_name")).strip() or None,
    )


def index(items: list[Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    """``included`` by (type, id); each value is the attributes plus the relationships."""
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for item in items:
        row = expect(item, dict, "included entry")
        attrs = (
            {} if row.get("attributes") is None else expect(row["attributes"], dict, "attributes")
        )
        found[(text(row.get("type")), str(row.get("id")))] = {
            **attrs,
            "_relationships": row.get("relationships") or {},
        }
    return found


def resource_keys(included: Included) -> list[tuple[str, str]]:
    return [key for key in included if key[0] == "status_page_resource"]


def read_resources(included: Included) -> Iterable[Component]:
    """Resources as components, named by their section when the section has a name."""
    sections = {
        rid: text(row.get("name")).strip()
        for (kind, rid), row in included.items()
        if kind == "status_page_section"
    }
    for key in resource_keys(included):
        row = included[key]
        name = text(row.get("public_name") or row.get("resource_name")).strip()
        yield Component(
            name=name or key[1],
            severity=lookup(STATE, row.get("status"), "resource status", S.UNKNOWN),
            id=key[1],
            group=sections.get(str(row.get("status_page_section_id"))) or None,
        )


def read_report(
    rid: str,
    row: Mapping[str, Any],
    included: Included,
    names: Mapping[str, str],
    base: str | None,
    now: datetime,
) -> Incident:
    """A status report: an incident, or a maintenance when its ``report_type`` says so."""
    kind: IncidentKind = "maintenance" if row.get("report_type") == "maintenance" else "incident"
    updates = report_updates(rid, row, included)
    newest = updates[-1] if updates else {}
    state = text(row.get("aggregate_state")).strip().lower()
    starts, ends = parse_time(row.get("starts_at")), parse_time(row.get("ends_at"))
    over = state == "resolved" or (ends is not None and ends <= now)
    if kind == "maintenance":
        started = starts is None or starts <= now
        status = "completed" if over else ("in_progress" if started else "scheduled")
        is_open, severity = status == "in_progress", S.MAINTENANCE
    else:
        status = "resolved" if over else (state or "unknown")
        is_open, severity = not over, report_severity(row, updates, state)
    affected = [
        entry.get("status_page_resource_id")
        for source in (row, *updates)
        for entry in as_list(source.get("affected_resources"), "affected_resources")
        if isinstance(entry, dict)
    ]
    return Incident(
        id=rid,
        title=text(row.get("title")).strip() or "(untitled)",
        status=status,
        open=is_open,
        severity=severity,
        kind=kind,
        url=f"{base}/{'maintenance' if kind == 'maintenance' else 'incident'}/{rid}"
        if base
        else None,
        started=starts or parse_time(row.get("published_at")),
        updated=parse_time(newest.get("published_at")),
        latest_update=plain_text(newest.get("message")) or None,
        components=tuple(dict.fromkeys(names[str(r)] for r in affected if str(r) in names)),
    )


def report_updates(rid: str, row: Mapping[str, Any], included: Included) -> list[Mapping[str, Any]]:
    """The report's status updates, oldest first (linked from the report or pointing back)."""
    rel = row.get("_relationships")
    linked = rel.get("status_updates") if isinstance(rel, dict) else None
    data = linked.get("data") if isinstance(linked, dict) else None
    ids = {str(e.get("id")) for e in as_list(data, "status_updates") if isinstance(e, dict)}
    updates = [
        update
        for (kind, uid), update in included.items()
        if kind == "status_update"
        and (uid in ids or str(update.get("status_report_id") or "") == rid)
    ]
    return sorted(updates, key=lambda u: parse_time(u.get("published_at")) or _EPOCH_FLOOR)


def report_severity(
    row: Mapping[str, Any], updates: list[Mapping[str, Any]], state: str
) -> Severity:
    """The worst state the report ever gave its resources (its impact even once resolved);
    the report's own state, or degraded, when no resource state is given."""
    words = [
        entry.get("status")
        for source in (row, *updates)
        for entry in as_list(source.get("affected_resources"), "affected_resources")
        if isinstance(entry, dict)
    ]
    words.append(state)
    found = [lookup(STATE, w, "report state", S.UNKNOWN) for w in words]
    return worst([s for s in found if s is not S.OPERATIONAL], default=S.DEGRADED)


def page_base(attrs: Mapping[str, Any], url: str) -> str | None:
    """The page's public root: the polled URL minus ``/index.json``, else its own domain."""
    parts = urlsplit(url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        path = parts.path.removesuffix("/index.json").rstrip("/")
        return f"{parts.scheme}://{parts.netloc}{path}"
    domain = text(attrs.get("custom_domain")).strip()
    sub = text(attrs.get("subdomain")).strip()
    if domain:
        return f"https://{domain}"
    return f"https://{sub}.betteruptime.com" if sub else None


# --------------------------------------------------------------------------- detection


def _sniff_json(data: Any, where: Where) -> Detection | None:
    if object_at(data, "data").get("type") != "status_page":
        return None
    return where.api(FORMAT, "Better Stack JSON:API document (data.type status_page)")


DETECT = FormatRules(
    endpoint_shape=r"[^/]+/index\.json",
    sniff_json=_sniff_json,
    html_markers=(
        ("Better Stack assets", r"https?://(?:[\w-]+\.)*(?:betterstack|betteruptime)\.com\b"),
        ("Better Stack status-page bundle", r"packs/(?:css|js)/status_page|assets/status_pages"),
        (
            "Better Stack status classes",
            r"text-statuspage-(?:green|yellow|red|blue)|status-page__overview",
        ),
        ("Better Stack logo", r"betterstack-logo|Better (?:Stack|Uptime)\b"),
    ),
    probe_paths=("/index.json",),
)
