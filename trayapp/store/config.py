"""The user's config file (TOML, human-edited): watched services, polling and notification settings.

A missing file means the built-in defaults (the catalog's default services); an existing file means
exactly what it says. Every problem is a ``ConfigError`` reading ``<path>:<line>: <problem>``, and
unknown keys are errors, so a typo never silently changes behaviour. Secrets are never stored here:
a watch names a keyring entry (``token = "NAME"``) and ``trayapp secret set NAME`` fills it.

A watch may carry active probes of the service's own API (``trayapp.probes.spec``): a short
``probe = "openai"`` (a list-models preset; a catalog service lends it its ``token``) or
``[[watch.probe]]`` tables with ``preset`` or ``url`` and ``method``, ``expect``, ``slow_ms``,
``json``, ``headers``, ``interval``, ``timeout``, ``token``, ``auth``, ``costs_tokens``. The
one-token generation presets cost money, so they need ``costs_tokens = true`` written out.

Edits (``add_watch``, ``remove_watch``) splice the text, so the user's comments and layout
survive, and are written atomically after the result has been validated.
"""

from __future__ import annotations

import math
import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, fields, replace
from datetime import time
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qsl, urlsplit

from trayapp import formats
from trayapp.core.model import Severity, Watch
from trayapp.errors import ConditionError, ConfigError
from trayapp.probes.condition import parse_condition
from trayapp.probes.credentials import has_credential_prefix, looks_like_secret
from trayapp.probes.spec import AUTH_SCHEMES, PRESETS, ProbeSpec, check_header, parse_expect, rebase
from trayapp.store import catalog, paths
from trayapp.store.secrets import check_name
from trayapp.urls import (
    LOOPBACK_FLOOR,
    PUBLIC_FLOOR,
    is_loopback,
    needs_internet,
    plain_text_secret,
)

AUTO_FORMAT = formats.AUTO  # a url watch without ``format``: the engine detects it on first poll
MAX_INTERVAL = 86_400.0
MAX_KEEP_DAYS = 100 * 366  # [log] keep_days: a century is "keep everything"
MAX_JITTER = 0.5  # a fraction of the interval: more would let two polls come back to back
DEFAULT_MAX_BYTES = 5 * 1024 * 1024  # same cap as trayapp.net.fetch.MAX_BYTES
MAX_FILE_BYTES = 1024 * 1024  # a config file larger than this is not a hand-written one
# Connectivity witness: tiny, highly available endpoints of three unrelated operators.
DEFAULT_REFERENCE_URLS = (
    "https://www.gstatic.com/generate_204",
    "https://www.cloudflare.com/cdn-cgi/trace",
    "https://detectportal.firefox.com/success.txt",
)
# Key names that can only mean a credential; they are refused wherever they appear.
# fmt: off
SECRET_KEYS = frozenset({
    "password", "passwd", "secret", "api_key", "apikey", "api-key", "access_token", "auth_token",
    "client_secret", "private_key", "bearer", "authorization", "credentials",
})
# fmt: on
_SECRET_QUERY = SECRET_KEYS | {"token", "key", "auth", "private_token", "sig", "signature"}
_SECRET_HINT = (
    "secrets never go in the config file: store it with `trayapp secret set NAME` "
    'and write token = "NAME" in the watch'
)

_ROOT_KEYS = ("polling", "notifications", "log", "watch")
_SERVICE_KEYS = ("service", "name", "interval", "components", "params", "token", "probe")
_URL_KEYS = ("url", "format", "page", "category", "verified", *_SERVICE_KEYS[1:])
_PROBE_KEYS = (
    "preset",
    "name",
    "url",
    "method",
    "expect",
    "slow_ms",
    "json",
    "headers",
    "interval",
    "timeout",
    "token",
    "auth",
    "costs_tokens",
)
_PROBE_METHODS = ("GET", "HEAD", "POST")
_NOTIFY_LEVELS = tuple(s for s in Severity if s not in (Severity.OPERATIONAL, Severity.UNKNOWN))

NEW_FILE_HEADER = """\
# trayapp configuration. Edit freely: trayapp checks it and keeps the last good version.
# A watch is `service = "<catalog name>"` or `url = "..."` (+ format, name, page, interval,
# components, params). Tokens never go here: run `trayapp secret set NAME`, then token = "NAME".
# Settings go in [polling] and [notifications]; `trayapp watch add|remove|list` edit the watches.
"""


# --------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class PollingSettings:
    """How often and how carefully sources are polled (seconds, counts, bytes)."""

    interval: float = 120.0  # a healthy source
    problem_interval: float = 60.0  # a source with a problem, to see recovery sooner
    min_public_interval: float = PUBLIC_FLOOR  # floor for any non-loopback host
    jitter: float = 0.2  # +/- fraction of the interval, so polls never line up
    confirm_worse: int = 2  # readings in a row before a worse state is believed
    confirm_better: int = 2  # readings in a row before a better state is believed
    timeout: float = 10.0
    max_bytes: int = DEFAULT_MAX_BYTES
    reference_urls: tuple[str, ...] = DEFAULT_REFERENCE_URLS  # connectivity witness


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    """When a change becomes a desktop notification."""

    enabled: bool = True
    quiet_hours: tuple[time, time] | None = None  # (start, end), may wrap past midnight
    group_window: float = 30.0  # seconds: changes this close together make one notification
    min_severity: Severity = Severity.DEGRADED
    on_recovery: bool = True
    on_maintenance: bool = False


