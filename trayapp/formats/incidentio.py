"""incident.io status pages: the ``/proxy/<host>`` summary and the Statuspage-compatible API.

The proxy summary is the page's own data source: components carry no status of their own, so a
component is operational unless ``affected_components`` or an ongoing incident says otherwise, and
groups exist only in ``structure``. The ``/api/v2/*.json`` copy follows Statuspage's shape (with
nulls for empty lists and ``full_outage``) and is read by the Statuspage parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from trayapp.core.model import Component, Incident, IncidentKind, Reading, Severity, worst
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
from trayapp.formats.statuspage import (
    IMPACT,
    STATUSPAGE_KEYS,
    check_recognised,
    is_open,
    read_payload,
)

if TYPE_CHECKING:  # detection is imported when it runs, never on the tray's start
    from trayapp.formats.detection import Detection, Where

TITLE = "incident.io"
DEFAULT_PATH = "/proxy/{host}"
FORMAT = "incidentio"

S = Severity

COMPONENT_STATUS: Mapping[str, Severity] = {
    "operational": S.OPERATIONAL,
    "under_maintenance": S.MAINTENANCE,
    "degraded_performance": S.DEGRADED,
    "partial_outage": S.PARTIAL_OUTAGE,
    "full_outage": S.MAJOR_OUTAGE,
    "major_outage": S.MAJOR_OUTAGE,  # the Statuspage word, in case a compat payload uses it
}

#: Compat incidents state Statuspage impacts; accept incident.io's component words as well.
COMPAT_IMPACT: Mapping[str, Severity] = {**IMPACT, **COMPONENT_STATUS}

#: Keys that mark a Statuspage-compatible payload (``/api/v2/*.json``).
COMPAT_KEYS = (
    "page",
    "status",
    "components",
    "incidents",
    "scheduled_maintenances",
    "incident",
    "scheduled_maintenance",
)

#: React Server Components placeholder for an absent value (seen in summaries taken from HTML).
UNDEFINED = "$undefined"


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read an incident.io ``/proxy/<host>`` summary or its Statuspage-compatible API."""
    data = expect(load_json(body, encoding=ctx.charset), dict, "incident.io payload")
    if "summary" in data:
        return read_proxy(expect(data["summary"], dict, "summary"), ctx)
    if any(key in data for key in COMPAT_KEYS):
        return read_payload(
            data,
            ctx,
            format=FORMAT,
            component_status=COMPONENT_STATUS,
            impact=COMPAT_IMPACT,
        )
    raise FormatError("neither an incident.io /proxy summary nor a Statuspage-compatible payload")


def given(value: Any) -> Any:
    """``value``, or None when it is missing, empty or the RSC ``$undefined`` placeholder."""
    return None if value is None or value == "" or value == UNDEFINED else value


@dataclass(frozen=True, slots=True)
class Slot:
    """One component as the page lays it out."""

    id: str
    name: str
    group: str | None
    hidden: bool


def read_proxy(summary: Mapping[str, Any], ctx: ParseContext) -> Reading:
    """The proxy shape: statuses from affected components and ongoing incidents."""
    slots = layout(summary)
    names = {slot.id: slot.name for slot in slots}
    base = page_base(summary, ctx.url)
    rows: list[tuple[Any, IncidentKind | None]] = [
        *((row, None) for row in entries(summary.get("ongoing_incidents"), "ongoing_incidents")),
        *(
            (row, "maintenance")
            for row in entries(summary.get("scheduled_maintenances"), "scheduled_maintenances")
        ),
    ]
    incidents = [read_incident(row, kind, names, base) for row, kind in rows]
    open_rows = [row for (row, _), incident in zip(rows, incidents, strict=True) if incident.open]
    current = current_statuses(summary, open_rows)
    components = [
        Component(
            name=slot.name,
            severity=worst(current.get(slot.id, [S.OPERATIONAL]), default=S.UNKNOWN),
            id=slot.id,
            group=slot.group,
        )
        for slot in slots
        if not slot.hidden
    ]
    check_recognised(None, components)
    return rollup(
        format=FORMAT,
        components=components,
        incidents=incidents,
        page_name=text(given(summary.get("name"))).strip() or None,
    )


def entries(value: Any, what: str) -> list[Mapping[str, Any]]:
    """A list of objects that may be null or missing; anything else is the wrong shape."""
    return [expect(item, dict, f"{what} entry") for item in as_list(value, what)]


def layout(summary: Mapping[str, Any]) -> list[Slot]:
    """Components in page order with their group names: ``structure`` first, then the rest."""
    listed = {
        str(row.get("id")): text(given(row.get("name"))).strip()
        for row in entries(summary.get("components"), "components")
        if given(row.get("id"))
    }
    slots: dict[str, Slot] = {}
    structure = expect(given(summary.get("structure")) or {}, dict, "structure")
    for item in entries(given(structure.get("items")), "structure items"):
        group = given(item.get("group"))
        if group is not None:
            group = expect(group, dict, "structure group")
            hidden = group.get("hidden") is True
            name = text(given(group.get("name"))).strip() or None
            for ref in entries(given(group.get("components")), "group components"):
                add_slot(slots, ref, listed, name, hidden)
        component = given(item.get("component"))
        if component is not None:
            add_slot(slots, expect(component, dict, "structure component"), listed, None, False)
    for ident, name in listed.items():
        slots.setdefault(ident, Slot(ident, name or ident, None, False))
    return list(slots.values())


