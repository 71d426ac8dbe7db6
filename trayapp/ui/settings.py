"""The Settings window: watched services, notifications, API tokens and start at login.

Every change goes through ``trayapp.config``'s editing functions (the file keeps its comments,
and an edit the file would refuse is refused before anything is written), then the new Config
is announced on ``hub.config_changed`` so the app applies it. Tokens go to the system keyring
(``trayapp.secrets``); the config only names the entry (``token = "<service>-token"``).

Problems are shown in words in the window, never as a traceback: a broken config file (the
file is left alone and nothing can be saved until it is fixed), a locked or missing keyring,
a page that cannot be detected. What was typed stays in the form, so nothing is lost.

Detection and previews run off the UI thread: each in a short-lived worker thread with its own
asyncio loop (``asyncio.run``), the result handed back through a queued Qt signal. So they work
the same with or without qasync, and the UI never waits on the network. Both are injectable
(``detect=``, ``check=``) for tests that must not leave the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import threading
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import time
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QTimeEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trayapp import autostart, catalog, catalog_search, config, formats, secrets
from trayapp.config import Config, ConfigError
from trayapp.model import Reading, Severity, Watch
from trayapp.ui.screen import fit_to_screen
from trayapp.ui.uptime_bars import muted

INTERVALS = (30, 60, 120, 300, 600, 900, 1800, 3600)  # seconds offered for a public page
LOOPBACK_INTERVALS = (1, 5, 10, 15)  # extra choices for a page on this machine
MIN_SEVERITIES = (
    Severity.MAINTENANCE,
    Severity.DEGRADED,
    Severity.PARTIAL_OUTAGE,
    Severity.MAJOR_OUTAGE,
)
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
            counts = [_count(len(self.components), "component")]
            counts.append(_count(len(reading.open_incidents), "open incident"))
            if reading.active_maintenances:
                counts.append(_count(len(reading.active_maintenances), "maintenance"))
            parts.append(", ".join(counts))
            parts.append(f"now {reading.severity.label}")
        return " · ".join(parts)


Detect = Callable[[str], Awaitable[Preview]]
Check = Callable[[Watch], Awaitable[Preview]]


async def detect_preview(url: str) -> Preview:
    """Find the format behind ``url`` and read it once (DetectionError when nothing fits)."""
    from trayapp import discovery, fetch, poll

    async with fetch.make_client() as client:
        found = await discovery.discover(client, url)
        watch = Watch(
            name=_default_name(found.page_url),
            url=found.endpoint,
            format=found.format,
            page_url=found.page_url,
            params=found.params,
        )
        return Preview(watch, await poll.check_once(client, watch), found.evidence)


async def check_preview(watch: Watch) -> Preview:
    """Read ``watch`` once, every component included (the filter is what the user picks)."""
    from trayapp import fetch, poll

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


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _default_name(page_url: str) -> str:
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
    choices = [*LOOPBACK_INTERVALS, *INTERVALS] if loopback else list(INTERVALS)
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


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _hint(text: str) -> QLabel:
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


# --------------------------------------------------------------------------- adding a service


RESULTS_SHOWN = 50  # search results listed in the add-service dialog


class AddServiceDialog(QDialog):
    """Add a service from the catalog (searched as you type, over all of it) or by URL (detected).

    Either way a preview says what the page reads as before anything is saved; a URL can only
    be added once detection found its format. ``added`` carries the new Config.
    """

    added = Signal(object)

    def __init__(
        self,
        config_path: Path,
        current: Config,
        worker: Worker,
        detect: Detect,
        check: Check,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.config_path = config_path
        self.current = current
        self.worker = worker
        self.detect, self.check = detect, check
        self.entry: catalog.CatalogEntry | None = None
        self.preview: Preview | None = None
        self._ticket = 0
        self.setWindowTitle("Add a service")
        fit_to_screen(self, 640, 600)
        self._build()
        worker.done.connect(self._finished)

    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search 1,000+ services: GitHub, Stripe, iCloud Mail, AWS…")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.choose_first)
        self._typing = QTimer(self)  # a search per pause in typing, not per keystroke
        self._typing.setSingleShot(True)
        self._typing.setInterval(120)
        self._typing.timeout.connect(self.show_results)
        self.search.textChanged.connect(lambda _text: self._typing.start())

        self.results = QTreeWidget()
        self.results.setColumnCount(3)
        self.results.setHeaderLabels(["Service", "Category", "Format"])
        self.results.setRootIsDecorated(False)
        self.results.setMinimumHeight(150)
        self.results.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.results.header().setStretchLastSection(False)
        self.results.itemClicked.connect(
            lambda item, _col: item.data(0, DataRole) and self.choose(item.data(0, DataRole))
        )

        self.url = QLineEdit()
        self.url.setPlaceholderText("https://status.example.com")
        self.url.returnPressed.connect(self.run_detect)
        self.detect_button = QPushButton("Detect")
        self.detect_button.clicked.connect(self.run_detect)

        self.preview_label = QLabel("Pick a service or enter a status page URL.")
        self.preview_label.setWordWrap(True)
        self.preview_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.preview_label.setContentsMargins(8, 6, 8, 6)
        self.preview_label.setMinimumHeight(48)
        self.name = QLineEdit()
        self.interval = QComboBox()
        self.components = QListWidget()
        self.components.setMinimumHeight(90)
        self.message = MessageLine()

        url_row = QHBoxLayout()
        url_row.addWidget(self.url, 1)
        url_row.addWidget(self.detect_button)
        form = QFormLayout()
        form.addRow("Name in the tray", self.name)
        form.addRow("Check", self.interval)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = buttons.addButton("Add", QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setEnabled(False)
        self.add_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(_heading("From the catalog"))
        layout.addWidget(self.search)
        layout.addWidget(self.results, 2)
        layout.addWidget(_heading("Or paste any status page URL"))
        layout.addLayout(url_row)
        layout.addWidget(_heading("Preview"))
        layout.addWidget(self.preview_label)
        layout.addLayout(form)
        layout.addWidget(QLabel("Only these components matter (none checked: the whole page):"))
        layout.addWidget(self.components, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self._intervals(None)
        self.show_results()

    # ----- choosing

    def show_results(self) -> None:
        """The entries matching the search box, best first; the hand-checked ones while it is
        empty (the whole catalog is read on the first search, not when the dialog opens)."""
        query = self.search.text().strip()
        if self.entry is not None and query == self.entry.name:
            return  # the box shows what was chosen: keep the list as it is
        if query:
            shown = [m.entry for m in catalog_search.search(query, limit=RESULTS_SHOWN)]
        else:
            shown = list(catalog.entries())
        watched = {(w.url, w.format, w.params) for w in self.current.watches}
        self.results.clear()
        for entry in shown:
            taken = (entry.endpoint, entry.format, entry.params) in watched
            item = QTreeWidgetItem(
                [
                    entry.name + (" (watched)" if taken else ""),
                    entry.category,
                    format_title(entry.format),
                ]
            )
            item.setData(0, DataRole, entry.id)
            if taken:
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results.addTopLevelItem(item)
        for column in (1, 2):
            self.results.resizeColumnToContents(column)
        if query and not shown:
            self.preview_label.setText("No service in the catalog matches; paste its URL below.")

    def choose_first(self) -> None:
        """Enter in the search box: a pasted URL is detected, else the best result is chosen."""
        text = self.search.text().strip()
        if "://" in text:
            self.url.setText(text)
            self.run_detect()
            return
        self._typing.stop()
        self.show_results()
        for index in range(self.results.topLevelItemCount()):
            item = self.results.topLevelItem(index)
            if item.flags() & Qt.ItemFlag.ItemIsEnabled:
                self.choose(item.data(0, DataRole))
                return
        self.choose(text)

    def choose(self, query: str) -> None:
        """Pick a catalog entry by name, alias or id, and preview it."""
        entry = catalog.find(query)
        if entry is None:
            self.message.error(f"{query!r} is not in the catalog; enter its status page URL.")
            return
        self.entry, self.preview = entry, None
        self.search.setText(entry.name)
        self.name.setText(entry.name)
        self._intervals(entry.watch())
        self.components.clear()
        self.message.clear_message()
        self.add_button.setEnabled(True)  # the catalog is verified; the preview is a courtesy
        self.preview_label.setText(
            f"{entry.name} · {format_title(entry.format)} · endpoint {entry.endpoint} · checking…"
        )
        self._ticket = self.worker.start(lambda: self.check(entry.watch()))

    def run_detect(self) -> None:
        url = self.url.text().strip()
        if "://" not in url and url:
            url = "https://" + url
        if not url:
            self.message.error("Enter the address of a status page first.")
            return
        self.entry, self.preview = None, None
        self.add_button.setEnabled(False)
        self.detect_button.setEnabled(False)
        self.message.clear_message()
        self.preview_label.setText(f"Looking at {url} …")
        self._ticket = self.worker.start(lambda: self.detect(url))

    def _finished(self, ticket: int, result: object, error: object) -> None:
        if ticket != self._ticket:
            return  # an answer to an older question
        self.detect_button.setEnabled(True)
        if error is not None or not isinstance(result, Preview):
            problem = problem_text(error) if isinstance(error, BaseException) else "no answer"
            if self.entry is not None:
                self.preview_label.setText(
                    f"{self.entry.name} · {format_title(self.entry.format)} · "
                    f"could not check it now ({problem}); it can still be added."
                )
            else:
                self.preview_label.setText("Nothing was detected.")
                self.message.error(f"Detection failed: {problem}")
            return
        self.preview = result
        self.preview_label.setText(result.summary())
        fill_components(self.components, result.components, ())
        if self.entry is None:
            page_name = result.reading.page_name
            self.name.setText(page_name or result.watch.name)
            self._intervals(result.watch)
            self.add_button.setEnabled(True)

    def _intervals(self, watch: Watch | None) -> None:
        loopback = watch is not None and config.is_loopback(watch.url)
        default = self.current.polling.interval
        fill_intervals(self.interval, default, watch.interval if watch else None, loopback)

    # ----- saving

    def save(self) -> None:
        name = self.name.text().strip() or None
        interval = self.interval.currentData()
        components = checked_components(self.components)
        try:
            if self.entry is not None:
                fields = self.entry.config_fields()
                if (name is not None and name != self.entry.name) or "name" in fields:
                    fields["name"] = name or self.entry.name
                result = config.add_watch(
                    self.config_path, **fields, interval=interval, components=components
                )
            elif self.preview is not None:
                watch = self.preview.watch
                result = config.add_watch(
                    self.config_path,
                    url=watch.url,
                    format=watch.format,
                    page=watch.page_url,
                    params=dict(watch.params) or None,
                    name=name,
                    interval=interval,
                    components=components,
                )
            else:
                self.message.error("Pick a service or detect a URL first.")
                return
        except (ConfigError, ValueError, OSError) as exc:
            self.message.error(f"Not added: {problem_text(exc)}")
            return
        self.added.emit(result)
        self.accept()


# --------------------------------------------------------------------------- the window


def is_demo_profile(config_path: Path) -> bool:
    """Whether this is ``trayapp demo``'s throw-away profile (its config starts with a marker)."""
    from trayapp.demo import MARKER

    try:
        with config_path.open(encoding="utf-8", errors="replace") as file:
            return file.readline().startswith(MARKER)
    except OSError:
        return False


