"""status.io public status API: component-container pairs, status codes, incidents, maintenance."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from trayapp import formats
from trayapp.core.model import Reading, Severity
from trayapp.formats import ParseContext, statusio

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "statusio"
API_URL = "https://api.status.io/1.0/status/64a1f0c2e4b0a1000a000000"
S = Severity


def read(body: bytes | str | dict[str, Any]) -> Reading:
    if isinstance(body, str):
        body = (FIXTURES / body).read_bytes()
    elif isinstance(body, dict):
        body = json.dumps(body).encode()
    return formats.read("statusio", body, ParseContext(url=API_URL))


def page(code: Any, containers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    entry = {"id": "a", "name": "API", "status_code": 100, "containers": containers or []}
    return {"result": {"status_overall": {"status_code": code}, "status": [entry]}}


def test_module_contract_needs_the_api_url() -> None:
    assert statusio.TITLE == "status.io"
    assert statusio.DEFAULT_PATH == ""
    assert formats.endpoint("statusio", API_URL) == API_URL


def test_components_are_component_container_pairs() -> None:
    reading = read("status_incident_and_maintenance.json")
    assert reading.error is None
    by_name = {c.name: c for c in reading.components}
    assert list(by_name) == [
        "API / us-east-1",
        "API / eu-west-1",
        "Web App / Global CDN",
        "Webhooks",
    ]
    assert by_name["API / us-east-1"].severity is S.PARTIAL_OUTAGE
    assert by_name["API / us-east-1"].group == "API"
    assert by_name["API / eu-west-1"].severity is S.OPERATIONAL
    assert by_name["Webhooks"].severity is S.DEGRADED and by_name["Webhooks"].group is None
    assert by_name["API / us-east-1"].id == "64a1f0c2e4b0a1000a000001/64a1f0c2e4b0a1000a0000c1"


def test_incident_and_maintenances() -> None:
    reading = read("status_incident_and_maintenance.json")
    assert reading.severity is S.PARTIAL_OUTAGE
    incident, active, upcoming = reading.incidents
    assert (incident.kind, incident.status, incident.open) == ("incident", "identified", True)
    assert incident.severity is S.PARTIAL_OUTAGE
    assert incident.components == ("API / us-east-1",)
    assert incident.started == datetime(2024, 11, 5, 13, 58, 2, 511000, tzinfo=UTC)
    assert incident.updated == datetime(2024, 11, 5, 14, 20, 11, tzinfo=UTC)
    assert incident.latest_update == (
        "The issue has been identified as a faulty load balancer pool. Traffic is being shifted."
    )
    assert (active.kind, active.status, active.open) == ("maintenance", "in_progress", True)
    assert active.started == datetime(2024, 11, 5, 12, tzinfo=UTC)
    assert active.components == ("Webhooks",)
    assert (upcoming.status, upcoming.open) == ("scheduled", False)
    assert upcoming.latest_update == "We will upgrade the primary database."
    assert len(reading.open_incidents) == 1 and len(reading.active_maintenances) == 1


def test_security_event_is_a_major_outage() -> None:
    reading = read("status_security_event_600.json")
    assert reading.severity is S.MAJOR_OUTAGE
    assert reading.incidents[0].severity is S.MAJOR_OUTAGE
    assert reading.incidents[0].components == ("Accounts / Primary region",)


def test_incident_impact_follows_the_components_current_state() -> None:
    """Monitoring after a fix: components are back to operational, so is the page."""
    reading = read("status_recovered_while_monitoring.json")
    (incident,) = reading.incidents
    assert incident.open and incident.status == "monitoring"
    assert incident.severity is S.OPERATIONAL
    assert reading.severity is S.OPERATIONAL


def test_incident_on_a_component_no_longer_listed_uses_its_message_status() -> None:
    data = page(100)
    data["result"]["incidents"] = [
        {
            "_id": "i",
            "name": "Gone",
            "messages": [{"state": 100, "status": 500, "datetime": "2024-01-01T00:00:00Z"}],
            "components_affected": [{"_id": "zz", "name": "Legacy"}],
        }
    ]
    reading = read(data)
    assert reading.incidents[0].severity is S.MAJOR_OUTAGE
    assert reading.incidents[0].components == ("Legacy",)
    assert reading.severity is S.MAJOR_OUTAGE


@pytest.mark.parametrize(
    ("code", "severity"),
    [
        (100, S.OPERATIONAL),
        (200, S.MAINTENANCE),
        (300, S.DEGRADED),
        (400, S.PARTIAL_OUTAGE),
        (500, S.MAJOR_OUTAGE),
        (600, S.MAJOR_OUTAGE),
        ("500", S.MAJOR_OUTAGE),
    ],
)
def test_status_codes(code: Any, severity: Severity) -> None:
    reading = read(page(code, [{"id": "c", "name": "X", "status_code": code}]))
    assert reading.severity is severity
    assert reading.components[0].severity is severity


def test_null_incidents_missing_maintenance_and_an_unseen_code() -> None:
    reading = read("status_odd_nulls_and_new_code.json")
    assert reading.error is None
    assert reading.incidents == ()
    severities = {c.name: c.severity for c in reading.components}
    assert severities == {"Search / Cluster A": S.OPERATIONAL, "Search / Cluster B": S.UNKNOWN}
    assert reading.severity is S.OPERATIONAL


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "empty"),
        (b'{"result": {"status_overall": {"status_code": 100}, "status": [', "truncated"),
        (b"<html><body>Service Unavailable</body></html>", "HTML"),
        (b"[]", "should be dict"),
        (b'{"status": {"error": "yes", "message": "Not found"}}', "no 'result'"),
        (b'{"result": []}', "result should be dict"),
        (b'{"result": {"status": {"id": 1}}}', "status should be list"),
        (b'{"result": {"status_overall": {"status_code": 999}}}', "no recognised status"),
        (b'{"result": {}}', "no status"),
        (b'{"result": {"status": [], "maintenance": []}}', "maintenance should be dict"),
    ],
)
def test_bad_payloads_are_unknown_with_a_reason(body: bytes, words: str) -> None:
    reading = read(body)
    assert reading.severity is S.UNKNOWN
    assert reading.error and words.lower() in reading.error.lower()
