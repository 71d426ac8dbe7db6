"""Parsed TOML to a Config, failing at the first problem with its file and line; unknown and
secret-named keys are refused, settings are read from their declaration."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from datetime import time
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qsl, urlsplit

from trayapp import formats
from trayapp.core.model import Severity, Watch
from trayapp.core.settings import NOTIFY_LEVELS, SECTIONS, PollingSettings, Setting, declared
from trayapp.errors import ConditionError, ConfigError
from trayapp.probes.condition import parse_condition
from trayapp.probes.credentials import has_credential_prefix, looks_like_secret
from trayapp.probes.spec import AUTH_SCHEMES, PRESETS, ProbeSpec, check_header, parse_expect, rebase
from trayapp.store import catalog
from trayapp.store.config_layout import _Layout
from trayapp.store.config_values import (
    _PROBE_KEYS,
    _PROBE_METHODS,
    _ROOT_KEYS,
    _SECRET_HINT,
    _SECRET_QUERY,
    _SERVICE_KEYS,
    _URL_KEYS,
    AUTO_FORMAT,
    MAX_INTERVAL,
    SECRET_KEYS,
    Config,
)
from trayapp.store.secrets import check_name
from trayapp.urls import (
    LOOPBACK_FLOOR,
    PUBLIC_FLOOR,
    is_loopback,
    plain_text_secret,
)


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
        self.polling = self.settings("polling", self.table(data, "polling"))
        notifications = self.settings("notifications", self.table(data, "notifications"))
        log = self.settings("log", self.table(data, "log"))
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

    def settings(self, section: str, table: dict[str, Any]) -> Any:
        """A settings section, each key read as its declaration (trayapp.core.settings) says."""
        kind = SECTIONS[section]
        self.keys(table, [f.name for f in fields(kind)], f"in [{section}]")
        floor = PUBLIC_FLOOR
        if section == "polling":  # the intervals' floor, which the file may raise
            low = PollingSettings().min_public_interval
            floor = self.number(table, "min_public_interval", low, PUBLIC_FLOOR)
        values = {
            f.name: self.setting(table, f.name, f.default, d, floor) for f, d in declared(kind)
        }
        return kind(**values)

    def setting(
        self, table: dict[str, Any], key: str, default: Any, d: Setting, floor: float
    ) -> Any:
        low = d.low if d.low is not None else 0.0
        high = d.high if d.high is not None else MAX_INTERVAL
        match d.kind:
            case "interval":
                return self.interval(table, key, default, floor)
            case "number":
                return self.number(table, key, default, low, high)
            case "integer":
                return self.integer(table, key, default, int(low), int(high))
            case "boolean":
                return self.boolean(table, key, default)
            case "urls":
                urls = self.strings(table, key)
                return default if urls is None else tuple(self.url(u, key) for u in urls)
            case "quiet_hours":
                return self.quiet_hours(table.get(key, False))
            case "severity":
                return self.severity(table.get(key, default.value))

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
        words = [s.value for s in NOTIFY_LEVELS]
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
