"""Google Cloud and Google Workspace ``incidents.json``: every recent incident, open or closed.

The payload is a JSON list (up to ~1.3 MB); an incident is open while it has no ``end``; its
impact is ``status_impact`` (SERVICE_INFORMATION is informational, DISRUPTION a partial outage,
OUTAGE a major outage). Watches filter by ``product`` (an ``affected_products`` id or title,
case-insensitive; several separated by commas) and optionally ``location`` (a region id or
title). Each filtered product becomes one component at the worst severity of its open incidents,
so a healthy product reads operational with one component. Without a product filter every
incident counts and there are no components. Parsing is one linear pass, one incident at a
time (the list parsed whole left 3.5 MiB pinned in an idle tray).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from trayapp.core.model import Component, Incident, Reading, Severity, worst
from trayapp.formats import FormatRules, ParseContext
from trayapp.formats.common import (
    expect,
    first_object,
    iter_json_array,
    lookup,
    parse_time,
    rollup,
    shorten,
    text,
)

if TYPE_CHECKING:  # detection is imported when it runs, never on the tray's start
    from trayapp.formats.detection import Detection, Where

TITLE = "Google Cloud / Workspace status"
DEFAULT_PATH = "/incidents.json"
FORMAT = "gcp"
DEFAULT_BASE = "https://status.cloud.google.com/"

IMPACT: Mapping[str, Severity] = {
    "service_information": Severity.OPERATIONAL,  # informational: listed, raises nothing
    "service_disruption": Severity.PARTIAL_OUTAGE,
    "service_outage": Severity.MAJOR_OUTAGE,
}
_GLOBAL = "global"


@dataclass(slots=True)
class _Wanted:
    """One product the watch filters on, and what the payload says about it."""

    key: str  # the filter value, lower-cased
    name: str  # display name: the payload's title once seen, else the filter value
    id: str = ""
    severities: list[Severity] = field(default_factory=list)


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read incidents.json, filtered by ``ctx.params`` ``product`` / ``location``.

    ``product_name`` (comma-separated, in the order of ``product``) names the components until
    an incident gives the payload's own title: product ids are not words to show a person.
    """
    keys = [v.strip() for v in str(ctx.params.get("product") or "").split(",") if v.strip()]
    names = [v.strip() for v in str(ctx.params.get("product_name") or "").split(",")]
    wanted = [
        _Wanted(key=key.lower(), name=(names[i] if i < len(names) else "") or key)
        for i, key in enumerate(keys)
    ]
    location = str(ctx.params.get("location") or "").strip().lower()
    base = ctx.url or DEFAULT_BASE
    incidents: list[Incident] = []
    for raw in iter_json_array(body, "Google incidents.json", encoding=ctx.charset):
        item = expect(raw, dict, "incident")
        products = affected_products(item)
        hits = [(w, p) for w in wanted for p in products if w.key in (p[0].lower(), p[1].lower())]
        if wanted and not hits:
            continue
        incident = read_incident(item, products, base)
        if location and not in_location(item, location, incident.open):
            continue
        incidents.append(incident)
        for want, (pid, title) in hits:
            want.name, want.id = title or want.name, pid or want.id
            if incident.open:
                want.severities.append(incident.severity)
    components = [
        Component(name=w.name, severity=worst(w.severities), id=w.id)
        for w in {w.key: w for w in wanted}.values()
    ]
    return rollup(
        format=FORMAT,
        indicator=Severity.OPERATIONAL,  # the list is complete: no open incident is all-clear
        components=components,
        incidents=incidents,
    )


def affected_products(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(id, title) of every product the incident names; the service_* pair when that is not the
    'Multiple Products' placeholder."""
    products = [
        (text(p.get("id")), text(p.get("title")))
        for p in item.get("affected_products") or ()
        if isinstance(p, dict)
    ]
    key, name = text(item.get("service_key")), text(item.get("service_name"))
    if (key or name) and name != "Multiple Products" and (key, name) not in products:
        products.append((key, name))
    return products


def read_incident(item: Mapping[str, Any], products: list[tuple[str, str]], base: str) -> Incident:
    recent = item.get("most_recent_update")
    recent = recent if isinstance(recent, dict) else {}
    is_open = not item.get("end")
    word = text(recent.get("status") or item.get("status_impact")).lower()
    uri = text(item.get("uri"))
    title = text(item.get("external_desc")).strip().splitlines()
    return Incident(
        id=text(item.get("id")),
        title=title[0].strip() if title else "(untitled)",
        status=(word or "ongoing") if is_open else "resolved",
        open=is_open,
        # an unseen impact word is still an incident whose impact we cannot state: degraded
        severity=lookup(IMPACT, item.get("status_impact"), "status_impact", Severity.DEGRADED),
        url=urljoin(base, uri) if uri else None,
        started=parse_time(item.get("begin")) or parse_time(item.get("created")),
        updated=parse_time(item.get("modified")) or parse_time(recent.get("modified")),
        latest_update=shorten(text(recent.get("text"))) or None,
        components=tuple(dict.fromkeys(title for _, title in products if title)),
    )


def in_location(item: Mapping[str, Any], location: str, is_open: bool) -> bool:
    """Whether the incident concerns ``location``: where it is now (or, once closed, anywhere it
    has been); 'Global' and incidents that name no location concern every location."""
    recent = item.get("most_recent_update")
    places = [
        *_places(item.get("currently_affected_locations")),
        *_places(recent.get("affected_locations") if isinstance(recent, dict) else None),
    ]
    if not is_open or not places:
        places += _places(item.get("previously_affected_locations"))
    if not places:
        return True
    return any(location in place or _GLOBAL in place for place in places)


def _places(value: Any) -> Iterable[tuple[str, str]]:
    if not isinstance(value, list):
        return ()
    return [
        (text(p.get("id")).lower(), text(p.get("title")).lower())
        for p in value
        if isinstance(p, dict)
    ]


# --------------------------------------------------------------------------- detection


def _known_host(where: Where) -> Detection | None:
    if where.site == "status.cloud.google.com":
        return where.found(
            FORMAT,
            "https://status.cloud.google.com/incidents.json",
            "https://status.cloud.google.com/",
            "status.cloud.google.com is the Google Cloud dashboard; polling its incidents.json",
        )
    if where.site == "google.com" and where.path.startswith("/appsstatus"):
        return where.found(
            FORMAT,
            "https://www.google.com/appsstatus/dashboard/incidents.json",
            "https://www.google.com/appsstatus/dashboard/",
            "google.com/appsstatus is the Google Workspace dashboard (same schema as Google Cloud)",
        )
    return None


def _sniff_json(data: Any, where: Where) -> Detection | None:
    incident = first_object(data)
    if not ({"status_impact", "external_desc", "most_recent_update"} & incident.keys()):
        return None
    return where.api(FORMAT, "Google Cloud/Workspace incidents.json (status_impact)")


DETECT = FormatRules(
    endpoint_shape=r"[^/]+(/appsstatus/dashboard)?/incidents\.json",
    known_host=_known_host,
    sniff_json=_sniff_json,
)
