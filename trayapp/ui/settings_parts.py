"""What the Settings window's tabs share: previews of a watch, the worker that runs them off the
UI thread, interval and component lists, and the message line."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import count
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTabWidget,
    QWidget,
)

from trayapp import formats
from trayapp.core.model import Reading, Watch
from trayapp.store import secrets
from trayapp.store.config_values import Config
from trayapp.ui.uptime_bars import muted

INTERVALS = (30, 60, 120, 300, 600, 900, 1800, 3600)  # seconds offered for a public page
LOOPBACK_INTERVALS = (1, 5, 10, 15)  # extra choices for a page on this machine
ERROR_STYLE = "QLabel { background: #fde7e9; color: #7a1020; border: 1px solid #e8a0a8; }"
OK_STYLE = "QLabel { background: #e6f4ea; color: #0d5223; border: 1px solid #9ccfab; }"
DataRole = Qt.ItemDataRole.UserRole


# --------------------------------------------------------------------------- previews


@dataclass(frozen=True, slots=True)
class Preview:
    """What a watch would read as: shown before it is saved. ``watch`` has no component filter."""

    watch: Watch
    reading: Reading
    evidence: str = ""

    @property
    def components(self) -> list[str]:
        return list(dict.fromkeys(c.name for c in self.reading.components))

    def summary(self) -> str:
        """'Atlassian Statuspage · endpoint https://… · 12 components, 1 open incident'."""
        parts = [format_title(self.watch.format), f"endpoint {self.watch.url}"]
        reading = self.reading
        if reading.error is not None:
            parts.append(f"could not be read: {reading.error}")
        else:
            counts = [plural(len(self.components), "component")]
            counts.append(plural(len(reading.open_incidents), "open incident"))
            if reading.active_maintenances:
                counts.append(plural(len(reading.active_maintenances), "maintenance"))
            parts.append(", ".join(counts))
            parts.append(f"now {reading.severity.label}")
        return " · ".join(parts)


Detect = Callable[[str], Awaitable[Preview]]
Check = Callable[[Watch], Awaitable[Preview]]


async def detect_preview(url: str) -> Preview:
    """Find the format behind ``url`` and read it once (DetectionError when nothing fits)."""
    from trayapp.engine import discovery, poll
    from trayapp.net import fetch

    async with fetch.make_client() as client:
        found = await discovery.discover(client, url)
        watch = Watch(
            name=default_name(found.page_url),
            url=found.endpoint,
            format=found.format,
            page_url=found.page_url,
            params=found.params,
        )
        return Preview(watch, await poll.check_once(client, watch), found.evidence)


async def check_preview(watch: Watch) -> Preview:
    """Read ``watch`` once, every component included (the filter is what the user picks)."""
    from trayapp.engine import poll
    from trayapp.net import fetch

    watch = replace(watch, components=())
    async with fetch.make_client() as client:
        return Preview(watch, await poll.check_once(client, watch))


def format_title(name: str) -> str:
    """'Atlassian Statuspage' for 'statuspage'; the name itself for one we do not know."""
    try:
        return str(formats.module(name).TITLE)
    except (KeyError, ImportError, AttributeError):
        return name


def problem_text(error: object) -> str:
    """An exception (or any object) as words for the window, never as a traceback."""
    text = " ".join(str(error).split())
    return text or type(error).__name__


class Worker(QObject):
    """Runs one coroutine at a time per ticket in a worker thread; results come back queued.

    ``done(ticket, result, error)`` is emitted in the Qt thread. A newer ``start`` makes older
    tickets stale, so a slow answer to an old question is ignored by whoever checks ``current``.
    """

    done = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tickets = count(1)
        self.current = 0

    def start(self, make: Callable[[], Awaitable[Any]]) -> int:
        ticket = self.current = next(self._tickets)

        def work() -> None:
            result: Any = None
            error: BaseException | None = None
            try:
                result = asyncio.run(_awaited(make))
            except Exception as exc:  # handed to the UI, which says it in words
                error = exc
            with contextlib.suppress(RuntimeError):  # the window was closed and deleted meanwhile
                self.done.emit(ticket, result, error)

        threading.Thread(target=work, name=f"trayapp-preview-{ticket}", daemon=True).start()
        return ticket


async def _awaited(make: Callable[[], Awaitable[Any]]) -> Any:
    return await make()


# --------------------------------------------------------------------------- small words


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def default_name(page_url: str) -> str:
    return (urlsplit(page_url).hostname or page_url).removeprefix("www.")


def interval_text(seconds: float) -> str:
    """'every 30 s', 'every 5 min', 'every 1 h'."""
    whole = int(seconds)
    if whole >= 3600 and whole % 3600 == 0:
        return f"every {whole // 3600} h"
    if whole >= 60 and whole % 60 == 0:
        return f"every {whole // 60} min"
    return f"every {seconds:g} s"


def token_entry_name(watch_name: str) -> str:
    """The keyring entry for a watch's token: 'github-token', 'status.example.com-token'."""
    slug = re.sub(r"[^A-Za-z0-9._@-]+", "-", watch_name.strip().lower()).strip("-._@")
    return secrets.check_name(f"{(slug or 'service')[:56]}-token")


def fill_intervals(box: QComboBox, default: float, current: float | None, loopback: bool) -> None:
    """The interval choices: the default first, then fixed steps above the host's floor."""
    box.clear()
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    box.addItem(f"Default ({interval_text(default)})", None)
    choices: list[float] = [*LOOPBACK_INTERVALS, *INTERVALS] if loopback else list(INTERVALS)
    if current is not None and current not in choices:
        choices = sorted([*choices, current])
    for seconds in choices:
        box.addItem(interval_text(seconds).capitalize(), float(seconds))
    box.setCurrentIndex(max(0, box.findData(None if current is None else float(current))))


def fill_components(
    widget: QListWidget, names: Iterable[str], checked: Sequence[str], allow_all: bool = True
) -> None:
    """Checkable component names; the chosen ones first-class, unknown chosen ones kept."""
    widget.clear()
    chosen = {c.casefold() for c in checked}
    for name in dict.fromkeys([*names, *checked]):
        item = QListWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        on = name.casefold() in chosen
        item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        widget.addItem(item)


def checked_components(widget: QListWidget) -> tuple[str, ...]:
    return tuple(
        widget.item(r).text()
        for r in range(widget.count())
        if widget.item(r).checkState() == Qt.CheckState.Checked
    )


def heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    muted(label)
    return label


class MessageLine(QLabel):
    """One line of feedback: an error (kept until the next action) or a confirmation."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setContentsMargins(8, 5, 8, 5)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setVisible(False)
        self.is_error = False

    def error(self, text: str) -> None:
        self._show(text, ERROR_STYLE, True)

    def ok(self, text: str) -> None:
        self._show(text, OK_STYLE, False)

    def clear_message(self) -> None:
        self.setText("")
        self.setVisible(False)
        self.is_error = False

    def _show(self, text: str, style: str, is_error: bool) -> None:
        self.setStyleSheet(style)
        self.setText(text)
        self.setVisible(True)
        self.is_error = is_error


class SettingsTab:
    """What a tab of the Settings window uses of the window (which provides all of it)."""

    config_path: Path
    current: Config | None
    hub: QObject | None
    message: MessageLine
    worker: Worker
    tabs: QTabWidget
    detect: Detect
    check: Check

    def _saved(self, result: Config, text: str, *, select_last: bool = False) -> None:
        raise NotImplementedError

    def _widget(self) -> QWidget:
        """The window itself, as the parent of what a tab opens."""
        return cast(QWidget, self)
