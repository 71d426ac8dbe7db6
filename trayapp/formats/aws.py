"""AWS Health Dashboard: ``/public/currentevents`` and the legacy ``data.json``.

``currentevents`` is a JSON array served as UTF-16 (``[]`` when all is well); each event has a
string ``status`` "0".."3" (0 resolved, 1 informational, 2 degraded, 3 disruption), epoch-string
dates, ``region_name``, ``service`` and an ``event_log``. The legacy ``data.json`` is
``{archive: [...], current: [...]}``: only ``current`` is open, archive entries are listed as
closed incidents with the impact they had. Watches filter with ``service`` (a substring of
service / service_name / arn) and ``region`` (a substring of the region fields): regional events
have stayed open for months, so an unfiltered watch reads them all.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from trayapp.core.model import Incident, Reading, Severity, worst
from trayapp.errors import FormatError
from trayapp.formats import FormatRules, ParseContext
from trayapp.formats.common import (
    expect,
    first_object,
    load_json,
    parse_time,
    plain_text,
    rollup,
    shorten,
    text,
)

if TYPE_CHECKING:  # detection is imported when it runs, never on the tray's start
    from trayapp.formats.detection import Detection, Where

TITLE = "AWS Health Dashboard"
DEFAULT_PATH = "/public/currentevents"
FORMAT = "aws"

CODE: Mapping[str, Severity] = {
    "0": Severity.OPERATIONAL,
    "1": Severity.OPERATIONAL,  # informational: listed, raises nothing
    "2": Severity.DEGRADED,
    "3": Severity.PARTIAL_OUTAGE,
}
CODE_WORD: Mapping[str, str] = {
    "0": "resolved",
    "1": "informational",
    "2": "degraded",
    "3": "disruption",
}
_SERVICE_FIELDS = ("service", "service_name", "arn")
_REGION_FIELDS = ("region_name", "region", "service", "service_name", "arn")


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read either AWS shape, filtered by ``ctx.params`` ``service`` / ``region``."""
    data = load_json(decode(body, ctx.charset).encode("utf-8"))
    raw: list[tuple[Any, bool | None]]
    if isinstance(data, list):
        raw = [(item, None) for item in data]
    elif isinstance(data, dict) and "current" in data:
        current = expect(data.get("current") or [], list, "current")
        archive = expect(data.get("archive") or [], list, "archive")
        raw = [*((item, None) for item in current), *((item, False) for item in archive)]
    else:
        raise FormatError("expected the AWS currentevents list or data.json {current, archive}")
    service = str(ctx.params.get("service") or "").strip().lower()
    region = str(ctx.params.get("region") or "").strip().lower()
    incidents = [
        read_event(event, open_hint)
        for item, open_hint in raw
        if matches(event := expect(item, dict, "event"), service, region)
    ]
    return rollup(
        format=FORMAT,
        indicator=Severity.OPERATIONAL,  # a readable list: no open event is the all-clear
        incidents=incidents,
        page_name="AWS",
    )