def add_slot(
    slots: dict[str, Slot],
    ref: Mapping[str, Any],
    listed: Mapping[str, str],
    group: str | None,
    group_hidden: bool,
) -> None:
    """Record one structure entry (first mention wins)."""
    ident = str(given(ref.get("component_id")) or given(ref.get("id")) or "")
    if not ident or ident in slots:
        return
    name = text(given(ref.get("name"))).strip() or listed.get(ident) or ident
    slots[ident] = Slot(ident, name, group, group_hidden or ref.get("hidden") is True)


def page_base(summary: Mapping[str, Any], url: str) -> str | None:
    """Where incident pages live: ``public_url``, else the origin of the polled URL."""
    public = text(given(summary.get("public_url"))).strip()
    if public.startswith(("http://", "https://")):
        return public.rstrip("/")
    return origin(url)


def status_of(word: Any) -> Severity | None:
    """A component status word as a Severity; None when absent, UNKNOWN when unseen."""
    word = given(word)
    if word is None:
        return None
    return lookup(COMPONENT_STATUS, word, "component status", default=S.UNKNOWN)


def current_statuses(
    summary: Mapping[str, Any], open_rows: Iterable[Mapping[str, Any]]
) -> dict[str, list[Severity]]:
    """Each affected component's current states, from the page and from ongoing incidents."""
    found: dict[str, list[Severity]] = {}

    def note(ident: Any, word: Any) -> None:
        severity = status_of(word)
        if given(ident) is not None and severity is not None:
            found.setdefault(str(ident), []).append(severity)

    for entry in dict_items(summary.get("affected_components")):
        note(entry.get("component_id"), given(entry.get("status")) or entry.get("current_status"))
    for row in open_rows:
        for entry in dict_items(row.get("affected_components")):
            note(entry.get("component_id"), entry.get("current_status"))
        for impact in dict_items(row.get("component_impacts")):
            if given(impact.get("end_at")) is None:
                note(impact.get("component_id"), impact.get("status"))
    return found


def dict_items(value: Any) -> Iterator[Mapping[str, Any]]:
    """The objects of an optional list; detail lists are read leniently."""
    value = given(value)
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def read_incident(
    row: Mapping[str, Any],
    kind: IncidentKind | None,
    names: Mapping[str, str],
    base: str | None,
) -> Incident:
    """One ongoing incident or maintenance of the proxy summary."""
    raw = text(given(row.get("status"))).strip().lower()
    if kind is None:
        maintenance = raw.startswith("maintenance_") or given(row.get("type")) == "maintenance"
        kind = "maintenance" if maintenance else "incident"
    status = raw.removeprefix("maintenance_") if kind == "maintenance" else raw
    updates = sorted(
        dict_items(row.get("updates")),
        key=lambda u: parse_time(given(u.get("published_at"))) or _FLOOR,
        reverse=True,
    )
    newest = updates[0] if updates else {}
    ident = str(given(row.get("id")) or given(row.get("name")) or "")
    published = [t for u in updates if (t := parse_time(given(u.get("published_at"))))]
    return Incident(
        id=ident,
        title=text(given(row.get("name"))).strip() or "(untitled)",
        status=status,
        open=is_open(kind, status),
        severity=impact_of(row, updates, kind),
        kind=kind,
        url=incident_url(row, ident, base),
        started=first_time(row, ("starts_at", "start_at", "scheduled_for", "published_at"))
        or (min(published) if published else None),
        updated=(max(published) if published else None)
        or first_time(row, ("last_update_at", "updated_at", "published_at")),
        latest_update=update_text(newest)
        or plain_text(given(row.get("last_update_message")))
        or None,
        components=affected_names(row, updates, names),
    )


_FLOOR = datetime.min.replace(tzinfo=UTC)  # sorts undated updates as the oldest


def first_time(row: Mapping[str, Any], keys: Iterable[str]) -> datetime | None:
    """The first readable timestamp among ``keys``."""
    for key in keys:
        if moment := parse_time(given(row.get(key))):
            return moment
    return None


