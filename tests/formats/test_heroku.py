"""Heroku status API v4: systems as components, incidents by state, stale scheduled entries."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from trayapp import formats
from trayapp.core.model import Incident, Reading, Severity
from trayapp.formats import ParseContext, heroku

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "heroku"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def fixture(name: str, now: datetime = NOW) -> Reading:
    return heroku.parse((FIXTURES / name).read_bytes(), ParseContext(), now=now)


def by_id(reading: Reading, ident: str) -> Incident:
    return next(i for i in reading.incidents if i.id == ident)


def test_module_contract() -> None:
    assert heroku.TITLE
    assert heroku.DEFAULT_PATH == "/api/v4/current-status"
    assert formats.endpoint("heroku", "https://status.heroku.com/") == (
        "https://status.heroku.com/api/v4/current-status"
    )


def test_all_green_with_stale_scheduled_entries_is_operational() -> None:
    reading = fixture("all_green_stale_scheduled.json")
    assert reading.error is None
    assert reading.severity is Severity.OPERATIONAL
    assert [c.name for c in reading.components] == ["Apps", "Data", "Tools"]
    assert len(reading.incidents) == 2
    assert all(i.kind == "maintenance" and not i.open for i in reading.incidents)
    assert reading.active_maintenances == ()


def test_systems_map_colours() -> None:
    reading = fixture("incident_and_maintenances.json")
    got = {c.name: c.severity for c in reading.components}
    assert got == {
        "Apps": Severity.MAJOR_OUTAGE,
        "Data": Severity.PARTIAL_OUTAGE,
        "Tools": Severity.OPERATIONAL,
    }
    assert reading.severity is Severity.MAJOR_OUTAGE


def test_open_incident_fields() -> None:
    incident = by_id(fixture("incident_and_maintenances.json"), "3001")
    assert incident.open and incident.kind == "incident" and incident.status == "open"
    assert incident.severity is Severity.MAJOR_OUTAGE  # worst colour any update gave
    assert incident.url == "https://status.heroku.com/incidents/3001"
    assert incident.started == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert incident.updated == datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
    # newest by created_at even though it is not last in the list; CRLFs folded
    assert incident.latest_update == "Engineers have identified the cause. A fix is being deployed."


def test_state_decides_not_the_unreliable_resolved_flag() -> None:
    reading = fixture("incident_and_maintenances.json")
    resolved = by_id(reading, "2999")
    assert not resolved.open and resolved.status == "resolved"
    assert resolved.severity is Severity.PARTIAL_OUTAGE  # the impact it had (yellow)
    assert [i.id for i in reading.open_incidents] == ["3001"]


def test_scheduled_open_only_inside_its_window() -> None:
    reading = fixture("incident_and_maintenances.json")
    assert [m.id for m in reading.active_maintenances] == ["3010"]
    assert not by_id(reading, "3011").open  # next week
    assert not by_id(reading, "3012").open  # its state says completed, window or not
    later = fixture("incident_and_maintenances.json", now=datetime(2026, 3, 2, 13, 0, tzinfo=UTC))
    assert later.active_maintenances == ()  # the end is exclusive


def test_in_progress_state_and_blue_system_read_maintenance() -> None:
    reading = fixture("maintenance_blue.json")
    assert reading.severity is Severity.MAINTENANCE
    (maintenance,) = reading.active_maintenances
    assert maintenance.status == "in_progress" and maintenance.severity is Severity.MAINTENANCE
    assert maintenance.latest_update == "The upgrade has started."


def test_unseen_colour_greys_one_system_only() -> None:
    reading = fixture("unknown_colour.json")
    assert reading.error is None
    got = {c.name: c.severity for c in reading.components}
    assert got == {
        "Apps": Severity.UNKNOWN,
        "Data": Severity.OPERATIONAL,
        "Tools": Severity.UNKNOWN,
    }


def test_recorded_shape_through_read() -> None:
    body = (FIXTURES / "incident_and_maintenances.json").read_bytes()
    reading = formats.read("heroku", body)  # real clock: its windows are in the past
    assert reading.severity is Severity.MAJOR_OUTAGE
    assert len(reading.open_incidents) == 1


def test_incident_without_state_falls_back_to_resolved_at() -> None:
    body = (
        b'{"status": [{"system": "Apps", "status": "green"}], "scheduled": [], "incidents": ['
        b'{"id": 1, "title": "a", "resolved_at": "2026-03-01T00:00:00Z", "updates": []},'
        b'{"id": 2, "title": "b", "updates": []}]}'
    )
    reading = heroku.parse(body, ParseContext(), now=NOW)
    assert [i.id for i in reading.open_incidents] == ["2"]
    assert reading.severity is Severity.DEGRADED  # open, no colour stated


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body>Application error</body></html>",
        b'{"status": [{"system": "Apps", "status": "green"}',
        b'[{"system": "Apps", "status": "green"}]',
        b'{"status": {"Production": "green"}, "incidents": []}',
        b'{"status": [{"system": "Apps", "status": "plaid"}], "incidents": []}',
        b'{"status": [], "incidents": [], "scheduled": []}',
        b'{"status": ["green"]}',
        b'{"status": [], "incidents": {"id": 1}}',
    ],
)
def test_bad_payloads_read_unknown_with_a_reason(body: bytes) -> None:
    reading = formats.read("heroku", body)
    assert reading.severity is Severity.UNKNOWN
    assert reading.error and "\n" not in reading.error
