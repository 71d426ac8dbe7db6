"""``trayapp detect [--json] [--timeout S] URL``: the status format a URL speaks, what is polled."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from trayapp.cli.argtypes import add_timeout_argument
from trayapp.text import clean

if TYPE_CHECKING:
    from trayapp.formats.detection import Detection

NAME = "detect"
HELP = "tell which status format a URL speaks"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", metavar="URL", help="a status page, API or feed URL (http/https)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    add_timeout_argument(parser)


def run(args: argparse.Namespace) -> int:
    """0 when a format fits, 1 when none does (reason on stderr), 2 for a non-http(s) URL."""
    import asyncio  # imported here: `trayapp --help` stays free of the network stack

    from trayapp.engine.discovery import discover, is_http_url
    from trayapp.errors import DetectionError
    from trayapp.net.fetch import make_client

    url = args.url.strip()
    if not is_http_url(url):
        hint = f" (did you mean https://{url}?)" if "://" not in url and url else ""
        print(f"trayapp detect: not an http(s) URL: {url!r}{hint}", file=sys.stderr)
        return 2

    async def detect_once() -> Detection:
        timeout = args.timeout
        async with make_client(timeout=timeout, connect_timeout=min(5.0, timeout)) as client:
            return await discover(client, url)

    try:
        found = asyncio.run(detect_once())
    except DetectionError as exc:
        tried = "".join(f"\n  {line}" for line in exc.tried)
        print(f"trayapp detect: {exc}{tried}", file=sys.stderr)
        return 1
    data = found.as_dict()
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(clean(render(data), lines=True))
    return 0


def render(data: dict[str, object]) -> str:
    """The detection as aligned 'label: value' lines for a terminal."""
    rows = [
        ("format", f"{data['format']} ({title(str(data['format']))})"),
        ("endpoint", data["endpoint"]),
        ("page", data["page_url"]),
        ("evidence", data["evidence"]),
    ]
    params = data.get("params") or {}
    if isinstance(params, dict) and params:
        rows.append(("params", ", ".join(f"{k}={v}" for k, v in params.items())))
    return "\n".join(f"{label + ':':<10}{value}" for label, value in rows)


def title(format: str) -> str:
    """The format's display title, or its name if its module cannot say."""
    from trayapp import formats

    try:
        return str(formats.module(format).TITLE)
    except (ImportError, AttributeError, KeyError):
        return format
