"""``trayapp uptime [SERVICE] [--components] [--json]``: uptime over 24 h, 7 d, 30 d and 90 d."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from trayapp import incident_log, paths

NAME = "uptime"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("service", nargs="?", help="only this service (as named in the tray)")
    parser.add_argument("--components", action="store_true", help="also each component")
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    log = incident_log.open(paths.database_file(ensure=True))
    try:
        services = [args.service] if args.service else log.services()
        rows: list[tuple[str, str | None, dict[str, incident_log.Uptime]]] = []
        for service in services:
            rows.append((service, None, log.uptimes(service, now)))
            if args.components:
                for group, component in log.components(service):
                    figures = log.uptimes(service, now, component=component, group=group)
                    rows.append((service, component, figures))
    finally:
        log.close()
    if args.json:
        out = [
            {
                "service": service,
                "component": component,
                **{
                    window: {"percent": up.percent, "coverage": round(up.coverage, 4)}
                    for window, up in figures.items()
                },
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
    print(f"{'SERVICE':<{width}}  " + "  ".join(f"{w:>8}" for w in windows))
    for service, component, figures in rows:
        cells = "  ".join(f"{_percent(figures[w]):>8}" for w in windows)
        print(f"{_label(service, component):<{width}}  {cells}")
    print("(— : not observed in that window; time offline or unreadable is not counted)")
    return 0


def _label(service: str, component: str | None) -> str:
    return f"  {component}" if component else service


def _percent(up: incident_log.Uptime) -> str:
    return "—" if up.percent is None else f"{up.percent:.2f}%"
