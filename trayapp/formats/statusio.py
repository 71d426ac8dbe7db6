"""status.io public status API: ``GET https://api.status.io/1.0/status/<status_page_id>``.

The API lives on api.status.io, not on the page's own host, and needs the page id, so there is no
path to append to a page URL: ``DEFAULT_PATH`` is empty and the watch's URL must be the API URL
itself (``formats.endpoint`` keeps a URL that has a path as it is).

Each ``status`` entry is a component that runs in one or more containers (hosting locations);
each (component, container) pair is one Component named ``"<component> / <container>"`` with the
component as its group. The ``incidents`` list holds open incidents only; ``maintenance.active``
is in progress, ``maintenance.upcoming`` merely scheduled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

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

TITLE = "status.io"
DEFAULT_PATH = ""  # the API URL (api.status.io/1.0/status/<page id>) must be given in full
FORMAT = "statusio"

S = Severity

STATUS_CODE: Mapping[str, Severity] = {
    "100": S.OPERATIONAL,
    "200": S.MAINTENANCE,  # planned maintenance
    "300": S.DEGRADED,
    "400": S.PARTIAL_OUTAGE,  # partial service disruption
    "500": S.MAJOR_OUTAGE,  # service disruption
    "600": S.MAJOR_OUTAGE,  # security event
}

#: Incident message ``state`` → lifecycle word (the summary lists unresolved incidents only).
INCIDENT_STATE: Mapping[str, str] = {
    "100": "investigating",
    "200": "identified",
    "300": "monitoring",
}

_EPOCH_FLOOR = datetime.min.replace(tzinfo=UTC)

Pair = tuple[str, str]  # (component id, container id)


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read a status.io ``/1.0/status/<id>`` response."""
    data = expect(load_json(body, encoding=ctx.charset), dict, "status.io payload")
    if "result" not in data:
        raise FormatError("not a status.io status response (no 'result')")
    result = expect(data["result"], dict, "result")
    overall = result.get("status_overall")
    indicator = None
    if overall is not None:
        overall = expect(overall, dict, "status_overall")
        indicator = code_severity(overall.get("status_code"))
    entries = [expect(e, dict, "status entry") for e in as_list(result.get("status"), "status")]
    live = live_states(entries)
    components = list(read_components(entries))
    maintenance = result.get("maintenance")
    maintenance = {} if maintenance is None else expect(maintenance, dict, "maintenance")
    incidents = [
        read_event(row, "incident", live) for row in dicts(result.get("incidents"), "incidents")
    ]
    for key, status in (("active", "in_progress"), ("upcoming", "scheduled")):
        incidents += [
            read_event(row, "maintenance", live, status)
            for row in dicts(maintenance.get(key), f"maintenance.{key}")
        ]
    check_recognised(indicator, components)
    return rollup(format=FORMAT, indicator=indicator, components=components, incidents=incidents)


def dicts(value: Any, what: str) -> list[Mapping[str, Any]]:
    return [expect(item, dict, f"{what} entry") for item in as_list(value, what)]


def code_severity(code: Any) -> Severity:
    return lookup(STATUS_CODE, code, "status code", S.UNKNOWN)


def read_components(entries: list[Mapping[str, Any]]) -> Iterable[Component]:
    """One Component per (component, container); a component without containers stands alone."""
    for entry in entries:
        name = text(entry.get("name")).strip() or str(entry.get("id") or "(unnamed)")
        containers = [c for c in as_list(entry.get("containers"), "containers") if c]
        if not containers:
            yield Component(
                name=name, severity=code_severity(entry.get("status_code")), id=str_id(entry)
            )
            continue
        for item in containers:
            box = expect(item, dict, "container")
            box_name = text(box.get("name")).strip() or str(box.get("id") or "?")
            yield Component(
                name=f"{name} / {box_name}",
                severity=code_severity(box.get("status_code")),
                id=f"{str_id(entry)}/{str_id(box)}",
                group=name,
            )


def str_id(row: Mapping[str, Any]) -> str:
    return str(row.get("id") or row.get("_id") or "")


def live_states(entries: list[Mapping[str, Any]]) -> dict[Pair, tuple[str, Severity]]:
    """(component id, container id) → (display name, current severity); ("id", "") for the
    component as a whole."""
    states: dict[Pair, tuple[str, Severity]] = {}
    for entry in entries:
        name = text(entry.get("name")).strip()
        states[(str_id(entry), "")] = (name, code_severity(entry.get("status_code")))
        for box in as_list(entry.get("containers"), "containers"):
            if isinstance(box, dict):
                label = f"{name} / {text(box.get('name')).strip()}"
                states[(str_id(entry), str_id(box))] = (
                    label,
                    code_severity(box.get("status_code")),
                )
    return states


