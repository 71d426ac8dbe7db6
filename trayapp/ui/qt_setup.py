"""The process's Qt side before anything else: is there a display, the QApplication, and a
lighter PySide import hook. Only Qt is imported here: this runs before the icon shows."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

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


def lighten_pyside_import_hook() -> None:
    """PySide6's import hook (its ``__feature__`` support) asks of every module imported after
    PySide6 whether its source mentions "PySide6", through ``inspect.getsource``, which keeps
    each module's lines in ``linecache``: about 10 MiB for the network stack. Dropping them
    later does not give the memory back: the line strings were made between the modules' own
    objects, and the holes they leave keep Python's heap arenas in use. Ask the same question
    of the file's bytes instead (read and let go). Left alone if PySide changes."""
    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or getattr(original, "__name__", None) != "_mod_uses_pyside":
        return

    def uses_pyside(module: Any) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                with open(path, "rb") as source:
                    return b"PySide6" in source.read()
            except OSError:
                pass
        return bool(original(module))  # type: ignore[misc]

    feature._mod_uses_pyside = uses_pyside  # type: ignore[attr-defined]


def activation() -> dict[str, str] | None:
    """Tokens that let the running instance raise its window for this launch (Wayland, X11)."""
    keys = ("XDG_ACTIVATION_TOKEN", "DESKTOP_STARTUP_ID")
    return {key: os.environ[key] for key in keys if os.environ.get(key)} or None
