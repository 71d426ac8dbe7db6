"""The config file while the tray runs: loaded at start, reloaded when the file changes.

Editors often save in several writes, and replace the file rather than write it in place, so
the file and its folder are watched and a reload waits until the writes settle. A broken file
keeps the config in use and says so in a notice; a good one is announced on
``hub.config_changed``, which the app and every view follow.

The config in use is the hub's (``hub.config``: whoever announced it last, this file watcher or
the Settings window after a save). A reload that finds the same config is not announced again:
so a Settings save, which writes the file and announces the result at once, is applied once,
not a second time when the watcher sees the file it wrote.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer

from trayapp.errors import ConfigError
from trayapp.store import paths
from trayapp.store.config import ConfigFile
from trayapp.ui.hub import NOTICE_CONFIG

if TYPE_CHECKING:
    from trayapp.store.config_values import Config
    from trayapp.ui.hub import Hub

log = logging.getLogger(__name__)

SETTLE_MS = 300  # an editor's save is often several writes: reload once they settle


class LiveConfig(QObject):
    """Reads the config file, watches it, and announces each new good config on the hub."""

    def __init__(self, hub: Hub, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.file = ConfigFile(paths.config_file())
        self._watcher = QFileSystemWatcher(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self._file_changed)

    def load(self) -> Config:
        """The config at start: the file's, or none at all when it is broken (watch nothing
        rather than guess; the notice says why)."""
        from trayapp.store.config_values import Config

        try:
            cfg = self.file.read()
        except ConfigError as exc:
            self.hub.set_notice(NOTICE_CONFIG, f"The config file has an error: {exc}")
            return Config(path=self.file.path)
        self.hub.set_notice(NOTICE_CONFIG, None)
        return cfg

    def watch(self) -> None:
        """Reload when the file changes (editors replace it, so its folder is watched too).

        The folder is made if it is missing (a first run on the defaults): a watcher cannot
        watch what does not exist, and ``trayapp watch add`` would then write a file the
        running tray never reads."""
        path = self.file.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:  # read-only home, a file in the way: the tray still runs
            log.warning("cannot watch the config folder %s: %s", path.parent, exc)
        if path.parent.is_dir():
            self._watcher.addPath(str(path.parent))
        if path.exists():
            self._watcher.addPath(str(path))
        self._watcher.fileChanged.connect(self._timer.start)
        self._watcher.directoryChanged.connect(self._timer.start)

    def _file_changed(self) -> None:
        path = str(self.file.path)
        if self.file.path.exists() and path not in self._watcher.files():
            self._watcher.addPath(path)  # a new file replaced the watched one
        if self.file.changed():
            self.reload()

    def reload(self) -> None:
        """Read the file again and announce it, unless it is the config in use already (and
        was not broken in between); a broken file keeps the config in use."""
        try:
            cfg = self.file.read()
        except ConfigError as exc:
            self.hub.set_notice(
                NOTICE_CONFIG, f"The config file has an error: {exc}. The last good one is in use."
            )
            return
        was_broken = NOTICE_CONFIG in self.hub.notices
        self.hub.set_notice(NOTICE_CONFIG, None)
        if cfg != self.hub.config or was_broken:  # a window may show the file as broken
            self.hub.config_changed.emit(cfg)
