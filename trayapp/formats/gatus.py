"""Gatus (self-hosted health dashboard): ``/api/v1/endpoints/statuses``.

A list of endpoints ``{name, group, key, results: [oldest … newest], events?}``; an endpoint is up
when its newest result succeeded and down otherwise (Gatus has no partial state). The single
endpoint form, ``/api/v1/endpoints/<key>/statuses``, is one such object and reads the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from trayapp.core.model import Component, Reading, Severity
from trayapp.errors import FormatError
from trayapp.formats import FormatRules, ParseContext
from trayapp.formats.common import as_list, expect, first_object, load_json, rollup, text
from trayapp.formats.statuspage import check_recognised

if TYPE_CHECKING:  # detection is imported when it runs, never on the tray's start
    from trayapp.formats.detection import Detection, Where

TITLE = "Gatus"
DEFAULT_PATH = "/api/v1/endpoints/statuses"
FORMAT = "gatus"


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read a Gatus endpoint-status list (or one endpoint's status object)."""
    data = load_json(body, encoding=ctx.charset)
    if isinstance(data, dict):
        if "results" not in data:
            raise FormatError("not a Gatus endpoint status (no 'results')")
        data = [data]
    endpoints = expect(data, list, "Gatus endpoint list")
    components = [read_endpoint(expect(item, dict, "endpoint")) for item in endpoints]
    check_recognised(None, components)
    return rollup(format=FORMAT, components=components)


def read_endpoint(row: Mapping[str, Any]) -> Component:
    """An endpoint as a component; no result yet (or an unreadable one) is unknown."""
    if "results" not in row and "name" not in row:
        raise FormatError("endpoint entry has neither 'name' nor 'results'")
    results = as_list(row.get("results"), "results")
    newest = results[-1] if results else None
    success = newest.get("success") if isinstance(newest, dict) else None
    if success is True:
        severity = Severity.OPERATIONAL
    elif success is False:
        severity = Severity.MAJOR_OUTAGE
    else:
        severity = Severity.UNKNOWN
    name = text(row.get("name")).strip()
    return Component(
        name=name or text(row.get("key")) or "(unnamed)",
        severity=severity,
        id=text(row.get("key")),
        group=text(row.get("group")).strip() or None,
    )


# --------------------------------------------------------------------------- detection


def _sniff_json(data: Any, where: Where) -> Detection | None:
    item = first_object(data) if isinstance(data, list) else data if isinstance(data, dict) else {}
    if not ({"key", "results"} <= item.keys() and isinstance(item["results"], list)):
        return None
    parts = urlsplit(where.url)
    # a probe asks for one endpoint (pageSize=1); the watch wants them all
    endpoint = (
        urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        if "pageSize" in parts.query
        else where.url
    )
    return where.api(FORMAT, "Gatus endpoint statuses (key + results)", endpoint)


DETECT = FormatRules(
    endpoint_shape=r"[^/]+/api/v1/endpoints/statuses",
    sniff_json=_sniff_json,
    probe_paths=("/api/v1/endpoints/statuses?page=1&pageSize=1",),
)
