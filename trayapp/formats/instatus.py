"""Instatus public JSON: ``/summary.json``, ``/v3/summary.json`` and the components endpoints.

The summary carries the page status plus active incidents and maintenances (both omitted when
empty); ``/v3/components.json`` wraps components in ``{components: [...]}`` while the documented
``/v2/components.json`` is a bare array whose parents hold ``children``. A payload with both page
and components (or the data a Next.js page embeds in its HTML) is read in one go.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from trayapp.core.model import Component, Incident, Reading, Severity, worst
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
from trayapp.formats.statuspage import check_recognised

if TYPE_CHECKING:  # detection is imported when it runs, never on the tray's start
    from trayapp.formats.detection import Detection, Where

TITLE = "Instatus"
DEFAULT_PATH = "/summary.json"
FORMAT = "instatus"

S = Severity

COMPONENT_STATUS: Mapping[str, Severity] = {
    "operational": S.OPERATIONAL,
    "undermaintenance": S.MAINTENANCE,
    "degradedperformance": S.DEGRADED,
    "partialoutage": S.PARTIAL_OUTAGE,
    "minoroutage": S.PARTIAL_OUTAGE,
    "majoroutage": S.MAJOR_OUTAGE,
}

#: Page status words that are not a component word behind an ALL/SOME/ONE prefix.
PAGE_STATUS: Mapping[str, Severity] = {
    "up": S.OPERATIONAL,
    "hasissues": S.DEGRADED,  # "something is wrong": at least degraded, components say how much
    "undermaintenance": S.MAINTENANCE,
}

PAGE_PREFIXES = ("all", "some", "one")

#: Maintenance words → the lifecycle words the rest of the app uses.
MAINTENANCE_STATUS: Mapping[str, str] = {
    "notstartedyet": "scheduled",
    "inprogress": "in_progress",
    "completed": "completed",
}
CLOSED_INCIDENT = frozenset({"resolved", "postmortem"})

_EPOCH_FLOOR = datetime.min.replace(tzinfo=UTC)


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read an Instatus summary or components payload (or a page's embedded data)."""
    if body.lstrip()[:1] == b"<":
        data: Any = embedded_data(body)
    else:
        data = load_json(body, encoding=ctx.charset)
    if isinstance(data, list):
        data = {"components": data}  # /v2/components.json: a bare array
    data = expect(data, dict, "Instatus payload")
    if not any(k in data for k in ("page", "components", "activeIncidents", "activeMaintenances")):
        raise FormatError("not an Instatus payload (no page, components or active incidents)")
    return read_payload(data, ctx)


def read_payload(data: Mapping[str, Any], ctx: ParseContext) -> Reading:
    """Build the Reading from a decoded summary and/or components object."""
    page = {} if data.get("page") is None else expect(data["page"], dict, "page")
    indicator = page_severity(page.get("status")) if page.get("status") is not None else None
    components = list(read_components(as_list(data.get("components"), "components")))
    base = page_base(page, ctx.url)
    incidents = [
        read_incident(expect(item, dict, "activeIncidents entry"), base)
        for item in as_list(data.get("activeIncidents"), "activeIncidents")
    ]
    incidents += [
        read_maintenance(expect(item, dict, "activeMaintenances entry"), base)
        for item in as_list(data.get("activeMaintenances"), "activeMaintenances")
    ]
    check_recognised(indicator, components)
    return rollup(
        format=FORMAT,
        indicator=indicator,
        components=components,
        incidents=incidents,
        page_name=text(page.get("name")).strip() or None,
    )


def page_severity(raw: Any) -> Severity:
    """UP / HASISSUES / UNDERMAINTENANCE, or a component word behind ALL/SOME/ONE."""
    word = text(raw).strip().lower()
    if word in PAGE_STATUS:
        return PAGE_STATUS[word]
    for prefix in PAGE_PREFIXES:
        if word.startswith(prefix) and word[len(prefix) :] in COMPONENT_STATUS:
            return COMPONENT_STATUS[word[len(prefix) :]]
    return S.UNKNOWN


