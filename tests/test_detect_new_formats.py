"""Detection of the Apple, Salesforce and Alertmanager formats: by URL and by payload shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import StaticServer
from trayapp.formats.detect import known_host, sniff_payload

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("url", "format", "endpoint"),
    [
        (
            "https://www.apple.com/support/systemstatus/",
            "apple",
            "https://www.apple.com/support/systemstatus/data/system_status_en_US.js",
        ),
        (
            "https://developer.apple.com/system-status/",
            "apple",
            "https://www.apple.com/support/systemstatus/data/developer/system_status_en_US.js",
        ),
        (
            "https://www.apple.com/support/systemstatus/data/developer/system_status_fr_FR.js",
            "apple",
            "https://www.apple.com/support/systemstatus/data/developer/system_status_fr_FR.js",
        ),
        (
            "https://status.salesforce.com/",
            "salesforce",
            "https://api.status.salesforce.com/v1/instances/status/preview",
        ),
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


def _detect(url: str) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "trayapp", "detect", "--json", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_an_alertmanager_base_url_is_found_by_probing(tmp_path: Path) -> None:
    (tmp_path / "api" / "v2").mkdir(parents=True)
    (tmp_path / "api" / "v2" / "alerts").write_bytes(
        (FIXTURES / "alertmanager" / "groups_mixed.json").read_bytes()
    )
    (tmp_path / "index.html").write_text("<!doctype html><title>Alertmanager</title>")
    with StaticServer(tmp_path) as server:
        found = _detect(server.url("/"))
        assert (found["format"], found["endpoint"]) == (
            "alertmanager",
            server.url("/api/v2/alerts"),
        )


def test_a_jsonp_apple_file_is_detected_over_http(tmp_path: Path) -> None:
    body = (FIXTURES / "apple" / "two_services_shared_event.js").read_bytes()
    (tmp_path / "system_status_en_US.js").write_bytes(body)
    with StaticServer(tmp_path) as server:
        found = _detect(server.url("/system_status_en_US.js"))
        assert (found["format"], found["endpoint"]) == (
            "apple",
            server.url("/system_status_en_US.js"),
        )
