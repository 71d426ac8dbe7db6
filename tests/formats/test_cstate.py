"""cState index.json: summary and system statuses, issues shared by systems, bad payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from trayapp import formats
from trayapp.core.model import Reading, Severity
from trayapp.formats import ParseContext, cstate

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cstate"
S = Severity


def read(body: bytes | str | dict[str, Any]) -> Reading:
    if isinstance(body, str):
        body = (FIXTURES / body).read_bytes()
    elif isinstance(body, dict):
        body = json.dumps(body).encode()
    return formats.read("cstate", body, ParseContext())


def test_module_contract() -> None:
    assert cstate.TITLE == "cState"
    assert formats.endpoint("cstate", "https://status.harbor.example") == (
        "https://status.harbor.example/index.json"
    )


def test_systems_with_categories_and_shared_issues() -> None:
    reading = read("index_disrupted.json")
    assert reading.error is None
    assert reading.page_name == "Harbor Status"
    assert reading.severity is S.PARTIAL_OUTAGE
    comps = {c.name: (c.severity, c.group) for c in reading.components}
    assert comps == {
        "Website": (S.OPERATIONAL, "Frontend"),
        "API": (S.PARTIAL_OUTAGE, "Backend"),
        "Workers": (S.PARTIAL_OUTAGE, "Backend"),
        "Docs": (S.OPERATIONAL, None),
    }
    timeouts, queue = reading.incidents  # listed under two systems, counted once
    assert (timeouts.title, timeouts.open, timeouts.status) == (
        "API timeouts in EU",
        True,
        "unresolved",
    )
    assert timeouts.severity is S.PARTIAL_OUTAGE
    assert timeouts.components == ("API", "Workers")
    assert timeouts.url == "https://status.harbor.example/issues/2025-02-11-api-timeouts/"
    assert timeouts.started == datetime(2025, 2, 11, 9, 30, tzinfo=UTC)  # Go time layout
    assert timeouts.updated == datetime(2025, 2, 11, 9, 5, 12, 500000, tzinfo=UTC)
    assert (queue.severity, queue.started) == (S.DEGRADED, datetime(2025, 2, 11, 8, tzinfo=UTC))
    assert len(reading.open_incidents) == 2


def test_all_ok() -> None:
    reading = read("index_ok.json")
    assert reading.severity is S.OPERATIONAL
    assert len(reading.components) == 2


@pytest.mark.parametrize(
    ("word", "severity"),
    [
        ("ok", S.OPERATIONAL),
        ("notice", S.DEGRADED),
        ("disrupted", S.PARTIAL_OUTAGE),
        ("down", S.MAJOR_OUTAGE),
    ],
)
def test_summary_words(word: str, severity: Severity) -> None:
    assert read({"summaryStatus": word, "systems": []}).severity is severity


def test_unseen_system_word_greys_that_system_only() -> None:
    reading = read(
        {
            "summaryStatus": "ok",
            "systems": [{"name": "A", "status": "ok"}, {"name": "B", "status": "sideways"}],
        }
    )
    assert [c.severity for c in reading.components] == [S.OPERATIONAL, S.UNKNOWN]
    assert reading.severity is S.OPERATIONAL


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "empty"),
        (b'{"summaryStatus": "ok", "systems": [{"name": "Website"', "truncated"),
        (b"<!DOCTYPE html><html><head><title>404</title></head></html>", "HTML"),
        (b"[]", "should be dict"),
        (b'{"title": "Something else"}', "not a cState"),
        (b'{"summaryStatus": "ok", "systems": {"name": "A"}}', "systems should be list"),
        (b'{"summaryStatus": "ok", "systems": ["A"]}', "system should be dict"),
        (b'{"summaryStatus": "meh", "systems": [{"name": "A", "status": "meh"}]}', "recognised"),
        (b'{"systems": []}', "no status"),
    ],
)
def test_bad_payloads_are_unknown_with_a_reason(body: bytes, words: str) -> None:
    reading = read(body)
    assert reading.severity is S.UNKNOWN
    assert reading.error and words.lower() in reading.error.lower()