@dataclass(frozen=True, slots=True)
class LogSettings:
    """How long the incident log keeps what it recorded (older rows are deleted daily)."""

    keep_days: int = 365


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the file says; ``path`` is None for the built-in defaults (no file yet)."""

    watches: tuple[Watch, ...] = ()
    polling: PollingSettings = PollingSettings()
    notifications: NotificationSettings = NotificationSettings()
    tokens: tuple[tuple[str, str], ...] = ()  # watch name -> keyring entry name
    probes: tuple[tuple[str, ProbeSpec], ...] = ()  # watch name -> probe, in file order
    log: LogSettings = LogSettings()
    path: Path | None = field(default=None, compare=False)

    def watch(self, name: str) -> Watch | None:
        wanted = name.casefold()
        return next((w for w in self.watches if w.name.casefold() == wanted), None)

    def token_for(self, name: str) -> str | None:
        """The keyring entry holding the token for watch ``name``, if it has one."""
        return dict(self.tokens).get(name)

    def probes_for(self, name: str) -> tuple[ProbeSpec, ...]:
        """The probes of watch ``name`` (exact name, as in ``watches``)."""
        return tuple(spec for watch, spec in self.probes if watch == name)

    def local_services(self) -> frozenset[str]:
        """The watches that need no internet (page and probes: ``urls.needs_internet``): an
        offline spell does not blank them, in the tray or in their uptime."""
        references = self.polling.reference_urls
        return frozenset(
            w.name
            for w in self.watches
            if not any(
                needs_internet(url, references)
                for url in [w.url, *(spec.url for spec in self.probes_for(w.name))]
            )
        )


def default_config() -> Config:
    """What runs before the user has written a config: the catalog's default services."""
    return Config(watches=tuple(e.watch() for e in catalog.defaults()))


# --------------------------------------------------------------------------- reading


def load(path: Path | None = None) -> Config:
    """Read and validate the config file; a missing file gives the defaults."""
    path = path or paths.config_file()
    try:
        text = read_text(path)
    except FileNotFoundError:
        return default_config()
    return loads(text, path)


def read_text(path: Path) -> str:
    """The file's text, read safely: only a regular file, at most MAX_FILE_BYTES.

    Opened non-blocking, so a FIFO never hangs the reader, and checked on the open descriptor,
    so /dev/zero is refused before anything is read. FileNotFoundError passes through.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read the file ({exc.strerror or exc})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = "a directory" if stat.S_ISDIR(mode) else "a device, FIFO or socket"
        raise ConfigError(path, None, f"cannot read the file: it is {what}")
    with os.fdopen(fd, "rb") as handle:
        try:
            raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ConfigError(path, None, f"cannot read the file ({exc.strerror or exc})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(path, None, f"the file is over {MAX_FILE_BYTES // 1024} KiB")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(path, line, "the file is not UTF-8 text") from None


def loads(text: str, path: Path | str = "<config>") -> Config:
    """Validate config ``text``; ``path`` only names the source in errors and in the result."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, path, text) from None
    except RecursionError:  # tomllib recurses once per level of nesting
        raise ConfigError(path, None, "the file nests tables or arrays too deeply") from None
    config = _Reader(Path(path), _Layout.scan(text)).config(data)
    return replace(config, path=Path(path))


def _syntax_error(exc: tomllib.TOMLDecodeError, path: Path | str, text: str) -> ConfigError:
    message = str(exc)
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match:
        problem = f"TOML syntax error: {message[: match.start()]} (column {match.group(2)})"
        return ConfigError(path, int(match.group(1)), problem)
    end = re.search(r"\s*\(at end of document\)$", message)
    if end:
        line = max(1, len(text.splitlines()))
        return ConfigError(path, line, f"TOML syntax error: {message[: end.start()]} (at the end)")
    return ConfigError(path, None, f"TOML syntax error: {message}")


_HEADER = re.compile(r"\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*[.=]""")


