"""Pure detection: known hosts, payload shapes, platform markers in HTML, feed links."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from trayapp.formats import detect, detection, incidentio, sniff_html
from trayapp.formats.detect import known_host, sniff
from trayapp.formats.detection import Detection, default_endpoint
from trayapp.formats.sniff_html import sniff_page

FIXTURES = Path(__file__).parent / "fixtures" / "detect"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
BASE = "https://status.example.test"
AWS_CURRENT = "https://health.aws.amazon.com/public/currentevents"
AZURE_FEED = "https://azure.status.microsoft/en-us/status/feed/"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --------------------------------------------------------------------------- known hosts


@pytest.mark.parametrize(
    ("url", "format", "endpoint"),
    [
        ("https://slack-status.com/", "slack", "https://slack-status.com/api/v2.0.0/current"),
        (
            "https://status.slack.com/2026-02/abc",
            "slack",
            "https://slack-status.com/api/v2.0.0/current",
        ),
        ("https://www.slack-status.com", "slack", "https://slack-status.com/api/v2.0.0/current"),
        ("https://status.heroku.com/", "heroku", "https://status.heroku.com/api/v4/current-status"),
        ("https://health.aws.amazon.com/health/status", "aws", AWS_CURRENT),
        ("https://status.aws.amazon.com/", "aws", AWS_CURRENT),
        (
            "https://status.cloud.google.com/",
            "gcp",
            "https://status.cloud.google.com/incidents.json",
        ),
        (
            "https://www.google.com/appsstatus/dashboard/",
            "gcp",
            "https://www.google.com/appsstatus/dashboard/incidents.json",
        ),
        ("https://azure.status.microsoft/en-us/status", "azure", AZURE_FEED),
        ("https://status.azure.com/", "azure", AZURE_FEED),
        (
            "https://rssfeed.azure.status.microsoft/en-gb/status/feed/",
            "azure",
            "https://rssfeed.azure.status.microsoft/en-gb/status/feed/",
        ),
        (
            "https://api.status.io/1.0/status/5f0c1d2e3a4b5c6d7e8f9a0b",
            "statusio",
            "https://api.status.io/1.0/status/5f0c1d2e3a4b5c6d7e8f9a0b",
        ),
    ],
)
def test_known_hosts(url: str, format: str, endpoint: str) -> None:
    found = known_host(url)
    assert found is not None
    assert (found.format, found.endpoint) == (format, endpoint)
    assert found.evidence and "\n" not in found.evidence
    assert found.page_url.startswith("https://")


@pytest.mark.parametrize(
    ("url", "service", "region"),
    [
        ("https://status.aws.amazon.com/rss/bedrock-us-east-1.rss", "bedrock", "us-east-1"),
        ("https://status.aws.amazon.com/rss/ec2-us-gov-west-1.rss", "ec2", "us-gov-west-1"),
        (
            "https://status.aws.amazon.com/rss/directconnect-ap-southeast-2.rss",
            "directconnect",
            "ap-southeast-2",
        ),
    ],
)
def test_aws_service_feed_becomes_filtered_current_events(
    url: str, service: str, region: str
) -> None:
    found = known_host(url)
    assert found is not None
    assert found.format == "aws" and found.endpoint == AWS_CURRENT
    assert dict(found.params) == {"service": service, "region": region}


@pytest.mark.parametrize(
    "url",
    [
        "https://www.google.com/search?q=status",
        "https://api.status.io/",
        "https://slack-status.com.evil.test/",
        "https://status.example.test/",
        "https://notstatus.heroku.com/",
    ],
)
def test_unknown_hosts(url: str) -> None:
    assert known_host(url) is None


def test_aws_all_feed_is_unfiltered() -> None:
    found = known_host("https://status.aws.amazon.com/rss/all.rss")
    assert found is not None and found.params == ()


# --------------------------------------------------------------------------- payloads


def endpoint_of(fmt: str, path: str = "") -> str:
    return default_endpoint(fmt, BASE + path)


@pytest.mark.parametrize(
    ("name", "path", "format", "endpoint"),
    [
        ("statuspage_summary.json", "/api/v2/summary.json", "statuspage", None),
        ("statuspage_no_timezone.json", "/api/v2/summary.json", "statuspage", None),
        (
            "incidentio_compat_summary.json",
            "/api/v2/summary.json",
            "incidentio",
            BASE + "/proxy/status.example.test",
        ),
        ("incidentio_proxy_summary.json", "/proxy/status.example.test", "incidentio", None),
        ("instatus_summary.json", "/summary.json", "instatus", None),
        ("instatus_summary.json", "/api/v2/summary.json", "instatus", None),
        ("betterstack_index.json", "/index.json", "betterstack", None),
        ("cstate_index.json", "/index.json", "cstate", None),
        ("statusio_status.json", "/1.0/status/x", "statusio", None),
        ("cachet_components.json", "/api/v1/components", "cachet", None),
        ("cachet_groups.json", "/api/v1/components/groups", "cachet", BASE + "/api/v1/components"),
        ("slack_current.json", "/api/v2.0.0/current", "slack", None),
        ("heroku_current_status.json", "/api/v4/current-status", "heroku", None),
        ("gcp_incidents.json", "/incidents.json", "gcp", None),
        ("aws_currentevents.json", "/public/currentevents", "aws", None),
        ("aws_legacy_data.json", "/data.json", "aws", None),
        (
            "uptimekuma_status_page.json",
            "/api/status-page/homelab",
            "uptimekuma",
            BASE + "/api/status-page/heartbeat/homelab",
        ),
        ("uptimekuma_heartbeat.json", "/api/status-page/heartbeat/homelab", "uptimekuma", None),
        (
            "gatus_statuses.json",
            "/api/v1/endpoints/statuses?page=1&pageSize=1",
            "gatus",
            BASE + "/api/v1/endpoints/statuses",
        ),
        ("gatus_statuses.json", "/api/v1/endpoints/statuses", "gatus", None),
        ("history.rss", "/history.rss", "feed", None),
        ("history.atom", "/history.atom", "feed", None),
        ("azure_feed.rss", "/feed/", "azure", None),
    ],
)
def test_payload_shapes(name: str, path: str, format: str, endpoint: str | None) -> None:
    url = BASE + path
    found = detect.sniff_payload(fixture(name), url, "application/json")
    assert found is not None, name
    assert found.format == format
    assert found.endpoint == (endpoint or url)
    assert found.page_url == BASE + "/"


def test_statuspage_without_time_zone_needs_incidentio_traits() -> None:
    """Statuspage's own docs example has no time_zone: that alone must not make it incident.io."""
    plain = json.loads(fixture("statuspage_no_timezone.json"))
    assert incidentio.compat_traits(plain) == []
    compat = json.loads(fixture("incidentio_compat_summary.json"))
    assert set(incidentio.compat_traits(compat)) == {
        "no page.time_zone",
        "ULID ids",
        "null lists",
    }
    found = detect.sniff_payload(
        fixture("incidentio_compat_summary.json"), BASE + "/api/v2/summary.json"
    )
    assert found is not None and "ULID" in found.evidence


