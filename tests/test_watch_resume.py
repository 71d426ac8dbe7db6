"""Two real ``trayapp watch --for 3`` runs on a page in partial outage, with closed time between.

What the log must then hold: the state and the incident written once (the second run resumes
silently), and watched time equal to the two runs, never the closed time between them.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests import test_watch_cli as watch_cli
from tests.support import StaticServer
from trayapp.engine import monitor as monitor_module
from trayapp.engine.monitor import Monitor
from trayapp.engine.settings import EngineSettings
from trayapp.store import config, incident_log, log_rows

SUMMARY = {  # the Lab page of test_watch_cli, in partial outage
    **watch_cli.SUMMARY,
    "status": {"indicator": "major", "description": "Partial System Outage"},
    "components": [
        {"id": "c1", "name": "API", "status": "partial_outage", "group": False, "position": 1}
    ],
    "incidents": [{**watch_cli.SUMMARY["incidents"][0], "name": "API requests failing"}],
}
GAP = 6.0  # seconds trayapp stays closed between the runs: the subject of the test


def trayapp(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "trayapp", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def watch_for_3(env: dict[str, str]) -> tuple[float, float]:
    """One ``trayapp watch --for 3``; its start and end (epoch seconds) as seen from here."""
    started = time.time()
    trayapp(env, "watch", "--for", "3")
    return started, time.time()


def test_two_watch_runs_log_the_incident_once_and_watch_only_their_own_time(
    trayapp_env: dict[str, str], tmp_path: Path
) -> None:
    site = tmp_path / "site" / "api" / "v2"
    site.mkdir(parents=True)
    (site / "summary.json").write_text(json.dumps(SUMMARY))
    with StaticServer(tmp_path / "site") as server:
        config = Path(trayapp_env["TRAYAPP_CONFIG_DIR"]) / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(
            "[polling]\nreference_urls = []\n\n"
            f'[[watch]]\nname = "Lab"\nurl = "{server.url("api/v2/summary.json")}"\n'
            'format = "statuspage"\ninterval = 1\n'
        )
        first = watch_for_3(trayapp_env)
        reopen_at = first[1] + GAP
        while time.time() < reopen_at:  # trayapp closed: the gap under test
            time.sleep(reopen_at - time.time())
        second = watch_for_3(trayapp_env)

    database = Path(trayapp_env["TRAYAPP_DATA_DIR"]) / "incidents.sqlite3"
    conn = sqlite3.connect(database)
    messages = [m for (m,) in conn.execute("SELECT message FROM events ORDER BY id")]
    assert messages.count("Incident opened: API requests failing") == 1, messages
    assert messages.count("Status: partial outage") == 1, messages
    spans = conn.execute("SELECT started_at, ended_at FROM observed ORDER BY id").fetchall()
    conn.close()
    assert len(spans) == 2, spans  # one per run: the closed gap is not bridged

    [row] = json.loads(trayapp(trayapp_env, "uptime", "Lab", "--json"))
    watched = row["24h"]["watched_seconds"]
    lifetimes = (first[1] - first[0]) + (second[1] - second[0])  # the processes, from outside
    # each run watches from its first poll (spread over its first 2 s) to its quit 3 s after it
    # began: the two runs' 6 s, less at most 2 s each, give or take a second of rounding; never
    # the GAP seconds between them
    spread = EngineSettings().first_round_spread
    assert 2 * 3 - 2 * spread - 1 <= watched <= 2 * 3 + 1, (watched, lifetimes)
    assert watched < lifetimes
    assert row["24h"]["percent"] == 0.0 and row["24h"]["seen_percent"] == 0.0


async def test_a_pause_longer_than_the_heartbeat_gap_is_not_watched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Heartbeats ride on the polls; paused (or asleep) past the gap, a new span begins."""
    monkeypatch.setattr(monitor_module, "HEARTBEAT_EVERY", timedelta(seconds=0.05))
    monkeypatch.setattr(monitor_module, "HEARTBEAT_GAP", timedelta(seconds=0.3))
    cfg = config.loads(
        '[polling]\nreference_urls = []\ntimeout = 1\n\n[[watch]]\nname = "Lab"\n'
        'url = "http://127.0.0.1:9/api/v2/summary.json"\nformat = "statuspage"\ninterval = 1\n'
    )
    path = tmp_path / "incidents.sqlite3"
    with incident_log.open(path) as log:
        monitor = Monitor(cfg, log)
        gap = 2.5 * monitor.beat_period()  # the 1 s poll, its jitter and its 1 s timeout: 5.5 s

        def spans() -> list[tuple[str, str]]:
            return log._conn.execute("SELECT started_at, ended_at FROM observed").fetchall()

        async def until(condition: Callable[[], bool]) -> None:
            deadline = time.monotonic() + 30
            while not condition():
                assert time.monotonic() < deadline
                await asyncio.sleep(0.02)

        running = asyncio.create_task(monitor.run())
        await until(lambda: len(spans()) == 1 and spans()[0][1] > spans()[0][0])
        monitor.engine.set_paused(True)
        paused_at = datetime.now(UTC)
        await until(lambda: datetime.now(UTC) - paused_at > timedelta(seconds=gap + 0.5))
        monitor.engine.set_paused(False)
        await until(lambda: len(spans()) == 2)
        monitor.stop()
        await asyncio.wait_for(running, timeout=30)
        first, second = spans()
        assert first[1] <= log_rows._ts(paused_at + timedelta(seconds=0.3))
        assert second[0] >= log_rows._ts(paused_at + timedelta(seconds=gap))


async def test_heartbeats_ride_on_the_polls_so_an_idle_app_never_wakes_for_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While polls come within the beat period, the fallback timer never fires, yet the span
    keeps growing with each poll (no wake-up of its own between polls)."""
    monkeypatch.setattr(monitor_module, "HEARTBEAT_EVERY", timedelta(seconds=0.05))
    site = tmp_path / "site" / "api" / "v2"
    site.mkdir(parents=True)
    (site / "summary.json").write_text(json.dumps(watch_cli.SUMMARY))
    with StaticServer(tmp_path / "site") as server:
        url = server.url("api/v2/summary.json")
        cfg = config.loads(
            "[polling]\nreference_urls = []\ntimeout = 1\n\n"
            f'[[watch]]\nname = "Lab"\nurl = "{url}"\nformat = "statuspage"\ninterval = 1\n'
        )
        with incident_log.open(tmp_path / "incidents.sqlite3") as log:
            monitor = Monitor(cfg, log)
            fallbacks = 0
            fallback = monitor._fallback_beat

            def counting_fallback() -> None:
                nonlocal fallbacks
                fallbacks += 1
                fallback()

            monkeypatch.setattr(monitor, "_fallback_beat", counting_fallback)

            def watched() -> float:
                spans = log._conn.execute("SELECT started_at, ended_at FROM observed").fetchall()
                assert len(spans) <= 1, spans  # one run, one span
                return sum(
                    (log_rows._dt(ended) - log_rows._dt(started)).total_seconds()
                    for started, ended in spans
                )

            running = asyncio.create_task(monitor.run())
            deadline = time.monotonic() + 60
            while watched() < 3:
                assert time.monotonic() < deadline, fallbacks
                await asyncio.sleep(0.05)
            monitor.stop()
            await asyncio.wait_for(running, timeout=30)
    assert fallbacks == 0
