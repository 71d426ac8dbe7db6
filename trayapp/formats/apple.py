"""Apple System Status (consumer and developer), a JSONP body: ``jsonCallback({...});``.

``{services: [{serviceName, redirectUrl, events: [{messageId, statusType, eventStatus, ...}]}]}``.
Services are the components. Only an ``ongoing`` event counts (resolved and completed are
history, upcoming is scheduled); an ongoing Maintenance is a maintenance, any other ongoing event
an incident, listed once however many services it names (``messageId``). The ``service`` param
narrows the reading to one service ("iCloud Mail"), as the catalog's per-service entries do;
``*`` or no param reads the whole page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from trayapp.core.model import Component, Incident, Reading, Severity, worst
from trayapp.errors import FormatError
from trayapp.formats import FormatRules, ParseContext
from trayapp.formats.common import (
    as_list,
    expect,
    first_object,
    load_json,
    lookup,
    parse_time,
    rollup,
    shorten,
    text,
)

if TYPE_CHECKING:  # detection is imported when it runs, never on the tray's start
    from trayapp.formats.detection import Detection, Where

TITLE = "Apple System Status"
DEFAULT_PATH = "/support/systemstatus/data/system_status_en_US.js"
FORMAT = "apple"
JSONP_PREFIX = b"jsonCallback("

STATUS_TYPE: Mapping[str, Severity] = {
    "available": Severity.OPERATIONAL,
    "maintenance": Severity.MAINTENANCE,
    "performance": Severity.DEGRADED,
    "issue": Severity.PARTIAL_OUTAGE,
    "outage": Severity.MAJOR_OUTAGE,
}


def unwrap(body: bytes) -> bytes:
    """The JSON object inside a JSONP body (everything from the first '{' to the last '}');
    a body that is plain JSON already comes back unchanged."""
    start, end = body.find(b"{"), body.rfind(b"}")
    if start < 0 or end < start:
        return body
    return body[start : end + 1]


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read the page, narrowed to ``ctx.params['service']`` when one is named."""
    data = expect(load_json(unwrap(body), encoding=ctx.charset), dict, "Apple status payload")
    services = [
        expect(s, dict, "service")
        for s in as_list(data.get("services"), "services (list of services)")
    ]
    if not services:
        raise FormatError("the payload lists no services")
    wanted = str(ctx.params.get("service") or "").strip()
    if wanted and wanted != "*":
        services = [s for s in services if text(s.get("serviceName")).strip() == wanted]
        if not services:
            raise FormatError(f"service {wanted!r} is not on the page")
    components: list[Component] = []
    incidents: dict[str, Incident] = {}
    for service in services:
        name = text(service.get("serviceName")).strip() or "(unnamed service)"
        events = [
            read_event(expect(e, dict, "event"), name)
            for e in as_list(service.get("events"), "events")
        ]
        components.append(
            Component(name=name, severity=worst(e.severity for e in events if e.open), id=name)
        )
        for event in events:
            known = incidents.get(event.id)
            if known is None:
                incidents[event.id] = event
            elif name not in known.components:
                incidents[event.id] = replace(known, components=(*known.components, name))
    return rollup(
        format=FORMAT,
        indicator=Severity.OPERATIONAL,  # a readable list of services with no ongoing event
        components=components,
        incidents=incidents.values(),
        page_name="Apple",
    )


def read_event(event: Mapping[str, Any], service: str) -> Incident:
    status_type = text(event.get("statusType")).strip()
    severity = lookup(STATUS_TYPE, status_type, "statusType", default=Severity.DEGRADED)
    status = text(event.get("eventStatus")).strip().lower() or "ongoing"
    started = parse_time(event.get("epochStartDate"))
    return Incident(
        id=text(event.get("messageId")) or f"{service}-{event.get('epochStartDate')}",
        title=f"{service}: {status_type or 'event'}",
        status=status,
        open=status == "ongoing",
        severity=severity,
        kind="maintenance" if severity is Severity.MAINTENANCE else "incident",
        started=started,
        updated=parse_time(event.get("epochEndDate")) or started,
        latest_update=shorten(text(event.get("message"))) or None,
        components=(service,),
    )


# --------------------------------------------------------------------------- detection

CONSUMER_DATA = "https://www.apple.com/support/systemstatus/data/system_status_en_US.js"
DEVELOPER_DATA = "https://www.apple.com/support/systemstatus/data/developer/system_status_en_US.js"


def _known_host(where: Where) -> Detection | None:
    path = where.path
    if where.site == "developer.apple.com" and path.startswith("/system-status"):
        return where.found(
            FORMAT,
            DEVELOPER_DATA,
            "https://developer.apple.com/system-status/",
            "developer.apple.com/system-status is Apple's developer system status (JSONP data)",
        )
    if where.site != "apple.com" or not path.startswith("/support/systemstatus"):
        return None
    page = "https://www.apple.com/support/systemstatus/"
    if path.startswith("/support/systemstatus/data/"):
        return where.found(FORMAT, where.url, page, "Apple system status data")
    return where.found(
        FORMAT,
        CONSUMER_DATA,
        page,
        "apple.com/support/systemstatus is Apple's system status (JSONP data)",
    )


def _sniff_json(data: Any, where: Where) -> Detection | None:
    service = first_object(data.get("services")) if isinstance(data, dict) else {}
    if not ({"serviceName", "events"} <= service.keys()):
        return None
    return where.api(FORMAT, "Apple system status data (services[].serviceName + events)")


def _unwrap_jsonp(body: bytes) -> bytes | None:
    """The JSON inside Apple's JSONP body; None for a body that is not JSONP."""
    return unwrap(body) if body.lstrip().startswith(JSONP_PREFIX) else None


DETECT = FormatRules(
    endpoint_shape=(
        r"www\.apple\.com/support/systemstatus/data/(developer/)?system_status_[a-z]{2}_[a-z]{2}\.js"
    ),
    known_host=_known_host,
    sniff_json=_sniff_json,
    unwrap=_unwrap_jsonp,
)
