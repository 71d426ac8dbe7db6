"""Atlassian Statuspage v2: every endpoint shape, the severity rule, and bad payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from trayapp import formats
from trayapp.core.model import Reading, Severity
from trayapp.formats import ParseContext, statuspage

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "statuspage"
PAGE = {"id": "p1", "name": "Acme", "url": "https://status.acme.test", "time_zone": "Etc/UTC"}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def read(body: bytes | dict[str, Any], url: str = "", content_type: str = "") -> Reading:
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    return formats.read("statuspage", body, ParseContext(url=url, content_type=content_type))


def by_id(reading: Reading, ident: str):
    return next(i for i in reading.incidents if i.id == ident)


def assert_unreadable(reading: Reading) -> None:
    assert reading.severity is Severity.UNKNOWN
    assert reading.error and "\n" not in reading.error
    assert reading.format == "statuspage"


def test_module_contract() -> None:
    assert statuspage.TITLE == "Atlassian Statuspage"
    assert statuspage.DEFAULT_PATH == "/api/v2/summary.json"
    url = formats.endpoint("statuspage", "https://status.acme.test")
    assert url == "https://status.acme.test/api/v2/summary.json"


def test_summary_rolls_up_components_incidents_and_maintenance() -> None:
    reading = read(fixture("summary_incident_and_maintenance.json"))
    assert reading.error is None
    assert reading.format == "statuspage"
    assert reading.page_name == "Acme Cloud"
    # indicator says minor, but Workers is partial_outage and the open incident is major
    assert reading.severity is Severity.PARTIAL_OUTAGE
    names = [c.name for c in reading.components]
    assert len(names) == 6
    assert "Compute" not in names and "Data" not in names  # group containers are skipped
    groups = {c.name: c.group for c in reading.components}
    assert groups["API"] == "Compute" and groups["Workers"] == "Compute"
    assert groups["Object storage"] == "Data" and groups["Dashboard"] is None
    severities = {c.name: c.severity for c in reading.components}
    assert severities["Object storage"] is Severity.MAINTENANCE
    assert severities["Billing"] is Severity.UNKNOWN  # unseen word greys only this component
    assert any(n.startswith("Visit ") for n in names)  # placeholders are just components
    assert [i.id for i in reading.open_incidents] == ["inc-api-errors"]
    assert [i.id for i in reading.active_maintenances] == ["mnt-storage"]
    upcoming = by_id(reading, "mnt-dns")
    assert upcoming.kind == "maintenance" and upcoming.status == "scheduled"
    assert not upcoming.open
    assert upcoming.started == datetime(2024, 5, 9, 22, 0, tzinfo=UTC)


def test_summary_incident_details() -> None:
    incident = by_id(read(fixture("summary_incident_and_maintenance.json")), "inc-api-errors")
    assert incident.kind == "incident" and incident.status == "identified" and incident.open
    assert incident.severity is Severity.PARTIAL_OUTAGE  # impact "major"
    assert incident.url == "https://status.acme.test/incidents/inc-api-errors"  # no shortlink
    # the payload lists this update last; it is the newest by display_at
    assert incident.latest_update == (
        "We've identified a faulty deploy & are rolling it back. Workers are also affected."
    )
    assert incident.started == datetime(2024, 5, 2, 9, 55, tzinfo=UTC)
    assert incident.updated == datetime(2024, 5, 2, 10, 31, tzinfo=UTC)
    assert incident.components == ("API", "Workers")
    maintenance = by_id(read(fixture("summary_incident_and_maintenance.json")), "mnt-storage")
    assert maintenance.url == "https://stspg.io/acme-mnt1"
    assert maintenance.severity is Severity.MAINTENANCE
    assert maintenance.latest_update.startswith("Scheduled maintenance is currently in progress")


@pytest.mark.parametrize(
    ("indicator", "expected"),
    [
        ("none", Severity.OPERATIONAL),
        ("minor", Severity.DEGRADED),
        ("major", Severity.PARTIAL_OUTAGE),
        ("critical", Severity.MAJOR_OUTAGE),
        ("maintenance", Severity.MAINTENANCE),
        ("MAJOR", Severity.PARTIAL_OUTAGE),
    ],
)
def test_status_json_indicator(indicator: str, expected: Severity) -> None:
    reading = read({"page": PAGE, "status": {"indicator": indicator, "description": "x"}})
    assert reading.error is None
    assert reading.severity is expected


def test_status_json_maintenance_fixture() -> None:
    reading = read(fixture("status_maintenance.json"))
    assert reading.severity is Severity.MAINTENANCE
    assert reading.page_name == "Acme Queues"
    assert reading.components == () and reading.incidents == ()


def test_indicator_none_does_not_hide_an_open_incident() -> None:
    payload = {
        "page": PAGE,
        "status": {"indicator": "none"},
        "components": [{"id": "c", "name": "API", "status": "operational", "group": False}],
        "incidents": [{"id": "i", "name": "Outage", "status": "monitoring", "impact": "critical"}],
        "scheduled_maintenances": [],
    }
    reading = read(payload)
    assert reading.severity is Severity.MAJOR_OUTAGE
    assert len(reading.open_incidents) == 1


def test_components_endpoint_groups_listed_after_children() -> None:
    reading = read(fixture("components_groups_after_children.json"))
    assert reading.severity is Severity.MAJOR_OUTAGE
    assert [(c.name, c.group) for c in reading.components] == [
        ("SMTP", "Europe"),
        ("IMAP", "Europe"),
        ("SMTP", "United States"),
        ("Webmail", None),
        ("Legacy relay", None),  # its group no longer exists
    ]
    assert reading.incidents == ()


def test_incidents_history() -> None:
    reading = read(fixture("incidents_history.json"))
    assert reading.error is None
    assert {i.id for i in reading.open_incidents} == {"inc-no-impact", "inc-monitoring-none"}
    assert reading.severity is Severity.PARTIAL_OUTAGE
    no_impact = by_id(reading, "inc-no-impact")
    # no impact given: the worst component state its updates report
    assert no_impact.severity is Severity.PARTIAL_OUTAGE
    assert no_impact.components == ("Webhooks",)
    assert no_impact.url == "https://status.acme.test/incidents/inc-no-impact"  # trailing / gone
    assert no_impact.started == datetime(2024, 5, 2, 10, 20, tzinfo=UTC)  # -04:00 → UTC
    quiet = by_id(reading, "inc-monitoring-none")
    assert quiet.open and quiet.severity is Severity.OPERATIONAL and quiet.latest_update is None
    critical = by_id(reading, "inc-critical")
    assert not critical.open and critical.severity is Severity.MAJOR_OUTAGE
    assert critical.latest_update == "This incident has been resolved."
    assert not by_id(reading, "inc-postmortem").open
    done = by_id(reading, "mnt-completed")
    assert done.kind == "maintenance" and done.status == "completed" and not done.open


def test_single_incident_endpoint() -> None:
    reading = read(fixture("incident_single_resolved.json"))
    assert reading.error is None
    assert reading.severity is Severity.OPERATIONAL  # nothing open
    (incident,) = reading.incidents
    assert incident.status == "resolved" and not incident.open
    assert incident.severity is Severity.MAJOR_OUTAGE  # the impact it had
    assert incident.url == "https://stspg.io/acme-cdn"
    assert incident.components == ("CDN", "Website")  # from the newest update that lists any
    assert incident.latest_update == "This incident has been resolved."


def test_single_incident_still_open_counts() -> None:
    payload = {"page": PAGE, "incident": {"id": "x", "name": "Slow", "status": "identified"}}
    reading = read(payload)
    assert reading.severity is Severity.DEGRADED  # an open incident with no impact: degraded
    assert len(reading.open_incidents) == 1


def test_scheduled_maintenances_endpoint() -> None:
    reading = read(fixture("scheduled_maintenances.json"))
    assert reading.severity is Severity.MAINTENANCE
    assert reading.open_incidents == ()
    assert {i.id for i in reading.active_maintenances} == {"m-run", "m-verify"}
    assert all(i.kind == "maintenance" for i in reading.incidents)
    assert by_id(reading, "m-run").url == "https://status.acme.test/incidents/m-run"
    assert by_id(reading, "m-run").severity is Severity.DEGRADED  # its stated impact "minor"


def test_unresolved_empty_list_is_an_answer() -> None:
    reading = read(fixture("unresolved_empty.json"))
    assert reading.error is None
    assert reading.severity is Severity.OPERATIONAL


def test_incident_url_falls_back_to_polled_origin() -> None:
    payload = {"incidents": [{"id": "abc", "name": "x", "status": "resolved", "impact": "none"}]}
    with_url = read(payload, url="https://xyz123.statuspage.io/api/v2/incidents.json")
    assert with_url.incidents[0].url == "https://xyz123.statuspage.io/incidents/abc"
    assert read(payload).incidents[0].url is None


def test_long_update_is_capped() -> None:
    body = "<p>" + "word " * 400 + "</p>"
    payload = {
        "page": PAGE,
        "incident": {
            "id": "i",
            "name": "n",
            "status": "resolved",
            "impact": "minor",
            "incident_updates": [{"status": "resolved", "body": body, "display_at": None}],
        },
    }
    text = read(payload).incidents[0].latest_update
    assert text is not None and len(text) <= 300 and text.endswith("…")
    assert "<" not in text


def test_declared_charset_is_used() -> None:
    body = json.dumps(
        {"page": {"name": "Café"}, "status": {"indicator": "none"}}, ensure_ascii=False
    ).encode("latin-1")
    reading = read(body, content_type="application/json; charset=ISO-8859-1")
    assert reading.page_name == "Café"


def test_unseen_component_word_alongside_known_ones_keeps_the_page_readable() -> None:
    payload = {
        "components": [
            {"id": "a", "name": "A", "status": "operational"},
            {"id": "b", "name": "B", "status": "on_fire_ish"},
        ]
    }
    reading = read(payload)
    assert reading.severity is Severity.OPERATIONAL
    assert [c.severity for c in reading.components] == [Severity.OPERATIONAL, Severity.UNKNOWN]


TRUNCATED = fixture("summary_incident_and_maintenance.json")[:700]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n",
        b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>",
        TRUNCATED,
        b"null",
        b"42",
        b"[]",
        b"{}",
        b'{"page": {"name": "Acme"}}',
        b'{"page": []}',
        b'{"status": "none"}',
        b'{"status": {"indicator": "sparkly"}}',
        b'{"components": {"id": "a"}}',
        b'{"components": ["API"]}',
        b'{"components": [{"id": "a", "name": "A", "status": "new_word"}]}',
        b'{"status": {"indicator": "whatever"}, "components": [{"name": "A", "status": "x"}]}',
        b'{"incidents": {"id": "a"}}',
        b'{"incidents": ["oops"]}',
        b'{"incident": []}',
        b'{"scheduled_maintenances": "none"}',
        b"\xff\xfe{not utf8",
    ],
)
def test_bad_payloads_are_unreadable(body: bytes) -> None:
    assert_unreadable(read(body))
