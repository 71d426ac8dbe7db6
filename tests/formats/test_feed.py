"""RSS/Atom incident-history feeds: lifecycle words, the newest-entry rule, dates, bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from trayapp import formats
from trayapp.core.model import Incident, Reading, Severity
from trayapp.formats import ParseContext, common, feed

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feed"


def fixture(name: str) -> Reading:
    return formats.read("feed", (FIXTURES / name).read_bytes(), ParseContext())


def by_title(reading: Reading, title: str) -> Incident:
    return next(i for i in reading.incidents if i.title == title)


def test_module_contract() -> None:
    assert feed.TITLE
    assert feed.DEFAULT_PATH == "/history.rss"
    assert formats.endpoint("feed", "https://status.example.test") == (
        "https://status.example.test/history.rss"
    )


def test_statuspage_rss_history() -> None:
    reading = fixture("statuspage_history.rss")
    assert reading.error is None
    assert reading.page_name == "Example Status"  # " - Incident History" dropped
    assert len(reading.incidents) == 7
    # the newest entry only announces a maintenance; an incident opened an hour before it is
    # still investigating, so the page is degraded
    assert reading.severity is Severity.DEGRADED
    assert [i.title for i in reading.open_incidents] == ["Elevated API error rates"]
    assert reading.active_maintenances == ()


def test_update_keeps_the_state_before_it() -> None:
    reading = fixture("statuspage_history.rss")
    api = by_title(reading, "Elevated API error rates")
    assert api.status == "investigating" and api.kind == "incident"
    assert api.severity is Severity.DEGRADED  # impact not stated
    rescheduled = by_title(reading, "Network change (rescheduled)")
    assert rescheduled.kind == "maintenance" and rescheduled.status == "scheduled"
    assert not rescheduled.open


def test_lifecycle_words_close_entries() -> None:
    reading = fixture("statuspage_history.rss")
    assert by_title(reading, "Dashboard slow to load").status == "resolved"
    assert by_title(reading, "Webhook delivery delays").status == "postmortem"
    upgrade = by_title(reading, "Storage upgrade")
    assert upgrade.kind == "maintenance" and upgrade.status == "completed" and not upgrade.open
    assert upgrade.severity is Severity.MAINTENANCE
    announced = by_title(reading, "Database failover next Sunday")
    assert announced.kind == "maintenance" and announced.status == "scheduled"
    assert not announced.open


def test_an_old_entry_never_closed_is_history() -> None:
    forgotten = by_title(fixture("statuspage_history.rss"), "Forgotten incident never closed")
    assert forgotten.status == "monitoring" and not forgotten.open


def test_entry_fields() -> None:
    api = by_title(fixture("statuspage_history.rss"), "Elevated API error rates")
    assert api.id == api.url == "https://status.example.test/incidents/inc00042"
    assert api.updated == datetime(2026, 3, 2, 10, 40, tzinfo=UTC)
    assert api.latest_update == "We are still investigating & will post more soon."
    announced = by_title(fixture("statuspage_history.rss"), "Database failover next Sunday")
    # <b>Sunday</b> is emphasis, not a lifecycle word; the update text keeps it
    assert announced.latest_update == (
        "We will fail over the primary database on Sunday. Expect a short read-only window."
    )


def test_newest_entry_decides_when_it_is_open() -> None:
    reading = fixture("maintenance_verifying.atom")
    assert reading.error is None
    assert reading.severity is Severity.MAINTENANCE
    (active,) = reading.active_maintenances
    assert active.title == "Router replacement" and active.status == "verifying"
    assert active.latest_update == "Work is done; we are checking traffic."  # from inline XHTML
    assert active.url == "https://status.example.test/incidents/m900"


def test_future_published_maintenance_is_ordered_by_its_last_update() -> None:
    reading = fixture("maintenance_verifying.atom")
    upcoming = by_title(reading, "Next month's upgrade")
    assert upcoming.status == "scheduled" and not upcoming.open
    assert upcoming.started == datetime(2026, 4, 1, tzinfo=UTC)
    assert upcoming.updated == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert upcoming.latest_update == "An upgrade is planned. Impact None expected."


def test_incidentio_atom_status_line_and_components() -> None:
    reading = fixture("incidentio_open.atom")
    assert reading.error is None
    assert reading.severity is Severity.PARTIAL_OUTAGE  # stated by the component list
    (open_one,) = reading.open_incidents
    assert open_one.status == "identified"
    assert open_one.components == ("API", "Dashboard", "Login")
    assert open_one.latest_update == (
        "We have found the cause of the increased latency and are deploying a fix."
    )
    resolved = by_title(reading, "Login failures")
    assert resolved.status == "resolved" and resolved.severity is Severity.DEGRADED


def test_2014_statuspage_format_without_var() -> None:
    reading = fixture("statuspage_2014.rss")
    assert reading.error is None and reading.severity is Severity.OPERATIONAL
    first = reading.incidents[0]
    assert first.status == "resolved"
    assert first.updated == datetime(2014, 1, 1, 17, 9, tzinfo=UTC)  # '-0000' read as UTC
    assert first.latest_update == "Push notifications are flowing again."


def test_empty_channel_is_operational() -> None:
    reading = fixture("empty_channel.rss")
    assert reading.error is None
    assert reading.severity is Severity.OPERATIONAL and reading.incidents == ()


def test_title_conventions_when_the_html_has_no_word() -> None:
    reading = fixture("recovered_titles.rss")
    assert reading.severity is Severity.OPERATIONAL
    # one guid: the later "recovered" speaks for the incident, "went down" is superseded
    (incident,) = reading.incidents
    assert incident.status == "resolved" and not incident.open
    body = (FIXTURES / "recovered_titles.rss").read_bytes().replace(b"API recovered", b"Other")
    assert formats.read("feed", body).severity is Severity.UNKNOWN


@pytest.mark.parametrize(
    ("title", "severity"),
    [
        ("[RESOLVED] Elevated errors", Severity.OPERATIONAL),
        ("Resolved: Elevated errors", Severity.OPERATIONAL),
        ("Database went down", Severity.DEGRADED),
        ("Resolving the backlog", Severity.UNKNOWN),
    ],
)
def test_title_prefixes(title: str, severity: Severity) -> None:
    body = f'<rss version="2.0"><channel><item><title>{title}</title></item></channel></rss>'
    assert formats.read("feed", body.encode()).severity is severity


def test_newest_entry_without_a_known_word_is_unreadable() -> None:
    reading = fixture("unknown_newest.rss")
    assert reading.severity is Severity.UNKNOWN
    assert reading.error and "Weekly newsletter" in reading.error


def test_went_down_as_newest_is_open() -> None:
    body = (
        b'<rss version="2.0"><channel><title>t</title><item><title>API went down</title>'
        b"<pubDate>Mon, 02 Mar 2026 10:00:00 +0000</pubDate></item></channel></rss>"
    )
    reading = formats.read("feed", body)
    assert reading.severity is Severity.DEGRADED and len(reading.open_incidents) == 1


def test_concurrent_incidents_within_the_window_both_count() -> None:
    html = "&lt;strong&gt;Investigating&lt;/strong&gt; - x"
    body = (
        '<rss version="2.0"><channel><title>t</title>'
        f"<item><title>A</title><description>{html}</description>"
        "<pubDate>Mon, 02 Mar 2026 10:00:00 +0000</pubDate></item>"
        f"<item><title>B</title><description>{html}</description>"
        "<pubDate>Sun, 01 Mar 2026 10:00:00 +0000</pubDate></item>"
        f"<item><title>C</title><description>{html}</description>"
        "<pubDate>Mon, 02 Feb 2026 10:00:00 +0000</pubDate></item>"
        "</channel></rss>"
    ).encode()
    reading = formats.read("feed", body)
    assert [i.title for i in reading.open_incidents] == ["A", "B"]


def test_newest_is_by_date_not_by_document_order() -> None:
    resolved = "&lt;strong&gt;Resolved&lt;/strong&gt; - ok"
    open_ = "&lt;b&gt;Status: Monitoring&lt;/b&gt; fix deployed"
    body = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        f"<entry><id>1</id><title>old</title><updated>2026-01-01T00:00:00Z</updated>"
        f'<content type="html">{resolved}</content></entry>'
        f"<entry><id>2</id><title>new</title><updated>2026-03-01T00:00:00+01:00</updated>"
        f'<summary type="html">{open_}</summary></entry>'
        "</feed>"
    ).encode()
    reading = formats.read("feed", body)
    assert reading.severity is Severity.DEGRADED
    assert [i.id for i in reading.open_incidents] == ["2"]
    assert reading.open_incidents[0].latest_update == "fix deployed"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Thu, 06 Aug 2026 01:09:00 Z", datetime(2026, 8, 6, 1, 9, tzinfo=UTC)),
        ("Sun, 08 Sep 2019 12:08:54 +0000", datetime(2019, 9, 8, 12, 8, 54, tzinfo=UTC)),
        ("Sun, 08 Sep 2019 12:08:54 -0700", datetime(2019, 9, 8, 19, 8, 54, tzinfo=UTC)),
        ("2019-11-20T18:35:28-08:00", datetime(2019, 11, 21, 2, 35, 28, tzinfo=UTC)),
        ("2019-10-30T23:05:10Z", datetime(2019, 10, 30, 23, 5, 10, tzinfo=UTC)),
        ("not a date", None),
        ("", None),
    ],
)
def test_parse_date(value: str, expected: datetime | None) -> None:
    assert feed.parse_date(value) == expected


def test_plain_text_strips_and_folds() -> None:
    html = "<p>One&nbsp;<b>two</b></p><p>three<br>four</p><script>x()</script>"
    assert common.plain_text(html) == "One two three four"
    assert common.plain_text("word " * 200).endswith("…")
    assert len(common.plain_text("word " * 200)) <= common.UPDATE_LIMIT


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<!DOCTYPE html><html><head><title>Status</title></head><body></body></html>",
        b"<html><body>not a feed</body></html>",
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa">]><rss><channel/></rss>',
        b'<rss version="2.0"><channel><title>t</title><item><title>x',
        b'<rss version="2.0"></rss>',
        b'{"status": "ok"}',
        b"<sitemap><url/></sitemap>",
    ],
)
def test_bad_payloads_read_unknown_with_a_reason(body: bytes) -> None:
    reading = formats.read("feed", body)
    assert reading.severity is Severity.UNKNOWN
    assert reading.error and "\n" not in reading.error


def test_plain_text_adds_no_space_around_inline_tags() -> None:
    assert common.plain_text("<p>Service <b>recovered</b>.</p><p>Next</p>") == (
        "Service recovered. Next"
    )
