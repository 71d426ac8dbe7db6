"""Apple system status: JSONP unwrapped, ongoing events only, one incident per messageId, and the
per-service filter the catalog's entries use."""

from __future__ import annotations

from pathlib import Path

from trayapp import formats
from trayapp.core.model import Reading, Severity
from trayapp.formats import ParseContext, apple

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "apple"


def read(name: str, **params: str) -> Reading:
    return formats.read("apple", (FIXTURES / name).read_bytes(), ParseContext(params=params))


def test_jsonp_page_reads_worst_ongoing_event() -> None:
    reading = read("two_services_shared_event.js")
    assert reading.error is None
    assert reading.severity is Severity.MAJOR_OUTAGE
    got = {c.name: c.severity for c in reading.components}
    assert got == {
        "iCloud Mail": Severity.MAJOR_OUTAGE,  # stray space stripped
        "iCloud Drive": Severity.MAJOR_OUTAGE,
        "App Store": Severity.OPERATIONAL,  # an upcoming maintenance is not active
        "Maps Display": Severity.DEGRADED,
    }


def test_an_event_under_several_services_is_one_incident() -> None:
    reading = read("two_services_shared_event.js")
    assert sorted(i.id for i in reading.open_incidents) == ["m1", "m3"]
    (shared,) = [i for i in reading.incidents if i.id == "m1"]
    assert shared.components == ("iCloud Mail", "iCloud Drive")
    assert shared.latest_update == "Users may be unable to send mail."
    (resolved,) = [i for i in reading.incidents if i.id == "m0"]
    assert not resolved.open and resolved.severity is Severity.PARTIAL_OUTAGE


def test_service_filter_reads_one_service() -> None:
    reading = read("two_services_shared_event.js", service="Maps Display")
    assert [c.name for c in reading.components] == ["Maps Display"]
    assert reading.severity is Severity.DEGRADED
    assert read("two_services_shared_event.js", service="*").severity is Severity.MAJOR_OUTAGE


def test_unknown_service_is_unknown_not_all_clear() -> None:
    reading = read("two_services_shared_event.js", service="Apple Pay")
    assert reading.severity is Severity.UNKNOWN
    assert "'Apple Pay' is not on the page" in (reading.error or "")


def test_ongoing_maintenance_is_maintenance_not_incident() -> None:
    reading = read("maintenance_only.json")
    assert reading.severity is Severity.MAINTENANCE
    assert reading.open_incidents == ()
    assert [m.id for m in reading.active_maintenances] == ["v1"]


def test_broken_bodies_are_unknown() -> None:
    for body in (b"", b"jsonCallback(", b'jsonCallback({"services": []});', b"<html></html>"):
        assert formats.read("apple", body).severity is Severity.UNKNOWN


def test_unwrap_keeps_plain_json() -> None:
    assert apple.unwrap(b'jsonCallback({"a": 1});') == b'{"a": 1}'
    assert apple.unwrap(b'{"a": 1}') == b'{"a": 1}'