def impact_of(
    row: Mapping[str, Any], updates: list[Mapping[str, Any]], kind: IncidentKind
) -> Severity:
    """The worst component status the incident reports anywhere (its impact, even once over).

    With no status at all an incident still counts as degraded and a maintenance as maintenance.
    """
    words: list[Any] = [given(row.get("current_worst_impact"))]
    words += [s.get("worst_component_status") for s in dict_items(row.get("status_summaries"))]
    words += [a.get("status") for a in dict_items(row.get("affected_components"))]
    words += [c.get("status") for c in dict_items(row.get("component_impacts"))]
    words += [c.get("status") for u in updates for c in dict_items(u.get("component_statuses"))]
    known = [s for s in map(status_of, words) if s is not None and s is not S.UNKNOWN]
    if known:
        return worst(known)
    return S.MAINTENANCE if kind == "maintenance" else S.DEGRADED


def incident_url(row: Mapping[str, Any], ident: str, base: str | None) -> str | None:
    """The entry's own link if it has one, else ``<page>/incidents/<id>``."""
    own = text(given(row.get("url")) or given(row.get("permalink"))).strip()
    if own.startswith(("http://", "https://")):
        return own
    if base and given(row.get("id")):
        return f"{base}/incidents/{ident}"
    return None


def update_text(update: Mapping[str, Any]) -> str:
    """An update's plain text: ``message_string``, else the words of its ProseMirror document."""
    message = given(update.get("message_string"))
    if message is None:
        message = " ".join(prose_words(update.get("message")))
    return plain_text(message)


def prose_words(node: Any) -> Iterator[str]:
    """The text leaves of a ProseMirror document, in order."""
    if isinstance(node, dict):
        if isinstance(given(node.get("text")), str):
            yield node["text"]
        yield from prose_words(node.get("content"))
    elif isinstance(node, list):
        for child in node:
            yield from prose_words(child)


def affected_names(
    row: Mapping[str, Any], updates: list[Mapping[str, Any]], names: Mapping[str, str]
) -> tuple[str, ...]:
    """Names of the components the incident touches, by id through the page's component list."""
    refs = [
        *dict_items(row.get("affected_components")),
        *dict_items(row.get("component_impacts")),
        *(c for u in updates for c in dict_items(u.get("component_statuses"))),
    ]
    found = []
    for ref in refs:
        ident = given(ref.get("component_id")) or given(ref.get("id"))
        name = names.get(str(ident)) if ident is not None else None
        name = name or text(given(ref.get("name"))).strip()
        if name:
            found.append(name)
    return tuple(dict.fromkeys(found))


# --------------------------------------------------------------------------- detection

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def _sniff_json(data: Any, where: Where) -> Detection | None:
    """incident.io's own page data, or its Statuspage-compatible API (told apart by its traits)."""
    if {"ongoing_incidents", "structure"} & object_at(data, "summary").keys():
        return where.api(FORMAT, "incident.io page data: 'summary' with ongoing incidents")
    if not object_at(data, "page") or not any(k in data for k in STATUSPAGE_KEYS):
        return None
    traits = compat_traits(data)
    if not traits:
        return None
    return where.found(
        FORMAT,
        where.default_endpoint(FORMAT),
        where.origin + "/",
        f"Statuspage-compatible JSON served by incident.io ({', '.join(traits)})",
    )


def compat_traits(data: Mapping[str, Any]) -> list[str]:
    """What tells incident.io's Statuspage-compatible API from Statuspage itself.

    Missing ``page.time_zone`` alone is not enough (Statuspage's own documentation example lacks
    it); incident.io also uses ULID ids and sends ``null`` where Statuspage sends ``[]``.
    """
    if "time_zone" in object_at(data, "page"):
        return []
    traits = ["no page.time_zone"]
    ids = [object_at(data, "page").get("id")]
    ids += [c.get("id") for c in data.get("components") or [] if isinstance(c, dict)]
    if any(isinstance(i, str) and ULID.match(i) for i in ids):
        traits.append("ULID ids")
    if any(k in data and data[k] is None for k in ("incidents", "scheduled_maintenances")):
        traits.append("null lists")
    return traits if len(traits) > 1 else []


def _endpoint_below(url: str) -> str | None:
    """Pages hosted on statuspage.incident.io live under a subpath, and their data source is
    ``/proxy/<subpath>`` rather than ``/proxy/<host>``."""
    parts = urlsplit(url)
    if (parts.hostname or "").lower() != "statuspage.incident.io":
        return None
    subpath = parts.path.strip("/").split("/")[0]
    if not subpath or subpath == "proxy":
        return None
    return urlunsplit((parts.scheme, parts.netloc, f"/proxy/{subpath}", "", ""))


DETECT = FormatRules(
    endpoint_shape=r"[^/]+/proxy/[^/]+(/[^/]+)?",
    sniff_json=_sniff_json,
    html_markers=(
        ("links to incident.io", r"https?://(?:[\w-]+\.)*incident\.io\b"),
        ("incident.io logo storage", r"incident-io-status-page-logos"),
        ("incident.io page data", r"ongoing_incidents|component_impacts|status_page_id"),
        (
            "incident.io status icons",
            r"text-icon-(?:operational|degraded-performance|partial-outage|full-outage|under-maintenance)",
        ),
    ),
    endpoint_below=_endpoint_below,
    probe_paths=("/proxy/{host}",),
)
