"""Window memory: what opening History on a year-sized incident log costs the running tray, and
what is left after the window is closed.

A script that reports, not a timed test. Run it inside the headless desktop:
    tests/desktop/with-desktop.sh .venv/bin/python benchmarks/window_memory.py --log LOG [--json]
``LOG`` is an incident log, e.g. the year ``log_bench.py --keep DIR`` writes (DIR/incidents.db).

One launch of trayapp on a new loopback profile (the log copied in; one watch on a closed
loopback port, so nothing leaves the machine), then RSS, PSS and USS (``/proc/PID/smaps_rollup``)
after ``--settle`` seconds at each step: idle; History opened (the ``open`` command); History
closed (``close``); and the open/close twice more, to see whether closing gives back what
opening took. The app is then quit by its ``quit`` command.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from tray_bench import Profile, app_command, memory, stop

CONFIG = '[[watch]]\nurl = "http://127.0.0.1:9/status.json"\nformat = "statuspage"\nname = "Lab"\n'


def wait(what: Callable[[], bool], deadline: float = 60.0) -> None:
    end = time.monotonic() + deadline
    while not what():
        if time.monotonic() > end:
            raise SystemExit("timed out waiting for the app")
        time.sleep(0.2)


def run(log: Path, settle: float, rounds: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="window-memory-") as folder:
        profile = Profile(Path(folder), CONFIG)
        from trayapp.store.paths import DATABASE_FILE_NAME

        shutil.copyfile(log, profile.root / "data" / DATABASE_FILE_NAME)
        proc = subprocess.Popen(app_command(), env=profile.env, cwd=folder)
        readings: list[dict[str, Any]] = []

        def reading(step: str) -> None:
            time.sleep(settle)  # what the step started (a redraw, a release) has ended
            readings.append({"step": step, **memory(proc.pid)})

        def windows() -> list[str]:
            return list(profile.state().get("windows", []))

        try:
            wait(lambda: bool(profile.state().get("started")))
            reading("idle")
            for n in range(1, rounds + 1):
                assert profile.ask('open "history"') == "ok"
                wait(lambda: "history" in windows())
                reading(f"History open ({n})")
                assert profile.ask('close "history"') == "ok"
                wait(lambda: "history" not in windows())
                reading(f"History closed ({n})")
            assert profile.ask("quit") == "ok"
            proc.wait(30)
        finally:
            stop(proc)
        return readings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, required=True, help="an incident log to copy in")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds before each reading")
    parser.add_argument("--rounds", type=int, default=3, help="History opened and closed")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    readings = run(args.log, args.settle, args.rounds)
    if args.json:
        print(json.dumps(readings, indent=2))
        return 0
    print(f"{'step':<20} {'RSS':>7} {'PSS':>7} {'USS':>7}  (MiB)")
    for r in readings:
        print(f"{r['step']:<20} {r['rss']:7.1f} {r['pss']:7.1f} {r['uss']:7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
