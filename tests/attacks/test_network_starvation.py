"""Attack: hung sources hold the engine's concurrency slots. Ten dripping sources (the global
limit) or two on one host (the per-host limit) held their slots for as long as the servers
dripped, and a healthy source beside them was polled about once in 30 s.

Held: a request holds its slots for at most its deadline (the witness is asked after the slots
are given back), then backs off; the healthy source keeps being polled at its interval.
"""

from __future__ import annotations

import asyncio

from tests.attacks.hostile_servers import GUARD, Act, HostileServer, drip, running
from trayapp.core.model import Severity, Watch
from trayapp.core.tracker import TrackerConfig
from trayapp.demo import payloads
from trayapp.engine.scheduler import Engine
from trayapp.engine.settings import EngineSettings

HEALTHY_POLLS = 5  # polls of the healthy source the attack must not prevent
OK = Act(
    200,
    payloads.statuspage_summary("Lab", {"API": Severity.OPERATIONAL}),
    {"Content-Type": "application/json"},
)
SETTINGS = EngineSettings(
    interval=0.5, problem_interval=0.5, min_loopback_interval=0.2, jitter=0.0, timeout=1.0,
    backoff_cap=4.0, first_round_spread=0.0, reference_urls=(), max_concurrency=10, per_host=2,
    tracker=TrackerConfig(confirm_worse=1, confirm_better=1),
)  # fmt: skip


async def _healthy_polls_while(hung: list[Watch], healthy: HostileServer, path: str) -> None:
    watches = [*hung, Watch("Healthy", healthy.url(path), "statuspage")]
    async with running(Engine(watches, SETTINGS)) as engine, asyncio.timeout(GUARD):
        while healthy.hits[path] < HEALTHY_POLLS:
            await asyncio.sleep(0.05)
        status = engine.statuses()["Healthy"]
        assert status.severity is Severity.OPERATIONAL
        for watch in hung:  # the hung ones ended at their deadline and said so
            while engine.statuses()[watch.name].failures < 1:
                await asyncio.sleep(0.05)


async def test_ten_hung_sources_do_not_starve_a_healthy_one() -> None:
    servers = [HostileServer(lambda path: drip(0.3)).start() for _ in range(10)]
    try:
        with HostileServer({"/ok": OK}) as healthy:
            hung = [Watch(f"Hung {i}", s.url("/x"), "statuspage") for i, s in enumerate(servers)]
            await _healthy_polls_while(hung, healthy, "/ok")
    finally:
        for server in servers:
            server.stop()


async def test_two_hung_sources_on_one_host_do_not_starve_a_third() -> None:
    with HostileServer(lambda path: OK if path == "/ok" else drip(0.3)) as host:
        hung = [Watch(f"Hung {i}", host.url(f"/hung{i}"), "statuspage") for i in range(2)]
        await _healthy_polls_while(hung, host, "/ok")