def read_event(
    row: Mapping[str, Any],
    kind: IncidentKind,
    live: Mapping[Pair, tuple[str, Severity]],
    status: str | None = None,
) -> Incident:
    """An open incident, or a maintenance (``status`` says active or upcoming)."""
    messages = sorted(
        (m for m in as_list(row.get("messages"), "messages") if isinstance(m, dict)),
        key=lambda m: parse_time(m.get("datetime")) or _EPOCH_FLOOR,
    )
    newest = messages[-1] if messages else {}
    affected = affected_states(row, live)
    if kind == "incident":
        state = str(newest.get("state", "")).strip()
        status = INCIDENT_STATE.get(state, "unknown")
        severity = incident_severity(affected, newest)
        started = row.get("datetime_open")
    else:
        severity = S.MAINTENANCE
        started = row.get("datetime_planned_start") or row.get("datetime_open")
    return Incident(
        id=str_id(row) or text(row.get("name")),
        title=text(row.get("name")).strip() or "(untitled)",
        status=status or "unknown",
        open=kind == "incident" or status == "in_progress",
        severity=severity,
        kind=kind,
        started=parse_time(started),
        updated=parse_time(newest.get("datetime")),
        latest_update=plain_text(newest.get("details")) or None,
        components=tuple(dict.fromkeys(name for name, _ in affected)),
    )


def affected_states(
    row: Mapping[str, Any], live: Mapping[Pair, tuple[str, Severity]]
) -> list[tuple[str, Severity | None]]:
    """The affected (component, container) pairs with their current severity (None: not on the
    page any more, named as the payload names it)."""
    comps = [c for c in as_list(row.get("components_affected"), "components_affected") if c]
    boxes = [c for c in as_list(row.get("containers_affected"), "containers_affected") if c]
    found: list[tuple[str, Severity | None]] = []
    for comp in comps:
        comp = expect(comp, dict, "affected component")
        keys = [(str_id(comp), str_id(box)) for box in boxes if isinstance(box, dict)]
        hits = [live[k] for k in keys if k in live]
        if not hits and (str_id(comp), "") in live:
            hits = [live[(str_id(comp), "")]]
        found += hits or [(text(comp.get("name")).strip(), None)]
    return [(name, sev) for name, sev in found if name]


def incident_severity(
    affected: list[tuple[str, Severity | None]], newest: Mapping[str, Any]
) -> Severity:
    """The current state of what the incident affects: status.io applies an incident's status
    to those components, and later component updates (a recovery while the incident is still
    monitored) show there first. The newest message's status stands in when none is on the page;
    with neither, an open incident still counts as degraded."""
    current = [sev for _, sev in affected if sev is not None]
    if current:
        return worst(current, default=S.DEGRADED)
    stated = code_severity(newest.get("status"))
    return stated if stated is not S.UNKNOWN else S.DEGRADED


# --------------------------------------------------------------------------- detection

API_PATH = re.compile(r"^/1\.0/status/(?P<id>[0-9a-f]{24})/?$", re.IGNORECASE)
PAGE_ID = (
    re.compile(r"statuspage_?id\W{1,6}([0-9a-f]{24})\b", re.IGNORECASE),
    re.compile(r"api\.status\.io/1\.0/status/([0-9a-f]{24})\b", re.IGNORECASE),
    re.compile(r"/pages/([0-9a-f]{24})/(?:rss|atom|feed)", re.IGNORECASE),
)


def _known_host(where: Where) -> Detection | None:
    if where.site != "api.status.io":
        return None
    match = API_PATH.match(where.path)
    if match is None:
        return None
    return where.found(FORMAT, where.url, where.url, f"status.io public API for page {match['id']}")


def _sniff_json(data: Any, where: Where) -> Detection | None:
    if "status_overall" not in object_at(data, "result"):
        return None
    return where.api(FORMAT, "status.io API answer (result.status_overall)")


def page_id(text: str) -> str | None:
    """The 24-hex status.io page id a status.io page embeds (script variable, API URL or feed)."""
    for pattern in PAGE_ID:
        match = pattern.search(text)
        if match:
            return match.group(1).lower()
    return None


def _page_api(text: str) -> tuple[str, str] | None:
    """A status.io page's API is named by its page id; a page without one is not answerable."""
    found = page_id(text)
    if found is None:
        return None
    return f"https://api.status.io/1.0/status/{found}", f"page id {found}"


DETECT = FormatRules(
    endpoint_shape=r"api\.status\.io/1\.0/status/[0-9a-f]{24}",
    known_host=_known_host,
    sniff_json=_sniff_json,
    html_markers=(
        ("status.io assets", r"(?<![\w.-])(?:(?:cdn|api|www)\.)?status\.io\b"),
        ("status.io page id", r"statuspage_?id\W{1,6}[0-9a-f]{24}\b"),
        ("status.io page feed", r"/pages/[0-9a-f]{24}/(?:rss|atom|feed)"),
    ),
    page_api=_page_api,
)
