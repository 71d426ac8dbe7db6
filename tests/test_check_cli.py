"""``trayapp check`` in a real process against loopback pages: the table, the JSON shape, bad
payloads read as unknown with a reason, and a hint when nothing at all could be reached."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support import StaticServer
from trayapp.cli.check import OFFLINE_HINT
from trayapp.core.model import Severity
from trayapp.demo.payloads import IncidentSpec, statuspage_summary


def trayapp(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trayapp", "check", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.fixture
def pages(tmp_path: Path) -> StaticServer:
    root = tmp_path / "pages"
    root.mkdir()
    (root / "summary.json").write_bytes(
        statuspage_summary(
            "Lab",
            {"API": Severity.PARTIAL_OUTAGE, "Dashboard": Severity.OPERATIONAL},
            IncidentSpec("Errors on the API", impact=Severity.PARTIAL_OUTAGE, components=("API",)),
        )
    )
    (root / "page.html").write_text("<html><body>Sign in to continue</body></html>")
    (root / "cut.json").write_text('{"page": {"id": "x"}, "components": [')
    return StaticServer(root)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_table_names_the_state_and_open_incidents(
    trayapp_env: dict[str, str], pages: StaticServer
) -> None:
    with pages:
        done = trayapp(trayapp_env, "--format", "statuspage", pages.url("summary.json"))
    assert done.returncode == 0, done.stderr
    header, row, incident = done.stdout.splitlines()[:3]
    assert header.split() == ["SERVICE", "STATE", "OPEN", "INCIDENTS"]
    assert "partial outage" in row and row.rstrip().endswith("1")
    assert "Errors on the API (investigating)" in incident
    assert OFFLINE_HINT not in done.stderr


def test_json_has_one_object_per_source_and_bad_payloads_are_unknown(
    trayapp_env: dict[str, str], pages: StaticServer
) -> None:
    urls = [pages.url(p) for p in ("summary.json", "page.html", "cut.json")]
    with pages:
        done = trayapp(trayapp_env, "--json", "--format", "statuspage", *urls)
    assert done.returncode == 0, done.stderr
    good, html, cut = json.loads(done.stdout)
    assert (good["format"], good["severity"], good["error"]) == (
        "statuspage",
        "partial_outage",
        None,
    )
    components = {c["name"]: c["severity"] for c in good["components"]}
    assert components == {"API": "partial_outage", "Dashboard": "operational"}
    (incident,) = good["incidents"]
    expected: dict[str, Any] = {"kind": "incident", "status": "investigating", "open": True}
    assert {k: incident[k] for k in expected} == expected
    for bad in (html, cut):
        assert bad["severity"] == "unknown" and bad["error"], bad
        assert bad["components"] == [] and bad["incidents"] == []
    assert "HTML" in html["error"]


def test_nothing_reached_says_it_may_be_you(trayapp_env: dict[str, str]) -> None:
    url = f"http://127.0.0.1:{closed_port()}/api/v2/summary.json"
    done = trayapp(trayapp_env, "--json", "--format", "statuspage", url)
    assert done.returncode == 0
    (result,) = json.loads(done.stdout)
    assert result["severity"] == "unknown" and "refused" in result["error"]
    assert OFFLINE_HINT in done.stderr


def test_a_url_to_detect_that_cannot_be_reached_says_it_may_be_you(
    trayapp_env: dict[str, str], pages: StaticServer
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/"
    done = trayapp(trayapp_env, dead)  # no --format: detection fails before any check
    assert done.returncode == 0 and "could not detect" in done.stdout
    assert OFFLINE_HINT in done.stderr
    with pages:  # a server that answers but fits no format is no sign of being offline
        done = trayapp(trayapp_env, pages.url("nothing-here"))
    assert done.returncode == 0 and OFFLINE_HINT not in done.stderr


def test_one_page_reached_is_no_offline_hint(
    trayapp_env: dict[str, str], pages: StaticServer
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/summary.json"
    with pages:
        done = trayapp(trayapp_env, "--format", "statuspage", pages.url("summary.json"), dead)
    assert done.returncode == 0 and OFFLINE_HINT not in done.stderr


def test_unknown_names_are_refused(trayapp_env: dict[str, str]) -> None:
    done = trayapp(trayapp_env, "no-such-service")
    assert done.returncode == 2
    assert "neither a URL nor a service in the catalog" in done.stderr
    done = trayapp(trayapp_env, "githb")
    assert done.returncode == 2 and "(did you mean 'github'?)" in done.stderr
    for url in ("http://", "ftp://127.0.0.1/"):
        done = trayapp(trayapp_env, url)
        assert done.returncode == 2 and "only http(s) URLs with a host" in done.stderr


@pytest.mark.parametrize(
    ("command", "value"),
    [("check", "0"), ("check", "-1"), ("check", "nan"), ("check", "500"), ("detect", "0")],
)
def test_timeouts_must_be_positive_seconds(
    trayapp_env: dict[str, str], command: str, value: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "trayapp", command, "--timeout", value, "http://127.0.0.1:9/"],
        capture_output=True,
        text=True,
        env=trayapp_env,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert "argument --timeout: expected seconds above 0 and at most 120" in done.stderr


def test_detect_gives_up_after_its_timeout(trayapp_env: dict[str, str]) -> None:
    """A server that takes the connection and never answers: --timeout bounds the wait."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever reads or replies
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "trayapp", "detect", "--timeout", "0.5", url],
            capture_output=True,
            text=True,
            env=trayapp_env,
            timeout=60,
        )
        elapsed = time.monotonic() - started
    assert done.returncode == 1, done.stdout + done.stderr
    assert "could not reach" in done.stderr
    assert elapsed < 8, elapsed  # the default is 10 s per request