def test_aws_utf16_event_list() -> None:
    text = fixture("aws_currentevents.json").decode()
    for body in (text.encode("utf-16"), text.encode("utf-16-le")):
        found = detect.sniff_payload(body, BASE + "/x", "application/json;charset=utf-16")
        assert found is not None and found.format == "aws"
    empty = "[]".encode("utf-16")
    assert (
        detect.sniff_payload(empty, BASE + "/x", "application/json;charset=utf-16").format == "aws"
    )
    assert detect.sniff_payload(b"[]", BASE + "/x", "application/json") is None


def test_data_labelled_as_html_is_still_data() -> None:
    found = detect.sniff_payload(fixture("statuspage_summary.json"), BASE + "/s", "text/html")
    assert found is not None and found.format == "statuspage"
    found = detect.sniff_payload(fixture("history.rss"), BASE + "/rss", "text/html")
    assert found is not None and found.format == "feed"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n",
        fixture("truncated.json"),
        fixture("not_status.json"),
        b"[1, 2, 3]",
        b'"just a string"',
        b"null",
        b'{"page": [], "status": "up"}',
        b'{"summary": []}',
        b'{"data": {"type": "something_else"}}',
        b'{"result": "ok"}',
        b'{"status": [1, 2]}',
        b"[" * 200_000 + b"]" * 200_000,
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><rss><channel/></rss>",
        b"<?xml version='1.0'?><sitemap/>",
        b"<rss><channel><title>cut",
        b"\xff\xfe\x00garbage",
    ],
)
def test_payloads_that_fit_nothing(body: bytes) -> None:
    assert detect.sniff_payload(body, BASE + "/api/v2/summary.json", "application/json") is None


