"""How much a hostile page can grow the incident log: 110k uniquely named components, all of
them renamed and changing at every poll, watched for 30 s at the loopback floor (1 s).

    .venv/bin/python benchmarks/log_growth.py              # about 40 s
    .venv/bin/python benchmarks/log_growth.py --uncapped   # without the per-reading cap

A script, not a test: it prints the database size (file + WAL) and row counts and exits 0.
The page is served by a ReplayServer on 127.0.0.1 and read by the real Monitor (engine, tracker,
log writer, incident log). ``max_bytes`` is raised to 16 MB (the config allows up to 100 MB) so
the ~5 MB page is read rather than refused as too large.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from trayapp.demo.replay import ReplayServer
from trayapp.demo.replay_routes import Reply, Request
from trayapp.engine.monitor import Monitor
from trayapp.engine.settings import EngineSettings
from trayapp.store import config, incident_log, log_retention

COMPONENTS = 110_000


def page(poll: int) -> bytes:
    """A compact Statuspage summary: every name new at each poll, half of them degraded."""
    statuses = ("operational", "degraded_performance")
    return json.dumps(
        {
            "page": {"name": "Huge"},
            "status": {"indicator": "minor"},
            "components": [
                {"name": f"p{poll}-{i}", "status": statuses[(i + poll) % 2]}
                for i in range(COMPONENTS)
            ],
            "incidents": [],
        },
        separators=(",", ":"),
    ).encode()


def serve(request: Request) -> Reply:
    return Reply(body=page(request.count))


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


async def watch(path: Path, url: str, seconds: float) -> int:
    cfg = config.loads(
        f"[polling]\ntimeout = 30\nmax_bytes = {16 * 1024 * 1024}\nreference_urls = []\n"
        f'[[watch]]\nname = "Huge"\nurl = "{url}"\nformat = "statuspage"\ninterval = 1\n'
    )
    log = incident_log.open(path)
    monitor = Monitor(cfg, log, settings=EngineSettings(first_round_spread=0.0))
    task = asyncio.create_task(monitor.run())
    await asyncio.sleep(seconds)  # a benchmark: the span is the measure
    monitor.stop()
    await task
    log.close()
    return monitor.engine.stats.requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--uncapped", action="store_true", help="store every component")
    args = parser.parse_args()
    if args.uncapped:
        log_retention.MAX_COMPONENTS = 10**9
    with tempfile.TemporaryDirectory() as folder, ReplayServer({"/s": serve}) as server:
        path = Path(folder) / "incidents.sqlite3"
        started = time.monotonic()
        polls = asyncio.run(watch(path, server.url("/s"), args.seconds))
        elapsed = time.monotonic() - started
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT count(*) FROM component_states").fetchone()[0]
        cap = (
            "no cap"
            if args.uncapped
            else f"at most {log_retention.MAX_COMPONENTS} components per service"
        )
        print(f"{COMPONENTS} renamed components per poll, {polls} polls in {elapsed:.0f} s ({cap})")
        print(f"  page size          {len(page(0)) / 1e6:.1f} MB")
        print(f"  component rows     {rows}")
        print(f"  database + WAL     {size(path) / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
