"""Attack: a server that drips one byte at a time. httpx's timeouts restart with every byte, so
without a total deadline `check --timeout 3`, `detect`, `probe` and `watch` hung for as long as
the server liked, and the tray showed the source's last state as if fresh.

Held: every request ends at its deadline with a reason, in every command and in the engine,
which then records the failure (the source turns unknown, never frozen at its old state).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.attacks.hostile_servers import (
    GUARD,
    Act,
    HostileServer,
    drip,
    run_cli,
    running,
    wait_until,
)
from trayapp.core.model import Severity, Watch
from trayapp.core.tracker import TrackerConfig
from trayapp.demo import payloads
from trayapp.engine.scheduler import Engine
from trayapp.engine.settings import EngineSettings
from trayapp.errors import FetchError
from trayapp.net import fetch
from trayapp.probes.run import run_probe
from trayapp.probes.spec import ProbeSpec

OK_BODY = payloads.statuspage_summary("Lab", {"API": Severity.OPERATIONAL})


async def test_a_dripping_body_or_header_ends_at_the_deadline() -> None:
    with HostileServer({"/body": drip(0.2), "/head": drip(0.2, headers=True)}) as server:
        async with fetch.make_client(timeout=1.0) as client, asyncio.timeout(GUARD):
            for path in ("/body", "/head"):
                try:
                    await fetch.get(client, server.url(path), deadline=1.0)
                except FetchError as exc:
                    assert exc.kind == "timeout" and exc.connected, path
                    assert "no complete answer within 1 s" in str(exc)
                else:
                    raise AssertionError(f"{path}: a dripping answer was accepted")


def test_check_with_a_timeout_ends_and_says_unknown(trayapp_env: dict[str, str]) -> None:
    with HostileServer({"/api/v2/summary.json": drip(0.3)}) as server:
        url = server.url("/api/v2/summary.json")
        done = run_cli(trayapp_env, "check", url, "--format", "statuspage", "--timeout", "2")
        detected = run_cli(trayapp_env, "check", url, "--timeout", "2", "--json")
    assert done.returncode == 0, done.stderr
    assert "unknown" in done.stdout and "no complete answer within 2 s" in done.stdout
    row = json.loads(detected.stdout)[0]
    assert row["severity"] == "unknown" and "within 2 s" in row["error"]


def test_detect_ends(trayapp_env: dict[str, str]) -> None:
    with HostileServer({"/": drip(0.3, headers=True)}) as server:
        done = run_cli(trayapp_env, "detect", server.url("/"), "--timeout", "2")
    assert done.returncode == 1
    assert "no complete answer within 2 s" in done.stderr


def test_probe_ends_as_their_timeout(trayapp_env: dict[str, str]) -> None:
    with HostileServer({"/v1/models": drip(0.3)}) as server:
        done = run_cli(trayapp_env, "probe", server.url("/v1/models"), "--timeout", "2", "--json")
    result = json.loads(done.stdout)
    assert (result["verdict"], result["cause"]) == ("theirs", "timeout")
    assert "did not answer within 2 s" in result["reason"]


async def test_run_probe_gives_back_the_connection_at_the_deadline() -> None:
    with HostileServer({"/x": drip(0.2)}) as server:
        async with fetch.make_client(timeout=1.0) as client, asyncio.timeout(GUARD):
            result = await run_probe(
                client, ProbeSpec(name="p", url=server.url("/x"), timeout=1.0), None
            )
            assert result.cause == "timeout"
            closed = await asyncio.to_thread(wait_until, lambda: server.open_connections == 0)
    assert closed, "the dripping connection was kept open past the deadline"


def test_watch_ends_on_time_and_prints_the_failure(trayapp_env: dict[str, str]) -> None:
    with HostileServer({"/api/v2/summary.json": drip(0.3)}) as server:
        config = Path(trayapp_env["TRAYAPP_CONFIG_DIR"]) / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(
            "[polling]\ntimeout = 2\nconfirm_worse = 1\nreference_urls = []\n\n"
            f'[[watch]]\nname = "Drip"\nurl = "{server.url("/api/v2/summary.json")}"\n'
            'format = "statuspage"\ninterval = 1\n'
        )
        done = run_cli(trayapp_env, "watch", "--for", "8")
    assert done.returncode == 0, done.stderr
    assert "Drip" in done.stdout and "within 2 s" in done.stdout


async def test_a_source_that_starts_dripping_turns_unknown_not_frozen() -> None:
    """The #6 half of the attack: the tray kept 'operational' with a frozen 'checked' time."""
    acts = {"now": Act(200, OK_BODY, {"Content-Type": "application/json"})}
    with HostileServer(lambda path: acts["now"]) as server:
        watch = Watch("Lab", server.url("/api/v2/summary.json"), "statuspage")
        settings = EngineSettings(
            interval=0.3, min_loopback_interval=0.2, jitter=0.0, timeout=1.0,
            backoff_cap=1.0, first_round_spread=0.0, reference_urls=(),
            tracker=TrackerConfig(confirm_worse=1, confirm_better=1),
        )  # fmt: skip
        async with running(Engine([watch], settings)) as engine, asyncio.timeout(GUARD):
            while engine.statuses().get("Lab") is None or (
                engine.statuses()["Lab"].severity is not Severity.OPERATIONAL
            ):
                await asyncio.sleep(0.05)
            acts["now"] = drip(0.2)
            while engine.statuses()["Lab"].severity is not Severity.UNKNOWN:
                await asyncio.sleep(0.05)
    status = engine.statuses()["Lab"]
    assert status.failures >= 1
    assert "within 1 s" in (status.state.last_error or "")
