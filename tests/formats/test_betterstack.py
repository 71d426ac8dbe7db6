"""Better Stack index.json: resources by section, status reports, maintenances, bad payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from trayapp import formats
from trayapp.core.model import Reading, Severity
from trayapp.formats import ParseContext, betterstack

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "betterstack"
S = Severity


def read(body: bytes | str | dict[str, Any], url: str = "") -> Reading:
    if isinstance(body, str):
        body = (FIXTURES / body).read_bytes()
    elif isinstance(body, dict):
        body = json.dumps(body).encode()
    return formats.read("betterstack", body, ParseContext(url=url))


def page(state: str, *included: dict[str, Any]) -> dict[str, Any]:
    data = {"id": "1", "type": "status_page", "attributes": {"aggregate_state": state}}
    return {"data": data, "included": list(included)}


def test_module_contract() -> None:
    assert betterstack.TITLE == "Better Stack"
    assert formats.endpoint("betterstack", "https://status.northwind.example") == (
        "https://status.northwind.example/index.json"
    )


def test_resources_are_components_grouped_by_section() -> None:
    reading = read("index_downtime.json", url="https://status.northwind.example/index.json")
    assert reading.error is None
    assert reading.page_name == "Northwind Apps"
    assert reading.severity is S.MAJOR_OUTAGE
    comps = {c.name: (c.severity, c.group, c.id) for c in reading.components}
    assert comps == {
        "Website": (S.OPERATIONAL, "Network", "4100001"),
        "Customer portal": (S.MAJOR_OUTAGE, "Network", "4100002"),
        "TestDrive": (S.DEGRADED, "Network", "4100003"),
        "Email notifications": (S.UNKNOWN, None, "4100004"),  # not_monitored; unnamed section
    }


def test_status_reports_incidents_and_maintenances() -> None:
    reading = read("index_downtime.json", url="https://status.northwind.example/index.json")
    by_id = {i.id: i for i in reading.incidents}
    portal = by_id["1200001"]
    assert (portal.kind, portal.open, portal.status) == ("incident", True, "downtime")
    assert portal.severity is S.MAJOR_OUTAGE
    assert portal.components == ("Customer portal",)
    assert portal.url == "https://status.northwind.example/incident/1200001"
    assert portal.started == datetime(2025, 8, 6, 7, 30, tzinfo=UTC)
    assert portal.updated == datetime(2025, 8, 6, 7, 41, tzinfo=UTC)
    assert (
        portal.latest_update == "The database failover is in progress. Next update in 30 minutes."
    )
    slow = by_id["1199990"]  # resolved although ends_at is null; keeps the impact it had
    assert (slow.open, slow.status, slow.severity) == (False, "resolved", S.DEGRADED)
    assert slow.latest_update == "Sessions were slow; fixed."
    switch = by_id["1200005"]
    assert (switch.kind, switch.status, switch.open) == ("maintenance", "in_progress", True)
    assert switch.url == "https://status.northwind.example/maintenance/1200005"
    assert switch.components == ("Website",)
    assert (by_id["1200006"].status, by_id["1200006"].open) == ("scheduled", False)
    assert (by_id["1199000"].status, by_id["1199000"].open) == ("completed", False)
    assert [i.id for i in reading.open_incidents] == ["1200001"]
    assert [i.id for i in reading.active_maintenances] == ["1200005"]


def test_report_ended_by_ends_at_and_updates_linked_back_to_it() -> None:
    reading = read("index_operational.json")
    assert reading.severity is S.OPERATIONAL
    (report,) = reading.incidents
    assert (report.open, report.status, report.severity) == (False, "resolved", S.DEGRADED)
    assert report.latest_update == "Ingest has recovered."  # status_report_id back-reference
    assert report.url == "https://quietstack.betteruptime.com/incident/7201"  # no polled URL
    assert {c.group for c in reading.components} == {"Quiet Stack"}


def test_maintenance_state_in_progress() -> None:
    maintenance = {
        "id": "9",
        "type": "status_report",
        "attributes": {
            "title": "Upgrade",
            "report_type": "maintenance",
            "starts_at": "2020-01-01T00:00:00Z",
            "ends_at": None,
            "aggregate_state": "maintenance",
        },
    }
    reading = read(page("maintenance", maintenance))
    assert reading.severity is S.MAINTENANCE
    assert reading.active_maintenances[0].status == "in_progress"


@pytest.mark.parametrize(
    ("state", "severity"),
    [
        ("operational", S.OPERATIONAL),
        ("maintenance", S.MAINTENANCE),
        ("degraded", S.DEGRADED),
        ("downtime", S.MAJOR_OUTAGE),
    ],
)
def test_aggregate_states(state: str, severity: Severity) -> None:
    assert read(page(state)).severity is severity


def test_unseen_resource_status_greys_one_component() -> None:
    resource = {
        "id": "r",
        "type": "status_page_resource",
        "attributes": {"public_name": "X", "status": "wobbly"},
    }
    reading = read(page("operational", resource))
    assert reading.components[0].severity is S.UNKNOWN
    assert reading.severity is S.OPERATIONAL


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "empty"),
        (b'{"data": {"id": "1", "type": "status_page", "attributes": {"aggr', "truncated"),
        (b"<!DOCTYPE html><html><body>Page not found</body></html>", "HTML"),
        (b"[]", "should be dict"),
        (b'{"data": []}', "data should be dict"),
        (b'{"data": {"type": "monitor"}}', "not a Better Stack status page"),
        (b'{"data": {"type": "status_page", "attributes": []}}', "attributes should be dict"),
        (b'{"data": {"type": "status_page"}, "included": {}}', "included should be list"),
        (
            b'{"data": {"type": "status_page", "attributes": {"aggregate_state": "x"}}}',
            "recognised",
        ),
        (b'{"data": {"type": "status_page", "attributes": {}}}', "no status"),
    ],
)
def test_bad_payloads_are_unknown_with_a_reason(body: bytes, words: str) -> None:
    reading = read(body)
    assert reading.severity is S.UNKNOWN
    assert reading.error and words.lower() in reading.error.lower()
