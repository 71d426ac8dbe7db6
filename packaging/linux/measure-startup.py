"""Time from launching trayapp to its tray icon being registered, for several builds of it.

Run inside the headless desktop (it needs its StatusNotifierWatcher), as root to drop caches:
    tests/desktop/with-desktop.sh .venv/bin/python packaging/linux/measure-startup.py \
        --drop-caches bundle=build/linux/pyinstaller/dist/trayapp/trayapp source=.venv/bin/trayapp

Each build gets its own profile (a config watching one loopback page, so no network) and one
unmeasured run to create it, as a user's first start would; then ``--runs`` measured starts,
each after ``sync; echo 3 > /proc/sys/vm/drop_caches`` when ``--drop-caches`` is given (the
page cache of this machine only: a virtual machine's host may still cache the disk). Each run
ends with the single-instance ``quit`` command. Prints the median and the range per build.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# the D-Bus side (the watcher's list of items) is shared with benchmarks/tray_bench.py
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))


def quit_app(data_dir: Path) -> None:
    from trayapp.ui.single_instance import server_name

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(server_name(data_dir))
        sock.sendall(b"quit\n")
        sock.recv(100)


def drop_caches() -> None:
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


async def start_once(command: list[str], env: dict[str, str], data_dir: Path, drop: bool) -> float:
    """Seconds from exec to the icon being registered; the app is quit afterwards."""
    from dbus_fast.aio import MessageBus
    from tray_host import wait_for_icon

    bus = await MessageBus().connect()
    try:
        if drop:
            drop_caches()
        started = time.monotonic()
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seen = await wait_for_icon(bus, proc.pid, lambda: proc.poll() is None)
        if seen is None:
            proc.kill()
            raise SystemExit(f"{command[0]}: no icon ({proc.communicate()[1][-2000:]!r})")
        elapsed = seen - started
        time.sleep(1.0)  # let it finish starting before asking it to quit
        quit_app(data_dir)
        proc.communicate(timeout=20)
        return elapsed
    finally:
        bus.disconnect()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("builds", nargs="+", metavar="LABEL=COMMAND")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--drop-caches", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("HARNESS_RUN_DIR"):
        parser.error("run inside tests/desktop/with-desktop.sh")

    # from source as pip installs it, with bytecode: not the compiler's time at every launch
    compileall.compile_dir(Path(__file__).resolve().parents[2] / "trayapp", quiet=1)
    from trayapp.core.model import Severity
    from trayapp.demo.payloads import statuspage_summary
    from trayapp.demo.replay import ReplayServer
    from trayapp.demo.replay_routes import Reply

    body = statuspage_summary("Loopback", {"API": Severity.OPERATIONAL})
    with (
        ReplayServer({"/l/api/v2/summary.json": Reply(body=body)}) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        for build in args.builds:
            label, _, command = build.partition("=")
            root = Path(tmp) / label
            (root / "config").mkdir(parents=True)
            (root / "config" / "config.toml").write_text(
                '[polling]\nreference_urls = []\n[[watch]]\nname = "Loopback"\n'
                f'url = "{server.base_url}/l/api/v2/summary.json"\nformat = "statuspage"\n'
            )
            env = {
                **os.environ,
                "TRAYAPP_CONFIG_DIR": str(root / "config"),
                "TRAYAPP_DATA_DIR": str(root / "data"),
            }
            argv = [str(Path(command).absolute())]
            first = asyncio.run(start_once(argv, env, root / "data", args.drop_caches))
            times = [
                asyncio.run(start_once(argv, env, root / "data", args.drop_caches))
                for _ in range(args.runs)
            ]
            cache = "caches dropped" if args.drop_caches else "warm cache"
            print(
                f"{label}: median {statistics.median(times):.2f} s, "
                f"range {min(times):.2f}-{max(times):.2f} s over {args.runs} runs ({cache}); "
                f"first run of a new profile {first:.2f} s",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
