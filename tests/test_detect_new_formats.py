"""Detection of the Apple, Salesforce and Alertmanager formats: by URL and by payload shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from trayapp import detect
from trayapp.detect import known_host, sniff_payload

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("url", "format", "endpoint"),
    [
        ("https://www.apple.com/support/systemstatus/", "apple", detect.APPLE_CONSUMER),
        ("https://developer.apple.com/system-status/", "apple", detect.APPLE_DEVELOPER),
        (
            "https://www.apple.com/support/systemstatus/data/developer/system_status_fr_FR.js",
            "apple",
            "https://www.apple.com/support/systemstatus/data/developer/system_status_fr_FR.js",
        ),
        ("https://status.salesforce.com/", "salesforce", detect.SALESFORCE_PREVIEW),
        (
            "https://api.status.salesforce.com/v1/instances/status/preview?products=Tableau",
            "salesforce",
            "https://api.status.salesforce.com/v1/instances/status/preview?products=Tableau",
        ),
    ],
)
def test_known_urls(url: str, format: str, endpoint: str) -> None:
    found = known_host(url)
    assert found is not None
    assert (found.format, found.endpoint) == (format, endpoint)


@pytest.mark.parametrize(
    "url", ["https://www.apple.com/iphone/", "https://developer.apple.com/documentation/"]
)
def test_other_apple_pages_are_not_status(url: str) -> None:
    assert known_host(url) is None


@pytest.mark.parametrize(
    ("path", "format"),
    [
        ("apple/two_services_shared_event.js", "apple"),  # JSONP
        ("apple/maintenance_only.json", "apple"),
        ("salesforce/three_instances.json", "salesforce"),
        ("alertmanager/groups_mixed.json", "alertmanager"),
    ],
)
def test_payload_shapes(path: str, format: str) -> None:
    url = "http://127.0.0.1:9/x"
    found = sniff_payload((FIXTURES / path).read_bytes(), url)
    assert found is not None
    assert (found.format, found.endpoint) == (format, url)


def test_flat_alert_list_and_empty_list_at_the_alerts_path() -> None:
    alert = b'[{"fingerprint": "f1", "labels": {}, "status": {"state": "active"}}]'
    assert sniff_payload(alert, "http://127.0.0.1:9093/x").format == "alertmanager"
    found = sniff_payload(b"[]", "http://127.0.0.1:9093/api/v2/alerts")
    assert found is not None and found.format == "alertmanager"
    assert sniff_payload(b"[]", "http://127.0.0.1:9093/other") is None
