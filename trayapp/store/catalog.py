"""The built-in catalog of services, and lookups by name, id or alias.

Two files: ``catalog.toml`` holds the hand-checked services (the defaults, the probes), read
when a config names one; ``catalog-more.toml`` is generated from public lists
(tools/build_catalog.py) and holds a thousand more. The big one is read only when something
needs the whole catalog (a search, ``watch catalog``, the add-service dialog, a name the small
one lacks), never on the tray's start.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from trayapp.core.model import Watch
from trayapp.errors import CatalogError
from trayapp.formats import FORMAT_NAMES


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One service: what to poll, how to read it, and (generated entries) which list it is from."""

    id: str
    name: str
    category: str
    page: str
    format: str
    endpoint: str
    aliases: tuple[str, ...] = ()
    params: tuple[tuple[str, str], ...] = ()
    interval: float | None = None
    default: bool = False
    verified: bool = True
    probe: str | None = None  # the probe preset for the service's own API (needs a token)
    source: str | None = None  # the public list a generated entry comes from (repo@commit:path)

    def watch(self) -> Watch:
        """The entry as a watch with the catalog's own settings."""
        return Watch(
            name=self.name,
            url=self.endpoint,
            format=self.format,
            page_url=self.page,
            category=self.category,
            interval=self.interval,
            params=self.params,
            verified=self.verified,
        )

    def config_fields(self) -> dict[str, Any]:
        """What ``config.add_watch`` writes for this entry: a hand-checked one by its id; a
        generated one written out whole, so that the tray's start never reads the big file."""
        if self.verified:
            return {"service": self.id}
        return {
            "url": self.endpoint,
            "format": self.format,
            "page": self.page,
            "params": dict(self.params) or None,
            "name": self.name,
            # "Other" groups nothing alike: no alternatives rather than unrelated ones
            "category": None if self.category == "Other" else self.category,
            "verified": False,
        }

    def matches(self, query: str) -> bool:
        wanted = query.strip().lower()
        return wanted in (self.id, self.name.lower(), *self.aliases)


# Categories group services that can stand in for each other (alternatives when one is down).
CATEGORIES: tuple[str, ...] = (
    "AI APIs",
    "Cloud",
    "CDN & DNS",
    "Communication",
    "Databases",
    "Developer tools",
    "Email",
    "Identity & security",
    "Media & entertainment",
    "Monitoring",
    "Payments",
    "Productivity",
    "Storage",
    "Other",
)
HAND_CHECKED = "catalog.toml"
GENERATED = "catalog-more.toml"


def _load(name: str) -> tuple[CatalogEntry, ...]:
    raw = resources.files("trayapp.resources").joinpath(name).read_bytes()
    return parse(raw.decode("utf-8"))


@cache
def entries() -> tuple[CatalogEntry, ...]:
    """The hand-checked entries, in file order (read once, on first use)."""
    return _load(HAND_CHECKED)


@cache
def all_entries() -> tuple[CatalogEntry, ...]:
    """Every entry: the hand-checked ones first, then the generated ones (read on first use)."""
    return entries() + _load(GENERATED)


def parse(text: str) -> tuple[CatalogEntry, ...]:
    """Parse catalog TOML; every entry must name a known format and an http(s) endpoint."""
    data = tomllib.loads(text)
    result: list[CatalogEntry] = []
    for index, item in enumerate(data.get("service", []), start=1):
        where = f"catalog service #{index} ({item.get('id', '?')})"
        try:
            entry = CatalogEntry(
                id=str(item["id"]).lower(),
                name=str(item["name"]),
                category=str(item["category"]),
                page=str(item["page"]),
                format=str(item["format"]),
                endpoint=str(item["endpoint"]),
                aliases=tuple(str(a).lower() for a in item.get("aliases", ())),
                params=tuple((str(k), str(v)) for k, v in item.get("params", {}).items()),
                interval=float(item["interval"]) if "interval" in item else None,
                default=bool(item.get("default", False)),
                verified=bool(item.get("verified", True)),
                probe=str(item["probe"]) if "probe" in item else None,
                source=str(item["source"]) if "source" in item else None,
            )
        except KeyError as exc:
            raise CatalogError(f"{where}: missing key {exc}") from None
        if entry.format not in FORMAT_NAMES:
            raise CatalogError(f"{where}: unknown format {entry.format!r}")
        if not entry.endpoint.startswith(("https://", "http://")):
            raise CatalogError(f"{where}: endpoint must be an http(s) URL")
        if entry.category not in CATEGORIES:
            raise CatalogError(f"{where}: category {entry.category!r} is not in CATEGORIES")
        result.append(entry)
    return tuple(result)


def find(query: str) -> CatalogEntry | None:
    """The entry whose id, name or alias is ``query`` (case-insensitive), if any: the
    hand-checked file first, the whole catalog only when that one has no such name."""
    found = next((e for e in entries() if e.matches(query)), None)
    return found or next((e for e in all_entries() if e.matches(query)), None)


def closest(query: str) -> CatalogEntry | None:
    """The entry a mistyped ``query`` most likely meant ('slak' -> Slack), if any is close."""
    import difflib

    words = {alias: e for e in all_entries() for alias in (e.id, e.name.lower(), *e.aliases)}
    close = difflib.get_close_matches(query.strip().lower(), list(words), n=1, cutoff=0.6)
    return words[close[0]] if close else None


def did_you_mean(query: str) -> str:
    """' (did you mean 'slack'?)' for a mistyped service name, else ''."""
    entry = closest(query)
    return f" (did you mean {entry.id!r}?)" if entry else ""


def defaults() -> tuple[CatalogEntry, ...]:
    """The services watched when the user has configured nothing."""
    return tuple(e for e in entries() if e.default)