def test_check_runs_the_watchs_probes_and_prints_the_verdict_beside_the_page(
    trayapp_env: dict[str, str],
) -> None:
    """The seed story: FakeAI's page is green while its API answers 503. `check` runs the probe
    the config gives the watch and says so; `--no-probes` reads the page alone."""
    from trayapp.demo.replay import ReplayServer
    from trayapp.demo.replay_routes import Reply

    green = statuspage_summary("FakeAI", {"API": Severity.OPERATIONAL})
    overloaded = '{"error": {"type": "overloaded_error", "message": "Overloaded"}}'
    routes = {
        "/api/v2/summary.json": Reply(body=green),
        "/v1/models": Reply(503, overloaded),
    }
    with ReplayServer(routes) as server:
        config = Path(trayapp_env["TRAYAPP_CONFIG_DIR"]) / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            '[polling]\nreference_urls = []\n\n[[watch]]\nname = "FakeAI"\n'
            f'url = "{server.url("/api/v2/summary.json")}"\nformat = "statuspage"\n\n'
            f'[[watch.probe]]\nname = "list models"\nurl = "{server.url("/v1/models")}"\n'
        )
        done = trayapp(trayapp_env)
        plain = trayapp(trayapp_env, "--no-probes")
        as_json = trayapp(trayapp_env, "--json")
    assert done.returncode == 0, done.stderr
    header, row, *rest = done.stdout.splitlines()
    assert header.split() == ["SERVICE", "STATE", "YOUR", "CHECKS", "OPEN", "INCIDENTS"]
    assert "✓ operational" in row and "✖ major outage" in row
    assert any("Outage seen by your checks, not yet acknowledged" in line for line in rest)
    assert any("list models → their API is overloaded (HTTP 503" in line for line in rest)
    assert "YOUR CHECKS" not in plain.stdout and "✓ operational" in plain.stdout
    (result,) = json.loads(as_json.stdout)
    assert result["severity"] == "operational"
    assert result["verdict"]["kind"] == "outage_unacknowledged"
    assert result["verdict"]["severity"] == "major_outage"
    assert [(p["name"], p["status"], p["verdict"]) for p in result["probes"]] == [
        ("list models", 503, "theirs")
    ]


def test_an_unreachable_probe_asks_the_witness_and_is_theirs_while_the_network_works(
    trayapp_env: dict[str, str],
) -> None:
    """A probe whose server refuses the connection, with a reference host that answers: the
    witness says the network works, so the failure is theirs (it once crashed `check` here)."""
    from trayapp.demo.replay import ReplayServer
    from trayapp.demo.replay_routes import Reply

    green = statuspage_summary("FakeAI", {"API": Severity.OPERATIONAL})
    routes = {"/api/v2/summary.json": Reply(body=green), "/generate_204": Reply(204, "")}
    with ReplayServer(routes) as server:
        config = Path(trayapp_env["TRAYAPP_CONFIG_DIR"]) / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            f'[polling]\nreference_urls = ["{server.url("/generate_204")}"]\n\n'
            f'[[watch]]\nname = "FakeAI"\nurl = "{server.url("/api/v2/summary.json")}"\n'
            'format = "statuspage"\n\n'
            f'[[watch.probe]]\nname = "list models"\n'
            f'url = "http://127.0.0.1:{closed_port()}/v1/models"\n'
        )
        done = trayapp(trayapp_env, "--json")
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)
    assert [(p["name"], p["verdict"]) for p in result["probes"]] == [("list models", "theirs")]
