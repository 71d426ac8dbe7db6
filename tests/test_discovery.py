"""Discovery over real loopback HTTP servers, and the `trayapp detect` command."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from trayapp.cli.main import main
from trayapp.engine.discovery import PROBES, discover, probe_paths
from trayapp.errors import DetectionError
from trayapp.formats.detection import Detection
from trayapp.net.fetch import make_client

FIXTURES = Path(__file__).parent / "fixtures" / "detect"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
REPO = Path(__file__).resolve().parents[1]

JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"
XML = "application/rss+xml; charset=utf-8"

Reply = tuple[int, str, bytes] | tuple[int, str, bytes, Mapping[str, str]]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def ok(name: str, content_type: str = JSON) -> Reply:
    return (200, content_type, fixture(name))


@dataclass
class Site:
    """A loopback web server: ``routes`` maps a request path (with query) to a reply."""

    routes: dict[str, Reply]
    fallback: Reply | None = None  # what unknown paths get (a single-page app answers 200 HTML)
    requests: list[str] = field(default_factory=list)
    url: str = ""

    @property
    def netloc(self) -> str:
        return self.url.split("://", 1)[1]

    def reply(self, path: str) -> Reply:
        self.requests.append(path)
        if path in self.routes:
            return self.routes[path]
        return self.fallback or (404, HTML, b"<!DOCTYPE html><html><body>Not found</body></html>")


@contextmanager
def serve(
    routes: dict[str, Reply] | Callable[[Site], dict[str, Reply]], **kw: object
) -> Iterator[Site]:
    site = Site({}, **kw)  # type: ignore[arg-type]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, content_type, body, *extra = site.reply(self.path)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (extra[0] if extra else {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    site.routes = routes(site) if callable(routes) else routes
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def run(url: str) -> Detection:
    async def go() -> Detection:
        async with make_client(timeout=5, connect_timeout=2) as client:
            return await discover(client, url)

    return asyncio.run(go())


def fails(url: str) -> DetectionError:
    with pytest.raises(DetectionError) as caught:
        run(url)
    return caught.value


# --------------------------------------------------------------------------- the URL itself


def test_pasted_api_url_is_its_own_endpoint() -> None:
    with serve({"/api/v2/summary.json": ok("statuspage_summary.json")}) as site:
        found = run(site.url + "/api/v2/summary.json")
    assert found.format == "statuspage"
    assert found.endpoint == site.url + "/api/v2/summary.json"
    assert found.page_url == site.url + "/"
    assert site.requests == ["/api/v2/summary.json"]


def test_pasted_feed_url() -> None:
    with serve({"/history.atom": ok("history.atom", "application/atom+xml")}) as site:
        found = run(site.url + "/history.atom")
    assert (found.format, found.endpoint) == ("feed", site.url + "/history.atom")
    assert site.requests == ["/history.atom"]


def test_utf16_event_list() -> None:
    body = fixture("aws_currentevents.json").decode().encode("utf-16")
    routes = {"/public/currentevents": (200, "application/json;charset=utf-16", body)}
    with serve(routes) as site:
        found = run(site.url + "/public/currentevents")
    assert found.format == "aws"


# --------------------------------------------------------------------------- HTML markers


def test_marked_page_needs_no_probing() -> None:
    with serve(
        lambda s: {
            "/": ok("incidentio_page.html", HTML),
            f"/proxy/{s.netloc}": ok("incidentio_proxy_summary.json"),
        }
    ) as site:
        found = run(site.url + "/")
    assert found.format == "incidentio"
    assert found.endpoint == f"{site.url}/proxy/{site.netloc}"
    assert found.page_url == site.url + "/"
    assert "markers" in found.evidence and "answered" in found.evidence
    assert site.requests == ["/", f"/proxy/{site.netloc}"]


def test_marked_page_with_silent_endpoint_is_kept_unconfirmed() -> None:
    with serve({"/": ok("instatus_page.html", HTML)}) as site:
        found = run(site.url + "/")
    assert (found.format, found.endpoint) == ("instatus", site.url + "/summary.json")
    assert "not confirmed" in found.evidence
    assert site.requests == ["/", "/summary.json"]


def test_an_answering_api_beats_the_html_guess() -> None:
    """Statuspage markup, but the API is incident.io's compat one (a migrated page)."""
    routes = {
        "/": ok("statuspage_page.html", HTML),
        "/api/v2/summary.json": ok("incidentio_compat_summary.json"),
    }
    with serve(routes) as site:
        found = run(site.url + "/")
    assert found.format == "incidentio"
    # /proxy/<host> did not answer, so the compat API that did is polled
    assert found.endpoint == site.url + "/api/v2/summary.json"
    assert "did not answer" in found.evidence
    assert site.requests == ["/", "/api/v2/summary.json", f"/proxy/{site.netloc}"]


