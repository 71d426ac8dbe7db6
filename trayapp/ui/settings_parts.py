"""What the Settings window's tabs share: previews of a watch in words, the runner that runs
them on the app's asyncio loop, interval and component lists, and the message line."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable, Coroutine, Iterable, Sequence
from itertools import count
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTabWidget,
    QWidget,
)

from trayapp import formats
from trayapp.core.model import Watch
from trayapp.engine.preview import Preview
from trayapp.store import secrets
from trayapp.store.config_values import Config
from trayapp.ui.uptime_bars import muted

INTERVALS = (30, 60, 120, 300, 600, 900, 1800, 3600)  # seconds offered for a public page
LOOPBACK_INTERVALS = (1, 5, 10, 15)  # extra choices for a page on this machine
ERROR_STYLE = "QLabel { background: #fde7e9; color: #7a1020; border: 1px solid #e8a0a8; }"
OK_STYLE = "QLabel { background: #e6f4ea; color: #0d5223; border: 1px solid #9ccfab; }"
DataRole = Qt.ItemDataRole.UserRole


# --------------------------------------------------------------------------- previews


Detect = Callable[[str], Coroutine[Any, Any, Preview]]  # e.g. Engine.detect_preview
Check = Callable[[Watch], Coroutine[Any, Any, Preview]]  # e.g. Engine.check_preview


def preview_summary(preview: Preview) -> str:
    """'Atlassian Statuspage · endpoint https://… · 12 components, 1 open incident · now …'."""
    parts = [format_title(preview.watch.format), f"endpoint {preview.watch.url}"]
    reading = preview.reading
    if reading.error is not None:
        parts.append(f"could not be read: {reading.error}")
    else:
        counts = [plural(len(preview.components), "component")]
        counts.append(plural(len(reading.open_incidents), "open incident"))
        if reading.active_maintenances:
            counts.append(plural(len(reading.active_maintenances), "maintenance"))
        parts.append(", ".join(counts))
        parts.append(f"now {reading.severity.label}")
    return " · ".join(parts)


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


class Runner(QObject):
    """Runs one coroutine at a time on the app's asyncio loop, which qasync runs inside Qt's:
    no thread and no loop of its own, and the UI never waits (the I/O runs between events).

    ``done(ticket, result, error)`` is emitted when it ends. A newer ``start`` cancels the one
    before and makes its ticket stale, so a late answer to an old question is ignored by whoever
    checks ``current``; ``cancel`` (a dialog closed mid-preview) ends it without an answer.
    """

    done = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tickets = count(1)
        self.current = 0
        self._task: asyncio.Task[Any] | None = None

    def start(self, make: Callable[[], Coroutine[Any, Any, Any]]) -> int:
        self.cancel()
        ticket = self.current = next(self._tickets)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # the app's loop is not up (it failed to start): say so, later
            missing = RuntimeError("the app's network loop is not running")
            QTimer.singleShot(0, self, lambda: self._emit(ticket, None, missing))
            return ticket
        self._task = loop.create_task(make(), name=f"settings preview {ticket}")
        self._task.add_done_callback(lambda task: self._ended(ticket, task))
        return ticket

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _ended(self, ticket: int, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            return
        error = task.exception()
        self._emit(ticket, None if error is not None else task.result(), error)

    def _emit(self, ticket: int, result: object, error: BaseException | None) -> None:
        with contextlib.suppress(RuntimeError):  # the window was closed and deleted meanwhile
            self.done.emit(ticket, result, error)


# --------------------------------------------------------------------------- small words


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


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
    worker: Runner
    tabs: QTabWidget
    detect: Detect
    check: Check

    def _saved(self, result: Config, text: str, *, select_last: bool = False) -> None:
        raise NotImplementedError

    def _widget(self) -> QWidget:
        """The window itself, as the parent of what a tab opens."""
        return cast(QWidget, self)
