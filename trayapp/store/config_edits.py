"""Edits of the config file that keep the user's comments and layout: add, remove or change a
watch, change the notification settings; each result is validated before it is written,
atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import fields
from pathlib import Path
from typing import Any

from trayapp.core.model import Severity, Watch
from trayapp.core.settings import NotificationSettings
from trayapp.errors import ConfigError
from trayapp.store import catalog
from trayapp.store.config import loads, read_text
from trayapp.store.config_layout import _Layout
from trayapp.store.config_reader import _Reader
from trayapp.store.config_values import NEW_FILE_HEADER, Config


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
    table = doc["watch"][index]
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
        table[key] = value
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
