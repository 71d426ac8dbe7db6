"""The Settings window's General tab: start at login, and where the config file is."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QVBoxLayout,
    QWidget,
)

from trayapp.errors import AutostartError
from trayapp.store import autostart
from trayapp.ui.settings_parts import SettingsTab, heading, hint, problem_text


def is_demo_profile(config_path: Path) -> bool:
    """Whether this is ``trayapp demo``'s throw-away profile (its config starts with a marker)."""
    from trayapp.demo.story import MARKER

    try:
        with config_path.open(encoding="utf-8", errors="replace") as file:
            return file.readline().startswith(MARKER)
    except OSError:
        return False


class GeneralTab(SettingsTab):
    """The Settings window's General tab: start at login, and where the config file is."""

    def _general_tab(self) -> QWidget:
        self.autostart_box = QCheckBox("Start trayapp when I log in")
        self.autostart_box.clicked.connect(self.set_autostart)
        self.autostart_info = hint("")
        self.autostart_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.config_info = hint("")
        self.config_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(heading("Start at login"))
        layout.addWidget(self.autostart_box)
        layout.addWidget(self.autostart_info)
        layout.addSpacing(16)
        layout.addWidget(heading("Config file"))
        layout.addWidget(self.config_info)
        layout.addStretch(1)
        return tab

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

    def set_autostart(self, on: bool) -> None:
        try:
            if on:
                autostart.enable()
            else:
                autostart.disable()
        except AutostartError as exc:
            self.message.error(problem_text(exc))
        else:
            self.message.ok(
                "trayapp starts at login." if on else "trayapp no longer starts at login."
            )
        self._fill_general()