def test_redirected_page_keeps_the_final_url() -> None:
    routes: dict[str, Reply] = {
        "/": (302, HTML, b"", {"Location": "/status"}),
        "/status": ok("betterstack_page.html", HTML),
        "/index.json": ok("betterstack_index.json"),
    }
    with serve(routes) as site:
        found = run(site.url + "/")
    assert found.format == "betterstack"
    assert found.page_url == site.url + "/status"
    assert found.endpoint == site.url + "/index.json"


# --------------------------------------------------------------------------- API probing


@pytest.mark.parametrize(
    ("path", "name", "format"),
    [
        ("/api/v2/summary.json", "statuspage_summary.json", "statuspage"),
        ("/summary.json", "instatus_summary.json", "instatus"),
        ("/v3/summary.json", "instatus_summary.json", "instatus"),
        ("/index.json", "betterstack_index.json", "betterstack"),
        ("/index.json", "cstate_index.json", "cstate"),
        ("/api/v1/components", "cachet_components.json", "cachet"),
    ],
)
def test_probing_follows_the_documented_order(path: str, name: str, format: str) -> None:
    with serve({"/": ok("plain_no_feed.html", HTML), path: ok(name)}) as site:
        found = run(site.url + "/")
    assert (found.format, found.endpoint) == (format, site.url + path)
    assert found.page_url == site.url + "/"
    assert found.evidence.startswith(f"{path} answered")
    probes = probe_paths(site.url + "/")
    asked = site.requests[1:]
    assert asked == probes[: len(asked)]  # in order, and nothing after the first fit
    assert asked[-1] == path


def test_a_url_that_is_no_page_is_not_answered_by_its_sites_api() -> None:
    """A mistyped path (404) whose origin answers an API: detection fails for that URL (never
    answers for another one) and names the API that does answer as a hint."""
    with serve({"/api/v2/summary.json": ok("statuspage_summary.json")}) as site:
        error = fails(site.url + "/wrong.json")
    assert "gave no status payload (HTTP 404)" in str(error)
    assert f"its site answers at {site.url}/api/v2/summary.json (statuspage)" in str(error)


def test_probed_compat_api_prefers_the_proxy() -> None:
    with serve(
        lambda s: {
            "/": ok("plain_no_feed.html", HTML),
            "/api/v2/summary.json": ok("incidentio_compat_summary.json"),
            f"/proxy/{s.netloc}": ok("incidentio_proxy_summary.json"),
        }
    ) as site:
        found = run(site.url + "/")
    assert (found.format, found.endpoint) == ("incidentio", f"{site.url}/proxy/{site.netloc}")
    assert site.requests == ["/", "/api/v2/summary.json", f"/proxy/{site.netloc}"]


def test_uptime_kuma_slug_page() -> None:
    routes = {
        "/api/status-page/homelab": ok("uptimekuma_status_page.json"),
        "/api/status-page/heartbeat/homelab": ok("uptimekuma_heartbeat.json"),
    }
    with serve(routes) as site:
        found = run(site.url + "/status/homelab")
    assert found.format == "uptimekuma"
    assert found.endpoint == site.url + "/api/status-page/heartbeat/homelab"
    assert found.page_url == site.url + "/status/homelab"


def test_silent_derived_endpoint_stays_when_the_answer_is_not_pollable() -> None:
    """A Kuma page config holds no monitor state: without a heartbeat answer, keep the heartbeat."""
    with serve({"/api/status-page/homelab": ok("uptimekuma_status_page.json")}) as site:
        found = run(site.url + "/api/status-page/homelab")
    assert found.endpoint == site.url + "/api/status-page/heartbeat/homelab"
    assert "not confirmed" in found.evidence


def test_gatus_probe_polls_every_endpoint() -> None:
    probe = "/api/v1/endpoints/statuses?page=1&pageSize=1"
    with serve({probe: ok("gatus_statuses.json")}) as site:
        found = run(site.url + "/")
    assert (found.format, found.endpoint) == ("gatus", site.url + "/api/v1/endpoints/statuses")
    assert site.requests[-1] == probe


def test_single_page_app_answers_html_everywhere() -> None:
    """An SPA answers 200 HTML for every path: no probe may take that for an API."""
    spa = ok("plain_with_feed.html", HTML)
    with serve({"/history.rss": ok("history.rss", XML)}, fallback=spa) as site:
        found = run(site.url + "/")
    assert (found.format, found.endpoint) == ("feed", site.url + "/history.rss")
    assert found.page_url == site.url + "/"
    assert site.requests[-1] == "/history.rss"
    assert len(site.requests) == 1 + len(PROBES) - 1 + 1  # page, probes (no slug), feed


