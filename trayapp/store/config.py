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

import os
import stat
import tomllib
from dataclasses import replace
from pathlib import Path

from trayapp.errors import ConfigError
from trayapp.store import paths
from trayapp.store.config_layout import _Layout, _syntax_error
from trayapp.store.config_reader import _Reader
from trayapp.store.config_values import MAX_FILE_BYTES, Config, default_config

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


# --------------------------------------------------------------------------- the file, watched


class ConfigFile:
    """The config file as a running app reads it: read, and tell whether it changed on disk
    since. It holds no config: the one in use is the app's, and a read that fails (a
    ConfigError) leaves that as it was."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.config_file()
        self._stamp: tuple[int, int] | None = None

    def read(self) -> Config:
        """Read the file again (raising ConfigError when it is broken); either way, the version
        on disk now counts as seen, so a broken file is not read again until it changes."""
        self._stamp = self._stat()
        return load(self.path)

    def changed(self) -> bool:
        """True when the file changed (or appeared, or vanished) since the last read."""
        return self._stat() != self._stamp

    def _stat(self) -> tuple[int, int] | None:
        try:
            info = self.path.stat()
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size
