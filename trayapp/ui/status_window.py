"""The main view: a small window listing each service, its state, open incidents, last check.

A left click on the tray icon opens it; without a tray it is how the app stays visible (with a
banner saying so). Beside each service, its uptime over the last 24 h as the page says and as you
saw it (the page's outages and those your own checks saw), read from the incident log at most
once a minute per service. It redraws from the hub when the hub says something changed; while
shown, one single-shot timer a minute keeps "for 5 min" and "checked 2 min ago" true (nothing
runs while it is hidden). A right click on a service offers the same actions as its tray
submenu.

Columns: each is as wide as what it shows, and the Service column at least as wide as its longest
name (up to a cap), so a long state ("major outage (not on its status page yet)") never squeezes
the names to "…": when the row does not fit, the State column gives way first (elided, its
tooltip says it whole), then Last check. The first show widens the window to fit its rows, within
the screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trayapp.core import summary
from trayapp.core.model import Severity
from trayapp.core.summary import TrayState
from trayapp.ui import icons
from trayapp.ui.hub import Hub
from trayapp.ui.screen import fit_to_screen
from trayapp.ui.tray import clock, fill_service_menu, mute_text, state_of, tooltip_of

if TYPE_CHECKING:
    from trayapp.core.status import SourceStatus
    from trayapp.store.log_rows import Uptime

log = logging.getLogger(__name__)
COLUMNS = ("Service", "State", "For", "Last check", "Page 24 h", "You saw 24 h")
COLUMN_TIPS = {
    4: "Uptime over the last 24 hours as the status page says",
    5: "Uptime over the last 24 hours as you saw it: the page's outages and those your own"
    " checks saw, even ones the page never admitted",
}
UPTIME_EVERY = timedelta(minutes=1)  # how often a service's figures are read again
UptimeLookup = Callable[[str, datetime], "Uptime | None"]  # (service, now) -> its last 24 h
NAME_ROLE = Qt.ItemDataRole.UserRole  # the service name on top-level rows
REFRESH_MS = 60_000  # how often relative times are redrawn while the window is shown
NAME_CAP = 320  # px: the Service column's floor never exceeds this (a longer name elides)
GIVING_WAY = ((1, 120), (3, 140))  # (column, its floor in px): State, then Last check, elide


def uptime_cells(uptime: Uptime | None) -> tuple[str, str]:
    """The two uptime columns: '100 %', '97.22 %'; 'not watched' when trayapp did not run."""
    if uptime is None:
        return "", ""
    from trayapp.ui.uptime_bars import NOT_WATCHED, percent_text

    none = "no data" if uptime.has_run else NOT_WATCHED
    return (
        percent_text(uptime.fraction, 2, none=none),
        percent_text(uptime.seen_fraction, 2, none=none),
    )


def column_widths(name: int, others: Sequence[int], available: int) -> list[int]:
    """Each column's width: the Service column at least ``name`` (up to NAME_CAP), the others
    their content's; when the row is wider than ``available``, the GIVING_WAY columns shrink,
    down to their floors, in that order; room left over goes to the Service column."""
    widths = [min(name, NAME_CAP), *others]
    for column, floor in GIVING_WAY:
        over = sum(widths) - available
        if over > 0 and widths[column] > floor:
            widths[column] = max(floor, widths[column] - over)
    widths[0] += max(0, available - sum(widths))
    return widths


def state_text(status: SourceStatus, now: datetime) -> str:
    """The State column: 'partial outage', 'checking…', 'unknown', 'degraded, flapping',
    'stale: last read 12 min ago'."""
    if status.last_checked is None and status.state.last_reading is None:
        return "checking…"
    if summary.is_stale(status, now):
        return summary.stale_text(status, now)
    text = summary.state_label(status)
    return f"{text}, flapping" if status.state.flapping else text


def since_text(status: SourceStatus, now: datetime) -> str:
    """How long the current state has held ('25 min'), '' when unknown or not yet checked."""
    duration = summary.state_duration(status, now)
    if duration is None or status.state.confirmed is None:
        return ""
    return summary.span(duration)


class StatusWindow(QWidget):
    """Services, their state and incidents; notices about the app itself on top."""

    def __init__(
        self, hub: Hub, parent: QWidget | None = None, *, uptime: UptimeLookup | None = None
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self._clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._uptime = uptime
        self._uptimes: dict[str, tuple[datetime, Uptime | None]] = {}  # read at, figures
        self._sized = False  # the first show widens the window to its rows
        self.setWindowTitle("trayapp")
        self.setWindowIcon(icons.app_icon())
        self.resize(760, 380)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setStyleSheet(
            "QLabel { background: #fff4ce; color: #1a1a1a; border: 1px solid #e0c060;"
            " border-radius: 4px; padding: 8px; }"
        )
        self.state_icon = QLabel()
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.headline.setFont(font)

        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        for column, tip in COLUMN_TIPS.items():
            self.tree.headerItem().setToolTip(column, tip)
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.itemActivated.connect(self._activated)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # set by _fit_columns
        header.setStretchLastSection(False)
        self.tree.viewport().installEventFilter(self)  # a resize places the columns again

        self.check_button = QPushButton("Check all now")
        self.check_button.clicked.connect(lambda: hub.check_requested.emit(""))
        self.pause_button = QPushButton("Pause all")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self._pause_toggled)
        history = QPushButton("History…")
        history.clicked.connect(hub.show_history_requested)
        settings = QPushButton("Settings…")
        settings.clicked.connect(hub.show_settings_requested)
        quit_button = QPushButton("Quit")
        quit_button.clicked.connect(hub.quit_requested)

        top = QHBoxLayout()
        top.addWidget(self.state_icon)
        top.addWidget(self.headline, 1)
        buttons = QHBoxLayout()
        for button in (self.check_button, self.pause_button, history, settings):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(quit_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)

        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.timeout.connect(self.refresh)
        hub.on_view_change(self._changed)
        self.refresh()

    # ---- drawing

    def refresh(self) -> None:
        """Redraw everything from the hub (keeping which services are expanded)."""
        now = self._clock()
        hub = self.hub
        notices = [text for _, text in sorted(hub.notices.items())]
        self.banner.setText("\n\n".join(notices))
        self.banner.setVisible(bool(notices))
        self.state_icon.setPixmap(
            icons.pixmap_for(state_of(hub, now), 32, self.devicePixelRatioF())
        )
        self.headline.setText(tooltip_of(hub, now))
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(hub.paused)
        self.pause_button.setText("Resume" if hub.paused else "Pause all")
        self.pause_button.blockSignals(False)
        self.check_button.setEnabled(hub.started and not hub.paused and bool(hub.statuses))

        expanded = self._expanded()
        self.tree.clear()
        for status in hub.services():
            item = self._service_item(status, now)
            self.tree.addTopLevelItem(item)
            item.setExpanded(status.watch.name in expanded or _worth_expanding(status))
            for index in range(item.childCount()):  # an incident's latest update shows under it
                child = item.child(index)
                if child is None:
                    continue
                child.setExpanded(child.childCount() > 0)
                if not any(child.text(column) for column in range(1, len(COLUMNS))):  # a sentence
                    child.setFirstColumnSpanned(True)
                for line in range(child.childCount()):  # (spanning works on items in a tree)
                    if (grandchild := child.child(line)) is not None:
                        grandchild.setFirstColumnSpanned(True)
        self._fit_columns()
        if self.isVisible():
            self._redraw.start(REFRESH_MS)

    def _service_item(self, status: SourceStatus, now: datetime) -> QTreeWidgetItem:
        name = status.watch.name
        state = state_text(status, now)
        mutes, _ = self.hub.mute_state()
        muted = mute_text(mutes.get(name), now)
        item = QTreeWidgetItem(
            [name, state + (" (muted)" if muted else ""), since_text(status, now),
             summary.last_checked_text(status, now), *uptime_cells(self._day_uptime(name, now))]
        )  # fmt: skip
        item.setData(0, NAME_ROLE, name)
        item.setIcon(0, icons.icon_for(summary.row_state(status, now)))
        item.setToolTip(0, f"{name}\n{muted}" if muted else name)  # whole, should it elide
        item.setToolTip(1, status.state.last_error or item.text(1))
        item.setToolTip(3, item.text(3))
        unreadable = status.severity is Severity.UNKNOWN and status.state.last_error
        for line in (
            f"Could not be read: {status.state.last_error}" if unreadable else None,
            status.note,  # how detection read an unverified catalog entry
            summary.verdict_line(status),
            summary.alternatives_line(status, self.hub.statuses, now),
            *summary.probe_lines(status, now),  # the evidence: what each check found
        ):
            if line:
                note = QTreeWidgetItem([line, "", "", ""])
                note.setToolTip(0, line)
                item.addChild(note)
        reading = status.reading
        if reading is None:
            return item
        for component in reading.components:
            if component.severity is Severity.OPERATIONAL:
                continue
            child = QTreeWidgetItem([component.name, component.severity.label, "", ""])
            child.setIcon(0, icons.icon_for(TrayState.of(component.severity)))
            item.addChild(child)
        for incident in (*reading.open_incidents, *reading.active_maintenances):
            when = incident.updated or incident.started
            child = QTreeWidgetItem(
                [incident.title, incident.status.replace("_", " "), "",
                 f"updated {clock(when, now)}" if when else ""]
            )  # fmt: skip
            child.setIcon(0, icons.icon_for(TrayState.of(incident.severity)))
            if incident.latest_update:
                child.setToolTip(0, incident.latest_update)
                update = QTreeWidgetItem([incident.latest_update, "", "", ""])
                update.setToolTip(0, incident.latest_update)
                child.addChild(update)
            item.addChild(child)
        return item

    def _day_uptime(self, name: str, now: datetime) -> Uptime | None:
        """The service's last 24 h from the log, at most once a minute (a redraw comes with
        every poll)."""
        if self._uptime is None:
            return None
        cached = self._uptimes.get(name)
        if cached is None or not timedelta(0) <= now - cached[0] < UPTIME_EVERY:
            try:
                cached = (now, self._uptime(name, now))
            except Exception:  # the log is an extra here: never break the main window
                log.exception("could not read the uptime of %s", name)
                cached = (now, None)
            self._uptimes[name] = cached
        return cached[1]

    def _widths_wanted(self) -> tuple[int, list[int]]:
        """The longest service name's width (icon and indentation included) and each other
        column's content width (its header's at least)."""
        tree, header = self.tree, self.tree.header()
        items = (tree.topLevelItem(i) for i in range(tree.topLevelItemCount()))
        names = (
            tree.sizeHintForIndex(tree.indexFromItem(item, 0)).width()
            for item in items
            if item is not None
        )
        name = max(names, default=0) + (tree.indentation() if tree.rootIsDecorated() else 0)
        name = max(name, header.sectionSizeHint(0))
        others = [
            max(tree.sizeHintForColumn(column), header.sectionSizeHint(column))
            for column in range(1, len(COLUMNS))
        ]
        return name, others

    def _fit_columns(self) -> None:
        name, others = self._widths_wanted()
        widths = column_widths(name, others, self.tree.viewport().width())
        for column, width in enumerate(widths):
            if self.tree.columnWidth(column) != width:
                self.tree.setColumnWidth(column, width)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.tree.viewport():
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _expanded(self) -> set[str]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return {item.data(0, NAME_ROLE) for item in items if item is not None and item.isExpanded()}

    # ---- reacting

    def _changed(self, *_: object) -> None:
        if self.isVisible():
            self._redraw.start(0)  # coalesce a burst of updates into one redraw

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh()
        if not self._sized:
            self._sized = True
            name, others = self._widths_wanted()
            wanted = min(name, NAME_CAP) + sum(others)  # the row in full, and the frame around
            extra = self.width() - self.tree.viewport().width()
            scrollbar = self.tree.verticalScrollBar().sizeHint().width()
            if wanted + extra + scrollbar > self.width():
                fit_to_screen(self, wanted + extra + scrollbar, self.height())
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing hides the window; the app keeps watching (Quit ends it)."""
        self._redraw.stop()
        super().closeEvent(event)

    def _pause_toggled(self, paused: bool) -> None:
        self.hub.pause_requested.emit(paused)

    def _status_at(self, item: QTreeWidgetItem | None) -> SourceStatus | None:
        while item is not None and item.parent() is not None:
            item = item.parent()
        if item is None:
            return None
        return self.hub.statuses.get(item.data(0, NAME_ROLE))

    def _context_menu(self, point: QPoint) -> None:
        status = self._status_at(self.tree.itemAt(point))
        if status is None:
            return
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        fill_service_menu(menu, status, self.hub, self._clock())
        menu.popup(self.tree.viewport().mapToGlobal(point))

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        status = self._status_at(item)
        if status is not None and status.watch.page_url:
            self.hub.open_url_requested.emit(status.watch.page_url)


def _worth_expanding(status: SourceStatus) -> bool:
    """Services with a problem show their components and incidents without a click, and
    unreadable ones why."""
    if summary.needs_you(status) or any(p.health == "down" for p in status.probes):
        return True  # the evidence lines say what the checks found
    if status.severity is Severity.UNKNOWN:
        return bool(status.state.last_error)
    reading = status.reading
    return status.severity.is_problem and bool(
        status.active_verdict or (reading and (reading.open_incidents or reading.components))
    )
