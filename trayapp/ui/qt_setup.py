"""The process's Qt side before anything else: is there a display, and the QApplication (the
lighter PySide import hook is installed by the package itself, see ``pyside_hook``). Only Qt is
imported here: this runs before the icon shows."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication

APP_ID = "trayapp"  # application name and desktop file name (trayapp.desktop)


def no_display() -> str | None:
    """Why no window can be shown, on Linux/BSD without X11 or Wayland (Qt would abort with a
    misleading message about xcb libraries); None when there is a display or a Qt platform
    was chosen explicitly."""
    if sys.platform in ("win32", "darwin") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "trayapp: no graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set), so there "
        "is no tray to show. In a terminal, try `trayapp check` or `trayapp watch`."
    )


def application(argv: Sequence[str] | None) -> QApplication:
    """The QApplication (the one there is, else a new one), named and set to outlive windows."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_ID)
    # no display name: Qt would append it to every window title ("trayapp — History — trayapp")
    app.setOrganizationName(APP_ID)
    app.setDesktopFileName(APP_ID)  # Wayland panels find the icon through trayapp.desktop
    app.setQuitOnLastWindowClosed(False)  # closing a window must not end the tray
    return app


def activation() -> dict[str, str] | None:
    """Tokens that let the running instance raise its window for this launch (Wayland, X11)."""
    keys = ("XDG_ACTIVATION_TOKEN", "DESKTOP_STARTUP_ID")
    return {key: os.environ[key] for key in keys if os.environ.get(key)} or None
