"""Gatus endpoint statuses: newest result decides, groups, single-endpoint form, bad payloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trayapp import formats
from trayapp.core.model import Reading, Severity
from trayapp.formats import ParseContext, gatus

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "gatus"
S = Severity


def read(body: bytes | str | list[Any] | dict[str, Any]) -> Reading:
    if isinstance(body, str):
        body = (FIXTURES / body).read_bytes()
    elif not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return formats.read("gatus", body, ParseContext())


def test_module_contract() -> None:
    assert gatus.TITLE == "Gatus"
    assert formats.endpoint("gatus", "https://health.example.org") == (
        "https://health.example.org/api/v1/endpoints/statuses"
    )


def test_newest_result_decides_each_endpoint() -> None:
    reading = read("endpoints_statuses.json")
    assert reading.error is None
    comps = {c.name: (c.severity, c.group, c.id) for c in reading.components}
    assert comps == {
        "api": (S.OPERATIONAL, "core", "core_api"),  # failed once, newest succeeded
        "database": (S.MAJOR_OUTAGE, "core", "core_database"),
        "website": (S.OPERATIONAL, None, "_website"),
        "nightly-backup": (S.UNKNOWN, "jobs", "jobs_nightly-backup"),  # no result yet
    }
    assert reading.severity is S.MAJOR_OUTAGE
    assert reading.incidents == ()


def test_all_healthy() -> None:
    assert read("all_healthy.json").severity is S.OPERATIONAL


def test_single_endpoint_object() -> None:
    reading = read("single_endpoint.json")
    assert [(c.name, c.severity) for c in reading.components] == [("api", S.OPERATIONAL)]


def test_results_run_oldest_to_newest() -> None:
    results = [{"success": True}, {"success": False}]
    reading = read([{"name": "x", "group": "g", "key": "g_x", "results": results}])
    assert reading.severity is S.MAJOR_OUTAGE


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "empty"),
        (b'[{"name": "api", "results": [{"success": tr', "truncated"),
        (b"<html><body>404 page not found</body></html>", "HTML"),
        (b'{"error": "not found"}', "no 'results'"),
        (b'"ok"', "should be list"),
        (b"[1, 2]", "endpoint should be dict"),
        (b'[{"name": "x", "results": {"success": true}}]', "results should be list"),
        (b'[{"foo": "bar"}]', "neither 'name' nor 'results'"),
        (b'[{"name": "x", "results": [{"success": "yes"}]}]', "no recognised status"),
        (b"[]", "no status"),
    ],
)
def test_bad_payloads_are_unknown_with_a_reason(body: bytes, words: str) -> None:
    reading = read(body)
    assert reading.severity is S.UNKNOWN
    assert reading.error and words.lower() in reading.error.lower()
