"""``trayapp check [NAME|URL ...] [--format F] [--json]``: read services once and print them."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from trayapp import catalog, formats
from trayapp.commands.argtypes import MAX_TIMEOUT, timeout_seconds
from trayapp.config import AUTO_FORMAT, ConfigError
from trayapp.formats import FORMAT_NAMES
from trayapp.model import Reading, Severity, Watch
from trayapp.text import clean

NAME = "check"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "targets",
        nargs="*",
        metavar="NAME|URL",
        help="catalog names (e.g. openai, claude, github) or status page URLs; "
        "none: the services you watch (or the built-in defaults)",
    )
    parser.add_argument(
        "--format",
        choices=FORMAT_NAMES,
        metavar="F",
        help="read the URLs as this format instead of detecting it: " + ", ".join(FORMAT_NAMES),
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--timeout",
        type=timeout_seconds,
        default=10.0,
        metavar="S",
        help="seconds for the whole of each request (a detection: 3 times that in all), "
        f"above 0 and at most {MAX_TIMEOUT:g} (default 10)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        watches = resolve_targets(args.targets, args.format)
    except ConfigError as exc:  # the file names the file and line; not a usage error
        print(f"trayapp check: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"trayapp check: {exc}", file=sys.stderr)
        return 2
    results, reached = asyncio.run(_check_all(watches, args.timeout))
    if args.json:
        print(json.dumps([as_json(w, r) for w, r in results], indent=2, ensure_ascii=False))
    else:
        print(clean(render_table(results), lines=True))
    if results and not reached:
        print(OFFLINE_HINT, file=sys.stderr)
    return 0


OFFLINE_HINT = (
    "trayapp check: no service could be reached (name lookups or connections failed): "
    "you may be offline, or a proxy or firewall is in the way. That says nothing about the "
    "services themselves."
)


def resolve_targets(targets: list[str], format: str | None) -> list[Watch]:
    """Catalog names and URLs → watches; no target → the configured (or default) watches.

    A URL without --format is marked for detection (format ""), done once the client exists.
    """
    if not targets:
        return list(_configured_watches())
    watches: list[Watch] = []
    for target in targets:
        if "://" in target:
            if not target.startswith(("http://", "https://")) or not urlsplit(target).hostname:
                raise ValueError(f"only http(s) URLs with a host can be checked, not {target!r}")
            url = formats.endpoint(format, target) if format else target
            watches.append(Watch(name=target, url=url, format=format or "", page_url=target))
            continue
        entry = catalog.find(target)
        if entry is None:
            raise ValueError(
                f"{target!r} is neither a URL nor a service in the catalog"
                + catalog.did_you_mean(target)
            )
        watch = entry.watch()
        watches.append(watch)
    return watches


def _configured_watches() -> tuple[Watch, ...]:
    from trayapp import config, paths

    return config.load(paths.config_file()).watches


async def _check_all(
    watches: list[Watch], timeout: float
) -> tuple[list[tuple[Watch, Reading]], bool]:
    """Each watch with its reading, and whether any server was reached at all."""
    # the network stack is imported only when a check runs, not for `trayapp --help`
    from trayapp import secrets
    from trayapp.fetch import make_client
    from trayapp.poll import check_reached

    async with make_client(timeout=timeout, connect_timeout=min(5.0, timeout)) as client:

        async def one(watch: Watch) -> tuple[Watch, Reading, bool]:
            if watch.format in ("", AUTO_FORMAT):
                watch, failure, reached = await _detected(client, watch)
                if failure is not None:
                    return watch, failure, reached
            reading, reached = await check_reached(client, watch, secrets.get_secret)
            return watch, reading, reached

        done = await asyncio.gather(*(one(w) for w in watches))
    return [(w, r) for w, r, _ in done], any(reached for *_, reached in done)


async def _detected(client: Any, watch: Watch) -> tuple[Watch, Reading | None, bool]:
    """The watch with its detected format, or a reading saying why not; and whether its
    server was reached (for the offline hint)."""
    from trayapp.discovery import DetectionError, discover

    try:
        found = await discover(client, watch.url)
    except DetectionError as exc:
        failure = Reading.unknown("", f"could not detect the status format: {exc}")
        return watch, failure, exc.reached
    detected = replace(watch, url=found.endpoint, format=found.format, params=tuple(found.params))
    return detected, None, True


def as_json(watch: Watch, reading: Reading) -> dict[str, Any]:
    """The stable JSON shape of one checked source (documented in the README)."""
    return {
        "name": watch.name,
        "url": watch.url,
        "page_url": watch.page_url,
        "format": watch.format or reading.format,
        "severity": reading.severity.value,
        "page_name": reading.page_name,
        "components": [
            {"name": c.name, "severity": c.severity.value, "group": c.group}
            for c in reading.components
        ],
        "incidents": [
            {
                "id": i.id,
                "title": i.title,
                "kind": i.kind,
                "status": i.status,
                "open": i.open,
                "severity": i.severity.value,
                "url": i.url,
                "started": i.started.isoformat() if i.started else None,
                "updated": i.updated.isoformat() if i.updated else None,
                "latest_update": i.latest_update,
                "components": list(i.components),
            }
            for i in reading.incidents
        ],
        "open_incidents": len(reading.open_incidents),
        "error": reading.error,
        "checked_at": reading.fetched_at.isoformat() if reading.fetched_at else None,
    }


_MARK = {
    Severity.OPERATIONAL: "✓",
    Severity.MAINTENANCE: "◆",
    Severity.DEGRADED: "▲",
    Severity.PARTIAL_OUTAGE: "▲",
    Severity.MAJOR_OUTAGE: "✖",
    Severity.UNKNOWN: "?",
}


def render_table(results: list[tuple[Watch, Reading]]) -> str:
    """A plain table: one row per service, then its open incidents and the reason if unreadable."""
    width = max([len("SERVICE"), *(len(w.name) for w, _ in results)])
    lines = [f"  {'SERVICE':<{width}}  {'STATE':<16}  OPEN INCIDENTS"]
    for watch, reading in results:
        state = f"{_MARK[reading.severity]} {reading.severity.label}"
        opened = reading.open_incidents
        lines.append(f"  {watch.name:<{width}}  {state:<16}  {len(opened) or '-'}")
        for incident in (*opened, *reading.active_maintenances):
            lines.append(
                f"  {'':<{width}}    · {incident.title} ({incident.status.replace('_', ' ')})"
            )
        if reading.error:
            lines.append(f"  {'':<{width}}    · {reading.error}")
    return "\n".join(lines)
