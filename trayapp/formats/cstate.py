"""cState (Hugo static status page): ``<base>/index.json``.

``{cStateVersion, title, summaryStatus, categories, systems[{name, category, status,
unresolvedIssues[...]}]}`` with statuses ok | notice | disrupted | down. cState lists unresolved
issues only, under each system they affect; the same issue under several systems is one incident.
Hugo writes dates in Go's default layout (``2024-05-01 10:00:00 +0000 UTC``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from trayapp.core.model import Component, Incident, Reading, Severity
from trayapp.errors import FormatError
from trayapp.formats import FormatRules, ParseContext
from trayapp.formats.common import as_list, expect, load_json, lookup, parse_time, rollup, text
from trayapp.formats.statuspage import check_recognised

if TYPE_CHECKING:  # detection is imported when it runs, never on the tray's start
    from trayapp.formats.detection import Detection, Where

TITLE = "cState"
DEFAULT_PATH = "/index.json"
FORMAT = "cstate"

S = Severity

STATUS: Mapping[str, Severity] = {
    "ok": S.OPERATIONAL,
    "notice": S.DEGRADED,
    "disrupted": S.PARTIAL_OUTAGE,
    "down": S.MAJOR_OUTAGE,
}

_GO_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d+))? ?([+-]\d\d):?(\d\d)")


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read a cState ``index.json``."""
    data = expect(load_json(body, encoding=ctx.charset), dict, "cState payload")
    if "summaryStatus" not in data and "systems" not in data:
        raise FormatError("not a cState index.json (no summaryStatus or systems)")
    indicator = None
    if data.get("summaryStatus") is not None:
        indicator = lookup(STATUS, data["summaryStatus"], "summaryStatus", S.UNKNOWN)
    systems = [expect(s, dict, "system") for s in as_list(data.get("systems"), "systems")]
    components = [read_system(row) for row in systems]
    check_recognised(indicator, components)
    return rollup(
        format=FORMAT,
        indicator=indicator,
        components=components,
        incidents=read_issues(systems),
        page_name=text(data.get("title")).strip() or None,
    )


def read_system(row: Mapping[str, Any]) -> Component:
    name = text(row.get("name")).strip() or "(unnamed)"
    return Component(
        name=name,
        severity=lookup(STATUS, row.get("status"), "system status", S.UNKNOWN),
        id=name,
        group=text(row.get("category")).strip() or None,
    )


def read_issues(systems: list[Mapping[str, Any]]) -> Iterable[Incident]:
    """Unresolved issues, one incident each however many systems list it."""
    seen: dict[str, Incident] = {}
    for system in systems:
        for item in as_list(system.get("unresolvedIssues"), "unresolvedIssues"):
            issue = expect(item, dict, "issue")
            key = text(issue.get("permalink") or issue.get("filename") or issue.get("title"))
            if key in seen:
                continue
            resolved = issue.get("resolved") is True
            affected = [text(a).strip() for a in as_list(issue.get("affected"), "affected")]
            if not any(affected):
                affected = [text(system.get("name")).strip()]
            permalink = text(issue.get("permalink")).strip()
            seen[key] = Incident(
                id=key,
                title=text(issue.get("title")).strip() or "(untitled)",
                status="resolved" if resolved else "unresolved",
                open=not resolved,
                severity=lookup(STATUS, issue.get("severity"), "issue severity", S.DEGRADED),
                url=permalink if permalink.startswith(("http://", "https://")) else None,
                started=go_time(issue.get("createdAt")),
                updated=go_time(issue.get("lastMod")) or go_time(issue.get("createdAt")),
                components=tuple(dict.fromkeys(a for a in affected if a)),
            )
    return seen.values()


def go_time(value: Any) -> datetime | None:
    """ISO 8601, or Go's ``2006-01-02 15:04:05.999 -0700 MST`` as Hugo prints dates."""
    if not isinstance(value, str) or value.startswith("0001-01-01"):
        return None
    match = _GO_TIME.match(value.strip())
    if match:
        day, clock, frac, hours, minutes = match.groups()
        frac = f".{frac[:6]}" if frac else ""
        return parse_time(f"{day}T{clock}{frac}{hours}:{minutes}")
    return parse_time(value)


# --------------------------------------------------------------------------- detection


def _sniff_json(data: Any, where: Where) -> Detection | None:
    if not isinstance(data, dict) or "cStateVersion" not in data:
        return None
    return where.api(FORMAT, f"cState index.json (cStateVersion {data['cStateVersion']})")


DETECT = FormatRules(
    endpoint_shape=r"[^/]+/index\.json", sniff_json=_sniff_json, probe_paths=("/index.json",)
)