def test_feed_link_to_an_azure_style_feed() -> None:
    html = (
        b"<!DOCTYPE html><html><head><link rel='alternate' type='application/rss+xml' "
        b"href='/en-us/status/feed/'></head><body>Cloud</body></html>"
    )
    routes = {"/": (200, HTML, html), "/en-us/status/feed/": ok("azure_feed.rss", XML)}
    with serve(routes) as site:
        found = run(site.url + "/")
    assert (found.format, found.endpoint) == ("azure", site.url + "/en-us/status/feed/")


# --------------------------------------------------------------------------- nothing fits


def test_nothing_fits() -> None:
    with serve({"/": ok("plain_no_feed.html", HTML)}) as site:
        error = fails(site.url + "/")
    assert "no known status format" in str(error)
    assert "without status-platform markers" in str(error)
    assert len(error.tried) == len(site.requests) == len(PROBES)  # page + probes without slug


def test_dead_feed_link_is_not_an_answer() -> None:
    with serve({"/": ok("plain_with_feed.html", HTML)}) as site:
        error = fails(site.url + "/")
    assert "feed links did not answer" in str(error)


def test_unreachable_host_is_not_probed() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        error = fails(f"http://127.0.0.1:{port}/")
    assert "could not reach" in str(error)
    assert len(error.tried) == 1


def test_not_http() -> None:
    with pytest.raises(DetectionError):
        run("ftp://status.example.test/")


def test_known_host_needs_no_request() -> None:
    """The client's every request would go to a dead loopback proxy: none is made."""

    async def go() -> Detection:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            proxy = f"http://127.0.0.1:{sock.getsockname()[1]}"
            async with httpx.AsyncClient(proxy=proxy, trust_env=False) as client:
                return await discover(client, "https://status.heroku.com/")

    found = asyncio.run(go())
    assert found.format == "heroku"


# --------------------------------------------------------------------------- the command


def test_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    with serve(
        {
            "/": ok("statuspage_page.html", HTML),
            "/api/v2/summary.json": ok("statuspage_summary.json"),
        }
    ) as site:
        code = main(["detect", "--json", site.url + "/"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["format"] == "statuspage"
    assert out["endpoint"] == site.url + "/api/v2/summary.json"
    assert out["page_url"] == site.url + "/"
    assert out["evidence"]


def test_command_text(capsys: pytest.CaptureFixture[str]) -> None:
    with serve({"/feed": ok("history.rss", XML)}) as site:
        code = main(["detect", site.url + "/feed"])
    out = capsys.readouterr().out
    assert code == 0
    lines = dict(line.split(":", 1) for line in out.splitlines())
    assert lines["format"].split()[0] == "feed"
    assert lines["endpoint"].strip() == site.url + "/feed"
    assert set(lines) >= {"format", "endpoint", "page", "evidence"}


def test_command_nothing_fits(capsys: pytest.CaptureFixture[str]) -> None:
    with serve({"/": ok("plain_no_feed.html", HTML)}) as site:
        code = main(["detect", site.url + "/"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert "no known status format" in captured.err


@pytest.mark.parametrize(
    "url", ["ftp://status.example.test/", "status.example.test", "https://", "http://[::1", ""]
)
def test_command_usage_error(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["detect", url]) == 2
    assert "not an http(s) URL" in capsys.readouterr().err


# --------------------------------------------------------------------------- recorded pages


def recorded_pages() -> list[dict[str, str]]:
    path = SHARED / "EXPECTED.toml"
    if not path.is_file():
        return []
    return [e for e in tomllib.loads(path.read_text())["fixture"] if "detect" in e]


@pytest.mark.skipif(not (SHARED / "EXPECTED.toml").is_file(), reason="shared fixtures absent")
def test_recorded_pages_detected_by_the_command() -> None:
    """The real incident.io, Instatus and Better Stack pages, served from loopback, via the CLI."""
    pages = recorded_pages()
    assert len(pages) == 6
    routes = {
        "/" + Path(p["path"]).name: (200, HTML, (SHARED / p["path"]).read_bytes()) for p in pages
    }
    with serve(routes) as site:
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "trayapp",
                    "detect",
                    "--json",
                    site.url + "/" + Path(p["path"]).name,
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=REPO,
                text=True,
            )
            for p in pages
        ]
        results = [proc.communicate(timeout=60) for proc in procs]
    for page, proc, (out, err) in zip(pages, procs, results, strict=True):
        assert proc.returncode == 0, (page["path"], err)
        data = json.loads(out)
        assert data["format"] == page["detect"], page["path"]
        assert data["endpoint"].startswith(site.url + "/"), page["path"]
        assert data["page_url"] == site.url + "/" + Path(page["path"]).name
