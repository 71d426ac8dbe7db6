"""``trayapp log [SERVICE] [--since WHEN] [--limit N] [--json|--csv]``: the incident log's history.

Exit status: 0 when it printed (even nothing), 1 for a service the log has never heard of,
2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime, timedelta

from trayapp.cli.argtypes import positive_int
from trayapp.errors import UnknownService
from trayapp.store import incident_log, log_rows, paths
from trayapp.text import clean

NAME = "log"
_SPAN = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "service", nargs="?", help="only this service (as named in the tray; any case)"
    )
    parser.add_argument(
        "--since",
        metavar="WHEN",
        help="a span back from now (30m, 24h, 7d, 2w) or a date (2026-02-03, 2026-02-03T14:00)",
    )
    parser.add_argument(
        "--limit", type=positive_int, metavar="N", help="only the newest N events (N ≥ 1)"
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="a JSON list of events")
    output.add_argument("--csv", action="store_true", help="CSV with a header row")


def parse_since(text: str, now: datetime) -> datetime:
    """'24h' → now - 24 h; '2026-02-03' → that day 00:00 local time; ValueError otherwise."""
    span = _SPAN.match(text.strip().lower())
    if span:
        return now - timedelta(**{_UNITS[span.group(2)]: float(span.group(1))})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--since: {text!r} is neither a span like 24h nor a date") from None
    return (when if when.tzinfo else when.astimezone()).astimezone(UTC)


def resolve_service(name: str, known: list[str]) -> str:
    """The logged name ``name`` means, whatever its case ('openai (DEMO)' → 'OpenAI (demo)')."""
    wanted = name.strip().casefold()
    found = next((service for service in known if service.casefold() == wanted), None)
    if found is None:
        names = ", ".join(known) if known else "none yet"
        raise UnknownService(f"no service named {name!r} in the incident log (it knows: {names})")
    return found


def run(args: argparse.Namespace) -> int:
    try:
        since = parse_since(args.since, datetime.now(UTC)) if args.since else None
    except ValueError as exc:
        print(f"trayapp log: {exc}", file=sys.stderr)
        return 2
    log = incident_log.open(paths.database_file(ensure=True))
    try:
        if log.notice:
            print(f"trayapp: {log.notice}", file=sys.stderr)
        service = resolve_service(args.service, log.services()) if args.service else None
        events = log.history(service, since=since, limit=args.limit)
    except UnknownService as exc:
        print(f"trayapp log: {exc}", file=sys.stderr)
        return 1
    finally:
        log.close()
    if args.json:
        print(json.dumps(log_rows.to_json_rows(events), indent=2, ensure_ascii=False))
    elif args.csv:
        log_rows.write_csv(events, sys.stdout, log_rows.LoggedEvent.COLUMNS)
    elif not events:
        print(f"No events for {service}." if service else "No events recorded yet.")
    else:
        for event in events:
            when = event.time.astimezone().strftime("%Y-%m-%d %H:%M")
            line = f"{event.service or 'network'}: {event.message or event.kind}"
            print(f"{when}  {clean(line)}")  # a log from an older version may hold escapes
    return 0
