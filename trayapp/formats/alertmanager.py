"""Prometheus Alertmanager API v2: ``/api/v2/alerts`` and ``/api/v2/alerts/groups``.

The first is an array of alerts, the second an array of groups ``{labels, receiver, alerts}``
in which one alert appears once per matching route: alerts are counted once, by ``fingerprint``.
An alert counts while ``status.state`` is active (or unprocessed); a suppressed one (silenced,
inhibited, muted) is listed closed and raises nothing. Severity comes from a label (a convention,
not the API): ``params`` may name the label (``severity_label``, default ``severity``) and map
its values (``severity.P1 = "major_outage"``) over the defaults below. An empty list is the
all-clear of a reachable Alertmanager.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trayapp.core.model import Incident, Reading, Severity
from trayapp.errors import FormatError
from trayapp.formats import FormatRules, ParseContext
from trayapp.formats.common import (
    expect,
    first_object,
    load_json,
    object_at,
    parse_time,
    rollup,
    shorten,
    text,
)

if TYPE_CHECKING:  # detection is imported when it runs, never on the tray's start
    from trayapp.formats.detection import Detection, Where

TITLE = "Prometheus Alertmanager"
DEFAULT_PATH = "/api/v2/alerts"
FORMAT = "alertmanager"
LABEL_PARAM = "severity_label"
MAP_PREFIX = "severity."

LABEL: Mapping[str, Severity] = {
    **dict.fromkeys(("info", "none", "informational"), Severity.OPERATIONAL),
    **dict.fromkeys(("warning", "warn", "minor", "low"), Severity.DEGRADED),
    **dict.fromkeys(("error", "high", "major"), Severity.PARTIAL_OUTAGE),
    **dict.fromkeys(("critical", "page", "emergency", "fatal"), Severity.MAJOR_OUTAGE),
}
UNLABELLED = Severity.DEGRADED  # trayapp's choice for a missing or unknown label
COUNTED_STATES = frozenset({"active", "unprocessed"})


def severity_map(params: Mapping[str, str]) -> dict[str, Severity]:
    """The label-value mapping: the defaults, overridden by ``severity.<value>`` params."""
    mapping = dict(LABEL)
    for key, value in params.items():
        if key.startswith(MAP_PREFIX):
            try:
                mapping[key[len(MAP_PREFIX) :].lower()] = Severity(str(value).strip().lower())
            except ValueError:
                raise FormatError(f"param {key} = {value!r} is not a severity") from None
    return mapping


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read either shape; alerts are deduplicated by fingerprint."""
    data = expect(load_json(body, encoding=ctx.charset), list, "Alertmanager alerts list")
    alerts: list[dict[str, Any]] = []
    for item in data:
        item = expect(item, dict, "alert or alert group")
        if "fingerprint" not in item and isinstance(item.get("alerts"), list):
            alerts += [expect(a, dict, "alert") for a in item["alerts"]]
        else:
            alerts.append(item)
    label = str(ctx.params.get(LABEL_PARAM) or "severity")
    mapping = severity_map(ctx.params)
    seen: dict[str, Incident] = {}
    for alert in alerts:
        incident = read_alert(alert, label, mapping)
        seen.setdefault(incident.id, incident)
    return rollup(
        format=FORMAT,
        indicator=Severity.OPERATIONAL,  # a reachable Alertmanager with nothing firing
        incidents=seen.values(),
        page_name="Alertmanager",
    )


def read_alert(alert: Mapping[str, Any], label: str, mapping: Mapping[str, Severity]) -> Incident:
    """One alert; an informational one (mapped to operational) is listed but not open."""
    labels: Mapping[str, Any] = alert["labels"] if isinstance(alert.get("labels"), dict) else {}
    notes: Mapping[str, Any] = (
        alert["annotations"] if isinstance(alert.get("annotations"), dict) else {}
    )
    status: Mapping[str, Any] = alert["status"] if isinstance(alert.get("status"), dict) else {}
    fingerprint = text(alert.get("fingerprint"))
    if not fingerprint:
        raise FormatError("an alert has no fingerprint")
    state = text(status.get("state")).lower() or "active"
    value = text(labels.get(label)).strip().lower()
    name = text(labels.get("alertname")) or "(unnamed alert)"
    where = text(labels.get("instance") or labels.get("job"))
    summary = text(notes.get("summary") or notes.get("alert") or notes.get("message"))
    link = text(alert.get("generatorURL"))  # Prometheus' own host; a bare path cannot be opened
    severity = mapping.get(value, UNLABELLED)
    counted = state in COUNTED_STATES and severity is not Severity.OPERATIONAL
    return Incident(
        id=fingerprint,
        title=f"{name} ({where})" if where else name,
        status=("firing" if counted else "informational") if state in COUNTED_STATES else state,
        open=counted,
        severity=severity,
        url=link if link.startswith(("https://", "http://")) else None,
        started=parse_time(alert.get("startsAt")),
        updated=parse_time(alert.get("updatedAt")),
        latest_update=shorten(summary or text(notes.get("description"))) or None,
        components=(name,),
    )


# --------------------------------------------------------------------------- detection

ALERTS_PATH = re.compile(r"/api/v2/alerts(?:/groups)?/?$")


def _sniff_json(data: Any, where: Where) -> Detection | None:
    if not isinstance(data, list):
        return None
    item = first_object(data)
    alert = first_object(item.get("alerts")) if "alerts" in item and "receiver" in item else item
    if "fingerprint" in alert and "state" in object_at(alert, "status"):
        return where.api(FORMAT, "Alertmanager API v2 alerts (fingerprint + status.state)")
    if not data and ALERTS_PATH.search(where.path):
        return where.api(FORMAT, "empty alert list at Alertmanager's /api/v2/alerts")
    return None


DETECT = FormatRules(
    endpoint_shape=r"[^/]+/(.*/)?api/v2/alerts(/groups)?",
    sniff_json=_sniff_json,
    probe_paths=("/api/v2/alerts",),
)
