"""``trayapp uptime [SERVICE] [--components] [--json]``: uptime over 24 h, 7 d, 30 d and 90 d,
and how late each status page admitted the outages the service's own checks saw (90 days).

Exit status: 0 when it printed, 1 for a service the log has never heard of.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta

from trayapp import incident_log, paths
from trayapp.commands.log import UnknownService, resolve_service
from trayapp.summary import PageLag, span

NAME = "uptime"
LAG_WINDOW = timedelta(days=90)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "service", nargs="?", help="only this service (as named in the tray; any case)"
    )
    parser.add_argument("--components", action="store_true", help="also each component")
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    log = incident_log.open(paths.database_file(ensure=True))
    try:
        known = log.services()
        services = [resolve_service(args.service, known)] if args.service else known
        rows: list[tuple[str, str | None, dict[str, incident_log.Uptime]]] = []
        lags: dict[str, PageLag | None] = {}
        for service in services:
            rows.append((service, None, log.uptimes(service, now)))
            lags[service] = PageLag.of(log.acknowledgements(service, since=now - LAG_WINDOW))
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
                **{
                    window: {
                        "percent": up.percent,
                        "coverage": round(up.coverage, 4),
                        "observed_seconds": round(up.observed.total_seconds()),
                    }
                    for window, up in figures.items()
                },
                **({} if component else {"page_lag": _lag_json(lags[service])}),
            }
            for service, component, figures in rows
        ]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("No history yet: uptime appears once trayapp has watched something.")
        return 0
    windows = list(rows[0][2])
    width = max(len(_label(s, c)) for s, c, _ in rows)
    longest = windows[-1]
    print(f"{'SERVICE':<{width}}  " + "  ".join(f"{w:>8}" for w in windows) + "  WATCHED")
    for service, component, figures in rows:
        cells = "  ".join(f"{_percent(figures[w]):>8}" for w in windows)
        observed = figures[longest].observed
        watched = span(observed) if observed.total_seconds() > 0 else "—"
        print(f"{_label(service, component):<{width}}  {cells}  {watched}")
    print(f"WATCHED: the time observed in the last {longest}, which the figures rest on.")
    print("— : nothing observed. Time offline or unreadable is not counted.")
    late = [(service, lag) for service, lag in lags.items() if lag is not None]
    if late:
        print("\nOutages seen by your own checks (last 90 days):")
        for service, lag in late:
            print(f"  {service}: {lag.sentence()}")
    return 0


def _lag_json(lag: PageLag | None) -> dict[str, float | int | None] | None:
    """Seconds; null when the service has no checks or they saw no outage."""
    if lag is None:
        return None
    return {
        "outages": lag.outages,
        "admitted": lag.admitted,
        "median_seconds": lag.median.total_seconds() if lag.median is not None else None,
        "worst_seconds": lag.worst.total_seconds() if lag.worst is not None else None,
    }


def _label(service: str, component: str | None) -> str:
    return f"  {component}" if component else service


def _percent(up: incident_log.Uptime) -> str:
    return "—" if up.percent is None else f"{up.percent:.2f}%"