def read_components(items: list[Any], group: str | None = None) -> Iterable[Component]:
    """Leaf components; a parent (``isParent`` or with ``children``) only lends its name."""
    for item in items:
        row = expect(item, dict, "component")
        name = text(row.get("name")).strip()
        children = as_list(row.get("children"), "component children")
        if row.get("isParent") is True or children:
            yield from read_components(children, name or group)
            continue
        yield Component(
            name=name or str(row.get("id") or "(unnamed)"),
            severity=lookup(COMPONENT_STATUS, row.get("status"), "component status", S.UNKNOWN),
            id=str(row.get("id") or ""),
            group=group_name(row.get("group")) or group,
        )


def group_name(value: Any) -> str | None:
    """``group`` may be null, a name, an i18n name or a ``{id, name}`` object."""
    if isinstance(value, dict) and "name" in value:
        value = value["name"]
    return text(value).strip() or None


def read_incident(row: Mapping[str, Any], base: str | None) -> Incident:
    """An active incident. Its impact can say OPERATIONAL while the components it lists are
    down (Mastodon), so the worst of the impact and those components is its severity."""
    status = text(row.get("status")).strip().lower()
    affected = [c for c in as_list(row.get("components"), "incident components") if c]
    states = [lookup(COMPONENT_STATUS, row.get("impact"), "incident impact", S.UNKNOWN)]
    states += [
        lookup(COMPONENT_STATUS, c.get("status"), "component status", S.UNKNOWN)
        for c in affected
        if isinstance(c, dict)
    ]
    newest = newest_update(row.get("updates"))
    return Incident(
        id=str(row.get("id") or text(row.get("name"))),
        title=text(row.get("name")).strip() or "(untitled)",
        status=status,
        open=status not in CLOSED_INCIDENT and row.get("resolved") in (None, False, ""),
        severity=worst(states, default=S.DEGRADED),
        kind="incident",
        url=item_url(row, base, "incident"),
        started=parse_time(row.get("started")),
        updated=parse_time(row.get("updatedAt")) or update_time(newest),
        latest_update=latest_text(newest),
        components=names(affected),
    )


def read_maintenance(row: Mapping[str, Any], base: str | None) -> Incident:
    """An announced maintenance: counts only while in progress, never merely scheduled."""
    raw = text(row.get("status")).strip().lower()
    status = MAINTENANCE_STATUS.get(raw, raw)
    newest = newest_update(row.get("updates"))
    return Incident(
        id=str(row.get("id") or text(row.get("name"))),
        title=text(row.get("name")).strip() or "(untitled)",
        status=status,
        open=status == "in_progress",
        severity=S.MAINTENANCE,
        kind="maintenance",
        url=item_url(row, base, "maintenance"),
        started=parse_time(row.get("start") or row.get("started")),
        updated=parse_time(row.get("updatedAt")) or update_time(newest),
        latest_update=latest_text(newest),
        components=names(as_list(row.get("components"), "maintenance components")),
    )


def names(items: Iterable[Any]) -> tuple[str, ...]:
    found = (text(c.get("name")).strip() for c in items if isinstance(c, dict))
    return tuple(dict.fromkeys(n for n in found if n))


def newest_update(value: Any) -> Mapping[str, Any]:
    """The most recent entry of an ``updates`` list (embedded page data), or {}."""
    updates = [u for u in as_list(value, "updates") if isinstance(u, dict)]
    if not updates:
        return {}
    return max(reversed(updates), key=lambda u: update_time(u) or _EPOCH_FLOOR)


def update_time(update: Mapping[str, Any]) -> datetime | None:
    return parse_time(update.get("started") or update.get("createdAt"))


def latest_text(update: Mapping[str, Any]) -> str | None:
    return plain_text(update.get("messageHtml") or update.get("message")) or None


def page_base(page: Mapping[str, Any], url: str) -> str | None:
    """The page's own URL, else the origin of the polled URL."""
    own = text(page.get("url")).strip()
    if own.startswith(("http://", "https://")):
        return own.rstrip("/")
    return origin(url)


