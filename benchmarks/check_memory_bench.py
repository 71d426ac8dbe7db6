"""Peak memory of ``trayapp check`` against hostile payloads on loopback: a script, not a test.

Pages served by a ``ReplayServer`` on 127.0.0.1, each checked by a fresh
``python -m trayapp check URL --format statuspage --json`` process whose peak resident set size
is the figure: ``VmHWM`` of its own memory map, read as it exits (``ru_maxrss`` would also count
the pages of this script, which holds the payloads, copied at fork before the exec).

1. a small Statuspage summary (10 components): the baseline of the interpreter and the app;
2. a Statuspage summary of 110,000 uniquely named components (34 MB of JSON), sent plain and
   gzip-compressed, and one of 16,000 components (4.9 MB: read and parsed, under the cap);
3. a gzip bomb: a few MB of gzip that inflate to 1 GB of zeros.

Run: ``.venv/bin/python benchmarks/check_memory_bench.py [--json]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import subprocess
import sys
import time
import zlib
from typing import Any

from trayapp.core.model import Severity
from trayapp.demo import payloads
from trayapp.demo.replay import ReplayServer
from trayapp.demo.replay_routes import Reply

COMPONENTS = 110_000
UNDER_CAP = 16_000  # components: the biggest such page that fits under the 5 MB cap
BOMB_BYTES = 1024**3


def big_page(count: int) -> bytes:
    names = {f"Component {i:06d}": Severity.OPERATIONAL for i in range(count)}
    return payloads.statuspage_summary("Huge", names)


def gzip_bomb(size: int) -> bytes:
    """``size`` zeros, gzip-compressed, without ever holding them whole."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    block = b"\0" * (1024 * 1024)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    return b"".join([*parts, compressor.flush()])


# runs `trayapp check` in this process, then reports the high-water mark of its memory map
_WRAPPER = """
import re, runpy, sys
sys.argv = ["trayapp", *sys.argv[1:]]
try:
    runpy.run_module("trayapp", run_name="__main__")
finally:
    status = open("/proc/self/status").read()
    print(re.search(r"VmHWM:\\s*(\\d+) kB", status).group(1), file=sys.stderr)
"""


def peak_rss_of_check(url: str) -> tuple[float, float, str]:
    """(peak RSS in MB, wall seconds, the reading's error or severity) of one check process."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, "check", url, "--format", "statuspage", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    wall = time.monotonic() - started
    rows = json.loads(done.stdout)
    outcome = rows[0]["error"] or f"{rows[0]['severity']}, {len(rows[0]['components'])} components"
    return int(done.stderr.split()[-1]) / 1024, wall, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    small = payloads.statuspage_summary("Small", {f"C{i}": Severity.OPERATIONAL for i in range(10)})
    page = big_page(COMPONENTS)
    under = big_page(UNDER_CAP)
    bomb = gzip_bomb(BOMB_BYTES)
    json_type = {"Content-Type": "application/json"}
    gzipped = {**json_type, "Content-Encoding": "gzip"}
    cases = {
        "small page (10 components)": Reply(200, small, json_type),
        f"{UNDER_CAP:,} components, plain": Reply(200, under, json_type),
        f"{COMPONENTS:,} components, plain": Reply(200, page, json_type),
        f"{COMPONENTS:,} components, gzip": Reply(200, gzip.compress(page), gzipped),
        f"gzip bomb ({len(bomb) / 1e6:.1f} MB -> {BOMB_BYTES / 1024**3:g} GB)": Reply(
            200, bomb, gzipped
        ),
    }
    sizes = {
        "small page (10 components)": len(small),
        f"{UNDER_CAP:,} components, plain": len(under),
        f"{COMPONENTS:,} components, plain": len(page),
        f"{COMPONENTS:,} components, gzip": len(gzip.compress(page)),
    }
    results: list[dict[str, Any]] = []
    routes = {f"/case{i}": reply for i, reply in enumerate(cases.values())}
    with ReplayServer(routes) as server:
        for i, name in enumerate(cases):
            rss, wall, outcome = peak_rss_of_check(server.url(f"/case{i}"))
            results.append(
                {"case": name, "sent_bytes": sizes.get(name, len(bomb)), "peak_rss_mb": rss,
                 "wall_s": wall, "outcome": outcome}
            )  # fmt: skip
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs; page JSON {len(page):,} B")
    print(f"  {'case':<40} {'sent':>12} {'peak RSS':>9} {'wall':>6}  outcome")
    for row in results:
        print(
            f"  {row['case']:<40} {row['sent_bytes']:>12,} {row['peak_rss_mb']:>7.1f}MB "
            f"{row['wall_s']:>5.1f}s  {row['outcome']}"
        )


if __name__ == "__main__":
    main()
