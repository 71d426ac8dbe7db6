"""Cachet 2 and 3: components and incidents endpoints, numeric statuses, bad payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from trayapp import formats
from trayapp.core.model import Reading, Severity
from trayapp.formats import ParseContext, cachet

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cachet"
S = Severity


def read(body: bytes | str | dict[str, Any], url: str = "") -> Reading:
    if isinstance(body, str):
        body = (FIXTURES / body).read_bytes()
    elif isinstance(body, dict):
        body = json.dumps(body).encode()
    return formats.read("cachet", body, ParseContext(url=url))


def test_module_contract() -> None:
    assert cachet.TITLE == "Cachet"
    assert formats.endpoint("cachet", "https://status.example.org") == (
        "https://status.example.org/api/v1/components"
    )


def test_v2_components_skip_disabled_and_map_numeric_statuses() -> None:
    reading = read("v2_components.json")
    assert reading.error is None
    severities = {c.name: c.severity for c in reading.components}
    assert severities == {
        "Website": S.OPERATIONAL,
        "API": S.DEGRADED,
        "Mail delivery": S.PARTIAL_OUTAGE,  # status given as the string "3"
        "Billing": S.UNKNOWN,  # 0: unknown
        "Search": S.OPERATIONAL,
    }
    assert "Legacy FTP" not in severities  # enabled: false, though it says major outage
    assert reading.components[0].id == "1"
    assert reading.severity is S.PARTIAL_OUTAGE
    assert reading.incidents == ()


def test_v3_json_api_components() -> None:
    reading = read("v3_components.json")
    severities = {c.name: c.severity for c in reading.components}
    assert severities == {
        "Dashboard": S.OPERATIONAL,
        "Queue workers": S.MAINTENANCE,
        "Metrics": S.UNKNOWN,
        "CDN": S.MAJOR_OUTAGE,
    }
    assert reading.severity is S.MAJOR_OUTAGE


def test_v2_incidents() -> None:
    reading = read("v2_incidents.json", url="https://status.example.org/api/v1/incidents")
    by_id = {i.id: i for i in reading.incidents}
    mail = by_id["11"]
    assert (mail.status, mail.open, mail.kind) == ("watching", True, "incident")  # latest_status
    assert mail.severity is S.DEGRADED  # Cachet states no impact
    assert mail.url == "https://status.example.org/incidents/11"
    assert mail.started == datetime(2024, 4, 2, 9, 50, tzinfo=UTC)
    assert mail.updated == datetime(2024, 4, 2, 10, 15, tzinfo=UTC)
    assert mail.latest_update == "We have **identified** a backlog in the outbound mail queue."
    assert (by_id["10"].status, by_id["10"].open) == ("fixed", False)
    assert by_id["10"].latest_update == "Latency was elevated."
    scheduled = by_id["9"]
    assert (scheduled.kind, scheduled.status, scheduled.open) == ("maintenance", "scheduled", False)
    assert scheduled.started == datetime(2024, 4, 10, 2, tzinfo=UTC)
    assert (by_id["12"].status, by_id["12"].open) == ("investigating", True)
    assert len(reading.open_incidents) == 2
    assert reading.severity is S.DEGRADED


def test_v3_incidents() -> None:
    reading = read("v3_incidents.json")
    by_id = {i.id: i for i in reading.incidents}
    assert (by_id["7"].status, by_id["7"].open) == ("investigating", True)
    assert by_id["7"].started == datetime(2025, 2, 1, 8, tzinfo=UTC)
    assert by_id["7"].updated == datetime(2025, 2, 1, 8, 4, tzinfo=UTC)
    assert (by_id["6"].status, by_id["6"].open) == ("fixed", False)
    assert (by_id["5"].status, by_id["5"].open, by_id["5"].kind) == ("unknown", False, "incident")
    assert reading.severity is S.DEGRADED


def test_only_fixed_incidents_read_as_operational() -> None:
    data = json.loads((FIXTURES / "v2_incidents.json").read_text())
    data["data"] = [row for row in data["data"] if row["id"] == 10]
    assert read(data).severity is S.OPERATIONAL


def test_empty_incident_list_is_an_answer_but_empty_components_are_not() -> None:
    body = (FIXTURES / "incidents_empty.json").read_bytes()
    assert read(body, url="https://s.example/api/v1/incidents").severity is S.OPERATIONAL
    empty = read(body, url="https://s.example/api/v1/components")
    assert empty.severity is S.UNKNOWN and empty.error


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "empty"),
        (b'{"meta": {}, "data": [{"id": 1, "name": "A", "status": 1}', "truncated"),
        (
            b"<!DOCTYPE html><html><body>Whoops, looks like something went wrong.</body></html>",
            "HTML",
        ),
        (b"[]", "should be dict"),
        (b'{"meta": {}}', "no 'data'"),
        (b'{"data": {"id": 1}}', "data should be list"),
        (b'{"data": [1, 2]}', "data entry should be dict"),
        (b'{"data": [{"id": 1, "name": "A", "status": 9}]}', "no recognised status"),
        (b'{"data": [{"id": 1, "name": "A", "status": 0}]}', "no recognised status"),
    ],
)
def test_bad_payloads_are_unknown_with_a_reason(body: bytes, words: str) -> None:
    reading = read(body)
    assert reading.severity is S.UNKNOWN
    assert reading.error and words.lower() in reading.error.lower()
