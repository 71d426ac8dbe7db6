"""Window sizes that fit the screen they open on."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

MARGIN = 0.92  # of the available area: room for the window frame and a panel


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Resize to the preferred size, shrunk to fit the screen's available area (a 1024x768
    screen, a laptop at 200 % scaling): a window wider than the screen hides its edges."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        area = screen.availableGeometry()
        width = min(width, int(area.width() * MARGIN))
        height = min(height, int(area.height() * MARGIN))
    window.resize(width, height)
