"""A page alternating major/operational at every poll never confirms either reading: it must
still be marked flapping (it stuck at its first reading with no mark), then settle when calm."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from trayapp.core.model import Event, Reading, Severity, Watch
from trayapp.core.tracker import SourceState, TrackerConfig, step
from trayapp.demo import payloads
from trayapp.demo.replay import ReplayServer
from trayapp.demo.replay_routes import Reply, in_turn
from trayapp.engine.scheduler import Engine
from trayapp.engine.settings import EngineSettings

OP, MAJOR = Severity.OPERATIONAL, Severity.MAJOR_OUTAGE
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def feed(
    severities: list[Severity], every: timedelta, config: TrackerConfig
) -> tuple[SourceState, list[Event]]:
    state, events = SourceState(), []
    for i, severity in enumerate(severities):
        state, new = step(state, "Lab", Reading("statuspage", severity), T0 + i * every, config)
        events += new
    return state, events


@pytest.mark.parametrize("every", [timedelta(seconds=1), timedelta(minutes=1)])
@pytest.mark.parametrize("confirm", [2, 3])
def test_local_alternation_at_every_poll_is_flapping(every: timedelta, confirm: int) -> None:
    config = TrackerConfig(confirm_worse=confirm, confirm_better=confirm)
    state, events = feed([MAJOR, OP] * 10, every, config)
    assert state.flapping
    flaps = [e for e in events if e.kind == "flapping"]
    assert len(flaps) == 1 and "readings changed" in (flaps[0].message or "")
    assert [e.kind for e in events] == ["status", "flapping"]  # the first reading, the mark


def test_local_alternation_settles_only_when_the_readings_hold_still() -> None:
    config = TrackerConfig()
    every = timedelta(minutes=1)
    _, events = feed([MAJOR, OP] * 10 + [MAJOR] * 30, every, config)
    kinds = [e.kind for e in events]
    assert kinds.count("flapping") == 1 and kinds.count("stable") == 1
    stable = next(e for e in events if e.kind == "stable")
    # calm since reading 20 (a run of major): settled 15 min later, at major
    assert stable.severity is MAJOR
    assert stable.time - (T0 + 20 * every) >= config.settle


def test_local_two_blips_are_not_flapping() -> None:
    _, events = feed([OP, MAJOR, OP, OP, OP, MAJOR, OP, OP], timedelta(minutes=1), TrackerConfig())
    assert "flapping" not in [e.kind for e in events]


async def test_local_engine_marks_a_page_that_alternates_at_every_poll() -> None:
    pages = [Reply(body=payloads.statuspage_summary("Lab", {"API": s})) for s in (MAJOR, OP)]
    settings = EngineSettings(
        interval=0.05,
        problem_interval=0.05,
        min_loopback_interval=0.05,
        jitter=0.0,
        first_round_spread=0.0,
        reference_urls=(),
        tracker=TrackerConfig(flap_window=timedelta(minutes=5)),
    )
    events: list[Event] = []
    with ReplayServer({"/s": in_turn(*pages * 50)}) as server:
        engine = Engine(
            [Watch(name="Lab", url=server.url("/s"), format="statuspage")],
            settings,
            on_event=events.append,
        )
        task = asyncio.create_task(engine.run())
        try:
            async with asyncio.timeout(60):
                while (
                    not engine.statuses().get("Lab") or not engine.statuses()["Lab"].state.flapping
                ):
                    await asyncio.sleep(0.02)
        finally:
            engine.stop()
            await asyncio.wait_for(task, timeout=10)
    assert [e.kind for e in events] == ["status", "flapping"]
