"""Uptime Kuma: heartbeat and status-page payloads, alone and combined; bad payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from trayapp import formats
from trayapp.core.model import Reading, Severity
from trayapp.formats import ParseContext, uptimekuma

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "uptimekuma"
S = Severity


def read(body: bytes | str | dict[str, Any]) -> Reading:
    if isinstance(body, str):
        body = (FIXTURES / body).read_bytes()
    elif isinstance(body, dict):
        body = json.dumps(body).encode()
    return formats.read("uptimekuma", body, ParseContext())


def test_module_contract_needs_a_full_url() -> None:
    assert uptimekuma.TITLE == "Uptime Kuma"
    assert uptimekuma.DEFAULT_PATH == ""
    url = "http://127.0.0.1:3001/api/status-page/heartbeat/homelab"
    assert formats.endpoint("uptimekuma", url) == url


def test_heartbeats_alone_name_monitors_by_id() -> None:
    reading = read("heartbeat.json")
    assert reading.error is None
    states = {c.name: c.severity for c in reading.components}
    assert states == {
        "monitor 1": S.OPERATIONAL,
        "monitor 2": S.MAJOR_OUTAGE,  # newest beat is last
        "monitor 3": S.DEGRADED,  # pending
        "monitor 4": S.MAINTENANCE,
        "monitor 5": S.UNKNOWN,  # no beats yet
        "monitor 6": S.OPERATIONAL,  # a trailing bare 0 is an empty slot, not a beat
    }
    assert all(c.group is None for c in reading.components)
    assert reading.components[0].id == "1"
    assert reading.severity is S.MAJOR_OUTAGE


def test_combined_payload_uses_names_groups_incidents_and_maintenance() -> None:
    reading = read("combined.json")
    assert reading.page_name == "Homelab Services"
    comps = {c.name: (c.severity, c.group) for c in reading.components}
    assert comps["NAS"] == (S.MAJOR_OUTAGE, "Services")
    assert comps["Router"] == (S.MAINTENANCE, "Infrastructure")
    assert list(comps) == ["Nextcloud", "NAS", "Jellyfin", "Router", "Backup job", "DNS"]
    danger, info, maintenance = reading.incidents
    assert (danger.title, danger.open, danger.severity) == ("NAS offline", True, S.MAJOR_OUTAGE)
    assert danger.latest_update == "The **NAS** lost power. We are on it."
    assert danger.started == datetime(2025, 5, 10, 8, 2, 30, tzinfo=UTC)
    assert danger.updated == datetime(2025, 5, 10, 8, 10, tzinfo=UTC)
    assert info.severity is S.OPERATIONAL  # informational note: listed, raises nothing
    assert (maintenance.kind, maintenance.status, maintenance.open) == (
        "maintenance",
        "in_progress",
        True,
    )
    assert maintenance.started == datetime(2025, 5, 10, 7, 50, tzinfo=UTC)
    assert reading.severity is S.MAJOR_OUTAGE


def test_status_page_alone_has_names_but_no_monitor_state() -> None:
    reading = read("status_page_v2.json")
    # the danger incident and the maintenance in progress are real signals
    assert reading.severity is S.MAJOR_OUTAGE
    assert {c.severity for c in reading.components} == {S.UNKNOWN}
    assert {c.name for c in reading.components} >= {"Nextcloud", "DNS"}


def test_v1_single_incident_object() -> None:
    reading = read("status_page_v1_incident.json")
    (incident,) = reading.incidents
    assert (incident.title, incident.severity, incident.open) == ("Slow uploads", S.DEGRADED, True)
    assert reading.severity is S.DEGRADED


def test_status_page_without_any_signal_is_unknown_not_operational() -> None:
    reading = read("status_page_v1_no_incident.json")
    assert reading.severity is S.UNKNOWN
    assert "heartbeat" in (reading.error or "")


def test_status_page_with_only_an_informational_note_is_unknown() -> None:
    data = json.loads((FIXTURES / "status_page_v2.json").read_text())
    data["incidents"] = [i for i in data["incidents"] if i["style"] == "info"]
    data["maintenanceList"] = []
    assert read(data).severity is S.UNKNOWN


def test_unseen_heartbeat_status_greys_that_monitor() -> None:
    data = {"heartbeatList": {"1": [{"status": 1}], "2": [{"status": 9}]}, "uptimeList": {}}
    reading = read(data)
    assert [c.severity for c in reading.components] == [S.OPERATIONAL, S.UNKNOWN]
    assert reading.severity is S.OPERATIONAL


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "empty"),
        (b'{"heartbeatList": {"1": [{"status": 1}', "truncated"),
        (b"<!DOCTYPE html><html><body>Uptime Kuma</body></html>", "HTML"),
        (b"[]", "should be dict"),
        (b'{"ok": false, "msg": "Status Page Not Found"}', "not an Uptime Kuma"),
        (b'{"heartbeatList": []}', "heartbeatList should be dict"),
        (b'{"heartbeatList": {"1": {"status": 1}}}', "should be list"),
        (b'{"heartbeatList": {}}', "no status"),
        (b'{"heartbeatList": {"1": [{"status": 7}]}}', "no monitor has a recognised heartbeat"),
        (b'{"config": {}, "incidents": {"id": 1}}', "incidents should be list"),
        (b'{"config": {}, "publicGroupList": [{"monitorList": [1]}]}', "should be dict"),
    ],
)
def test_bad_payloads_are_unknown_with_a_reason(body: bytes, words: str) -> None:
    reading = read(body)
    assert reading.severity is S.UNKNOWN
    assert reading.error and words.lower() in reading.error.lower()