@dataclass(slots=True)
class _Layout:
    """Where things are in the text, for error lines and edits (a scan, not a second parser)."""

    sections: dict[tuple[str, int], int] = field(default_factory=dict)  # (table, n) -> line
    keys: dict[tuple[str, int, str], int] = field(default_factory=dict)  # (table, n, key) -> line
    headers: list[int] = field(default_factory=list)  # every table header line
    watch_headers: list[int] = field(default_factory=list)  # each [[watch]] header line

    @classmethod
    def scan(cls, text: str) -> _Layout:
        layout = cls()
        arrays: dict[str, int] = {}
        section, index = "", 0
        open_quote: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if open_quote:
                if open_quote in line:
                    open_quote = None
                continue
            header = _HEADER.match(line)
            if header:
                name = re.sub(r"""["'\s]""", "", header.group(2))
                top, _, sub = name.partition(".")
                layout.headers.append(number)
                if header.group(1) == "[[":
                    section, index = name, arrays.get(name, 0)
                    arrays[name] = index + 1
                    if name == "watch":
                        layout.watch_headers.append(number)
                elif sub and top in arrays:  # [watch.params]: a sub-table of the latest [[watch]]
                    section, index = name, arrays[top] - 1
                    layout.keys.setdefault((top, index, sub.split(".")[0]), number)
                else:
                    section, index = name, 0
                layout.sections.setdefault((section, index), number)
                continue
            key = _KEY.match(line)
            if key:
                layout.keys.setdefault((section, index, key.group(1).strip("\"'")), number)
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    open_quote = quote
                    break
        return layout

    def line(self, section: str, index: int = 0, key: str | None = None) -> int | None:
        """The line of ``key`` in a table, else the table's header, else where the table began."""
        candidates = [self.keys.get((section, index, key))] if key else []
        if key and not section:  # a top-level table or array of tables
            candidates.append(self.sections.get((key, 0)))
        candidates += [self.sections.get((section, index)), self.keys.get(("", 0, section))]
        return next((c for c in candidates if c), None)