def test_html_is_never_a_payload() -> None:
    assert detect.sniff_payload(fixture("incidentio_page.html"), BASE + "/", "text/html") is None


# --------------------------------------------------------------------------- HTML pages


@pytest.mark.parametrize(
    ("name", "format", "path"),
    [
        ("incidentio_page.html", "incidentio", "/proxy/status.example.test"),
        ("instatus_page.html", "instatus", "/summary.json"),
        ("betterstack_page.html", "betterstack", "/index.json"),
        ("statuspage_page.html", "statuspage", "/api/v2/summary.json"),
    ],
)
def test_platform_pages(name: str, format: str, path: str) -> None:
    page = BASE + "/some/page"
    found = sniff_page(fixture(name), page)
    assert found is not None
    assert found.format == format
    assert found.endpoint == BASE + path  # the origin's default path, not below /some/page
    assert found.page_url == page
    assert "markers" in found.evidence


def test_statusio_page_names_its_api() -> None:
    found = sniff_page(fixture("statusio_page.html"), BASE + "/")
    assert found is not None and found.format == "statusio"
    assert found.endpoint == "https://api.status.io/1.0/status/5f0c1d2e3a4b5c6d7e8f9a0b"


def test_statusio_markers_without_a_page_id_do_not_decide() -> None:
    html = fixture("statusio_page.html").replace(b"5f0c1d2e3a4b5c6d7e8f9a0b", b"not-an-id")
    assert sniff_html.platform_markers(detection.page_text(html))["statusio"]
    found = sniff_page(html, BASE + "/")
    assert found is None or found.format != "statusio"


def test_one_removed_marker_does_not_break_detection() -> None:
    """Markup changes (stts broke on renamed icon classes) must not lose a platform."""
    html = fixture("incidentio_page.html").replace(b"text-icon-", b"renamed-icon-")
    html = html.replace(b"incident-io-status-page-logos", b"some-bucket")
    found = sniff_page(html, BASE + "/")
    assert found is not None and found.format == "incidentio"


def test_a_mere_mention_is_not_a_platform() -> None:
    html = fixture("plain_no_feed.html")
    markers = sniff_html.platform_markers(detection.page_text(html))
    assert all(len(labels) < sniff_html.MARKERS_NEEDED for labels in markers.values())
    assert sniff(html, BASE + "/blog") is None


def test_more_markers_win() -> None:
    html = fixture("betterstack_page.html").replace(
        b"</body>", b'<p>Migrated from <a href="https://instatus.com">instatus.com</a></p></body>'
    )
    found = sniff_page(html, BASE + "/")
    assert found is not None and found.format == "betterstack"


def test_incidentio_subpath_pages_use_their_subpath() -> None:
    url = "https://statuspage.incident.io/acme"
    assert default_endpoint("incidentio", url) == "https://statuspage.incident.io/proxy/acme"
    found = sniff_page(fixture("incidentio_page.html"), url)
    assert found is not None and found.endpoint == "https://statuspage.incident.io/proxy/acme"


