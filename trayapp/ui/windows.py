"""The app's windows (main status, history, settings): each made when it is asked for, and
destroyed when the user closes it, so its widgets and what it loaded (a year of incidents in
History) do not stay for the rest of the run. Their modules are imported on the first request
and stay imported; only where a window was (its geometry) is kept for the next one."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer
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


class Windows(QObject):
    """The windows open now, by kind (``main``, ``history``, ``settings``).

    A window is deleted when it is closed (``WA_DeleteOnClose``) and dropped from here when it
    is closed (before Qt deletes it, so a request in between makes a fresh one); what it
    allocated is then given back (``memory.release``) once it is gone.

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
        super().__init__()
        self.hub = hub
        self.title = title  # the main window's, after "trayapp — "
        self._incident_log = incident_log
        self._engine = engine
        self._made: dict[str, QWidget] = {}
        self._geometry: dict[str, QByteArray] = {}  # where each closed window was
        # closed windows until Qt deletes them: dropping the last Python reference inside
        # the close would delete the widget while Qt is still handling its close
        self._closing: dict[int, QWidget] = {}

    def get(self, kind: str) -> QWidget | None:
        """The window of that kind, if one is open."""
        return self._made.get(kind)

    def visible(self, kind: str) -> bool:
        window = self._made.get(kind)
        return window is not None and window.isVisible()

    def show(self, kind: str, activation: dict[str, str] | None = None) -> QWidget | None:
        """Show the main, history or settings window, raised: the open one, else a new one
        where the last one was closed."""
        window = self._made.get(kind)
        if window is None:
            window = self._create(kind)
            memory.release()  # what importing that window's modules left
            if window is None:
                return None
            self._adopt(kind, window)
        if activation:
            os.environ.update(activation)  # Qt reads these when it next activates a window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _adopt(self, kind: str, window: QWidget) -> None:
        self._made[kind] = window
        if kind in self._geometry:
            window.restoreGeometry(self._geometry[kind])
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.installEventFilter(self)
        key = id(window)
        window.destroyed.connect(lambda *_: QTimer.singleShot(0, lambda: self._gone(key)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A window's close: keep where it was and let go of it (Qt deletes it next)."""
        if event.type() == QEvent.Type.Close:
            for kind, window in list(self._made.items()):
                if window is watched:
                    self._geometry[kind] = window.saveGeometry()
                    self._closing[id(window)] = self._made.pop(kind)
        return False

    def _gone(self, key: int) -> None:
        """Qt deleted a closed window: drop its Python side (models, loaded rows) and give
        the heap back."""
        if self._closing.pop(key, None) is not None:
            memory.release()

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

    def open_kinds(self) -> list[str]:
        """The kinds of window open now (for the ``state`` command)."""
        return sorted(self._made)

    def close_all(self) -> None:
        for window in list(self._made.values()):
            window.close()
