"""``trayapp watch``: edit the watched services in the config file, or run the engine in a terminal.

``add`` takes a catalog name or a URL (detected over the network unless ``--format`` is given),
``remove`` a watch's name, ``list`` shows what is watched, ``catalog`` what can be added by name.
With no action, the engine runs here until Ctrl-C (or ``--for SECONDS``).

Adding a service that is already watched (a watch reads the same endpoint, format and filters,
and no ``--name`` asks for a second watch of it) exits 0: the wanted state holds. Its
``--interval`` and ``--component`` options, if given, are applied to that watch.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from trayapp.cli.argtypes import positive_seconds
from trayapp.errors import ConfigError, DetectionError, FetchError

if TYPE_CHECKING:
    from pathlib import Path

    from trayapp.core.model import Watch
    from trayapp.formats.detection import Detection
    from trayapp.store.config_values import Config

NAME = "watch"
HELP = "add, remove or list watched services; with no action, watch them in the terminal"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from trayapp.formats import FORMAT_NAMES  # light: names only, no parser is imported

    parser.add_argument(
        "--for",
        dest="duration",
        type=positive_seconds,
        default=None,
        metavar="SECONDS",
        help="stop after this many seconds, above 0 (default: run until Ctrl-C)",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="say more")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    add = actions.add_parser(
        "add",
        help="watch a catalog service or a status page URL",
        description="Watch a catalog service (by name) or a status page URL. A URL is probed "
        "to find its format unless --format is given.",
    )
    add.add_argument(
        "target",
        metavar="URL|NAME",
        nargs="+",
        help="a status page URL, or a catalog name (words are searched: `icloud mail`)",
    )
    add.add_argument("--name", help="the name shown in the tray (default: the catalog's or host)")
    add.add_argument("--format", choices=FORMAT_NAMES, help="skip detection: the URL speaks this")
    add.add_argument(
        "--interval",
        type=positive_seconds,
        metavar="SECONDS",
        help="poll every SECONDS (at least 30 for a public host)",
    )
    add.add_argument(
        "--component",
        action="append",
        default=[],
        metavar="NAME",
        help="only this component matters (repeatable; default: all of them)",
    )

    remove = actions.add_parser("remove", help="stop watching a service")
    remove.add_argument("name", metavar="NAME", help="the watch's name (see `trayapp watch list`)")

    show = actions.add_parser("list", help="show the watched services")
    show.add_argument("--json", action="store_true", help="print JSON")

    known = actions.add_parser(
        "catalog",
        help="show the services that can be added by name",
        description="The built-in catalog: each service's id (what `trayapp watch add` takes), "
        "name, category, status format, and whether it is watched by default. With SEARCH, "
        "the services whose name, alias, host or category match it, best first (typos are "
        "forgiven).",
    )
    known.add_argument("search", nargs="*", metavar="SEARCH", help="words to search for")
    known.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    if args.action is None:
        from trayapp.cli.watch_run import run_engine

        return run_engine(args)
    if args.action == "catalog":
        from trayapp.cli import watch_catalog

        return watch_catalog.show(" ".join(args.search), as_json=args.json)

    from trayapp.store import config, config_edits, paths

    path = paths.config_file()
    try:
        if args.action == "add":
            return _add(args, path)
        if args.action == "remove":
            found = config_edits.find_watch(config.load(path), args.name)
            config_edits.remove_watch(path, args.name)
            print(f"Stopped watching {found.name if found else args.name}.")
            print(f"Config file: {path}")
            return 0
        return _list(config.load(path), path, as_json=args.json)
    except ConfigError as exc:
        print(f"trayapp: {exc}", file=sys.stderr)
        return 1


def _add(args: argparse.Namespace, path: Path) -> int:
    from trayapp.cli import watch_catalog
    from trayapp.store import catalog, config_edits

    args.target = " ".join(args.target)
    components = tuple(args.component)
    entry, ambiguous = watch_catalog.resolve(args.target)
    if ambiguous:
        return 2
    if entry is not None:
        if args.format:
            print(
                f"trayapp: {entry.name} is a catalog service (format {entry.format}); "
                "--format is only for URLs",
                file=sys.stderr,
            )
            return 2
        if components and not _components_exist(entry.watch(), components):
            return 1
        if args.name is None and _already_watched(path, entry.watch(), entry.name, args):
            return 0
        given = entry.config_fields()
        if args.name is not None:
            given["name"] = args.name
        result = config_edits.add_watch(
            path, **given, interval=args.interval, components=components
        )
        watch = result.watches[-1]
        print(f"Watching {watch.name} ({watch.format}, {watch.url}).")
        print(f"Config file: {path}")
        return 0

    url = _as_url(args.target)
    if url is None:
        print(
            f"trayapp: {args.target!r} is neither a catalog service nor a URL"
            + catalog.did_you_mean(args.target),
            file=sys.stderr,
        )
        return 2
    if args.format:
        fields: dict[str, Any] = {"url": url, "format": args.format}
    else:
        found = _detect(url)
        if found is None:
            return 1
        print(f"Found: {found.format} at {found.endpoint}")
        print(f"  because {found.evidence}")
        fields = {
            "url": found.endpoint,
            "format": found.format,
            "page": found.page_url,
            "params": dict(found.params) or None,
        }
    from trayapp import formats
    from trayapp.core.model import Watch

    polled = formats.endpoint(fields["format"], fields["url"])
    params = tuple((fields.get("params") or {}).items())
    wanted = Watch(name=url, url=polled, format=fields["format"], params=params)
    if components and not _components_exist(wanted, components):
        return 1
    if args.name is None and _already_watched(path, wanted, url, args):
        return 0
    result = config_edits.add_watch(
        path, name=args.name, interval=args.interval, components=components, **fields
    )
    watch = result.watches[-1]
    print(f"Watching {watch.name} ({watch.format}, {watch.url}).")
    print(f"Config file: {path}")
    return 0


def _already_watched(path: Path, wanted: Watch, what: str, args: argparse.Namespace) -> bool:
    """True (after saying so) when a watch already reads ``wanted``'s source: the same
    endpoint, format and filters (Gemini and Google Cloud share one feed, not one filter).
    The ``--interval`` and ``--component`` asked for are then set on that watch."""
    from trayapp.store import config, config_edits

    key = (wanted.url, wanted.format, dict(wanted.params))
    cfg = config.load(path)
    same = next((w for w in cfg.watches if (w.url, w.format, dict(w.params)) == key), None)
    if same is None:
        return False
    alias = "" if same.name == what else f" as {same.name!r}"
    changes: dict[str, Any] = {}
    said: list[str] = []
    if args.interval is not None:
        changes["interval"] = args.interval
        said.append(f"interval {args.interval:g} s")
    if args.component:
        changes["components"] = tuple(args.component)
        said.append("components " + ", ".join(args.component))
    if changes:
        config_edits.update_watch(
            path, same.name, **changes
        )  # checked like any edit (the floor...)
        print(f"{what} is already watched{alias}: set its {' and '.join(said)}.")
    else:
        print(f"{what} is already watched{alias}: nothing changed.")
        print("Add --name NAME to watch it a second time (e.g. with other --component filters).")
    print(f"Config file: {path}")
    return True


def _components_exist(watch: Watch, wanted: tuple[str, ...]) -> bool:
    """Read the page once and refuse (False, after saying why) component names it lacks.

    A page that cannot be read now does not block the edit: the watch says so when it polls.
    """
    import asyncio
    import difflib

    from trayapp.core.model import Reading
    from trayapp.engine import poll
    from trayapp.net import fetch
    from trayapp.text import clean

    async def read() -> Reading:
        async with fetch.make_client() as client:
            return poll.interpret(watch, await fetch.get(client, watch.url))

    try:
        reading = asyncio.run(read())
    except FetchError as exc:
        reading = Reading.unknown(watch.format, str(exc))
    if reading.error is not None:
        print(f"Could not check the components now ({reading.error}).", file=sys.stderr)
        return True
    names = list(dict.fromkeys(c.name for c in reading.components))
    known = {n.casefold() for n in names}
    missing = [c for c in wanted if c.casefold() not in known]
    if not missing:
        return True
    for name in missing:
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        print(f"trayapp: the page has no component {name!r}{hint}", file=sys.stderr)
    shown = ", ".join(clean(name) for name in names[:30])
    more = f" and {len(names) - 30} more" if len(names) > 30 else ""
    print(f"Its components: {shown or 'none'}{more}.", file=sys.stderr)
    return False


def _detect(url: str) -> Detection | None:
    """Run discovery; None (after saying why) when nothing at ``url`` fits a known format."""
    import asyncio

    from trayapp.engine import discovery
    from trayapp.net import fetch

    async def detect() -> Detection:
        async with fetch.make_client() as client:
            return await discovery.discover(client, url)

    print(f"Looking at {url} ...")
    try:
        return asyncio.run(detect())
    except DetectionError as exc:
        print(f"trayapp: {exc}", file=sys.stderr)
        print("Pass --format FORMAT if you know what the page speaks.", file=sys.stderr)
        return None


def _as_url(target: str) -> str | None:
    """``target`` as an http(s) URL; a bare host ('status.example.com') gets https://."""
    from urllib.parse import urlsplit

    text = target.strip()
    if "://" not in text:
        if " " in text or "." not in text.split("/")[0]:
            return None
        text = "https://" + text
    parts = urlsplit(text)
    return text if parts.scheme in ("http", "https") and parts.hostname else None


def _list(cfg: Config, path: Path, *, as_json: bool) -> int:
    if as_json:
        import json

        rows = [
            {
                "name": w.name,
                "format": w.format,
                "url": w.url,
                "page_url": w.page_url,
                "category": w.category,
                "interval": w.interval,
                "components": list(w.components),
                "params": dict(w.params),
                "token": cfg.token_for(w.name),
            }
            for w in cfg.watches
        ]
        document = {"config_file": str(path), "exists": cfg.path is not None, "watches": rows}
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return 0
    if not cfg.watches:
        print("Nothing is watched. Add a service with `trayapp watch add NAME|URL`.")
    else:
        default = f"{cfg.polling.interval:g}s"
        table = [("NAME", "FORMAT", "EVERY", "SOURCE")] + [
            (w.name, w.format, f"{w.interval:g}s" if w.interval else default, w.url)
            for w in cfg.watches
        ]
        widths = [max(len(row[i]) for row in table) for i in range(3)]
        for row in table:
            cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
            print("  ".join([*cells, row[3]]))
    where = "" if cfg.path is not None else " (not written yet: these are the built-in defaults)"
    print(f"\nConfig file: {path}{where}")
    return 0
