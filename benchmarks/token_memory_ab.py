"""What a stored token costs the running tray: RSS, PSS and USS after a probe sent it.

A script that reports, not a timed test. Run it inside the headless desktop (gnome-keyring),
naming the checkouts to compare (each launched with its own ``trayapp`` from its directory):
    tests/desktop/with-desktop.sh .venv/bin/python benchmarks/token_memory_ab.py \
        /path/to/main /path/to/branch [--runs 2] [--settle 20]

A token is stored by ``trayapp secret set`` (a child process: this one maps none of the keyring
stack, which would make those pages shared and shrink the tray's USS). Each launch, the
checkouts alternating, runs the tray on a new profile whose one watch has a probe naming that
token, served from loopback; once the server saw the token's Authorization header and
``--settle`` seconds more have passed, ``/proc/PID/smaps_rollup`` is read and the tray stopped.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from trayapp.core.model import Severity
from trayapp.demo.payloads import statuspage_summary

SUMMARY = statuspage_summary("Keyed", {"API": Severity.OPERATIONAL})


class Site(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: list[str] = []


class Handler(BaseHTTPRequestHandler):
    server: Site

    def do_GET(self) -> None:
        body = SUMMARY
        if self.path == "/health":
            self.server.seen.append(self.headers.get("Authorization", ""))
            body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def secret(action: str, entry: str, value: str = "") -> None:
    command = [sys.executable, "-m", "trayapp", "secret", action, entry]
    subprocess.run(command, input=value + "\n", text=True, check=True, capture_output=True)


def rollup(pid: int) -> dict[str, float]:
    """MiB per field of ``/proc/PID/smaps_rollup``; USS is its private pages."""
    lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    values = {k: int(v.split()[0]) / 1024 for k, v in (line.split(":", 1) for line in lines)}
    values["Uss"] = values["Private_Clean"] + values["Private_Dirty"]
    return values


def launch(checkout: str, site: Site, entry: str, token: str, settle: float) -> dict[str, float]:
    base = f"http://127.0.0.1:{site.server_address[1]}"
    root = Path(tempfile.mkdtemp(prefix="token-ab-"))
    (root / "config").mkdir()
    (root / "config" / "config.toml").write_text(
        f'[polling]\nreference_urls = []\n[[watch]]\nname = "Keyed"\n'
        f'url = "{base}/api/v2/summary.json"\nformat = "statuspage"\ninterval = 60\n'
        f'[[watch.probe]]\nname = "health"\nurl = "{base}/health"\ntoken = "{entry}"\n'
        "interval = 600\n"
    )
    env = {
        **os.environ,
        "TRAYAPP_CONFIG_DIR": str(root / "config"),
        "TRAYAPP_DATA_DIR": str(root / "data"),
    }
    site.seen.clear()
    tray = subprocess.Popen(
        [sys.executable, "-m", "trayapp"],
        cwd=checkout,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while f"Bearer {token}" not in site.seen:
            if time.monotonic() > deadline:
                raise SystemExit(f"{checkout}: the probe never sent the token")
            time.sleep(0.2)
        time.sleep(settle)
        return rollup(tray.pid)
    finally:
        tray.terminate()
        tray.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkouts", nargs="+")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--settle", type=float, default=20.0)
    args = parser.parse_args()
    site = Site()
    threading.Thread(target=site.serve_forever, daemon=True).start()
    entry = f"bench-{uuid.uuid4().hex[:8]}"
    token = f"sk-bench-{uuid.uuid4().hex}"
    secret("set", entry, token)
    try:
        for _ in range(args.runs):
            for checkout in args.checkouts:
                mib = launch(checkout, site, entry, token, args.settle)
                print(
                    f"{checkout}: RSS {mib['Rss']:.1f}  PSS {mib['Pss']:.1f}  "
                    f"USS {mib['Uss']:.1f} MiB",
                    flush=True,
                )
    finally:
        secret("delete", entry)
        site.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
