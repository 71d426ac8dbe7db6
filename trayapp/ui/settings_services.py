"""The Settings window's Services tab: the watched services, their check interval and the
components that count; adding (the add-service dialog) and removing one.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from trayapp.core.model import Watch
from trayapp.engine.preview import Preview
from trayapp.errors import ConfigError
from trayapp.store import config_edits
from trayapp.store.config_values import Config
from trayapp.ui.add_service import AddServiceDialog
from trayapp.ui.settings_parts import (
    DataRole,
    SettingsTab,
    checked_components,
    fill_components,
    fill_intervals,
    format_title,
    hint,
    preview_summary,
    problem_text,
)
from trayapp.urls import is_loopback


class ServicesTab(SettingsTab):
    """The Services tab: list, show, edit, add and remove watches."""

    add_dialog: AddServiceDialog | None
    confirm_remove: Callable[[str], bool]

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
        box.addWidget(hint("None checked: the whole page counts."))
        box.addLayout(row)

        tab = QWidget()
        layout = QHBoxLayout(tab)
        layout.addLayout(left, 2)
        layout.addWidget(self.watch_box, 3)
        return tab

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
            is_loopback(watch.url),
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
        self.message.ok(preview_summary(result))

    def save_watch(self) -> None:
        watch = self.selected_watch()
        if watch is None:
            return
        try:
            result = config_edits.update_watch(
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
            result = config_edits.remove_watch(self.config_path, watch.name)
        except (ConfigError, OSError) as exc:
            self.message.error(f"Not removed: {problem_text(exc)}")
            return
        self._saved(result, f"Stopped watching {watch.name}.")

    def _ask_remove(self, name: str) -> bool:
        answer = QMessageBox.question(
            self._widget(), "Remove service", f"Stop watching {name}? Its history stays in the log."
        )
        return answer == QMessageBox.StandardButton.Yes

    def open_add_dialog(self) -> AddServiceDialog | None:
        if self.current is None:
            return None
        dialog = AddServiceDialog(
            self.config_path,
            self.current,
            self.detect,
            self.check,
            self._widget(),
        )
        dialog.added.connect(lambda result: self._saved(result, "Added.", select_last=True))
        dialog.finished.connect(dialog.deleteLater)
        self.add_dialog = dialog
        dialog.open()
        return dialog

    def _fill_services(self, loaded: Config) -> None:
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
