"""What a config holds (``Config``: watches, settings, tokens, probes) and the limits and key names
the reader and the editor share."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from trayapp import formats
from trayapp.core.model import Watch
from trayapp.core.settings import LogSettings, NotificationSettings, PollingSettings
from trayapp.probes.spec import ProbeSpec
from trayapp.store import catalog
from trayapp.urls import (
    needs_internet,
)

AUTO_FORMAT = formats.AUTO  # a url watch without ``format``: the engine detects it on first poll


MAX_INTERVAL = 86_400.0


DEFAULT_MAX_BYTES = 5 * 1024 * 1024  # same cap as trayapp.net.fetch.MAX_BYTES


MAX_FILE_BYTES = 1024 * 1024  # a config file larger than this is not a hand-written one


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


NEW_FILE_HEADER = """\
# trayapp configuration. Edit freely: trayapp checks it and keeps the last good version.
# A watch is `service = "<catalog name>"` or `url = "..."` (+ format, name, page, interval,
# components, params). Tokens never go here: run `trayapp secret set NAME`, then token = "NAME".
# Settings go in [polling] and [notifications]; `trayapp watch add|remove|list` edit the watches.
"""


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the file says; ``path`` is None for the built-in defaults (no file yet)."""

    watches: tuple[Watch, ...] = ()
    polling: PollingSettings = field(default_factory=PollingSettings)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    tokens: tuple[tuple[str, str], ...] = ()  # watch name -> keyring entry name
    probes: tuple[tuple[str, ProbeSpec], ...] = ()  # watch name -> probe, in file order
    log: LogSettings = field(default_factory=LogSettings)
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
