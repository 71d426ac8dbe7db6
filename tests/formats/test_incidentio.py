"""incident.io: the /proxy/<host> summary, the Statuspage-compatible API, and bad payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from trayapp import formats
from trayapp.core.model import Reading, Severity
from trayapp.formats import ParseContext, incidentio

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "incidentio"
PROXY_URL = "https://status.example-ai.test/proxy/status.example-ai.test"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def read(body: bytes | dict[str, Any], url: str = PROXY_URL) -> Reading:
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    return formats.read("incidentio", body, ParseContext(url=url))


def by_id(reading: Reading, ident: str):
    return next(i for i in reading.incidents if i.id == ident)


def summary(**parts: Any) -> dict[str, Any]:
    """A minimal proxy payload: one component 'API' (id c1) unless told otherwise."""
    base: dict[str, Any] = {"name": "Mini", "components": [{"id": "c1", "name": "API"}]}
    return {"summary": {**base, **parts}}


def test_module_contract() -> None:
    assert incidentio.TITLE == "incident.io"
    assert incidentio.DEFAULT_PATH == "/proxy/{host}"
    assert formats.endpoint("incidentio", "https://status.example-ai.test") == PROXY_URL


def test_proxy_summary_components() -> None:
    reading = read(fixture("proxy_summary_incidents.json"))
    assert reading.error is None
    assert reading.format == "incidentio"
    assert reading.page_name == "Example AI"
    # hidden component and hidden group left out; "Files" is listed but not in structure
    assert [(c.name, c.group, c.severity) for c in reading.components] == [
        ("Chat", "API", Severity.OPERATIONAL),
        ("Embeddings", "API", Severity.PARTIAL_OUTAGE),
        ("Web app", "Apps", Severity.MAINTENANCE),
        ("Login", None, Severity.OPERATIONAL),  # already recovered, incident still open
        ("Files", None, Severity.OPERATIONAL),  # only a *scheduled* maintenance touches it
    ]
    assert reading.severity is Severity.PARTIAL_OUTAGE


def test_proxy_summary_incidents() -> None:
    reading = read(fixture("proxy_summary_incidents.json"))
    assert {i.id for i in reading.open_incidents} == {
        "01HXINCEMBED0000000000000",
        "01HXINCLOGIN0000000000000",
    }
    embed = by_id(reading, "01HXINCEMBED0000000000000")
    assert embed.status == "identified" and embed.severity is Severity.PARTIAL_OUTAGE
    assert embed.url == "https://status.example-ai.test/incidents/01HXINCEMBED0000000000000"
    # newest update has no message_string: its ProseMirror document is read instead
    assert embed.latest_update == "A bad index shard was found. Failover is under way."
    assert embed.components == ("Embeddings",)
    assert embed.started == datetime(2024, 5, 2, 9, 10, tzinfo=UTC)
    assert embed.updated == datetime(2024, 5, 2, 9, 40, tzinfo=UTC)
    login = by_id(reading, "01HXINCLOGIN0000000000000")
    assert login.open and login.severity is Severity.DEGRADED  # worst it reported
    assert login.latest_update == "Sign-in times are back to normal; we are monitoring."


def test_proxy_summary_maintenances() -> None:
    reading = read(fixture("proxy_summary_incidents.json"))
    (active,) = reading.active_maintenances
    assert active.id == "01HXMNTWEB00000000000000"
    assert active.kind == "maintenance" and active.status == "in_progress"
    assert active.severity is Severity.MAINTENANCE
    assert active.components == ("Web app",)
    upcoming = by_id(reading, "01HXMNTFILES000000000000")
    assert upcoming.kind == "maintenance" and upcoming.status == "scheduled"
    assert not upcoming.open
    assert upcoming.started == datetime(2024, 5, 20, 22, 0, tzinfo=UTC)


def test_open_incident_counts_after_its_component_recovered() -> None:
    incident = {
        "id": "i1",
        "name": "Errors",
        "status": "monitoring",
        "affected_components": [
            {
                "component_id": "c1",
                "status": "degraded_performance",
                "current_status": "operational",
            }
        ],
    }
    reading = read(summary(affected_components=[], ongoing_incidents=[incident]))
    assert reading.components[0].severity is Severity.OPERATIONAL
    assert reading.severity is Severity.DEGRADED
    assert len(reading.open_incidents) == 1


def test_resolved_entry_in_ongoing_list_is_closed() -> None:
    incident = {"id": "i1", "name": "Errors", "status": "resolved"}
    reading = read(summary(ongoing_incidents=[incident]))
    assert reading.severity is Severity.OPERATIONAL
    assert reading.open_incidents == ()
    assert reading.incidents[0].severity is Severity.DEGRADED  # no status words at all


def test_ongoing_component_impact_sets_current_status() -> None:
    incident = {
        "id": "i1",
        "name": "Outage",
        "status": "investigating",
        "component_impacts": [
            {"component_id": "c1", "status": "full_outage", "end_at": "$undefined"},
        ],
        "affected_components": [
            {"component_id": "c1", "status": "full_outage", "current_status": "$undefined"}
        ],
    }
    reading = read(summary(ongoing_incidents=[incident]))
    assert reading.components[0].severity is Severity.MAJOR_OUTAGE
    assert reading.incidents[0].severity is Severity.MAJOR_OUTAGE
    assert reading.incidents[0].components == ("API",)


def test_maintenance_among_ongoing_incidents() -> None:
    entry = {"id": "m1", "name": "Upgrade", "status": "maintenance_in_progress"}
    reading = read(summary(ongoing_incidents=[entry]))
    assert reading.severity is Severity.MAINTENANCE
    assert reading.open_incidents == ()
    assert reading.active_maintenances[0].severity is Severity.MAINTENANCE


def test_quiet_page_with_null_lists() -> None:
    reading = read(fixture("proxy_summary_quiet_nulls.json"), url="")
    assert reading.error is None
    assert reading.severity is Severity.OPERATIONAL
    assert [c.name for c in reading.components] == ["Editor", "Sync", "Public API"]
    assert reading.incidents == ()


def test_incident_url_without_public_url() -> None:
    payload = summary(ongoing_incidents=[{"id": "i9", "name": "x", "status": "identified"}])
    polled = read(payload, url="https://status.mini.test/proxy/status.mini.test")
    assert polled.incidents[0].url == "https://status.mini.test/incidents/i9"
    assert read(payload, url="").incidents[0].url is None


def test_unseen_word_greys_only_that_component() -> None:
    payload = summary(
        components=[{"id": "c1", "name": "API"}, {"id": "c2", "name": "Web"}],
        affected_components=[{"component_id": "c2", "status": "melting"}],
    )
    reading = read(payload)
    assert reading.error is None
    assert [c.severity for c in reading.components] == [Severity.OPERATIONAL, Severity.UNKNOWN]


def test_compat_summary() -> None:
    reading = read(fixture("compat_summary_full_outage.json"), url="")
    assert reading.error is None
    assert reading.format == "incidentio"
    assert reading.severity is Severity.MAJOR_OUTAGE  # full_outage, worse than indicator major
    severities = {c.name: c.severity for c in reading.components}
    assert severities == {
        "Chat": Severity.OPERATIONAL,
        "Embeddings": Severity.MAJOR_OUTAGE,
        "Login": Severity.DEGRADED,
        "Web app": Severity.MAINTENANCE,
    }
    assert all(c.group is None for c in reading.components)
    assert reading.incidents == ()


def test_compat_incidents() -> None:
    reading = read(fixture("compat_incidents.json"), url="")
    assert reading.format == "incidentio"
    assert reading.severity is Severity.PARTIAL_OUTAGE
    (open_incident,) = reading.open_incidents
    assert open_incident.url == (
        "https://status.example-ai.test/incidents/01HXINCEMBED0000000000000"
    )
    assert open_incident.latest_update == "A bad index shard was found."
    old = by_id(reading, "01HXINCOLD00000000000000")
    assert old.severity is Severity.MAJOR_OUTAGE and not old.open


def test_compat_null_lists_alone_read_operational() -> None:
    reading = read({"page": {"name": "X"}, "incidents": None}, url="")
    assert reading.severity is Severity.OPERATIONAL


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<!DOCTYPE html><html><head><title>Example AI Status</title></head></html>",
        fixture("proxy_summary_incidents.json")[:900],
        b"[]",
        b'{"foo": 1}',
        b'{"summary": null}',
        b'{"summary": []}',
        b'{"summary": {}}',
        b'{"summary": {"name": "x", "components": {"id": "c1"}}}',
        b'{"summary": {"components": ["API"]}}',
        b'{"summary": {"components": [], "structure": []}}',
        b'{"summary": {"structure": {"items": [{"group": "API"}]}}}',
        b'{"summary": {"components": [{"id": "c1", "name": "A"}], "ongoing_incidents": {}}}',
        b'{"summary": {"components": [{"id": "c1", "name": "A"}], "ongoing_incidents": [1]}}',
        b'{"summary": {"components": [{"id": "c1", "name": "A"}],'
        b' "affected_components": [{"component_id": "c1", "status": "weird"}]}}',
        b'{"page": {}, "components": [{"id": "c", "name": "A", "status": "exploded"}]}',
    ],
)
def test_bad_payloads_are_unreadable(body: bytes) -> None:
    reading = read(body)
    assert reading.severity is Severity.UNKNOWN
    assert reading.error and "\n" not in reading.error
    assert reading.format == "incidentio"
