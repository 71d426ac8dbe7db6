"""The "starting" icon, shown before the tray, its menu and the engine are imported.

The painter needs Qt's enum tables, which take PySide a few dozen milliseconds to build, so each
run keeps the icon as PNG files for the next one to show at once; a first start (nothing kept
yet) shows the app's own icon from its installed PNG files instead of painting. Only Qt and the
paths are imported here: this runs before anything else is.
"""

from __future__ import annotations

import logging
import os
import zlib
from pathlib import Path

from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from trayapp import __version__
from trayapp.store import paths

log = logging.getLogger(__name__)

STARTING = "trayapp: starting…"
SHIPPED_SIZES = (16, 22, 24, 32, 48, 64)  # of resources/icons/trayapp-<size>.png: tray sizes


def cache_folder() -> Path | None:
    """Where the cached start-up icon lives; the name changes when the painter does."""
    painter = Path(__file__).with_name("icons.py")
    try:
        info = painter.stat()
    except OSError:  # a frozen build without sources: just paint
        return None
    key = f"{__version__}:{info.st_mtime_ns}:{info.st_size}".encode()
    redirected = os.environ.get(paths.DATA_DIR_ENV, "").strip()
    if redirected:
        root = paths.data_dir() / "cache"
    else:
        import platformdirs

        root = platformdirs.user_cache_path(paths.APP_NAME, appauthor=False)
    return root / f"starting-icon-{zlib.crc32(key):08x}"


def show() -> QSystemTrayIcon | None:
    """Show the start-up icon at once (cached, else painted), if there is a tray to show it in."""
    if not QSystemTrayIcon.isSystemTrayAvailable():
        return None
    icon = cached() or shipped()
    if icon is None:  # a build without its resources: paint
        from trayapp.core.summary import TrayState
        from trayapp.ui import icons

        icon = icons.quick_icon(TrayState.UNKNOWN)
    tray_icon = QSystemTrayIcon(icon)
    tray_icon.setToolTip(STARTING)
    # D-Bus tray hosts look the menu up once, when the icon registers: give it one now (the
    # tray's own menu takes its place, and the host is told when that menu is filled)
    tray_icon.setContextMenu(QMenu())
    tray_icon.show()
    return tray_icon


def cached() -> QIcon | None:
    """The start-up icon an earlier run kept, or None."""
    folder = cache_folder()
    if folder is None or not folder.is_dir():
        return None
    icon = QIcon()
    for path in folder.iterdir():
        size, _, scale = path.stem.partition("@")
        if path.suffix == ".png" and size.isdigit():
            pixmap = QPixmap(str(path))
            pixmap.setDevicePixelRatio(float(scale or 1))
            icon.addPixmap(pixmap)
    return None if icon.isNull() else icon


def shipped() -> QIcon | None:
    """The app's own icon as installed (PNG files in ``trayapp.resources``): what a first start
    shows until the tray takes over, since painting the "starting" icon would first need the
    enum tables (measured: 1.4x the bare tray icon's time to icon, against 1.1x with files)."""
    import importlib.util  # already imported by site; importlib.resources would add ~8 ms

    spec = importlib.util.find_spec("trayapp.resources")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "icons"
    icon = QIcon()
    for size in SHIPPED_SIZES:
        path = folder / f"trayapp-{size}.png"
        if path.is_file():
            icon.addFile(str(path))
    return None if icon.isNull() else icon


def save(dark: bool, dpr: float) -> None:
    """Keep this run's start-up icon for the next run (and drop older versions)."""
    from trayapp.core.summary import TrayState
    from trayapp.ui import icons

    folder = cache_folder()
    if folder is None or folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for size in icons.QUICK_SIZES:
            pixmap = icons.pixmap_for(TrayState.UNKNOWN, size, dpr, dark_panel=dark)
            pixmap.save(str(folder / f"{size}@{dpr:g}.png"))
        for old in folder.parent.glob("starting-icon-*"):
            if old != folder:
                for path in old.iterdir():
                    path.unlink()
                old.rmdir()
    except OSError as exc:
        log.info("could not cache the start-up icon: %s", exc)
