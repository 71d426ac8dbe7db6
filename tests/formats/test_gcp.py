"""Google Cloud / Workspace incidents.json: open = no end, impact words, product and location."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trayapp import formats
from trayapp.core.model import Incident, Reading, Severity
from trayapp.formats import ParseContext, gcp

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "gcp"
CLOUD = "https://status.cloud.google.com/incidents.json"


def fixture(name: str = "incidents_mixed.json", url: str = CLOUD, **params: str) -> Reading:
    body = (FIXTURES / name).read_bytes()
    return formats.read("gcp", body, ParseContext(url=url, params=params))


def by_id(reading: Reading, ident: str) -> Incident:
    return next(i for i in reading.incidents if i.id == ident)


def test_module_contract() -> None:
    assert gcp.TITLE
    assert gcp.DEFAULT_PATH == "/incidents.json"


def test_without_filters_every_incident_counts() -> None:
    reading = fixture()
    assert reading.error is None
    assert reading.severity is Severity.MAJOR_OUTAGE
    assert len(reading.incidents) == 6
    assert {i.id for i in reading.open_incidents} == {
        "gemOutage2026aaaa",
        "multiDisrupt2026b",
        "bqInfo2026cccccccc",
        "runOddImpact2026f",  # "end": null is open too
    }
    assert reading.components == ()


def test_incident_fields() -> None:
    reading = fixture()
    outage = by_id(reading, "gemOutage2026aaaa")
    assert outage.title == "Vertex Gemini API requests are failing in us-central1"
    assert outage.status == "service_outage" and outage.open
    assert outage.severity is Severity.MAJOR_OUTAGE
    assert outage.url == "https://status.cloud.google.com/incidents/gemOutage2026aaaa"
    assert outage.started == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert outage.latest_update == (
        "We are experiencing an issue with **Vertex Gemini API**. Our engineers are working on it."
    )
    assert outage.components == ("Vertex Gemini API",)
    multi = by_id(reading, "multiDisrupt2026b")
    assert multi.title == "Cloud SQL and Compute Engine: elevated errors"  # first line only
    assert multi.components == ("Google Cloud SQL", "Google Compute Engine")
    closed = by_id(reading, "gemClosed2026dddd")
    assert closed.status == "resolved" and not closed.open
    assert closed.severity is Severity.MAJOR_OUTAGE  # the impact it had


def test_impact_words() -> None:
    reading = fixture()
    assert by_id(reading, "multiDisrupt2026b").severity is Severity.PARTIAL_OUTAGE
    info = by_id(reading, "bqInfo2026cccccccc")
    assert info.open and info.severity is Severity.OPERATIONAL  # informational, still listed
    odd = by_id(reading, "runOddImpact2026f")
    assert odd.open and odd.severity is Severity.DEGRADED  # unseen impact: not operational


@pytest.mark.parametrize(
    ("product", "severity", "name"),
    [
        ("Vertex Gemini API", Severity.MAJOR_OUTAGE, "Vertex Gemini API"),
        ("z0fzjamveb4j3nbcjs6b", Severity.MAJOR_OUTAGE, "Vertex Gemini API"),  # id, any case
        ("google cloud sql", Severity.PARTIAL_OUTAGE, "Google Cloud SQL"),
        ("Google BigQuery", Severity.OPERATIONAL, "Google BigQuery"),
        ("Cloud Run", Severity.DEGRADED, "Cloud Run"),
        ("Google Kubernetes Engine", Severity.OPERATIONAL, "Google Kubernetes Engine"),
    ],
)
def test_product_filter_gives_one_component(product: str, severity: Severity, name: str) -> None:
    reading = fixture(product=product)
    assert reading.error is None
    assert reading.severity is severity
    (component,) = reading.components
    assert component.name == name and component.severity is severity
    for incident in reading.incidents:
        assert name in incident.components


def test_product_filter_keeps_closed_incidents_listed() -> None:
    reading = fixture(product="Vertex Gemini API")
    assert {i.id for i in reading.incidents} == {"gemOutage2026aaaa", "gemClosed2026dddd"}
    assert reading.components[0].id == "Z0FZJAMvEB4j3NbCJs6B"


def test_a_product_id_shows_the_given_name_until_an_incident_names_it() -> None:
    quiet = fixture("incidents_all_closed.json", product="Z0FZJAMvEB4j3NbCJs6B,unseen",
                    product_name="Gemini (from config)")  # fmt: skip
    assert [c.name for c in quiet.components] == ["Vertex Gemini API", "unseen"]
    nothing = fixture("incidents_all_closed.json", product="unseen", product_name="My product")
    assert [c.name for c in nothing.components] == ["My product"]


def test_several_products() -> None:
    reading = fixture(product="Google Cloud SQL, Google BigQuery")
    got = {c.name: c.severity for c in reading.components}
    assert got == {
        "Google Cloud SQL": Severity.PARTIAL_OUTAGE,
        "Google BigQuery": Severity.OPERATIONAL,
    }
    assert reading.severity is Severity.PARTIAL_OUTAGE


def test_healthy_day_for_a_product_reads_operational_with_one_component() -> None:
    reading = fixture("incidents_all_closed.json", product="Vertex Gemini API")
    assert reading.severity is Severity.OPERATIONAL
    assert len(reading.components) == 1 and reading.open_incidents == ()
    assert len(reading.incidents) == 1


@pytest.mark.parametrize(
    ("location", "severity", "count"),
    [
        ("europe-west1", Severity.PARTIAL_OUTAGE, 1),
        ("Belgium (europe-west1)", Severity.PARTIAL_OUTAGE, 1),  # title, any case below
        ("BELGIUM (EUROPE-WEST1)", Severity.PARTIAL_OUTAGE, 1),
        ("us-central1", Severity.OPERATIONAL, 0),
        ("asia-east1", Severity.OPERATIONAL, 0),  # it was there before, it is not now
    ],
)
def test_location_filter_with_product(location: str, severity: Severity, count: int) -> None:
    reading = fixture(product="Google Cloud SQL", location=location)
    assert reading.severity is severity
    assert len(reading.open_incidents) == count
    assert len(reading.components) == 1


def test_location_filter_alone() -> None:
    reading = fixture(location="us-east1")
    # closed there before; global notices and incidents naming no location concern everyone
    assert {i.id for i in reading.incidents} == {
        "gemClosed2026dddd",
        "bqInfo2026cccccccc",
        "runClosed2026eeee",
    }
    assert reading.severity is Severity.OPERATIONAL


def test_empty_list_is_an_explicit_all_clear() -> None:
    reading = fixture("incidents_empty.json")
    assert reading.error is None and reading.severity is Severity.OPERATIONAL
    assert fixture("incidents_empty.json", product="Cloud Run").components[0].name == "Cloud Run"


def test_incident_links_follow_the_polled_url() -> None:
    workspace = "https://www.google.com/appsstatus/dashboard/incidents.json"
    reading = fixture(url=workspace)
    assert by_id(reading, "runClosed2026eeee").url == (
        "https://www.google.com/appsstatus/dashboard/incidents/runClosed2026eeee"
    )
    bare = fixture(url="")
    assert by_id(bare, "runClosed2026eeee").url == (
        "https://status.cloud.google.com/incidents/runClosed2026eeee"
    )


def test_large_payload_parses_in_linear_time() -> None:
    one = json.loads((FIXTURES / "incidents_mixed.json").read_text())[1]
    payload = json.dumps([{**one, "id": f"i{n}"} for n in range(2000)]).encode()
    assert len(payload) > 1_000_000
    started = time.perf_counter()
    reading = formats.read("gcp", payload, ParseContext(params={"product": "Google Cloud SQL"}))
    assert time.perf_counter() - started < 5
    assert len(reading.incidents) == 2000 and reading.severity is Severity.PARTIAL_OUTAGE


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<!doctype html><html><title>Google Cloud Status</title></html>",
        b'[{"id": "a", "begin": "2026-03-02T09:00:00+00:00"',
        b'{"incidents": []}',
        b'["not an incident"]',
        b'[{"id": "a", "affected_products": [], "most_recent_update": {"text": 5}}, 3]',
    ],
)
def test_bad_payloads_read_unknown_with_a_reason(body: bytes) -> None:
    reading = formats.read("gcp", body)
    assert reading.severity is Severity.UNKNOWN
    assert reading.error and "\n" not in reading.error