class _Reader:
    """Turns parsed TOML into a Config, failing at the first problem with its line.

    ``at`` is the table being read, (section, index), so errors land on the right line.
    """

    def __init__(self, path: Path, layout: _Layout, polling: PollingSettings | None = None):
        self.path = path
        self.layout = layout
        self.polling = polling or PollingSettings()
        self.at: tuple[str, int] = ("", 0)
        self.probe_tables = 0  # [[watch.probe]] tables read so far (their layout index)

    def fail(self, problem: str, key: str | None = None) -> NoReturn:
        raise ConfigError(self.path, self.layout.line(*self.at, key), problem)

    # ----- structure

    def config(self, data: dict[str, Any]) -> Config:
        self.keys(data, _ROOT_KEYS, "at the top level")
        self.polling = self.polling_settings(self.table(data, "polling"))
        notifications = self.notification_settings(self.table(data, "notifications"))
        log = self.log_settings(self.table(data, "log"))
        self.at = ("", 0)
        entries = data.get("watch", [])
        if not isinstance(entries, list):
            self.fail("'watch' must be written as [[watch]] tables", "watch")
        watches: list[Watch] = []
        tokens: list[tuple[str, str]] = []
        probes: list[tuple[str, ProbeSpec]] = []
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries):
            watch, token = self.watch(entry, index)
            probes += [(watch.name, spec) for spec in self.probes(entry, index, token)]
            self.at = ("watch", index)
            other = seen.setdefault(watch.name.casefold(), index)
            if other != index:
                first = self.layout.line("watch", other)
                where = f" (the other at line {first})" if first else ""
                self.fail(f"two watches are named {watch.name!r}{where}: rename one", "name")
            watches.append(watch)
            if token:
                tokens.append((watch.name, token))
        return Config(
            tuple(watches), self.polling, notifications, tuple(tokens), tuple(probes), log
        )

    def table(self, data: Mapping[str, Any], name: str) -> dict[str, Any]:
        self.at = ("", 0)
        value = data.get(name, {})
        if not isinstance(value, dict):
            self.fail(f"'{name}' must be a table: [{name}]", name)
        self.at = (name, 0)
        return value

    def keys(self, table: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
        """Refuse secret-named keys, then unknown ones (with a 'did you mean' for typos)."""
        self.no_secret_keys(table)
        for key in table:
            if key not in allowed:
                import difflib  # only for a mistake

                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.fail(f"unknown key '{key}' {where}{hint}; known: {', '.join(allowed)}", key)

    def no_secret_keys(self, table: Mapping[str, Any]) -> None:
        for key in table:
            if key.lower() in SECRET_KEYS:
                self.fail(f"'{key}' would hold a secret; {_SECRET_HINT}", key)

    # ----- settings

    def polling_settings(self, table: dict[str, Any]) -> PollingSettings:
        self.keys(table, [f.name for f in fields(PollingSettings)], "in [polling]")
        d = PollingSettings()
        floor = self.number(table, "min_public_interval", d.min_public_interval, PUBLIC_FLOOR)
        return PollingSettings(
            interval=self.interval(table, "interval", d.interval, floor),
            problem_interval=self.interval(table, "problem_interval", d.problem_interval, floor),
            min_public_interval=floor,
            jitter=self.number(table, "jitter", d.jitter, 0.0, MAX_JITTER),
            confirm_worse=self.integer(table, "confirm_worse", d.confirm_worse, 1, 20),
            confirm_better=self.integer(table, "confirm_better", d.confirm_better, 1, 20),
            timeout=self.number(table, "timeout", d.timeout, 1.0, 120.0),
            max_bytes=self.integer(table, "max_bytes", d.max_bytes, 64 * 1024, 100 * 1024 * 1024),
            reference_urls=self.reference_urls(table, d.reference_urls),
        )

    def reference_urls(self, table: dict[str, Any], default: tuple[str, ...]) -> tuple[str, ...]:
        urls = self.strings(table, "reference_urls")
        return default if urls is None else tuple(self.url(u, "reference_urls") for u in urls)

    def notification_settings(self, table: dict[str, Any]) -> NotificationSettings:
        self.keys(table, [f.name for f in fields(NotificationSettings)], "in [notifications]")
        d = NotificationSettings()
        return NotificationSettings(
            enabled=self.boolean(table, "enabled", d.enabled),
            quiet_hours=self.quiet_hours(table.get("quiet_hours", False)),
            group_window=self.number(table, "group_window", d.group_window, 0.0, 3600.0),
            min_severity=self.severity(table.get("min_severity", d.min_severity.value)),
            on_recovery=self.boolean(table, "on_recovery", d.on_recovery),
            on_maintenance=self.boolean(table, "on_maintenance", d.on_maintenance),
        )

    def log_settings(self, table: dict[str, Any]) -> LogSettings:
        self.keys(table, [f.name for f in fields(LogSettings)], "in [log]")
        keep = self.integer(table, "keep_days", LogSettings().keep_days, 1, MAX_KEEP_DAYS)
        return LogSettings(keep_days=keep)

    def quiet_hours(self, value: Any) -> tuple[time, time] | None:
        if value is False or value == "":
            return None
        pattern = r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*"
        match = re.fullmatch(pattern, value) if isinstance(value, str) else None
        problem = 'quiet_hours must look like "22:00-07:00" (or "" for none)'
        if not match:
            self.fail(problem, "quiet_hours")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
            self.fail(problem, "quiet_hours")
        return time(h1, m1), time(h2, m2)

    def severity(self, value: Any) -> Severity:
        words = [s.value for s in _NOTIFY_LEVELS]
        word = value.strip().lower().replace(" ", "_") if isinstance(value, str) else None
        if word not in words:
            self.fail(f"min_severity must be one of {', '.join(words)}", "min_severity")
        return Severity(word)

    # ----- watches

    def watch(self, entry: Any, index: int) -> tuple[Watch, str | None]:
        """One [[watch]] table as a Watch, plus its keyring token reference."""
        self.at = ("watch", index)
        if not isinstance(entry, dict):
            self.fail("each watch must be a table ([[watch]])")
        self.no_secret_keys(entry)
        if "service" in entry:
            for key in ("url", "format", "page", "category", "verified"):
                if key in entry:
                    self.fail(
                        f"'{key}' does not go with service = ... (a catalog service brings its "
                        "own); write url = ... instead for a source of your own",
                        key,
                    )
            self.keys(entry, _SERVICE_KEYS, "in a [[watch]] with service = ...")
            watch = self.service_watch(entry)
        elif "url" in entry:
            self.keys(entry, _URL_KEYS, "in a [[watch]] with url = ...")
            watch = self.url_watch(entry)
        else:
            self.fail('a watch needs service = "<catalog name>" or url = "<page or API URL>"')
        floor = LOOPBACK_FLOOR if is_loopback(watch.url) else self.polling.min_public_interval
        interval = self.interval(entry, "interval", watch.interval, floor)
        if interval is not None:  # a catalog interval obeys a raised floor too
            interval = max(interval, floor)
        components = self.strings(entry, "components")
        watch = replace(
            watch,
            interval=interval,
            components=watch.components if components is None else components,
            params=self.params(entry, watch.params),
        )
        token = self.token(entry)
        if "url" in entry and token is not None:
            # a url watch's token is its status API's (Alertmanager behind auth); a catalog
            # service's token is its product API key and never goes to the status page
            watch = replace(watch, token=token)
        return watch, token

    def service_watch(self, entry: dict[str, Any]) -> Watch:
        query = entry["service"]
        if not isinstance(query, str) or not query.strip():
            self.fail('service must be a catalog name, e.g. service = "github"', "service")
        found = catalog.find(query)
        if found is None:
            self.fail(f"unknown service {query!r}{_suggest(query)}", "service")
        name = self.name(entry)
        return replace(found.watch(), name=name) if name else found.watch()

    def url_watch(self, entry: dict[str, Any]) -> Watch:
        url = self.url(entry["url"], "url")
        fmt = entry.get("format", AUTO_FORMAT)
        if fmt != AUTO_FORMAT and fmt not in formats.FORMAT_NAMES:
            import difflib

            close = difflib.get_close_matches(str(fmt), formats.FORMAT_NAMES, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            known = ", ".join(formats.FORMAT_NAMES)
            self.fail(f"unknown format {fmt!r}{hint}; known: {known}, or {AUTO_FORMAT}", "format")
        endpoint = url
        parts = urlsplit(url)
        if fmt != AUTO_FORMAT and parts.path in ("", "/") and not parts.query:
            if not formats.module(fmt).DEFAULT_PATH:
                self.fail(f"format {fmt} needs the full API URL, not the page's", "url")
            endpoint = formats.endpoint(fmt, url)
        page = entry.get("page")
        page = _origin(url) if page is None else self.url(page, "page")
        category = entry.get("category")
        if category is not None and (not isinstance(category, str) or not category.strip()):
            self.fail("category must be a non-empty string", "category")
        name = self.name(entry) or _host_name(page)
        verified = self.boolean(entry, "verified", True)
        return Watch(
            name=name,
            url=endpoint,
            format=fmt,
            page_url=page,
            category=category,
            verified=verified,
        )

    def name(self, entry: dict[str, Any]) -> str | None:
        name = entry.get("name")
        if name is not None and (
            not isinstance(name, str) or not name.strip() or len(name) > 80 or "\n" in name
        ):
            self.fail("name must be one line of 1-80 characters", "name")
        return name.strip() if name else None

    def url(self, value: Any, key: str) -> str:
        """An http(s) URL without credentials in it (errors never echo the URL)."""
        if not isinstance(value, str):
            self.fail(f"{key} must be a string holding an http(s) URL", key)
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.fail(f"{key} must be an http:// or https:// URL with a host", key)
        if parts.username or parts.password:
            self.fail(f"{key} holds a user name or password; {_SECRET_HINT}", key)
        if any(k.lower() in _SECRET_QUERY for k, _ in parse_qsl(parts.query)):
            self.fail(f"{key} carries a credential in its query; {_SECRET_HINT}", key)
        return value.strip()

    def params(
        self, entry: dict[str, Any], base: tuple[tuple[str, str], ...]
    ) -> tuple[tuple[str, str], ...]:
        """Format filters (gcp product, aws region...), merged over the catalog's."""
        if "params" not in entry:
            return base
        table = entry["params"]
        if not isinstance(table, dict):
            self.fail('params must be a table, e.g. params = { region = "eu-west-1" }', "params")
        merged = dict(base)
        for key, value in table.items():
            line = self.layout.keys.get(("watch.params", self.at[1], key))
            line = line or self.layout.line(*self.at, "params")
            if key.lower() in _SECRET_QUERY or (
                isinstance(value, str) and has_credential_prefix(value)
            ):
                raise ConfigError(
                    self.path, line, f"params.{key} looks like a secret; {_SECRET_HINT}"
                )
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise ConfigError(self.path, line, f"params.{key} must be a string")
            merged[key] = str(value)
        return tuple(merged.items())

    def token(self, entry: dict[str, Any]) -> str | None:
        """The keyring entry name; a value shaped like the secret itself is refused."""
        if "token" not in entry:
            return None
        value = entry["token"]
        if not isinstance(value, str) or looks_like_secret(value):
            self.fail(
                f"token must name a keyring entry, not hold the secret; {_SECRET_HINT}", "token"
            )
        try:
            return check_name(value)
        except ValueError as exc:
            self.fail(f"token must name a keyring entry: {exc}", "token")

    # ----- probes

    def probes(self, entry: Any, index: int, token: str | None) -> list[ProbeSpec]:
        """The watch's probes: ``probe = "openai"``, a list of those, or probe tables.

        Only a catalog service lends its ``token`` to a short ``probe = "..."``: a url watch's
        token belongs to its status page and must not be sent to another host.
        """
        if not isinstance(entry, dict):
            return []
        if "probe" not in entry:
            # a catalog service with a token gets its catalog preset (e.g. OpenAI's list-models)
            found = catalog.find(str(entry.get("service", ""))) if "service" in entry else None
            if token is None or found is None or found.probe is None:
                return []
            self.at = ("watch", index)
            return [self.probe({"preset": found.probe}, token, short=True)]
        value = entry["probe"]
        lent = token if "service" in entry else None
        line = self.layout.keys.get(("watch", index, "probe"))
        inline = line is not None and line not in self.layout.headers  # not [watch.probe.x]
        items = value if isinstance(value, list) else [value]
        specs: list[ProbeSpec] = []
        for item in items:
            if isinstance(item, str):
                self.at = ("watch", index)
                specs.append(self.probe({"preset": item}, lent, short=True))
            elif isinstance(item, dict) and not inline:
                self.at = ("watch.probe", self.probe_tables)
                self.probe_tables += 1
                specs.append(self.probe(item, None))
            elif isinstance(item, dict):
                self.at = ("watch", index)
                try:
                    specs.append(self.probe(item, None))
                except ConfigError as exc:  # an inline table: its keys have no lines of their own
                    line = self.layout.line("watch", index, "probe")
                    raise ConfigError(self.path, line, exc.problem) from None
            else:
                self.at = ("watch", index)
                self.fail(
                    'probe must be a preset name (probe = "openai") or [[watch.probe]] tables',
                    "probe",
                )
        names = [s.name.casefold() for s in specs]
        if len(set(names)) != len(names):
            self.at = ("watch", index)
            self.fail("two probes of this watch have the same name: give one a name", "probe")
        return specs

    def probe(self, table: dict[str, Any], lent: str | None, *, short: bool = False) -> ProbeSpec:
        """One probe table (or a short preset name) as a ProbeSpec."""
        key = "probe" if short else None
        self.keys(table, _PROBE_KEYS, "in a [[watch.probe]]")
        name = table.get("preset")
        if name is not None:
            if not isinstance(name, str) or name.strip().lower() not in PRESETS:
                known = ", ".join(PRESETS)
                self.fail(f"unknown probe preset {name!r}; known: {known}", key or "preset")
            spec = PRESETS[name.strip().lower()]
            if "url" in table:  # a gateway or a local imitation of the API
                spec = replace(spec, url=rebase(spec.url, self.url(table["url"], "url")))
        elif "url" in table:
            spec = ProbeSpec(name="", url=self.url(table["url"], "url"))
        else:
            self.fail('a probe needs preset = "openai" (or anthropic, gemini) or url = "..."')
        costs = self.boolean(table, "costs_tokens", False)
        if spec.costs_tokens and not costs:
            self.fail(
                f"the {spec.preset} probe costs tokens (it generates text at every run): "
                "write it as a [[watch.probe]] table with costs_tokens = true to opt in",
                key or "preset",
            )
        spec = replace(spec, costs_tokens=spec.costs_tokens or costs)
        token = self.token(table) if "token" in table else lent
        insecure = plain_text_secret(spec.url) if token else None
        if insecure:
            self.fail(insecure, "url" if "url" in table else "token")
        return replace(
            spec,
            name=self.probe_name(table, spec),
            method=self.method(table, spec.method),
            expect=self.expect(table, spec.expect),
            slow_ms=self.integer(table, "slow_ms", spec.slow_ms, 1, 120_000),
            condition=self.condition(table, spec.condition),
            headers=self.headers(table, spec.headers),
            interval=self.probe_interval(table, spec),
            timeout=self.number(table, "timeout", spec.timeout, 1.0, 120.0),
            token_name=token,
            auth=self.auth(table, spec.auth),
        )

    def probe_name(self, table: dict[str, Any], spec: ProbeSpec) -> str:
        name = self.name(table)
        if name:
            return name
        if spec.preset:
            return spec.preset
        parts = urlsplit(spec.url)
        return f"{parts.netloc}{parts.path}"[:80]

    def method(self, table: dict[str, Any], default: str) -> str:
        value = table.get("method", default)
        if not isinstance(value, str) or value.strip().upper() not in _PROBE_METHODS:
            self.fail(f"method must be one of {', '.join(_PROBE_METHODS)}", "method")
        return value.strip().upper()

    def expect(self, table: dict[str, Any], default: tuple[int, ...]) -> tuple[int, ...]:
        if "expect" not in table:
            return default
        value = table["expect"]
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        try:
            if isinstance(value, str | list):
                return parse_expect(value)
        except ValueError as exc:
            self.fail(str(exc), "expect")
        self.fail('expect must be a code, a list of codes or a range like "200-299"', "expect")

    def condition(self, table: dict[str, Any], default: Any) -> Any:
        if "json" not in table:
            return default
        value = table["json"]
        if not isinstance(value, str):
            self.fail('json must be a condition string, e.g. json = "status == \\"ok\\""', "json")
        try:
            return parse_condition(value)
        except ConditionError as exc:
            self.fail(f"json: {exc}", "json")

    def headers(
        self, table: dict[str, Any], base: tuple[tuple[str, str], ...]
    ) -> tuple[tuple[str, str], ...]:
        if "headers" not in table:
            return base
        value = table["headers"]
        if not isinstance(value, dict):
            self.fail('headers must be a table, e.g. headers = { X-Probe = "tray" }', "headers")
        merged = dict(base)
        for name, text in value.items():
            if not isinstance(text, str):
                self.fail(f"header {name} must be a string", "headers")
            try:
                checked, text = check_header(name, text)
            except ValueError as exc:
                self.fail(str(exc), "headers")
            merged[checked] = text
        return tuple(merged.items())

    def probe_interval(self, table: dict[str, Any], spec: ProbeSpec) -> float:
        if is_loopback(spec.url):
            floor = LOOPBACK_FLOOR
        else:
            floor = max(spec.floor, self.polling.min_public_interval)
        if "interval" not in table:
            return max(spec.interval, floor)
        value = self.real(table["interval"], "interval")
        if value < floor:
            why = "for a probe that costs tokens" if spec.costs_tokens else "for a probe"
            self.fail(f"interval = {value:g} s is below the {floor:g} s floor {why}", "interval")
        if value > MAX_INTERVAL:
            self.fail(f"interval = {value:g} s is over a day ({MAX_INTERVAL:g} s)", "interval")
        return value

    def auth(self, table: dict[str, Any], default: Any) -> Any:
        value = table.get("auth", default)
        if value not in AUTH_SCHEMES:
            self.fail(f"auth must be one of {', '.join(AUTH_SCHEMES)}", "auth")
        return value

    # ----- scalars

    def interval(
        self, table: Mapping[str, Any], key: str, default: float | None, floor: float
    ) -> float | None:
        if key not in table:
            return default
        value = self.real(table[key], key)
        if value < floor:
            who = "loopback hosts" if floor == LOOPBACK_FLOOR else "public hosts"
            self.fail(f"{key} = {value:g} s is below the {floor:g} s floor for {who}", key)
        if value > MAX_INTERVAL:
            self.fail(f"{key} = {value:g} s is over a day ({MAX_INTERVAL:g} s)", key)
        return value

    def number(
        self,
        table: Mapping[str, Any],
        key: str,
        default: float,
        low: float,
        high: float = MAX_INTERVAL,
    ) -> float:
        value = self.real(table[key], key) if key in table else default
        if not low <= value <= high:
            self.fail(f"{key} must be between {low:g} and {high:g}", key)
        return value

    def integer(self, table: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{key} must be a whole number", key)
        if not low <= value <= high:
            self.fail(f"{key} must be between {low} and {high}", key)
        return value

    def boolean(self, table: Mapping[str, Any], key: str, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{key} must be true or false", key)
        return value

    def strings(self, table: Mapping[str, Any], key: str) -> tuple[str, ...] | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(f'{key} must be a list of non-empty strings: ["a", "b"]', key)
        return tuple(v.strip() for v in value)

    def real(self, value: Any, key: str) -> float:
        """A finite number: nan and inf pass every ``<`` test, so they are refused here."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"{key} must be a number", key)
        if not math.isfinite(value):
            self.fail(f"{key} must be a finite number, not {value}", key)
        return float(value)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _host_name(url: str) -> str:
    """A watch's default name: the page's host (with a non-default port, so loopbacks differ)."""
    return urlsplit(url).netloc.rpartition("@")[2].lower()


def _suggest(query: str) -> str:
    hint = catalog.did_you_mean(query)
    return f"{hint}; for a page that is not in the catalog, write url = ... instead"


# --------------------------------------------------------------------------- the live config


class ConfigStore:
    """The config in use: reloads keep the last good version when the file turns out broken."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.config_file()
        self.error: ConfigError | None = None
        self._current: Config | None = None
        self._stamp: tuple[int, int] | None = None

    @property
    def current(self) -> Config:
        """The last config that loaded; the built-in defaults before any has."""
        return self._current or default_config()

    def reload(self) -> Config:
        """Read the file again; on error raise ConfigError and keep ``current`` as it was."""
        self._stamp = self._stat()
        try:
            config = load(self.path)
        except ConfigError as exc:
            self.error = exc
            raise
        self._current, self.error = config, None
        return config

    def changed(self) -> bool:
        """True when the file changed (or appeared, or vanished) since the last reload."""
        return self._stat() != self._stamp

    def _stat(self) -> tuple[int, int] | None:
        try:
            info = self.path.stat()
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size


# --------------------------------------------------------------------------- editing


def add_watch(
    path: Path,
    *,
    service: str | None = None,
    url: str | None = None,
    name: str | None = None,
    format: str | None = None,
    page: str | None = None,
    interval: float | None = None,
    components: Iterable[str] = (),
    params: Mapping[str, str] | None = None,
    token: str | None = None,
    category: str | None = None,
    verified: bool = True,
) -> Config:
    """Append a [[watch]] to the file (creating it with the defaults if missing); return the result.

    Refuses a name already watched and anything the file would reject, before touching the file.
    """
    if (service is None) == (url is None):
        raise ValueError("add_watch needs exactly one of service and url")
    entry: dict[str, Any] = {"service": service} if service is not None else {}
    entry.update(
        (k, v)
        for k, v in (
            ("url", url),
            ("format", format),
            ("page", page),
            ("name", name),
            ("category", category),
        )
        if v is not None
    )
    if not verified:  # from the generated catalog: the engine re-detects it if unreadable
        entry["verified"] = False
    if interval is not None:
        entry["interval"] = int(interval) if float(interval).is_integer() else float(interval)
    if components:
        entry["components"] = list(components)
    if params:
        entry["params"] = dict(params)
    if token is not None:
        entry["token"] = token
    text = _text_for_edit(path)
    current = loads(text, path)
    watch, _ = _Reader(path, _Layout(), current.polling).watch(entry, 0)  # errors: no line
    if current.watch(watch.name) is not None:
        raise ConfigError(
            path, None, f"a watch named {watch.name!r} is already configured; pick another name"
        )
    block = render_watch(entry)
    return _save(path, text.rstrip("\n") + "\n\n" + block if text.strip() else block)


def remove_watch(path: Path, name: str) -> Config:
    """Remove the watch called ``name`` (or the catalog service it names); return the result."""
    text = _text_for_edit(path)
    current = loads(text, path)
    index = _find_watch(current, name)
    if index is None:
        raise _no_such_watch(path, current, name)
    layout = _Layout.scan(text)
    if len(layout.watch_headers) != len(current.watches):
        raise ConfigError(
            path, None, "the watches are not all [[watch]] tables: edit the file by hand"
        )
    return _save(path, _cut_table(text, layout, layout.watch_headers[index]))


WATCH_EDITABLE = ("interval", "components", "token")
NOTIFY_EDITABLE = tuple(f.name for f in fields(NotificationSettings))


def update_watch(path: Path, name: str, **changes: Any) -> Config:
    """Set (or, given None or an empty list, remove) ``interval``, ``components`` or ``token``
    of the watch called ``name``, keeping the rest of the file as written; return the result.

    ``token`` is a keyring entry *name* (the file refuses anything shaped like a secret).
    """
    unknown = set(changes) - set(WATCH_EDITABLE)
    if unknown:
        raise ValueError(f"update_watch cannot change {', '.join(sorted(unknown))}")
    import tomlkit  # only edits need it

    text = _text_for_edit(path)
    current = loads(text, path)
    index = _find_watch(current, name)
    if index is None:
        raise _no_such_watch(path, current, name)
    doc = tomlkit.parse(text)
    table = doc["watch"][index]  # type: ignore[index]
    for key, value in changes.items():
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, tuple):
            value = list(value)
        if value is None or value == []:
            table.pop(key, None)
        else:
            table[key] = value
    return _save(path, tomlkit.dumps(doc))


def update_notifications(path: Path, **changes: Any) -> Config:
    """Set fields of [notifications] (NotificationSettings names and values; quiet_hours None
    or a (start, end) pair of times), creating the table if needed; return the result."""
    unknown = set(changes) - set(NOTIFY_EDITABLE)
    if unknown:
        raise ValueError(f"update_notifications cannot change {', '.join(sorted(unknown))}")
    import tomlkit

    text = _text_for_edit(path)
    loads(text, path)  # refuse to edit a file that is already broken
    doc = tomlkit.parse(text)
    if "notifications" not in doc:
        doc["notifications"] = tomlkit.table()
    table = doc["notifications"]
    for key, value in changes.items():
        if key == "quiet_hours":
            value = "" if value is None else "-".join(t.strftime("%H:%M") for t in value)
        elif isinstance(value, Severity):
            value = value.value
        table[key] = value  # type: ignore[index]
    return _save(path, tomlkit.dumps(doc))


def render_watch(entry: Mapping[str, Any]) -> str:
    """A [[watch]] table as TOML text (strings escaped by tomlkit, params inline)."""
    import tomlkit  # only edits need it

    table = tomlkit.table()
    for key, value in entry.items():
        if isinstance(value, Mapping):
            inline = tomlkit.inline_table()
            inline.update(value)
            table.add(key, inline)
        else:
            table.add(key, value)
    doc = tomlkit.document()
    aot = tomlkit.aot()
    aot.append(table)
    doc.add("watch", aot)
    return tomlkit.dumps(doc)


def new_file_text() -> str:
    """A fresh config: a short commented header and the default services spelled out."""
    blocks = [render_watch({"service": entry.id}) for entry in catalog.defaults()]
    return NEW_FILE_HEADER + "\n" + "\n".join(blocks)


def _text_for_edit(path: Path) -> str:
    try:
        return read_text(path)
    except FileNotFoundError:
        return new_file_text()


def _no_such_watch(path: Path, config: Config, name: str) -> ConfigError:
    """'no watch named 'slakc' (did you mean 'Slack'?); watched: ...'"""
    import difflib  # only for a mistake

    by_key = {w.name.casefold(): w.name for w in config.watches}
    close = difflib.get_close_matches(name.strip().casefold(), by_key, n=1, cutoff=0.6)
    hint = f" (did you mean {by_key[close[0]]!r}?)" if close else ""
    names = ", ".join(repr(w.name) for w in config.watches) or "none"
    return ConfigError(path, None, f"no watch named {name!r}{hint}; watched: {names}")


def find_watch(config: Config, name: str) -> Watch | None:
    """The watch called ``name``, or watching the catalog service ``name`` names (alias, id)."""
    index = _find_watch(config, name)
    return None if index is None else config.watches[index]


def _find_watch(config: Config, name: str) -> int | None:
    wanted = name.strip().casefold()
    for index, watch in enumerate(config.watches):
        if watch.name.casefold() == wanted:
            return index
    entry = catalog.find(name)
    if entry is None:
        return None
    return next(
        (
            i
            for i, w in enumerate(config.watches)
            if (w.url, w.format) == (entry.endpoint, entry.format)
        ),
        None,
    )


def _cut_table(text: str, layout: _Layout, header: int) -> str:
    """``text`` without the table whose header is on line ``header``, and its own comments.

    Comment lines directly above a header (no blank line between) belong to that header.
    """
    lines = text.splitlines(keepends=True)
    start = header - 1
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    end = next((h - 1 for h in layout.headers if h > header), len(lines))
    while end - 1 > header - 1 and lines[end - 1].lstrip().startswith("#"):
        end -= 1
    kept = lines[:start] + lines[end:]
    if 0 < start < len(kept) and not kept[start - 1].strip() and not kept[start].strip():
        del kept[start]
    return "".join(kept)


def _save(path: Path, text: str) -> Config:
    """Validate ``text`` as the new file, then write it atomically; return what it says."""
    try:
        config = loads(text, path)
    except ConfigError as exc:
        raise ConfigError(path, None, f"the edit would break the file ({exc.problem})") from None
    try:
        write_atomic(path, text)
    except OSError as exc:  # a read-only or full disk, a config dir that is a file...
        raise ConfigError(path, None, f"cannot write the file ({exc.strerror or exc})") from None
    return config


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (temp file + rename), through any symlink."""
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with suppress(FileNotFoundError):
            os.chmod(temp, target.stat().st_mode & 0o7777)
        os.replace(temp, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temp)
        raise
