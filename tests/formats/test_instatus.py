"""Instatus: summary and components endpoints, page status words, embedded page data, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from trayapp import formats
from trayapp.core.model import Reading, Severity
from trayapp.formats import ParseContext, instatus

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "instatus"
S = Severity


def read(body: bytes | str | dict[str, Any] | list[Any], url: str = "") -> Reading:
    if isinstance(body, str):
        body = (FIXTURES / body).read_bytes()
    elif not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return formats.read("instatus", body, ParseContext(url=url))


def assert_unreadable(reading: Reading, words: str = "") -> None:
    assert reading.severity is S.UNKNOWN
    assert reading.error and "\n" not in reading.error
    assert words.lower() in reading.error.lower()


def test_module_contract() -> None:
    assert instatus.TITLE == "Instatus"
    assert formats.endpoint("instatus", "https://status.larkspur.dev/") == (
        "https://status.larkspur.dev/summary.json"
    )
    v3 = "https://status.larkspur.dev/v3/summary.json"
    assert formats.endpoint("instatus", v3) == v3


def test_all_clear_summary_omits_the_empty_arrays() -> None:
    reading = read("summary_up.json")
    assert reading.error is None
    assert reading.severity is S.OPERATIONAL
    assert reading.page_name == "Larkspur Cloud"
    assert reading.incidents == () and reading.components == ()


def test_summary_with_incidents_and_a_scheduled_maintenance() -> None:
    reading = read("summary_incident_and_maintenance.json")
    assert reading.severity is S.PARTIAL_OUTAGE  # worst open impact (PARTIALOUTAGE/MINOROUTAGE)
    assert len(reading.open_incidents) == 2
    first, second, maintenance = reading.incidents
    assert (first.status, first.severity, first.kind) == (
        "identified",
        S.PARTIAL_OUTAGE,
        "incident",
    )
    assert first.url == "https://status.larkspur.dev/incident/cm9q1r2s30001abcd4efgh567"
    assert first.started == datetime(2025, 3, 4, 9, 12, tzinfo=UTC)
    assert first.updated == datetime(2025, 3, 4, 9, 40, 11, 512000, tzinfo=UTC)
    assert (second.status, second.severity) == ("monitoring", S.PARTIAL_OUTAGE)  # MINOROUTAGE
    assert second.url == "https://status.larkspur.dev/incident/cm9q1r2s30002abcd4efgh568"
    assert maintenance.kind == "maintenance"
    assert maintenance.status == "scheduled" and not maintenance.open  # NOTSTARTEDYET
    assert reading.active_maintenances == ()


def test_maintenance_in_progress_reads_as_maintenance() -> None:
    reading = read("summary_under_maintenance.json")
    assert reading.severity is S.MAINTENANCE
    (maintenance,) = reading.active_maintenances
    assert maintenance.status == "in_progress"
    assert maintenance.started == datetime(2025, 3, 6, 2, tzinfo=UTC)
    assert reading.open_incidents == ()


def test_has_issues_alone_is_at_least_degraded() -> None:
    assert read("summary_hasissues_only.json").severity is S.DEGRADED


@pytest.mark.parametrize(
    ("word", "severity"),
    [
        ("UP", S.OPERATIONAL),
        ("UNDERMAINTENANCE", S.MAINTENANCE),
        ("HASISSUES", S.DEGRADED),
        ("ALLMAJOROUTAGE", S.MAJOR_OUTAGE),
        ("SOMEMAJOROUTAGE", S.MAJOR_OUTAGE),
        ("SOMEPARTIALOUTAGE", S.PARTIAL_OUTAGE),
        ("ONEMINOROUTAGE", S.PARTIAL_OUTAGE),
        ("ONEDEGRADEDPERFORMANCE", S.DEGRADED),
        ("ALLUNDERMAINTENANCE", S.MAINTENANCE),
    ],
)
def test_page_status_words(word: str, severity: Severity) -> None:
    reading = read({"page": {"name": "P", "url": "https://p.example", "status": word}})
    assert reading.severity is severity


def test_all_major_fixture() -> None:
    assert read("summary_all_major.json").severity is S.MAJOR_OUTAGE


def test_v3_components_with_groups_i18n_names_and_an_unseen_word() -> None:
    reading = read("v3_components.json")
    assert reading.error is None
    by_name = {c.name: c for c in reading.components}
    assert list(by_name) == [
        "Deploy API",
        "Build runners",
        "Dashboard",
        "Object storage",
        "Status webhooks",
    ]
    assert by_name["Build runners"].severity is S.PARTIAL_OUTAGE  # MINOROUTAGE
    assert by_name["Build runners"].group == "Platform"
    assert by_name["Dashboard"].group is None
    assert by_name["Object storage"].severity is S.MAINTENANCE
    assert by_name["Object storage"].group == "Data"
    assert by_name["Status webhooks"].severity is S.UNKNOWN  # unseen word greys one component
    assert reading.severity is S.PARTIAL_OUTAGE


def test_v2_bare_array_parents_are_groups_not_components() -> None:
    reading = read("v2_components.json")
    names = {c.name: (c.severity, c.group) for c in reading.components}
    assert names == {
        "Virtual machines": (S.MAJOR_OUTAGE, "Compute"),
        "Containers": (S.OPERATIONAL, "Compute"),
        "DNS": (S.OPERATIONAL, None),
    }
    assert reading.severity is S.MAJOR_OUTAGE


def test_operational_impact_with_components_down_still_counts_them() -> None:
    reading = read("combined_operational_impact.json", url="https://status.fedi.example/v3/x")
    (incident,) = reading.incidents
    assert incident.title == "Timeouts on background jobs"
    assert incident.open and incident.severity is S.MAJOR_OUTAGE
    assert incident.components == ("Website & API",)
    assert incident.latest_update == "A fix is deployed & we are watching."
    assert incident.updated == datetime(2025, 12, 18, 6, 42, 57, 784000, tzinfo=UTC)
    assert incident.url == "https://status.fedi.example/incident/cmk1incident01"
    assert reading.severity is S.MAJOR_OUTAGE
    assert [c.name for c in reading.components] == ["Website & API", "Media storage"]


def test_embedded_next_page_data() -> None:
    reading = read("embedded_next.html")
    assert reading.error is None
    assert reading.page_name == "Fediverse Social"
    assert reading.severity is S.MAJOR_OUTAGE
    groups = {c.name: c.group for c in reading.components}
    assert groups == {"Website & API": None, "Media storage": None, "Streaming API": "Streaming"}
    (incident,) = reading.open_incidents
    assert incident.severity is S.MAJOR_OUTAGE  # impact OPERATIONAL, component MAJOROUTAGE
    assert incident.url == "https://status.fedi.example/incident/cmkinc02"
    assert incident.latest_update == "Queues are stalled."


def test_resolved_incident_does_not_count() -> None:
    reading = read(
        {
            "page": {"name": "P", "url": "https://p.example", "status": "UP"},
            "activeIncidents": [
                {"id": "i", "name": "Old", "status": "RESOLVED", "impact": "MAJOROUTAGE"}
            ],
        }
    )
    assert reading.severity is S.OPERATIONAL
    assert reading.incidents[0].severity is S.MAJOR_OUTAGE and not reading.incidents[0].open


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        ("truncated.json", "truncated"),
        ("error_page.html", "HTML"),
        (b'{"page": ["not", "an", "object"]}', "page should be dict"),
        (b'{"page": []}', "page should be dict"),
        (b'{"activeIncidents": {"id": 1}}', "activeIncidents should be list"),
        (b'{"hello": "world"}', "not an Instatus payload"),
        (b'"UP"', "should be dict"),
        (b'{"page": {"name": "P", "status": "SOMETHINGNEW"}}', "no recognised status"),
        (b'{"page": {"name": "P"}}', "no status"),
        (b'{"components": [{"name": "A", "status": "NEWWORD"}]}', "no recognised status"),
        (b'{"components": ["A"]}', "component should be dict"),
    ],
)
def test_bad_payloads_are_unknown_with_a_reason(body: bytes | str, words: str) -> None:
    assert_unreadable(read(body), words)