def item_url(row: Mapping[str, Any], base: str | None, kind: str) -> str | None:
    """The given link, else ``<page>/incident/<id>`` (``/maintenance/<id>``)."""
    given = text(row.get("url")).strip()
    if given.startswith(("http://", "https://")):
        return given
    if base and row.get("id"):
        return f"{base}/{kind}/{row['id']}"
    return None


# --- Data embedded in the HTML of a Next.js Instatus page -----------------------------------

_NEXT_DATA = re.compile(rb'<script[^>]*id="__NEXT_DATA__"[^>]*>(.*?)</script>', re.S)
_NEXT_F = re.compile(rb"self\.__next_f\.push\((\[.*?\])\)\s*;?\s*</script>", re.S)


def embedded_data(body: bytes) -> dict[str, Any]:
    """A summary-shaped dict from the ``site`` data a Next.js page embeds (RSC or __NEXT_DATA__).

    Raises FormatError for any other HTML: an error page must not read as a status.
    """
    blob = next_text(body)
    site = decode_after(blob, '"site":')
    if not isinstance(site, dict):
        raise FormatError("expected JSON but got HTML without Instatus page data")
    start = blob.find('"site":')
    domain = text(site.get("customDomain")).strip()
    sub = text(site.get("subdomain")).strip()
    host = domain or (f"{sub}.instatus.com" if sub else "")
    return {
        "page": {
            "name": site.get("name"),
            "url": f"https://{host}" if host else None,
            "status": site.get("mainStatus") or site.get("status"),
        },
        "components": site.get("components"),
        "activeIncidents": decode_after(blob, '"activeIncidents":', start),
        "activeMaintenances": decode_after(blob, '"activeMaintenances":', start),
    }


def next_text(body: bytes) -> str:
    """The JSON-ish text of the page's data scripts, concatenated."""
    found = _NEXT_DATA.search(body)
    if found:
        return found.group(1).decode("utf-8", "replace")
    chunks = []
    for match in _NEXT_F.finditer(body):
        try:
            item = json.loads(match.group(1).decode("utf-8", "replace"))
        except json.JSONDecodeError:
            continue
        if isinstance(item, list) and len(item) > 1 and isinstance(item[1], str):
            chunks.append(item[1])
    return "".join(chunks)


def decode_after(blob: str, key: str, start: int = 0) -> Any:
    """The JSON value following the first ``key`` at or after ``start``; None if absent."""
    at = blob.find(key, start)
    if at < 0:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(blob, at + len(key))
    except json.JSONDecodeError:
        return None
    return value


# --------------------------------------------------------------------------- detection

INSTATUS_PAGE = re.compile(r"^(?:UP|HASISSUES|UNDERMAINTENANCE|(?:ALL|SOME|ONE)[A-Z]+)$")


def _sniff_json(data: Any, where: Where) -> Detection | None:
    status = object_at(data, "page").get("status")
    if isinstance(status, str) and INSTATUS_PAGE.match(status):
        return where.api(FORMAT, f"Instatus JSON (page.status {status})")
    return None


DETECT = FormatRules(
    endpoint_shape=r"[^/]+(/v3)?/summary\.json",
    sniff_json=_sniff_json,
    html_markers=(
        ("links to instatus.com", r"https?://(?:[\w-]+\.)*instatus\.com\b"),
        ("'Powered by Instatus'", r"Powered by(?:\s|<!--.*?-->)*Instatus"),
        ("Instatus skin class", r"\bskin-instatus\b"),
        ("Instatus page data", r"\bactive(?:Incidents|Maintenances)\b"),
        (
            "Instatus status words",
            r"\b(?:HASISSUES|UNDERMAINTENANCE|DEGRADEDPERFORMANCE|PARTIALOUTAGE|MAJOROUTAGE)\b",
        ),
    ),
    probe_paths=("/summary.json", "/v3/summary.json"),
)
