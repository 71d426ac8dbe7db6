"""AWS Health Dashboard: UTF-16 currentevents, legacy data.json, status codes, service/region."""

from __future__ import annotations

import asyncio
import codecs
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from trayapp import formats
from trayapp.core.model import Incident, Reading, Severity
from trayapp.formats import ParseContext, aws
from trayapp.net import fetch

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "aws"
UTF16 = "application/json;charset=utf-16"


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def read(data: bytes, content_type: str = "", **params: str) -> Reading:
    return formats.read("aws", data, ParseContext(content_type=content_type, params=params))


def current(**params: str) -> Reading:
    return read(body("currentevents_utf16.json"), UTF16, **params)


def by_service(reading: Reading, service: str) -> Incident:
    return next(i for i in reading.incidents if service in i.id.lower())


def test_module_contract() -> None:
    assert aws.TITLE
    assert aws.DEFAULT_PATH == "/public/currentevents"
    assert formats.endpoint("aws", "https://health.aws.amazon.com") == (
        "https://health.aws.amazon.com/public/currentevents"
    )


def test_current_events_all_listed_and_worst_open_decides() -> None:
    reading = current()
    assert reading.error is None
    assert len(reading.incidents) == 5
    assert reading.severity is Severity.PARTIAL_OUTAGE  # the status "3" regional event
    assert len(reading.open_incidents) == 4  # all but the status "0" one


def test_status_codes() -> None:
    reading = current()
    assert by_service(reading, "multiple_services").severity is Severity.PARTIAL_OUTAGE
    assert by_service(reading, "bedrock").severity is Severity.DEGRADED
    info = by_service(reading, "ec2/")
    assert info.open and info.severity is Severity.OPERATIONAL and info.status == "informational"
    numeric = by_service(reading, "s3/")  # status given as a number, not a string
    assert numeric.open and numeric.severity is Severity.DEGRADED
    resolved = by_service(reading, "lambda")
    assert not resolved.open and resolved.status == "resolved"
    assert resolved.severity is Severity.DEGRADED  # the worst its log shows


def test_event_fields() -> None:
    event = by_service(current(), "multiple_services")
    assert event.title == "Increased error rates and latencies"
    assert event.status == "disruption"
    assert event.started == datetime(2026, 1, 1, tzinfo=UTC)  # epoch-second string
    assert event.updated == datetime(2026, 3, 2, tzinfo=UTC)  # newest log entry
    assert event.latest_update == "We continue to work on recovery of ME-CENTRAL-1."
    assert event.components == ("Multiple services",)


@pytest.mark.parametrize(
    ("params", "severity", "count"),
    [
        ({"region": "us-east-1"}, Severity.DEGRADED, 2),
        ({"region": "N. Virginia"}, Severity.DEGRADED, 2),
        ({"region": "ME-CENTRAL-1"}, Severity.PARTIAL_OUTAGE, 1),
        ({"region": "us-west-2"}, Severity.OPERATIONAL, 1),  # only the resolved one
        ({"region": "ap-south-2"}, Severity.OPERATIONAL, 0),
        ({"service": "bedrock"}, Severity.DEGRADED, 1),
        ({"service": "Amazon Bedrock", "region": "us-west-2"}, Severity.OPERATIONAL, 0),
        ({"service": "ec2"}, Severity.PARTIAL_OUTAGE, 2),  # impacted_services names ec2 too
        ({"service": "ec2", "region": "eu-west-1"}, Severity.OPERATIONAL, 1),
    ],
)
def test_service_and_region_filters(params: dict[str, str], severity: Severity, count: int) -> None:
    reading = current(**params)
    assert reading.error is None
    assert reading.severity is severity
    assert len(reading.incidents) == count


def test_empty_utf16_without_bom_or_charset_is_an_explicit_all_clear() -> None:
    reading = read(body("currentevents_empty_utf16le_nobom.json"))
    assert reading.error is None
    assert reading.severity is Severity.OPERATIONAL and reading.incidents == ()