def decode(body: bytes, charset: str | None) -> str:
    """Text of the body: BOM first, then the declared charset, then NUL-byte sniffing (UTF-16
    served without a charset), else UTF-8."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            return _decode(body, encoding)
    declared = (charset or "").lower().replace("_", "-")
    if declared in ("utf-16", "utf16") or (
        not declared.startswith("utf-16") and b"\0" in body[:64]
    ):
        declared = utf16_order(body)
    return _decode(body, declared or "utf-8")


def utf16_order(body: bytes) -> str:
    """UTF-16 without a BOM: ASCII text puts its NUL bytes first (BE) or second (LE)."""
    sample = body[:64]
    return "utf-16-be" if sample[0::2].count(0) > sample[1::2].count(0) else "utf-16-le"


def _decode(body: bytes, encoding: str) -> str:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise FormatError(f"response is not valid {encoding} text") from exc


def matches(event: Mapping[str, Any], service: str, region: str) -> bool:
    return _contains(event, _SERVICE_FIELDS, service) and _contains(event, _REGION_FIELDS, region)


def _contains(event: Mapping[str, Any], fields: Iterable[str], needle: str) -> bool:
    if not needle:
        return True
    values = [text(event.get(f)) for f in fields]
    impacted = event.get("impacted_services")
    if isinstance(impacted, dict):
        values += [str(k) for k in impacted]
    return any(needle in v.lower() for v in values)


def read_event(event: Mapping[str, Any], open_hint: bool | None) -> Incident:
    """One event; ``open_hint`` False for archive entries, None to decide from the event."""
    code = text(event.get("status")).strip()  # "2" or 2
    summary = text(event.get("summary")).strip()
    log = [e for e in event.get("event_log") or () if isinstance(e, dict)]
    newest = max(log, key=_log_time, default=None)
    resolved = (
        code == "0" or summary.upper().startswith("[RESOLVED]") or bool(event.get("end_time"))
    )
    is_open = not resolved if open_hint is None else open_hint
    severity = CODE.get(code)
    if severity is None or code == "0":
        # the impact it had: the worst code its log shows; unseen codes are unstated: degraded
        logged = [CODE[c] for e in log if (c := str(e.get("status", "")).strip()) in CODE]
        severity = worst(logged) if logged else (Severity.OPERATIONAL if code == "0" else None)
    started = parse_time(event.get("date"))
    name = text(event.get("service_name")) or text(event.get("service"))
    details = text(newest.get("message")) if newest else text(event.get("description"))
    return Incident(
        id=text(event.get("arn")) or f"{text(event.get('service'))}-{text(event.get('date'))}",
        title=summary or name or "(untitled)",
        status="resolved" if not is_open else CODE_WORD.get(code, code or "open"),
        open=is_open,
        severity=severity or Severity.DEGRADED,
        started=started,
        updated=(parse_time(newest.get("timestamp")) if newest else None) or started,
        latest_update=last_paragraph(details) or shorten(summary) or None,
        components=(name,) if name else (),
    )


def _log_time(entry: Mapping[str, Any]) -> datetime:
    return parse_time(entry.get("timestamp")) or datetime.min.replace(tzinfo=UTC)


def last_paragraph(html: str) -> str:
    """The newest update of an AWS description: its updates are ``<div>``s, oldest first."""
    parts = [p for p in html.split("</div>") if plain_text(p)]
    return plain_text(parts[-1]) if parts else ""


# --------------------------------------------------------------------------- detection

CURRENT_EVENTS = "https://health.aws.amazon.com/public/currentevents"
SERVICE_FEED = re.compile(
    r"/rss/(?P<service>[a-z0-9]+(?:-[a-z0-9]+)*?)-(?P<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)\.rss$"
)


def _known_host(where: Where) -> Detection | None:
    if where.site not in ("health.aws.amazon.com", "status.aws.amazon.com"):
        return None
    page = "https://health.aws.amazon.com/health/status"
    feed = SERVICE_FEED.search(where.path)
    if feed and feed["service"] != "all":
        return where.found(
            FORMAT,
            CURRENT_EVENTS,
            page,
            f"AWS Health Dashboard feed for {feed['service']} in {feed['region']}: polling the "
            "current-events API filtered to that service and region",
            (("service", feed["service"]), ("region", feed["region"])),
        )
    evidence = f"{where.site} is the AWS Health Dashboard; polling its current events"
    return where.found(FORMAT, CURRENT_EVENTS, page, evidence)


def _sniff_json(data: Any, where: Where) -> Detection | None:
    if isinstance(data, dict) and isinstance(data.get("archive"), list) and "current" in data:
        return where.api(FORMAT, "legacy AWS status data.json (archive/current)")
    if not isinstance(data, list):
        return None
    event = first_object(data)
    if "arn" in event or "event_log" in event or {"region_name", "service"} <= event.keys():
        return where.api(FORMAT, "AWS Health current events (list of events)")
    if not data and "utf-16" in where.content_type.lower():
        return where.api(FORMAT, "empty UTF-16 event list: the AWS Health current events API")
    return None


DETECT = FormatRules(
    endpoint_shape=r"(health|status)\.aws\.amazon\.com/(public/currentevents|data\.json)",
    known_host=_known_host,
    sniff_json=_sniff_json,
)