class SettingsWindow(QWidget):
    """Settings; see the module docstring. ``saved`` carries each Config written."""

    saved = Signal(object)

    def __init__(
        self,
        config_path: Path,
        hub: QObject | None = None,
        *,
        detect: Detect = detect_preview,
        check: Check = check_preview,
    ) -> None:
        super().__init__()
        self.config_path = Path(config_path)
        self.hub = hub
        self.detect, self.check = detect, check
        self.current: Config | None = None
        self.add_dialog: AddServiceDialog | None = None
        self.confirm_remove: Callable[[str], bool] = self._ask_remove
        self.worker = Worker(self)
        self.worker.done.connect(self._components_checked)
        self._components_ticket = 0
        self.setWindowTitle("trayapp — Settings")
        fit_to_screen(self, 820, 560)
        self._build()
        if hub is not None and hasattr(hub, "config_changed"):
            hub.config_changed.connect(self._config_announced)

    # ----- building

    def _build(self) -> None:
        self.banner = MessageLine()
        self.message = MessageLine()
        self.tabs = QTabWidget()
        self.tabs.addTab(self._services_tab(), "Services")
        self.tabs.addTab(self._notifications_tab(), "Notifications")
        self.tabs.addTab(self._tokens_tab(), "API tokens")
        self.tabs.addTab(self._general_tab(), "General")
        self.tabs.currentChanged.connect(lambda *_: self.message.clear_message())
        self.tabs.currentChanged.connect(lambda *_: self._tab_shown())
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)

    def _services_tab(self) -> QWidget:
        self.watch_list = QListWidget()
        self.watch_list.setMinimumWidth(200)
        self.watch_list.currentItemChanged.connect(lambda *_: self._show_watch())
        self.add_button = QPushButton("Add…")
        self.add_button.clicked.connect(self.open_add_dialog)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.watch_list, 1)
        left.addLayout(buttons)

        self.watch_box = QGroupBox("Service")
        self.watch_info = QLabel()
        self.watch_info.setWordWrap(True)
        self.watch_info.setOpenExternalLinks(True)
        self.watch_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.interval_box = QComboBox()
        self.component_list = QListWidget()
        self.load_components_button = QPushButton("Load components from the page")
        self.load_components_button.clicked.connect(self.load_components)
        self.save_watch_button = QPushButton("Save changes")
        self.save_watch_button.clicked.connect(self.save_watch)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Check", self.interval_box)
        row = QHBoxLayout()
        row.addWidget(self.load_components_button)
        row.addStretch(1)
        row.addWidget(self.save_watch_button)
        box = QVBoxLayout(self.watch_box)
        box.addWidget(self.watch_info)
        box.addLayout(form)
        box.addWidget(QLabel("Only these components matter:"))
        box.addWidget(self.component_list, 1)
        box.addWidget(_hint("None checked: the whole page counts."))
        box.addLayout(row)

        tab = QWidget()
        layout = QHBoxLayout(tab)
        layout.addLayout(left, 2)
        layout.addWidget(self.watch_box, 3)
        return tab

    def _notifications_tab(self) -> QWidget:
        self.notify_enabled = QCheckBox("Show desktop notifications")
        self.quiet = QCheckBox("From")
        self.quiet_start = QTimeEdit()
        self.quiet_end = QTimeEdit()
        for edit in (self.quiet_start, self.quiet_end):
            edit.setDisplayFormat("HH:mm")
        self.quiet.toggled.connect(self.quiet_start.setEnabled)
        self.quiet.toggled.connect(self.quiet_end.setEnabled)
        quiet_row = QHBoxLayout()
        quiet_row.setSpacing(8)
        quiet_row.addWidget(self.quiet)
        quiet_row.addWidget(self.quiet_start)
        quiet_row.addWidget(QLabel("to"))
        quiet_row.addWidget(self.quiet_end)
        quiet_row.addStretch(1)
        self.min_severity = QComboBox()
        for severity in MIN_SEVERITIES:
            self.min_severity.addItem(severity.label.capitalize() + " or worse", severity)
        self.on_recovery = QCheckBox("When a service recovers")
        self.on_maintenance = QCheckBox("When maintenance starts or ends")
        self.group_window = QSpinBox()
        self.group_window.setRange(0, 3600)
        self.group_window.setSuffix(" s")
        self.save_notify_button = QPushButton("Save")
        self.save_notify_button.clicked.connect(self.save_notifications)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.setVerticalSpacing(10)
        form.addRow(self.notify_enabled)
        form.addRow("Notify about", self.min_severity)
        form.addRow("Also", self.on_recovery)
        form.addRow("", self.on_maintenance)
        form.addRow("Quiet hours", quiet_row)
        form.addRow("Group changes within", self.group_window)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(form)
        layout.addWidget(
            _hint("During quiet hours nothing pops up; what happened is still in the History.")
        )
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_notify_button)
        layout.addLayout(row)
        return tab

    def _tokens_tab(self) -> QWidget:
        self.token_service = QComboBox()
        self.token_service.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.token_service.currentIndexChanged.connect(lambda *_: self._show_token_state())
        self.token_state = QLabel()
        self.token_state.setWordWrap(True)
        self.token_field = QLineEdit()
        self.token_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_field.setPlaceholderText("Paste the API token")
        self.token_field.returnPressed.connect(self.save_token)
        self.save_token_button = QPushButton("Save token")
        self.save_token_button.clicked.connect(self.save_token)
        self.remove_token_button = QPushButton("Remove token")
        self.remove_token_button.clicked.connect(self.remove_token)
        self.token_field.setMinimumWidth(360)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.setVerticalSpacing(10)
        form.addRow("Service", self.token_service)
        form.addRow("Token", self.token_field)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.remove_token_button)
        row.addWidget(self.save_token_button)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(
            _hint(
                "Tokens let trayapp ask a service's own API how it is doing. They are kept in "
                "your system keyring; the config file only names the keyring entry."
            )
        )
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.token_state)
        layout.addLayout(row)
        layout.addStretch(1)
        return tab

    def _general_tab(self) -> QWidget:
        self.autostart_box = QCheckBox("Start trayapp when I log in")
        self.autostart_box.clicked.connect(self.set_autostart)
        self.autostart_info = _hint("")
        self.autostart_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.config_info = _hint("")
        self.config_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(_heading("Start at login"))
        layout.addWidget(self.autostart_box)
        layout.addWidget(self.autostart_info)
        layout.addSpacing(16)
        layout.addWidget(_heading("Config file"))
        layout.addWidget(self.config_info)
        layout.addStretch(1)
        return tab

    # ----- loading

    def showEvent(self, event: QShowEvent) -> None:
        """Read the file on every show: closing the window is how unsaved edits are dropped."""
        super().showEvent(event)
        if not event.spontaneous():
            self.reload()

    def reload(self) -> Config | None:
        """Read the config file and fill every tab; a broken file disables saving."""
        try:
            loaded = config.load(self.config_path)
        except ConfigError as exc:
            self.current = None
            self.banner.error(
                f"The config file has a problem, so nothing can be saved here until it is fixed "
                f"in a text editor (trayapp keeps using the last good version):\n{exc}"
            )
            self._editable(False)
            self._fill_general()
            return None
        self.banner.clear_message()
        self._editable(True)
        self._fill(loaded)
        return loaded

    def _editable(self, on: bool) -> None:
        for widget in (
            self.add_button,
            self.remove_button,
            self.watch_box,
            self.save_notify_button,
            self.save_token_button,
            self.remove_token_button,
        ):
            widget.setEnabled(on)

    def _fill(self, loaded: Config) -> None:
        self.current = loaded
        keep = self.selected_watch()
        self.watch_list.blockSignals(True)
        self.watch_list.clear()
        for watch in loaded.watches:
            item = QListWidgetItem(watch.name)
            item.setToolTip(f"{format_title(watch.format)} · {watch.url}")
            item.setData(DataRole, watch.name)
            self.watch_list.addItem(item)
        self.watch_list.blockSignals(False)
        self.select_watch(keep.name if keep else None)

        n = loaded.notifications
        self.notify_enabled.setChecked(n.enabled)
        self.quiet.setChecked(n.quiet_hours is not None)
        start, end = n.quiet_hours or (time(22, 0), time(7, 0))
        self.quiet_start.setTime(QTime(start.hour, start.minute))
        self.quiet_end.setTime(QTime(end.hour, end.minute))
        self.quiet_start.setEnabled(n.quiet_hours is not None)
        self.quiet_end.setEnabled(n.quiet_hours is not None)
        self.min_severity.setCurrentIndex(max(0, self.min_severity.findData(n.min_severity)))
        self.on_recovery.setChecked(n.on_recovery)
        self.on_maintenance.setChecked(n.on_maintenance)
        self.group_window.setValue(round(n.group_window))

        chosen = self.token_service.currentData()
        self.token_service.blockSignals(True)
        self.token_service.clear()
        for watch in loaded.watches:
            self.token_service.addItem(watch.name, watch.name)
        self.token_service.setCurrentIndex(max(0, self.token_service.findData(chosen)))
        self.token_service.blockSignals(False)
        self._fill_general()
        self._tab_shown()

    def _fill_general(self) -> None:
        try:
            on = autostart.is_enabled()
        except OSError as exc:
            on = False
            self.message.error(f"Could not tell whether trayapp starts at login: {exc}")
        self.autostart_box.setChecked(on)
        if is_demo_profile(self.config_path):  # its profile is deleted when the demo quits
            self.autostart_box.setEnabled(on)  # (it may still be switched off)
            self.autostart_box.setToolTip("Not in the demo: its profile is thrown away on quit.")
        where = autostart.where()
        command = autostart.configured_command() if on else None
        self.autostart_info.setText(
            f"Recorded in {where}" + (f"\nIt runs: {command}" if command else "")
            if on
            else f"When on, trayapp is started a few seconds after you log in ({where})."
        )
        exists = "" if self.config_path.exists() else " (not written yet: the defaults apply)"
        self.config_info.setText(
            f"{self.config_path}{exists}\nYou may also edit it by hand; comments are kept."
        )

    def _config_announced(self, announced: object) -> None:
        """Someone changed the config (the file, another window): show it, unless it is ours."""
        if isinstance(announced, Config) and announced == self.current:
            return
        if self.isVisible():
            self.reload()
        else:
            self.current = None  # read again when shown

    def _tab_shown(self) -> None:
        if self.tabs.currentIndex() == 2:
            self._show_token_state()

    # ----- services

    def selected_watch(self) -> Watch | None:
        item = self.watch_list.currentItem()
        if item is None or self.current is None:
            return None
        return self.current.watch(item.data(DataRole))

    def select_watch(self, name: str | None) -> None:
        for row in range(self.watch_list.count()):
            if self.watch_list.item(row).data(DataRole) == name:
                self.watch_list.setCurrentRow(row)
                return
        self.watch_list.setCurrentRow(0 if self.watch_list.count() else -1)
        self._show_watch()

    def _show_watch(self) -> None:
        watch = self.selected_watch()
        self.watch_box.setVisible(watch is not None)
        if watch is None or self.current is None:
            return
        self.watch_box.setTitle(watch.name)
        page = watch.page_url or ""
        link = (
            f' · <a href="{html.escape(page, quote=True)}">status page</a>'
            if page.startswith("http")
            else ""
        )
        self.watch_info.setText(
            f"{html.escape(format_title(watch.format))} · endpoint {html.escape(watch.url)}{link}"
        )
        fill_intervals(
            self.interval_box,
            self.current.polling.interval,
            watch.interval,
            config.is_loopback(watch.url),
        )
        fill_components(self.component_list, self._known_components(watch), watch.components)

    def _known_components(self, watch: Watch) -> list[str]:
        """Components from the app's last reading of this watch, when the hub has one."""
        statuses = getattr(self.hub, "statuses", None) or {}
        status = statuses.get(watch.name) if isinstance(statuses, dict) else None
        reading = getattr(status, "reading", None)
        return [c.name for c in reading.components] if reading is not None else []

    def load_components(self) -> None:
        watch = self.selected_watch()
        if watch is None:
            return
        self.load_components_button.setEnabled(False)
        self.message.ok(f"Reading {watch.name}'s page…")
        self._components_ticket = self.worker.start(lambda: self.check(watch))

    def _components_checked(self, ticket: int, result: object, error: object) -> None:
        if ticket != self._components_ticket:
            return
        self.load_components_button.setEnabled(True)
        watch = self.selected_watch()
        if isinstance(error, BaseException) or not isinstance(result, Preview):
            self.message.error(f"Could not read the page: {problem_text(error or 'no answer')}")
            return
        if result.reading.error is not None:
            self.message.error(f"Could not read the page: {result.reading.error}")
            return
        if watch is None:
            return
        kept = checked_components(self.component_list)
        fill_components(self.component_list, result.components, kept)
        self.message.ok(result.summary())

    def save_watch(self) -> None:
        watch = self.selected_watch()
        if watch is None:
            return
        try:
            result = config.update_watch(
                self.config_path,
                watch.name,
                interval=self.interval_box.currentData(),
                components=checked_components(self.component_list),
            )
        except (ConfigError, ValueError, OSError) as exc:
            self.message.error(f"Not saved: {problem_text(exc)}")
            return
        self._saved(result, f"Saved {watch.name}.")

    def remove_selected(self) -> None:
        watch = self.selected_watch()
        if watch is None or not self.confirm_remove(watch.name):
            return
        try:
            result = config.remove_watch(self.config_path, watch.name)
        except (ConfigError, OSError) as exc:
            self.message.error(f"Not removed: {problem_text(exc)}")
            return
        self._saved(result, f"Stopped watching {watch.name}.")

    def _ask_remove(self, name: str) -> bool:
        answer = QMessageBox.question(
            self, "Remove service", f"Stop watching {name}? Its history stays in the log."
        )
        return answer == QMessageBox.StandardButton.Yes

    def open_add_dialog(self) -> AddServiceDialog | None:
        if self.current is None:
            return None
        dialog = AddServiceDialog(
            self.config_path, self.current, Worker(self), self.detect, self.check, self
        )
        dialog.added.connect(lambda result: self._saved(result, "Added.", select_last=True))
        dialog.finished.connect(dialog.deleteLater)
        self.add_dialog = dialog
        dialog.open()
        return dialog

    # ----- notifications

    def save_notifications(self) -> None:
        if self.current is None:
            return
        quiet = None
        if self.quiet.isChecked():
            a, b = self.quiet_start.time(), self.quiet_end.time()
            quiet = (time(a.hour(), a.minute()), time(b.hour(), b.minute()))
        wanted: dict[str, Any] = {
            "enabled": self.notify_enabled.isChecked(),
            "quiet_hours": quiet,
            "min_severity": self.min_severity.currentData(),
            "on_recovery": self.on_recovery.isChecked(),
            "on_maintenance": self.on_maintenance.isChecked(),
            "group_window": float(self.group_window.value()),
        }
        now = self.current.notifications
        changes = {k: v for k, v in wanted.items() if getattr(now, k) != v}
        if not changes:
            self.message.ok("Nothing to save: the notification settings are as in the file.")
            return
        try:
            result = config.update_notifications(self.config_path, **changes)
        except (ConfigError, ValueError, OSError) as exc:
            self.message.error(f"Not saved: {problem_text(exc)}")
            return
        self._saved(result, "Saved the notification settings.")

    # ----- tokens

    def _token_watch(self) -> str | None:
        name = self.token_service.currentData()
        return name if isinstance(name, str) else None

    def _entry_name(self, watch_name: str) -> str:
        existing = self.current.token_for(watch_name) if self.current else None
        return existing or token_entry_name(watch_name)

    def _show_token_state(self) -> None:
        name = self._token_watch()
        if name is None:
            self.token_state.setText("No services are watched yet.")
            return
        entry = self._entry_name(name)
        referenced = self.current is not None and self.current.token_for(name) is not None
        try:
            stored = secrets.get_secret(entry) is not None
        except (secrets.SecretStoreError, ValueError) as exc:
            self.token_state.setText(f"The keyring cannot be used: {problem_text(exc)}")
            return
        if stored and referenced:
            text = f"A token is stored in the keyring as “{entry}”; the config refers to it."
        elif stored:
            text = f"A token is stored as “{entry}”, but the config does not use it yet."
        elif referenced:
            text = f"The config names “{entry}”, but the keyring has no such token."
        else:
            text = f"No token for {name}. It will be stored in the keyring as “{entry}”."
        self.token_state.setText(text)
        self.remove_token_button.setEnabled(self.current is not None and (stored or referenced))

    def _tokens_changed(self) -> None:
        """A probe held on "your key was rejected" is re-checked at once with the new token."""
        if self.hub is not None and hasattr(self.hub, "tokens_changed"):
            self.hub.tokens_changed.emit()

    def save_token(self) -> None:
        name = self._token_watch()
        value = self.token_field.text().strip()
        if name is None or self.current is None:
            return
        if not value:
            self.message.error("Paste the token into the field first.")
            return
        entry = self._entry_name(name)
        try:
            secrets.set_secret(entry, value)
        except (secrets.SecretStoreError, ValueError) as exc:
            self.message.error(f"The token was not saved: {problem_text(exc)}")
            return  # the field keeps what was typed
        self.token_field.clear()
        self._tokens_changed()
        if self.current.token_for(name) == entry:
            self.message.ok(f"Saved the token for {name} in the keyring.")
            self._show_token_state()
            return
        try:
            result = config.update_watch(self.config_path, name, token=entry)
        except (ConfigError, ValueError, OSError) as exc:
            self.message.error(
                f"The token is in the keyring as “{entry}”, but the config could not name it: "
                f"{problem_text(exc)}"
            )
            return
        self._saved(result, f"Saved the token for {name} in the keyring as “{entry}”.")

    def remove_token(self) -> None:
        name = self._token_watch()
        if name is None or self.current is None:
            return
        entry = self._entry_name(name)
        try:
            secrets.delete_secret(entry)
        except (secrets.SecretStoreError, ValueError) as exc:
            self.message.error(f"The token was not removed: {problem_text(exc)}")
            return
        self._tokens_changed()
        if self.current.token_for(name) is None:
            self.message.ok(f"Removed the token for {name}.")
            self._show_token_state()
            return
        try:
            result = config.update_watch(self.config_path, name, token=None)
        except (ConfigError, ValueError, OSError) as exc:
            self.message.error(f"Not saved: {problem_text(exc)}")
            return
        self._saved(result, f"Removed the token for {name}.")

    # ----- start at login

    def set_autostart(self, on: bool) -> None:
        try:
            if on:
                autostart.enable()
            else:
                autostart.disable()
        except autostart.AutostartError as exc:
            self.message.error(problem_text(exc))
        else:
            self.message.ok(
                "trayapp starts at login." if on else "trayapp no longer starts at login."
            )
        self._fill_general()

    # ----- after every save

    def _saved(self, result: Config, text: str, *, select_last: bool = False) -> None:
        self._fill(result)
        if select_last and result.watches:
            self.select_watch(result.watches[-1].name)
        self.message.ok(text)
        self.saved.emit(result)
        if self.hub is not None and hasattr(self.hub, "config_changed"):
            self.hub.config_changed.emit(result)
