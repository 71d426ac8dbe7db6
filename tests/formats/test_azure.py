"""Azure status RSS: no item is an explicit all-clear, every item an open degraded incident."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from trayapp import formats
from trayapp.core.model import Reading, Severity
from trayapp.formats import ParseContext, azure, feed

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "azure"


def fixture(name: str) -> Reading:
    return formats.read("azure", (FIXTURES / name).read_bytes(), ParseContext())


def test_module_contract() -> None:
    assert azure.TITLE
    assert azure.DEFAULT_PATH == "/en-us/status/feed/"
    assert formats.endpoint("azure", "https://azure.status.microsoft") == (
        "https://azure.status.microsoft/en-us/status/feed/"
    )


def test_no_item_reads_operational_explicitly() -> None:
    reading = fixture("feed_healthy.rss")
    assert reading.error is None
    assert reading.severity is Severity.OPERATIONAL
    assert reading.incidents == ()
    assert reading.page_name == "Azure Status"


def test_odd_last_build_date_is_read() -> None:
    loaded = feed.load_feed((FIXTURES / "feed_healthy.rss").read_bytes())
    assert loaded.updated == datetime(2026, 8, 6, 1, 9, tzinfo=UTC)


def test_every_item_is_an_open_degraded_incident() -> None:
    reading = fixture("feed_two_items.rss")
    assert reading.error is None
    assert reading.severity is Severity.DEGRADED
    assert len(reading.open_incidents) == 2
    assert all(i.severity is Severity.DEGRADED and i.kind == "incident" for i in reading.incidents)


def test_item_fields() -> None:
    first, second = fixture("feed_two_items.rss").incidents
    assert first.id == "AZ-7Q2-1KD"
    assert first.title == "Active - Storage availability issues in West Europe"
    assert first.url == "https://azure.status.microsoft/en-us/status/?trackingId=AZ-7Q2-1KD"
    assert first.started == datetime(2026, 8, 6, 0, 55, tzinfo=UTC)  # "... Z" pubDate
    assert first.updated == datetime(2026, 8, 6, 1, 5, tzinfo=UTC)  # a10:updated
    assert first.latest_update is not None
    assert first.latest_update.startswith("Impact Statement: Starting at 23:40 UTC")
    assert "<" not in first.latest_update
    assert second.latest_update == "Plain text description & no markup."
    assert second.updated == datetime(2026, 8, 5, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<!DOCTYPE html><html><body>Azure status</body></html>",
        b'<rss version="2.0"><channel><title>Azure Status</title><item><title>x</title>',
        b'{"status": "healthy"}',
        b"<status>ok</status>",
    ],
)
def test_bad_payloads_read_unknown_with_a_reason(body: bytes) -> None:
    reading = formats.read("azure", body)
    assert reading.severity is Severity.UNKNOWN
    assert reading.error and "\n" not in reading.error
