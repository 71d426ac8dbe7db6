"""``trayapp check [NAME|URL ...] [--format F] [--json] [--no-probes]``: read services once and
print them.

A watch with probes in the config (``[[watch.probe]]``) has them run too, once each, and its
verdict (page + checks, as the tray decides it) is printed beside the page's state: a page that
says "operational" while the API answers 503 reads "✖ major outage" under YOUR CHECKS.
``--no-probes`` reads the pages alone."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from trayapp import formats
from trayapp.cli.argtypes import add_timeout_argument
from trayapp.core.model import Reading, Severity, Watch
from trayapp.errors import ConfigError
from trayapp.formats import FORMAT_NAMES
from trayapp.store import catalog
from trayapp.store.config_values import AUTO_FORMAT
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
        "--no-probes",
        action="store_true",
        help="read the status pages only, without the probes the config gives a watch",
    )
    add_timeout_argument(parser)


def run(args: argparse.Namespace) -> int:
    try:
        watches = resolve_targets(args.targets, args.format)
    except ConfigError as exc:  # the file names the file and line; not a usage error
        print(f"trayapp check: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"trayapp check: {exc}", file=sys.stderr)
        return 2
    probes = {} if args.no_probes else _configured_probes(watches)
    results, reached, checks = asyncio.run(_check_all(watches, args.timeout, probes))
    if args.json:
        out = [as_json(w, r) | checks_json(checks.get(w.name)) for w, r in results]
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(clean(render_table(results, checks), lines=True))
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
    from trayapp.store import config, paths

    return config.load(paths.config_file()).watches


def _configured_probes(watches: list[Watch]) -> dict[str, tuple[Any, ...]]:
    """The probes the config gives each of ``watches`` (none without a readable config)."""
    from trayapp.store import config, paths

    path = paths.config_file()
    if not path.exists():
        return {}
    try:
        loaded = config.load(path)
    except ConfigError:
        return {}  # named targets still get their pages read; the tray shows the error
    return {w.name: specs for w in watches if (specs := loaded.probes_for(w.name))}


@dataclass(frozen=True, slots=True)
class Checks:
    """One watch's probes, run once, and the verdict they make with its page."""

    specs: tuple[Any, ...]
    results: tuple[Any, ...]
    verdict: Any


async def _run_checks(
    client: Any, watch: Watch, reading: Reading, specs: tuple[Any, ...], reference: tuple[str, ...]
) -> Checks:
    from datetime import UTC, datetime

    from trayapp.core import verdict
    from trayapp.net import fetch
    from trayapp.probes import classify, run
    from trayapp.probes import state as probe_state
    from trayapp.store import secrets

    def token(spec: Any) -> str | None:
        if not spec.token_name:
            return None
        try:
            return secrets.get_secret(spec.token_name)
        except Exception:  # a locked or missing keyring reads as "no token stored"
            return None

    tokens = [await asyncio.to_thread(token, spec) for spec in specs]
    results = list(
        await asyncio.gather(
            *(run.run_probe(client, s, t) for s, t in zip(specs, tokens, strict=True))
        )
    )
    if any(not r.connected and r.cause == "unreachable" for r in results):
        network = await fetch.any_answers(client, reference)
        results = [classify.with_witness(r, network) for r in results]
    now = datetime.now(UTC)
    states = [probe_state.probe_step(probe_state.ProbeState(), r, now, confirm=1) for r in results]
    page = reading.severity if reading.error is None else Severity.UNKNOWN
    offline = any(r.cause == "offline" for r in results) and not any(r.connected for r in results)
    found = verdict.decide(page, reading.fetched_at, states, offline, now)
    return Checks(specs, tuple(results), found)