# --------------------------------------------------------------------------- feed links


def test_feed_links_are_absolute_and_typed() -> None:
    links = sniff_html.feed_links(fixture("plain_with_feed.html"), BASE + "/status/")
    # hreflang alternates and stylesheets are not feeds; relative hrefs resolve against the page
    assert links == [BASE + "/history.rss", BASE + "/status/history.atom"]


def test_sniff_falls_back_to_a_feed_link() -> None:
    found = sniff(fixture("plain_with_feed.html"), BASE + "/", "text/html")
    assert found == Detection(
        "feed", BASE + "/history.rss", BASE + "/", f"the page links a feed: {BASE}/history.rss"
    )


def test_platform_markers_beat_feed_links() -> None:
    found = sniff(fixture("betterstack_page.html"), BASE + "/", "text/html")
    assert found is not None and found.format == "betterstack"
    assert sniff_html.feed_links(fixture("betterstack_page.html"), BASE + "/") == [BASE + "/feed"]


def test_feed_links_honour_base_and_skip_other_schemes() -> None:
    html = (
        b"<html><head><base href='https://cdn.example.test/site/'>"
        b"<link rel='alternate' type='application/rss+xml' href='javascript:void(0)'>"
        b"<link rel='Alternate Feed' type='Application/Atom+XML; charset=utf-8' href='feed.atom'>"
        b"<link rel='alternate' type='application/atom+xml' href='feed.atom'>"
        b"</head></html>"
    )
    assert sniff_html.feed_links(html, BASE + "/") == ["https://cdn.example.test/site/feed.atom"]


def test_azure_feed_link_reads_as_azure() -> None:
    found = sniff_html.feed_detection("https://azure.status.microsoft/en-us/status/feed/", BASE)
    assert found.format == "azure"


def test_broken_html_does_not_crash() -> None:
    html = b"<!DOCTYPE html><html><head><link rel=alternate type=application/rss+xml href=/f.rss"
    assert sniff_html.feed_links(html, BASE + "/") in ([], [BASE + "/f.rss"])
    assert sniff(b"<!DOCTYPE html><html><" + b"\x00\xff" * 1000, BASE + "/") is None


def test_as_dict() -> None:
    found = Detection(
        "aws", "https://a.test/x", "https://a.test/", "why", (("region", "eu-west-1"),)
    )
    assert found.as_dict() == {
        "format": "aws",
        "endpoint": "https://a.test/x",
        "page_url": "https://a.test/",
        "evidence": "why",
        "params": {"region": "eu-west-1"},
    }


# --------------------------------------------------------------------------- recorded payloads


def expected_entries() -> list[dict[str, str]]:
    path = SHARED / "EXPECTED.toml"
    if not path.is_file():
        return []
    return tomllib.loads(path.read_text())["fixture"]


@pytest.mark.skipif(not (SHARED / "EXPECTED.toml").is_file(), reason="shared fixtures absent")
def test_recorded_payloads_sniff_as_their_format() -> None:
    entries = [e for e in expected_entries() if "format" in e]
    assert entries
    for entry in entries:
        found = detect.sniff_payload((SHARED / entry["path"]).read_bytes(), BASE + "/api", "")
        assert found is not None, entry["path"]
        assert found.format == entry["format"], entry["path"]


@pytest.mark.skipif(not (SHARED / "EXPECTED.toml").is_file(), reason="shared fixtures absent")
def test_recorded_pages_show_their_platform() -> None:
    entries = [e for e in expected_entries() if "detect" in e]
    assert len(entries) == 6
    for entry in entries:
        found = sniff((SHARED / entry["path"]).read_bytes(), BASE + "/", "text/html")
        assert found is not None, entry["path"]
        assert found.format == entry["detect"], entry["path"]
