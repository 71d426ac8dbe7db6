"""The History window: the incident log as a filterable timeline, incident details and uptime.

Left, the services the log knows (and "All services"); right, per service a row of 90 daily
uptime bars (coloured as you saw it: the page's state, or major outage while your own checks saw
the service down) with the 24 h / 7 d / 30 d / 90 d figures as the page says and as you saw it,
and the page's acknowledgement record of the outages your checks saw; a filter box and a kind
filter, the timeline (newest first) and the details of the selected row: for an incident its
title, status, start, resolution, duration, link and every update with the page's time and ours.

The log is read lazily: nothing is opened until the window is shown, and the connection is a
plain reader (``IncidentLog(path)``: no migration, no repair), so it never fights the engine's
writer; SQLite's WAL lets both work at once. ``hub.event_received`` refreshes only what is on
screen, and only while the window is visible (otherwise it is marked stale for the next show).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QHideEvent, QIcon, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from trayapp.core.model import Severity
from trayapp.core.summary import PageLag
from trayapp.errors import IncidentLogError
from trayapp.store.incident_log import IncidentLog
from trayapp.store.log_rows import LoggedEvent
from trayapp.ui.history_words import (
    bold,
    describe,
    event_html,
    figures_text,
    incident_html,
    local_zone,
    schema_problem,
    swatch,
    when_text,
)
from trayapp.ui.screen import fit_to_screen
from trayapp.ui.uptime_bars import UptimeBars, muted

ALL = ""  # the "All services" entry's key
DAYS = 90
ROW_LIMIT = 2000  # newest events shown at once; older ones stay in the log (trayapp log)
INCIDENT_KINDS = ("incident_opened", "incident_updated", "incident_resolved")
KIND_FILTERS = (("All events", None), ("Incidents only", INCIDENT_KINDS))
EventRole = Qt.ItemDataRole.UserRole


# --------------------------------------------------------------------------- the timeline model


class EventModel(QAbstractTableModel):
    """Logged events, newest first: time, service, what happened (with a severity swatch)."""

    HEADERS = ("Time", "Service", "What happened")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[LoggedEvent] = []
        self._icons: dict[Severity, QIcon] = {}

    def set_events(self, events: Sequence[LoggedEvent]) -> None:
        """Replace the rows (``events`` oldest first, as the log returns them)."""
        self.beginResetModel()
        self._rows = list(reversed(events))
        self.endResetModel()

    def event_at(self, row: int) -> LoggedEvent:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        event = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return when_text(event.time)
            if column == 1:
                return event.service or "all services"
            return describe(event)
        if role == Qt.ItemDataRole.DecorationRole and column == 2:
            severity = event.severity
            if severity not in self._icons:
                self._icons[severity] = swatch(severity)
            return self._icons[severity]
        if role == Qt.ItemDataRole.ToolTipRole and column == 2:
            return f"{describe(event)}\n(state after it: {event.severity.label})"
        if role == EventRole:
            return event
        return None


# --------------------------------------------------------------------------- the window


class HistoryWindow(QWidget):
    """The incident log's window; see the module docstring."""

    def __init__(self, log_path: Path, hub: QObject | None = None) -> None:
        super().__init__()
        self.log_path = Path(log_path)
        self.hub = hub
        self._log: IncidentLog | None = None
        self._stale = True
        self.setWindowTitle("trayapp — History")
        fit_to_screen(self, 1040, 720)
        self._build()
        if hub is not None and hasattr(hub, "event_received"):
            hub.event_received.connect(self._on_event)

    # ----- building

    def _build(self) -> None:
        self.services = QListWidget()
        self.services.setMinimumWidth(150)
        self.services.currentItemChanged.connect(lambda *_: self._show_service())

        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        self.notice.setFrameShape(QFrame.Shape.StyledPanel)
        self.notice.setContentsMargins(8, 6, 8, 6)

        self.uptime_grid = QGridLayout()
        self.uptime_grid.setHorizontalSpacing(12)
        self.uptime_grid.setVerticalSpacing(6)
        self.uptime_grid.setColumnStretch(1, 1)
        grid_host = QWidget()
        grid_host.setLayout(self.uptime_grid)
        self.uptime_area = QScrollArea()
        self.uptime_area.setWidget(grid_host)
        self.uptime_area.setWidgetResizable(True)
        self.uptime_area.setFrameShape(QFrame.Shape.NoFrame)
        self.bars: dict[str, UptimeBars] = {}
        self.figures: dict[str, QLabel] = {}

        self.filter_box = QLineEdit()
        self.filter_box.setPlaceholderText("Filter by service or words…")
        self.filter_box.setClearButtonEnabled(True)
        self.kind_box = QComboBox()
        for label, _ in KIND_FILTERS:
            self.kind_box.addItem(label)
        self.kind_box.currentIndexChanged.connect(lambda *_: self._load_timeline())
        self.count_label = QLabel()

        self.model = EventModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.filter_box.textChanged.connect(self._apply_filter)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setResizeContentsPrecision(200)  # fit the newest rows, not all 2000 of them
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_detail())

        self.detail = QTextBrowser()
        self.detail.setOpenExternalLinks(True)
        self.detail.setPlaceholderText("Select a row to see its details.")

        filters = QHBoxLayout()
        filters.addWidget(self.filter_box, 1)
        filters.addWidget(self.kind_box)
        filters.addWidget(self.count_label)

        lower = QSplitter(Qt.Orientation.Vertical)
        lower.addWidget(self.table)
        lower.addWidget(self.detail)
        lower.setStretchFactor(0, 1)
        lower.setStretchFactor(1, 1)

        heading = bold(f"Uptime, last {DAYS} days (bars: as you saw it)")

        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.notice)
        column.addWidget(heading)
        column.addWidget(self.uptime_area)
        column.addLayout(filters)
        column.addWidget(lower, 1)

        left = QWidget()
        side = QVBoxLayout(left)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(bold("Services"))
        side.addWidget(self.services)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([170, 870])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    # ----- showing

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale or self._log is None:
            self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._close_log()  # an idle reader is cheap, but a hidden window needs none

    def closeEvent(self, event: Any) -> None:
        self._close_log()
        super().closeEvent(event)

    def refresh(self) -> None:
        """Re-read the service list, the uptime rows and the timeline from the log."""
        log = self._open_log()
        self._stale = False
        keep = self.selected_service()
        self.services.blockSignals(True)
        self.services.clear()
        everything = QListWidgetItem("All services")
        everything.setData(EventRole, ALL)
        self.services.addItem(everything)
        for name in self._service_names(log):
            item = QListWidgetItem(name)
            item.setData(EventRole, name)
            self.services.addItem(item)
        self.services.blockSignals(False)
        self.select_service(keep)

    def selected_service(self) -> str:
        """The service shown, or ALL."""
        item = self.services.currentItem()
        return str(item.data(EventRole)) if item is not None else ALL

    def select_service(self, name: str) -> None:
        for row in range(self.services.count()):
            if self.services.item(row).data(EventRole) == name:
                self.services.setCurrentRow(row)
                return
        self.services.setCurrentRow(0)

    def _service_names(self, log: IncidentLog | None) -> list[str]:
        if log is None:
            return []
        try:
            return log.services()
        except sqlite3.Error as exc:
            self._say(f"The incident log could not be read ({exc}).")
            return []

    def _show_service(self) -> None:
        self._load_uptime()
        self._load_timeline()

    def _load_uptime(self, only: str | None = None) -> None:
        """The bars and figures of the shown service(s); ``only`` refreshes one existing row."""
        log = self._log
        service = self.selected_service()
        names = [self.services.item(r).data(EventRole) for r in range(1, self.services.count())]
        names = names if service == ALL else [service]
        if only is not None and only in self.bars:
            names = [only]
        else:
            self._clear_uptime_rows()
        if log is None:
            return
        now = datetime.now(UTC)
        zone = local_zone()
        for name in names:
            try:
                bars, uptimes = log.overview(name, now, days=DAYS, tz=zone)
                since = now - timedelta(days=DAYS)
                lag = PageLag.of(log.acknowledgements(name, since=since, now=now), now)
            except sqlite3.Error as exc:
                self._say(f"The incident log could not be read ({exc}).")
                return
            if name not in self.bars:
                self._add_uptime_row(name)
            self.bars[name].set_bars(bars)
            label = self.figures[name]
            label.setText(figures_text(uptimes, lag))
            label.setToolTip(lag.sentence() if lag else "")
        if only is None:
            self._add_axis_row()
        self._fit_uptime_area()

    def _clear_uptime_rows(self) -> None:
        while self.uptime_grid.count():
            item = self.uptime_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.bars.clear()
        self.figures.clear()

    def _add_uptime_row(self, name: str) -> None:
        row = len(self.bars)
        label = QLabel(name)
        label.setToolTip(name)
        label.setMinimumWidth(min(max(label.sizeHint().width(), 90), 220))  # names whole
        bars = UptimeBars()
        bars.setAccessibleName(f"{name}: daily uptime")
        figures = QLabel()
        figures.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.uptime_grid.addWidget(label, row, 0)
        self.uptime_grid.addWidget(bars, row, 1)
        self.uptime_grid.addWidget(figures, row, 2)
        self.bars[name], self.figures[name] = bars, figures

    def _add_axis_row(self) -> None:
        if not self.bars:
            empty = QLabel("No uptime yet: it is measured while trayapp watches a service.")
            self.uptime_grid.addWidget(empty, 0, 0, 1, 3)
            return
        axis = QWidget()
        line = QHBoxLayout(axis)
        line.setContentsMargins(0, 0, 0, 0)
        for text, align in ((f"{DAYS} days ago", "left"), ("today", "right")):
            label = QLabel(text)
            line.addWidget(muted(label))
            if align == "left":
                line.addStretch(1)
        self.uptime_grid.addWidget(axis, len(self.bars), 1)

    def _fit_uptime_area(self) -> None:
        """Tall enough for up to three services; more scroll."""
        rows = min(max(len(self.bars), 1), 3)
        self.uptime_area.setFixedHeight(rows * 66 + 28)

    def _load_timeline(self) -> None:
        log = self._log
        service = self.selected_service()
        kinds = KIND_FILTERS[max(0, self.kind_box.currentIndex())][1]
        events: list[LoggedEvent] = []
        if log is not None:
            try:
                events = log.history(service or None, limit=ROW_LIMIT, kinds=kinds)
            except sqlite3.Error as exc:
                self._say(f"The incident log could not be read ({exc}).")
        self.model.set_events(events)
        self._update_count()
        self.detail.clear()
        if self.proxy.rowCount():
            self.table.selectRow(0)

    def _apply_filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"{shown} of {total}" if shown != total else f"{total} rows")

    def selected_event(self) -> LoggedEvent | None:
        index = self.table.currentIndex()
        return index.data(EventRole) if index.isValid() else None

    def _show_detail(self) -> None:
        event = self.selected_event()
        if event is None or self._log is None:
            self.detail.clear()
            return
        try:
            record = (
                self._log.incident(event.service, event.incident_id) if event.incident_id else None
            )
            updates = (
                self._log.incident_timeline(record.service, record.id) if record is not None else []
            )
        except sqlite3.Error as exc:
            self._say(f"The incident log could not be read ({exc}).")
            return
        self.detail.setHtml(
            incident_html(record, updates) if record is not None else event_html(event)
        )

    # ----- the log and the hub

    def _open_log(self) -> IncidentLog | None:
        """A reader connection, or None with the reason shown in words."""
        if self._log is not None:
            return self._log
        if not self.log_path.exists():
            self._say(
                "No history yet: trayapp writes its incident log while it watches your services."
            )
            return None
        problem = schema_problem(self.log_path)
        if problem is not None:
            self._say(problem)
            return None
        try:
            self._log = IncidentLog(self.log_path)
            config = getattr(self.hub, "config", None)
            if config is not None:
                self._log.local_services = config.local_services()
        except (IncidentLogError, sqlite3.Error) as exc:
            self._say(f"The incident log cannot be opened: {exc}")
            return None
        self._say(None)
        return self._log

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
            self._stale = True

    def _say(self, text: str | None) -> None:
        self.notice.setText(text or "")
        self.notice.setVisible(bool(text))

    def _on_event(self, *args: object) -> None:
        """A new event was recorded: refresh what is on screen (or mark it stale if hidden)."""
        if not self.isVisible():
            self._stale = True
            return
        service = getattr(args[0], "service", None) if args else None
        known = [self.services.item(r).data(EventRole) for r in range(self.services.count())]
        if self._log is None or (service and service not in known):
            self.refresh()  # a new service (or the log just appeared): rebuild the list
            return
        shown = self.selected_service()
        if service is None or shown in (ALL, service):
            keep = self.selected_event()
            self._load_uptime(only=service if shown == ALL and service else None)
            self._load_timeline()
            if keep is not None:
                self._reselect(keep.id)

    def _reselect(self, event_id: int) -> None:
        for row in range(self.proxy.rowCount()):
            event = self.proxy.index(row, 0).data(EventRole)
            if event is not None and event.id == event_id:
                self.table.selectRow(row)
                return
