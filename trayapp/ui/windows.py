"""The app's windows (main status, history, settings): each made on its first request, then
shown again. Their modules are imported only then: an idle tray carries none of them."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from trayapp import memory
from trayapp.store import paths

if TYPE_CHECKING:
    from datetime import datetime

    from trayapp.engine.scheduler import Engine
    from trayapp.store.incident_log import IncidentLog
    from trayapp.store.log_rows import Uptime
    from trayapp.ui.hub import Hub

log = logging.getLogger(__name__)


class Windows:
    """The windows made so far, by kind (``main``, ``history``, ``settings``).

    ``incident_log`` is read when the main window asks for a service's last day, so the log
    the engine opened later is the one used; ``engine`` when the Settings window is made (its
    previews run in that engine).
    """

    def __init__(
        self,
        hub: Hub,
        incident_log: Callable[[], IncidentLog | None],
        title: str | None = None,
        engine: Callable[[], Engine | None] = lambda: None,
    ) -> None:
        self.hub = hub
        self.title = title  # the main window's, after "trayapp — "
        self._incident_log = incident_log
        self._engine = engine
        self._made: dict[str, QWidget] = {}

    def get(self, kind: str) -> QWidget | None:
        """The window of that kind, if it was made."""
        return self._made.get(kind)

    def visible(self, kind: str) -> bool:
        window = self._made.get(kind)
        return window is not None and window.isVisible()

    def show(self, kind: str, activation: dict[str, str] | None = None) -> QWidget | None:
        """Show (creating on first use) the main, history or settings window, raised."""
        window = self._made.get(kind)
        if window is None:
            window = self._create(kind)
            memory.release()  # what importing that window's modules left
        if window is None:
            return None
        self._made[kind] = window
        if activation:
            os.environ.update(activation)  # Qt reads these when it next activates a window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _create(self, kind: str) -> QWidget | None:
        if kind == "main":
            from trayapp.ui.status_window import StatusWindow

            window: QWidget = StatusWindow(self.hub, uptime=self._day_uptime)
            if self.title:
                window.setWindowTitle(f"trayapp — {self.title}")
            return window
        try:
            if kind == "history":
                from trayapp.ui.history import HistoryWindow

                return HistoryWindow(paths.database_file(), self.hub)
            if kind == "settings":
                from trayapp.ui.settings import SettingsWindow

                return SettingsWindow(paths.config_file(), self.hub, engine=self._engine())
        except ImportError as exc:  # a build without that window
            log.warning("the %s window is not available: %s", kind, exc)
            return None
        raise ValueError(f"no window called {kind!r}")

    def _day_uptime(self, name: str, now: datetime) -> Uptime | None:
        """A service's last 24 h from the engine's own log connection (same thread)."""
        incident_log = self._incident_log()
        if incident_log is None:
            return None
        from trayapp.store.log_rows import WINDOWS

        return incident_log.uptime(name, WINDOWS["24h"], now)

    def refresh_main(self) -> None:
        """Redraw the main window if it is open (the engine started, say)."""
        main = self._made.get("main")
        if main is not None and main.isVisible():
            main.refresh()  # type: ignore[attr-defined]

    def close_all(self) -> None:
        for window in self._made.values():
            window.close()