@pytest.mark.parametrize(
    ("encoding", "content_type"),
    [
        ("utf-16-le", UTF16),
        ("utf-16-be", UTF16),
        ("utf-16-be", ""),
        ("utf-16-le", "application/json; charset=UTF-16LE"),
        ("utf-8", "application/json"),
        ("utf-8", ""),
    ],
)
def test_encodings(encoding: str, content_type: str) -> None:
    text = body("currentevents_utf16.json").decode("utf-16")
    reading = read(text.encode(encoding), content_type)
    assert reading.error is None and len(reading.incidents) == 5


def test_bom_wins_over_a_wrong_charset() -> None:
    data = codecs.BOM_UTF16_BE + "[]".encode("utf-16-be")
    assert read(data, "application/json; charset=utf-8").severity is Severity.OPERATIONAL


def test_legacy_data_json() -> None:
    reading = read(body("legacy_data.json"))
    assert reading.error is None
    assert len(reading.incidents) == 4
    (open_one,) = reading.open_incidents
    assert open_one.title == "DNS propagation delays" and open_one.status == "degraded"
    assert reading.severity is Severity.DEGRADED
    archived = [i for i in reading.incidents if not i.open]
    assert [i.severity for i in archived] == [
        Severity.DEGRADED,
        Severity.PARTIAL_OUTAGE,
        Severity.OPERATIONAL,  # status 1: informational
    ]
    assert all(i.status == "resolved" for i in archived)
    ec2 = archived[0]
    assert ec2.latest_update == (
        "10:15 AM PST The issue has been resolved and the service is operating normally."
    )
    assert ec2.started == datetime(2026, 1, 2, tzinfo=UTC)


def test_legacy_healthy_and_filtered() -> None:
    assert read(body("legacy_data_healthy.json")).severity is Severity.OPERATIONAL
    reading = read(body("legacy_data.json"), service="route53")
    assert reading.severity is Severity.DEGRADED and len(reading.incidents) == 1
    reading = read(body("legacy_data.json"), region="us-west-2")
    assert reading.severity is Severity.OPERATIONAL and len(reading.incidents) == 1


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"", ""),
        ("".encode("utf-16"), UTF16),
        (b"<html><body>Service Unavailable</body></html>", ""),
        ("<html>down</html>".encode("utf-16"), UTF16),
        ('[{"status": "2"'.encode("utf-16"), UTF16),
        (b'{"events": []}', ""),
        (b'["not an event"]', ""),
        (b'{"current": {"status": "2"}}', ""),
        (b"\xff\xfe\x00\xd8", UTF16),  # a lone surrogate: not valid UTF-16
        (b"[]", "application/json; charset=x-no-such-codec"),
    ],
)
def test_bad_payloads_read_unknown_with_a_reason(data: bytes, content_type: str) -> None:
    reading = read(data, content_type)
    assert reading.severity is Severity.UNKNOWN
    assert reading.error and "\n" not in reading.error


# --- end to end over loopback HTTP: the charset reaches the parser through the real client -----


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[bytes, str | None]] = {}  # noqa: RUF012 - set once per server

    def do_GET(self) -> None:
        data, content_type = self.routes[self.path]
        self.send_response(200)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    text = body("currentevents_utf16.json").decode("utf-16")
    _Handler.routes = {
        "/public/currentevents": (codecs.BOM_UTF16_LE + text.encode("utf-16-le"), UTF16),
        "/no-bom": (text.encode("utf-16-le"), UTF16),
        "/no-header": (text.encode("utf-16-be"), None),
    }
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


async def _fetch(url: str) -> fetch.Response:
    async with fetch.make_client() as client:
        return await fetch.get(client, url)


@pytest.mark.parametrize("path", ["/public/currentevents", "/no-bom", "/no-header"])
def test_served_utf16_reads_end_to_end(server: str, path: str) -> None:
    response = asyncio.run(_fetch(server + path))
    ctx = ParseContext(url=response.url, content_type=response.content_type)
    reading = formats.read("aws", response.body, ctx)
    assert reading.error is None
    assert reading.severity is Severity.PARTIAL_OUTAGE and len(reading.incidents) == 5
