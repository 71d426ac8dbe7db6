"""Slack status API: page word, incident types and lifecycles, services as components, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from trayapp import formats
from trayapp.core.model import Incident, Reading, Severity
from trayapp.formats import ParseContext, slack

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slack"


def read(body: bytes | dict[str, Any]) -> Reading:
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    return formats.read(
        "slack", body, ParseContext(url="https://slack-status.com/api/v2.0.0/current")
    )


def fixture(name: str) -> Reading:
    return read((FIXTURES / name).read_bytes())


def by_id(reading: Reading, ident: str) -> Incident:
    return next(i for i in reading.incidents if i.id == ident)


def test_module_contract() -> None:
    assert slack.TITLE
    assert slack.DEFAULT_PATH == "/api/v2.0.0/current"
    assert formats.endpoint("slack", "https://slack-status.com") == (
        "https://slack-status.com/api/v2.0.0/current"
    )


def test_ok_with_no_incidents_reads_operational() -> None:
    reading = fixture("current_ok.json")
    assert reading.error is None
    assert reading.severity is Severity.OPERATIONAL
    assert reading.incidents == () and reading.components == ()


def test_null_incident_list_is_empty() -> None:
    reading = fixture("current_null_incidents.json")
    assert reading.severity is Severity.OPERATIONAL
    assert reading.incidents == ()


def test_worst_open_incident_decides_and_everything_is_listed() -> None:
    reading = fixture("current_mixed.json")
    assert reading.error is None
    assert reading.severity is Severity.MAJOR_OUTAGE
    assert len(reading.incidents) == 5
    assert [i.id for i in reading.open_incidents] == ["3101", "3102", "3103"]
    assert reading.active_maintenances == ()


def test_incident_fields() -> None:
    outage = by_id(fixture("current_mixed.json"), "3101")
    assert outage.title == "Messages fail to send for some workspaces"
    assert outage.kind == "incident" and outage.status == "active" and outage.open
    assert outage.severity is Severity.MAJOR_OUTAGE
    assert outage.url == "https://slack-status.com/2026-03/a1b2c3d4e5f60718"  # escaped slashes
    assert outage.started == datetime(2026, 3, 2, 17, 15, tzinfo=UTC)  # -08:00 → UTC
    assert outage.updated == datetime(2026, 3, 2, 18, 40, tzinfo=UTC)
    assert outage.components == ("Messaging", "Calls")
    # the newest note by date (not the last in the list), tags stripped, whitespace folded
    assert outage.latest_update == "We've found the cause and are rolling out a fix."


def test_int_and_str_ids_both_read_as_strings() -> None:
    reading = fixture("current_mixed.json")
    assert {i.id for i in reading.incidents} >= {"3101", "3102"}


def test_type_mapping() -> None:
    reading = fixture("current_mixed.json")
    assert by_id(reading, "3102").severity is Severity.PARTIAL_OUTAGE
    notice = by_id(reading, "3103")
    assert notice.severity is Severity.OPERATIONAL and notice.open  # informational, still listed


def test_scheduled_is_an_upcoming_maintenance_and_resolved_is_closed() -> None:
    reading = fixture("current_mixed.json")
    planned = by_id(reading, "3104")
    assert planned.kind == "maintenance" and planned.status == "scheduled" and not planned.open
    resolved = by_id(reading, "3099")
    assert resolved.status == "resolved" and not resolved.open
    assert resolved.severity is Severity.PARTIAL_OUTAGE  # the impact it had


def test_components_are_services_of_open_incidents_at_their_worst() -> None:
    reading = fixture("current_mixed.json")
    got = {c.name: c.severity for c in reading.components}
    assert got == {
        "Messaging": Severity.MAJOR_OUTAGE,  # outage and incident both name it
        "Calls": Severity.MAJOR_OUTAGE,
        "Files": Severity.PARTIAL_OUTAGE,
        "Workflows": Severity.OPERATIONAL,
    }
    assert "Huddles" not in got and "Search" not in got  # resolved / only scheduled


def test_unseen_type_is_degraded_not_operational_and_nulls_are_tolerated() -> None:
    reading = fixture("current_odd.json")
    assert reading.error is None
    assert reading.severity is Severity.DEGRADED
    odd = by_id(reading, "7")
    assert odd.open and odd.components == () and odd.latest_update is None
    done = by_id(reading, "8")
    assert done.kind == "maintenance" and not done.open


def test_ok_page_word_does_not_hide_an_open_incident() -> None:
    payload = {
        "status": "ok",
        "active_incidents": [{"id": 1, "title": "x", "type": "incident", "status": "active"}],
    }
    assert read(payload).severity is Severity.PARTIAL_OUTAGE


def test_active_without_anything_readable_is_unknown() -> None:
    reading = read({"status": "active", "active_incidents": []})
    assert reading.severity is Severity.UNKNOWN and reading.error


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"<!DOCTYPE html><html><body>Slack is down</body></html>",
        b'{"status": "active", "active_incidents": [{"id": 1,',
        b'[{"status": "ok"}]',
        b'{"status": "ok", "active_incidents": {"id": 1}}',
        b'{"status": "active", "active_incidents": ["not an object"]}',
        b'{"status": "ok", "active_incidents": [{"id": 1, "services": "Messaging"}]}',
        b"null",
    ],
)
def test_bad_payloads_read_unknown_with_a_reason(body: bytes) -> None:
    reading = read(body)
    assert reading.severity is Severity.UNKNOWN
    assert reading.error and "\n" not in reading.error
    assert reading.format == "slack"
