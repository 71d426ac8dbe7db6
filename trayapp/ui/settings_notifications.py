"""The Settings window's Notifications tab: when a change becomes a desktop notification."""

from __future__ import annotations

from datetime import time
from typing import Any

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from trayapp.core.settings import NOTIFY_LEVELS, NotificationSettings, declared
from trayapp.errors import ConfigError
from trayapp.store import config_edits
from trayapp.store.config_values import Config
from trayapp.ui.settings_parts import SettingsTab, hint, problem_text

DECLARED = {f.name: d for f, d in declared(NotificationSettings)}  # bounds and help, once


def also_label(name: str) -> str:
    """An "Also" checkbox's words, from its setting's help ("notify when a maintenance
    starts" → "When a maintenance starts"), so the label never promises more than the setting
    does (nor than its tooltip, the same help, says)."""
    words = DECLARED[name].help.removeprefix("notify ")
    return words[:1].upper() + words[1:]


class NotificationsTab(SettingsTab):
    """The Settings window's Notifications tab: when a change becomes a desktop notification."""

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
        for severity in NOTIFY_LEVELS:
            self.min_severity.addItem(severity.label.capitalize() + " or worse", severity)
        self.on_recovery = QCheckBox(also_label("on_recovery"))
        self.on_maintenance = QCheckBox(also_label("on_maintenance"))
        self.group_window = QSpinBox()
        window = DECLARED["group_window"]
        self.group_window.setRange(int(window.low or 0), int(window.high or 0))
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
        controls = {
            "enabled": self.notify_enabled,
            "min_severity": self.min_severity,
            "on_recovery": self.on_recovery,
            "on_maintenance": self.on_maintenance,
            "quiet_hours": self.quiet,
            "group_window": self.group_window,
        }
        for name, control in controls.items():  # each says what its setting means, as the README
            control.setToolTip(DECLARED[name].help.replace("`", ""))
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(form)
        layout.addWidget(
            hint("During quiet hours nothing pops up; what happened is still in the History.")
        )
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_notify_button)
        layout.addLayout(row)
        return tab

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
            result = config_edits.update_notifications(self.config_path, **changes)
        except (ConfigError, ValueError, OSError) as exc:
            self.message.error(f"Not saved: {problem_text(exc)}")
            return
        self._saved(result, "Saved the notification settings.")

    def _fill_notifications(self, loaded: Config) -> None:
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
