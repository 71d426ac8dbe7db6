"""Salesforce Trust: ``api.status.salesforce.com/v1/instances/status/preview``.

A JSON array of instances ``{key, location, status, isActive, Products, Incidents, ...}``.
Active instances are the components (inactive ones are decommissioned); an instance's ``status``
word gives its severity (CORE = the instance's core service, NONCORE = a secondary feature). An
incident repeats under every instance it touches: it is listed once, by ``id``, open while any of
its impacts has no ``endTime``. Filters: the endpoint's ``?products=`` (the server's) and the
``location`` param (NA, EMEA, APAC; ``*`` or none for all), and optionally ``product`` here too.
"""

from __future__ import annotations

from collections.abc import Mapping
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

TITLE = "Salesforce Trust"
DEFAULT_PATH = "/v1/instances/status/preview"
FORMAT = "salesforce"

STATUS: Mapping[str, Severity] = {
    "ok": Severity.OPERATIONAL,
    "informational_core": Severity.OPERATIONAL,  # informational: listed, raises nothing
    "informational_noncore": Severity.OPERATIONAL,
    "maintenance_core": Severity.MAINTENANCE,
    "maintenance_noncore": Severity.MAINTENANCE,
    "minor_incident_core": Severity.DEGRADED,
    "minor_incident_noncore": Severity.DEGRADED,
    "major_incident_noncore": Severity.PARTIAL_OUTAGE,
    "major_incident_core": Severity.MAJOR_OUTAGE,
}
IMPACT: Mapping[str, Severity] = {"minor": Severity.DEGRADED, "major": Severity.PARTIAL_OUTAGE}


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read the instances list, narrowed by the ``location`` and ``product`` params."""
    instances = [
        expect(i, dict, "instance")
        for i in expect(load_json(body, encoding=ctx.charset), list, "Salesforce instances list")
    ]
    location = _param(ctx, "location")
    product = _param(ctx, "product")
    chosen = [
        i
        for i in instances
        if i.get("isActive") is not False
        and (not location or text(i.get("location")).upper() == location.upper())
        and (not product or product in {text(p.get("key")) for p in _products(i)})
    ]
    if instances and not chosen:
        raise FormatError(f"no active instance matches location {location!r} product {product!r}")
    components = [
        Component(
            name=text(i.get("key")) or "(unnamed instance)",
            severity=lookup(STATUS, i.get("status"), "instance status", default=Severity.UNKNOWN),
            id=text(i.get("key")),
            group=text(i.get("location")) or None,
        )
        for i in chosen
    ]
    if components and all(c.severity is Severity.UNKNOWN for c in components):
        raise FormatError("no instance has a recognised status word")
    incidents: dict[str, Incident] = {}
    for instance in chosen:
        for raw in as_list(instance.get("Incidents"), "Incidents"):
            incident = read_incident(expect(raw, dict, "incident"))
            if incident.id not in incidents:
                incidents[incident.id] = incident
    return rollup(
        format=FORMAT,
        indicator=Severity.OPERATIONAL,  # a readable, empty list of the chosen instances is clear
        components=components,
        incidents=incidents.values(),
        page_name="Salesforce",
    )


def _param(ctx: ParseContext, key: str) -> str:
    value = str(ctx.params.get(key) or "").strip()
    return "" if value == "*" else value


def _products(instance: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [p for p in as_list(instance.get("Products"), "Products") if isinstance(p, dict)]


def read_incident(item: Mapping[str, Any]) -> Incident:
    impacts = [
        i for i in as_list(item.get("IncidentImpacts"), "IncidentImpacts") if isinstance(i, dict)
    ]
    open_impacts = [i for i in impacts if i.get("endTime") is None]
    severity = worst(
        (
            lookup(IMPACT, i.get("severity"), "impact severity", default=Severity.DEGRADED)
            for i in impacts
        ),
        default=Severity.DEGRADED,
    )
    if severity is Severity.PARTIAL_OUTAGE and item.get("isCore") is True:
        severity = (
            Severity.MAJOR_OUTAGE
        )  # a major impact on the core service, as MAJOR_INCIDENT_CORE
    message: Mapping[str, Any] = item["message"] if isinstance(item.get("message"), dict) else {}
    words = [text(message.get(k)) for k in ("actionPlan", "pathToResolution", "rootCause")]
    kinds = sorted({text(i.get("type")) for i in impacts if i.get("type")})
    instances = tuple(text(k) for k in as_list(item.get("instanceKeys"), "instanceKeys"))
    started = min((t for i in impacts if (t := parse_time(i.get("startTime")))), default=None)
    return Incident(
        id=text(item.get("id")),
        title=f"Incident {text(item.get('id'))}" + (f" ({', '.join(kinds)})" if kinds else ""),
        status="open" if open_impacts else "resolved",
        url=f"https://status.salesforce.com/incidents/{text(item.get('id'))}",
        open=bool(open_impacts),
        severity=severity,
        started=started or parse_time(item.get("createdAt")),
        updated=parse_time(item.get("updatedAt")),
        latest_update=shorten(next((w for w in words if w), "")) or None,
        components=instances,
    )


# --------------------------------------------------------------------------- detection

PREVIEW = "https://api.status.salesforce.com/v1/instances/status/preview"
PAGE = "https://status.salesforce.com/"
HOSTS = ("status.salesforce.com", "trust.salesforce.com", "api.status.salesforce.com")


def _known_host(where: Where) -> Detection | None:
    if where.site == "api.status.salesforce.com" and where.path.startswith("/v1/instances"):
        return where.found(FORMAT, where.url, PAGE, "Salesforce Trust status API")
    if where.site not in HOSTS:
        return None
    evidence = f"{where.site} is Salesforce Trust; polling its instances status API"
    return where.found(FORMAT, PREVIEW, PAGE, evidence)


def _sniff_json(data: Any, where: Where) -> Detection | None:
    if not ({"key", "status", "Products", "Incidents"} <= first_object(data).keys()):
        return None
    return where.api(FORMAT, "Salesforce Trust instances (key, status, Products, Incidents)")


DETECT = FormatRules(
    endpoint_shape=r"api\.status\.salesforce\.com/v1/(instances|instancealiases)/.*status.*",
    known_host=_known_host,
    sniff_json=_sniff_json,
)
