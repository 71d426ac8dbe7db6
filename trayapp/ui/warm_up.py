"""Import the engine, network and notification stack off the Qt thread, while the Qt loop
answers the tray host, then hand back to the Qt thread (listen, then start).

Nothing Qt happens in the Qt thread here: PySide's first calls of a kind are slow (its enum
tables), and the tray host is waiting for the icon's answers.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from trayapp.ui import single_instance

HEAVY_MODULES = (
    "asyncio",
    "qasync",
    "trayapp.ui.loop",
    "trayapp.store.config",
    "trayapp.ui.live_config",
    "trayapp.store.incident_log",
    "trayapp.engine.monitor",
    "trayapp.core.notify_policy",
    "trayapp.ui.notify",
    "trayapp.ui.tray",
)


class WarmUp(QObject):
    """A short-lived import thread; make it in the Qt thread, so its signals land there."""

    network = Signal()  # the thread imported what listening needs
    done = Signal()  # ... and everything else

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None

    def start(self, listen: Callable[[], None], then: Callable[[], None]) -> None:
        """Run the imports; ``listen`` runs (in the Qt thread) once the socket can be taken,
        ``then`` once everything is imported."""
        self._thread = threading.Thread(
            target=self._run, args=(listen, then), name="trayapp-warm-up", daemon=True
        )
        self._thread.start()

    def join(self) -> None:
        """Wait for the thread (it only imports: never long once ``then`` was called)."""
        if self._thread is not None:
            self._thread.join()

    def _run(self, listen: Callable[[], None], then: Callable[[], None]) -> None:
        """In the thread: imports only (the import system is thread-safe); a module that fails
        is left to ``then``, which reports it."""
        from PySide6.QtCore import Qt

        queued = Qt.ConnectionType.QueuedConnection
        try:  # what listening needs (a Unix socket, or named pipes through QLocalServer)
            importlib.import_module("socket" if single_instance.UNIX else "PySide6.QtNetwork")
        finally:  # listen as early as can be, so a launch right after ours finds us
            self.network.connect(listen, queued)
            self.network.emit()
        for name in HEAVY_MODULES:
            try:
                importlib.import_module(name)
            except Exception:
                break
        self.done.connect(then, queued)
        self.done.emit()
