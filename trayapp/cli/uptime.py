"""``trayapp uptime [SERVICE] [--components] [--json]``: uptime over 24 h, 7 d, 30 d and 90 d,
and how late each status page admitted the outages the service's own checks saw (90 days).

Exit status: 0 when it printed, 1 for a service the log has never heard of.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta

from trayapp.cli.log import resolve_service
from trayapp.core.summary import PageLag, span
from trayapp.errors import ConfigError, UnknownService
from trayapp.store import incident_log, log_rows, paths

NAME = "uptime"
LAG_WINDOW = timedelta(days=90)
PAGE, SEEN = "as the page says", "as you saw it"
NOT_WATCHED = "not watched"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "service", nargs="?", help="only this service (as named in the tray; any case)"
    )
    parser.add_argument("--components", action="store_true", help="also each component")
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    log = incident_log.open(paths.database_file(ensure=True))
    log.local_services = _local_services()
    try:
        known = log.services()
        services = [resolve_service(args.service, known)] if args.service else known
        rows: list[tuple[str, str | None, dict[str, log_rows.Uptime]]] = []
        lags: dict[str, PageLag | None] = {}
        for service in services:
            rows.append((service, None, log.uptimes(service, now)))
            outages = log.acknowledgements(service, since=now - LAG_WINDOW, now=now)
            lags[service] = PageLag.of(outages, now)
            if args.components:
                for group, component in log.components(service):
                    figures = log.uptimes(service, now, component=component, group=group)
                    rows.append((service, component, figures))
    except UnknownService as exc:
        print(f"trayapp uptime: {exc}", file=sys.stderr)
        return 1
    finally:
        log.close()
    if args.json:
        out = [
            {
                "service": service,
                "component": component,
                **{window: _window_json(up) for window, up in figures.items()},
                **({} if component else {"page_lag": _lag_json(lags[service])}),
            }
            for service, component, figures in rows
        ]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("No history yet: uptime appears once trayapp has read a service's status.")
        return 0
    _print_table(rows)
    late = [(service, lag) for service, lag in lags.items() if lag is not None]
    if late:
        print(
            "\nOutages seen by your own checks, and when the status page admitted them (90 days):"
        )
        for service, lag in late:
            print(f"  {service}: {lag.sentence()}")
    return 0


def _print_table(rows: list[tuple[str, str | None, dict[str, log_rows.Uptime]]]) -> None:
    """Two lines per service (as the page says, as you saw it); one per component (the page's:
    your checks watch the whole service)."""
    windows = list(rows[0][2])
    longest = windows[-1]
    lines: list[tuple[str, str, list[str], str]] = []
    for service, component, figures in rows:
        longest_up = figures[longest]
        rests_on = longest_up.seen_time
        watched_text = (
            span(rests_on) if rests_on.total_seconds() > 0 else _percent(None, longest_up)
        )
        if component:
            cells = [_percent(figures[w].percent, figures[w]) for w in windows]
            lines.append((f"  {component}", PAGE, cells, watched_text))
            continue
        page = [_percent(figures[w].percent, figures[w]) for w in windows]
        seen = [_percent(figures[w].seen_percent, figures[w]) for w in windows]
        lines.append((service, PAGE, page, watched_text))
        lines.append(("", SEEN, seen, ""))
    name_width = max(len("SERVICE"), *(len(name) for name, *_ in lines))
    basis_width = max(len(basis) for _, basis, *_ in lines)
    cell_width = max(8, *(len(c) for *_, cells, _ in lines for c in cells))
    head = f"{'SERVICE':<{name_width}}  {'':<{basis_width}}  "
    print(head + "  ".join(f"{w:>{cell_width}}" for w in windows) + "  WATCHED")
    for name, basis, cells, watched_text in lines:
        row = f"{name:<{name_width}}  {basis:<{basis_width}}  "
        print((row + "  ".join(f"{c:>{cell_width}}" for c in cells) + f"  {watched_text}").rstrip())
    print(f"WATCHED: the time observed in the last {longest}, which the figures rest on.")
    print(f"{PAGE.capitalize()}: the status page's own outages.")
    print(f"{SEEN.capitalize()}: those and the outages your checks saw, even unadmitted ones.")
    print(f"{NOT_WATCHED}: trayapp was not running. —: it ran, but the page was unreadable or")
    print("you were offline; such time counts neither up nor down.")


def _window_json(up: log_rows.Uptime) -> dict[str, float | None]:
    return {
        "percent": up.percent,
        "seen_percent": up.seen_percent,
        "coverage": round(up.coverage, 4),
        "observed_seconds": round(up.observed.total_seconds()),
        "watched_seconds": round(up.watched_time.total_seconds()),
    }


def _lag_json(lag: PageLag | None) -> dict[str, float | int | None] | None:
    """Seconds; null when the service has no checks or they saw no outage."""
    if lag is None:
        return None
    return {
        "outages": lag.outages,
        "admitted": lag.admitted,
        "never_admitted": lag.never,
        "not_yet_admitted": lag.pending,
        "median_seconds": lag.median.total_seconds() if lag.median is not None else None,
        "worst_seconds": lag.worst.total_seconds() if lag.worst is not None else None,
    }


def _percent(percent: float | None, up: log_rows.Uptime) -> str:
    """'99.95%'; for no figure, 'not watched' when trayapp was not running, else '—' (watched,
    but the page was unreadable or the user offline)."""
    if percent is not None:
        return f"{percent:.2f}%"
    return "—" if up.has_run else NOT_WATCHED


def _local_services() -> frozenset[str]:
    """The config's services that need no internet; none when the config cannot be read (the
    figures then blank every service during offline spells, as the tray did)."""
    from trayapp.store import config

    try:
        return config.load().local_services()
    except (ConfigError, OSError):
        return frozenset()