async def _check_all(
    watches: list[Watch], timeout: float, probes: dict[str, tuple[Any, ...]] | None = None
) -> tuple[list[tuple[Watch, Reading]], bool, dict[str, Checks]]:
    """Each watch with its reading, whether any server was reached at all, and the checks of
    the watches with probes."""
    # the network stack is imported only when a check runs, not for `trayapp --help`
    from trayapp.engine.poll import check_reached
    from trayapp.net.fetch import make_client
    from trayapp.store import secrets

    async with make_client(timeout=timeout, connect_timeout=min(5.0, timeout)) as client:

        async def one(watch: Watch) -> tuple[Watch, Reading, bool]:
            if watch.format in ("", AUTO_FORMAT):
                watch, failure, reached = await _detected(client, watch)
                if failure is not None:
                    return watch, failure, reached
            reading, reached = await check_reached(client, watch, secrets.get_secret)
            return watch, reading, reached

        done = await asyncio.gather(*(one(w) for w in watches))
        probes = probes or {}
        reference = _reference_urls() if probes else ()
        checked = await asyncio.gather(
            *(_run_checks(client, w, r, probes[w.name], reference) for w, r, _ in done
              if w.name in probes)
        )  # fmt: skip
    checks = {c_watch: c for c_watch, c in zip([w.name for w, *_ in done if w.name in probes],
                                               checked, strict=True)}  # fmt: skip
    reached_any = any(reached for *_, reached in done) or any(
        r.connected for c in checks.values() for r in c.results
    )
    return [(w, r) for w, r, _ in done], reached_any, checks


def _reference_urls() -> tuple[str, ...]:
    from trayapp.store import config, paths

    try:
        return config.load(paths.config_file()).polling.reference_urls
    except (ConfigError, OSError):
        return ()


async def _detected(client: Any, watch: Watch) -> tuple[Watch, Reading | None, bool]:
    """The watch with its detected format, or a reading saying why not; and whether its
    server was reached (for the offline hint)."""
    from trayapp.engine.discovery import discover
    from trayapp.errors import DetectionError

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


def checks_json(checks: Checks | None) -> dict[str, Any]:
    """The probes' part of a source's JSON: the verdict and each probe's result (or nulls)."""
    if checks is None:
        return {"verdict": None, "probes": []}
    found = checks.verdict
    return {
        "verdict": {
            "kind": found.kind,
            "text": found.text,
            "severity": found.severity.value,
            "fix": found.fix,
        },
        "probes": [
            {"name": spec.name, **result.to_json()}
            for spec, result in zip(checks.specs, checks.results, strict=True)
        ],
    }


def render_table(
    results: list[tuple[Watch, Reading]], checks: dict[str, Checks] | None = None
) -> str:
    """A plain table: one row per service (the page's state, and the verdict of its probes when
    it has some), then its open incidents, the reason if unreadable and what each probe found."""
    from trayapp.core import verdict

    checks = checks or {}
    width = max([len("SERVICE"), *(len(w.name) for w, _ in results)])
    yours = f"{'YOUR CHECKS':<16}  " if checks else ""
    lines = [f"  {'SERVICE':<{width}}  {'STATE':<16}  {yours}OPEN INCIDENTS"]
    for watch, reading in results:
        state = f"{_MARK[reading.severity]} {reading.severity.label}"
        opened = reading.open_incidents
        found = checks.get(watch.name)
        column = ""
        if checks:
            column = "-" if found is None else _verdict_cell(found.verdict)
            column = f"{column:<16}  "
        lines.append(f"  {watch.name:<{width}}  {state:<16}  {column}{len(opened) or '-'}")
        if found is not None and found.verdict.kind not in ("operational", "unknown"):
            lines.append(f"  {'':<{width}}    · {verdict.sentence(found.verdict)}")
        for spec, result in zip(found.specs, found.results, strict=True) if found else ():
            lines.append(f"  {'':<{width}}    · {spec.label or spec.name} → {result.reason}")
        for incident in (*opened, *reading.active_maintenances):
            lines.append(
                f"  {'':<{width}}    · {incident.title} ({incident.status.replace('_', ' ')})"
            )
        if reading.error:
            lines.append(f"  {'':<{width}}    · {reading.error}")
    return "\n".join(lines)


def _verdict_cell(found: Any) -> str:
    if found.kind == "yours":
        return "! on your side"
    return f"{_MARK[found.severity]} {found.severity.label}"
