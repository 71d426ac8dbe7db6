"""``interval = nan`` and friends: the config refuses them (file and line), and the engine
clamps whatever reaches it, so no host is ever polled faster than its floor."""

from __future__ import annotations

import asyncio
import math
import time

import pytest

from tests.attacks.hostile_servers import run_cli
from tests.attacks.local_support import LOOPBACK_WATCH, one_line_error, write_config
from trayapp.core.model import Severity, Watch
from trayapp.core.tracker import TrackerConfig
from trayapp.demo import payloads
from trayapp.demo.replay import ReplayServer
from trayapp.demo.replay_routes import Reply, in_turn
from trayapp.engine import timing
from trayapp.engine.scheduler import Engine
from trayapp.engine.settings import EngineSettings, bounded

LOOPBACK = LOOPBACK_WATCH.format(url="http://127.0.0.1:9/api/v2/summary.json")
NAN = float("nan")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[polling]\ninterval = nan\n", 2, "interval must be a finite number, not nan"),
        ("[polling]\nproblem_interval = inf\n", 2, "problem_interval must be a finite number"),
        ("[polling]\nmin_public_interval = -inf\n", 2, "must be a finite number, not -inf"),
        ("[polling]\njitter = nan\n", 2, "jitter must be a finite number"),
        ("[polling]\njitter = 1e9\n", 2, "jitter must be between 0 and 0.5"),
        ("[polling]\ntimeout = -1\n", 2, "timeout must be between 1 and 120"),
        ("[polling]\ninterval = 1e308\n", 2, "is over a day"),
        ("[polling]\nconfirm_worse = 9223372036854775807\n", 2, "between 1 and 20"),
        ("[notifications]\ngroup_window = nan\n", 2, "group_window must be a finite number"),
        ("[log]\nkeep_days = -1\n", 2, "keep_days must be between 1 and"),
        (LOOPBACK.replace("interval = 1", "interval = nan"), 5, "interval must be a finite"),
        (LOOPBACK.replace("interval = 1", "interval = -5"), 5, "below the 1 s floor"),
        (LOOPBACK + '[[watch.probe]]\nurl = "http://127.0.0.1:9/"\ninterval = inf\n', 8, "finite"),
        (LOOPBACK + '[[watch.probe]]\nurl = "http://127.0.0.1:9/"\ntimeout = nan\n', 8, "finite"),
    ],
)
def test_local_config_numbers_are_finite_and_bounded(
    trayapp_env: dict[str, str], text: str, line: int, words: str
) -> None:
    path = write_config(trayapp_env, text)
    error = one_line_error(run_cli(trayapp_env, "watch", "--for", "1"))
    assert error.startswith(f"trayapp: {path}:{line}: "), error
    assert words in error


def test_local_engine_floors_hold_for_nan_and_inf() -> None:
    public = Watch(
        name="Public",
        url="https://status.example.com/api/v2/summary.json",
        format="statuspage",
        interval=NAN,
    )
    local = Watch(name="Local", url="http://127.0.0.1:9/", format="statuspage", interval=NAN)
    for value in (NAN, math.inf, -math.inf, -5.0, 0.0):
        settings = EngineSettings(
            interval=value,
            problem_interval=value,
            min_public_interval=value,
            min_loopback_interval=value,
            jitter=value,
            backoff_cap=value,
        )
        assert timing.floor(settings, public) >= 30
        assert timing.floor(settings, local) > 0 and math.isfinite(timing.floor(settings, local))
    assert bounded(NAN, 30, 100) == 30 and bounded(math.inf, 30, 100) == 100


async def test_local_engine_given_nan_everywhere_never_polls_in_a_loop() -> None:
    """What the live reload did: nan reached the engine and it polled ~575 times a second."""
    ok = payloads.statuspage_summary("Lab", {"API": Severity.OPERATIONAL})
    down = Reply(status=503, body=b"{}", headers={"Retry-After": "nan"})
    settings = EngineSettings(
        interval=NAN,
        problem_interval=NAN,
        min_loopback_interval=NAN,
        jitter=NAN,
        backoff_cap=NAN,
        first_round_spread=0.0,
        reference_urls=(),
        tracker=TrackerConfig(confirm_worse=1, confirm_better=1),
    )
    with ReplayServer({"/ok": Reply(body=ok), "/down": in_turn(down, Reply(body=ok))}) as server:
        watches = [
            Watch(name=n, url=server.url(f"/{n}"), format="statuspage", interval=NAN)
            for n in ("ok", "down")
        ]
        engine = Engine(watches, settings)
        task = asyncio.create_task(engine.run())
        started = time.monotonic()
        await asyncio.sleep(3.0)  # observing a rate: polls in a fixed span are the measure
        engine.stop()
        await asyncio.wait_for(task, timeout=10)
        elapsed = time.monotonic() - started
    # the loopback floor falls back to 1 s: at most one poll per second per source, +1 each
    assert server.stats.requests <= 2 * (elapsed / 0.8 + 1), server.stats.requests
    assert server.stats.requests >= 2  # it did poll
