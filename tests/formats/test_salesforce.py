"""Salesforce Trust: active instances as components, incidents once by id, location filter."""

from __future__ import annotations

from pathlib import Path

from trayapp import formats
from trayapp.core.model import Reading, Severity
from trayapp.formats import ParseContext

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "salesforce"


def read(**params: str) -> Reading:
    body = (FIXTURES / "three_instances.json").read_bytes()
    return formats.read("salesforce", body, ParseContext(params=params))


def test_active_instances_are_components() -> None:
    reading = read()
    assert reading.error is None
    got = {c.name: c.severity for c in reading.components}
    assert got == {
        "NA1": Severity.MAJOR_OUTAGE,
        "EU9": Severity.DEGRADED,
        "AP5": Severity.MAINTENANCE,
    }  # NA0 is inactive: decommissioned, not counted
    assert reading.severity is Severity.MAJOR_OUTAGE


def test_incident_repeated_under_instances_is_listed_once() -> None:
    reading = read()
    assert [i.id for i in reading.open_incidents] == ["77"]
    (open_one,) = reading.open_incidents
    assert open_one.severity is Severity.MAJOR_OUTAGE  # major impact on the core service
    assert open_one.components == ("NA1", "EU9")
    assert open_one.latest_update == "Engineers are restoring service."
    (closed,) = [i for i in reading.incidents if i.id == "70"]
    assert not closed.open and closed.severity is Severity.DEGRADED


def test_location_filter() -> None:
    reading = read(location="APAC")
    assert [c.name for c in reading.components] == ["AP5"]
    assert reading.severity is Severity.MAINTENANCE
    assert read(location="*").severity is Severity.MAJOR_OUTAGE


def test_product_filter_and_no_match() -> None:
    assert [c.name for c in read(product="Sales_Cloud").components] == ["NA1", "AP5"]
    reading = read(location="LATAM")
    assert reading.severity is Severity.UNKNOWN and "LATAM" in (reading.error or "")


def test_wrong_shapes_are_unknown() -> None:
    for body in (b"{}", b"[1]", b"", b'[{"key": "X", "status": "PURPLE", "isActive": true}]'):
        assert formats.read("salesforce", body).severity is Severity.UNKNOWN
