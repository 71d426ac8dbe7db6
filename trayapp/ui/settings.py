"""The Settings window: watched services, notifications, API tokens and start at login.

Every change goes through ``trayapp.store.config``'s editing functions (the file keeps its comments,
and an edit the file would refuse is refused before anything is written), then the new Config
is announced on ``hub.config_changed`` so the app applies it. Tokens go to the system keyring
(``trayapp.store.secrets``); the config only names the entry (``token = "<service>-token"``).

Problems are shown in words in the window, never as a traceback: a broken config file (the
file is left alone and nothing can be saved until it is fixed), a locked or missing keyring,
a page that cannot be detected. What was typed stays in the form, so nothing is lost.

The UI does no network I/O of its own: detection and previews are the engine's
(``Engine.detect_preview``, ``Engine.check_preview``: its client, slots, deadlines and size cap;
an idle Engine with the same limits when the window has no running one). They run as tasks on
the app's asyncio loop, which qasync runs inside Qt's, so there is no extra thread or loop and the
UI never waits; the answer comes back by a Qt signal, a stale one is ignored, and closing the
add-service dialog cancels its preview. Both are injectable (``detect=``, ``check=``) for tests
whose pages are on the internet (the catalog's).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from trayapp.engine.scheduler import Engine
from trayapp.errors import ConfigError
from trayapp.store import config
from trayapp.store.config_values import Config
from trayapp.ui.add_service import AddServiceDialog
from trayapp.ui.screen import fit_to_screen
from trayapp.ui.settings_general import GeneralTab
from trayapp.ui.settings_notifications import NotificationsTab
from trayapp.ui.settings_parts import Check, Detect, MessageLine, Runner
from trayapp.ui.settings_services import ServicesTab
from trayapp.ui.settings_tokens import TokensTab

# --------------------------------------------------------------------------- the window


class SettingsWindow(ServicesTab, NotificationsTab, TokensTab, GeneralTab, QWidget):
    """Settings; see the module docstring. ``saved`` carries each Config written."""

    saved = Signal(object)

    def __init__(
        self,
        config_path: Path,
        hub: QObject | None = None,
        *,
        engine: Engine | None = None,
        detect: Detect | None = None,
        check: Check | None = None,
    ) -> None:
        super().__init__()
        self.config_path = Path(config_path)
        self.hub = hub
        if engine is None:  # not running: a client of its own per preview
            engine = Engine(())
        self.detect = detect or engine.detect_preview
        self.check = check or engine.check_preview
        self.current: Config | None = None
        self.add_dialog: AddServiceDialog | None = None
        self.confirm_remove: Callable[[str], bool] = self._ask_remove
        self.worker = Runner(self)
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

    # ----- loading

    def showEvent(self, event: QShowEvent) -> None:
        """Read the file on every show: closing the window is how unsaved edits are dropped."""
        super().showEvent(event)
        if not event.spontaneous():
            self.reload()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Cancel the previews under way (this window's and its add-service dialog's): the
        window is deleted next, and their tasks must not outlive it."""
        self.worker.cancel()
        dialog = self.add_dialog
        if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible():
            dialog.reject()  # its ``finished`` cancels its preview
        self.add_dialog = None
        super().closeEvent(event)

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
        self._fill_services(loaded)
        self._fill_notifications(loaded)
        self._fill_tokens(loaded)
        self._fill_general()
        self._tab_shown()

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

    # ----- after every save

    def _saved(self, result: Config, text: str, *, select_last: bool = False) -> None:
        self._fill(result)
        if select_last and result.watches:
            self.select_watch(result.watches[-1].name)
        self.message.ok(text)
        self.saved.emit(result)
        if self.hub is not None and hasattr(self.hub, "config_changed"):
            self.hub.config_changed.emit(result)
