"""A row of daily uptime bars, the way status pages draw them: one thin bar per day, oldest left.

Each bar has the colour of that day's worst state as you saw it: the page's confirmed severity,
or major outage while your own checks saw the service down (the tray's own palette); grey when
nothing was observed that day. Hovering a bar says the day, its uptime as you saw it (and as the
page says, when that differs) and that worst state ("3 Feb: 97.2 % · page 100 % · major outage",
"3 Feb: not watched"). Painted by hand: ninety child widgets would be heavy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from trayapp.core.model import Severity
from trayapp.core.summary import TrayState
from trayapp.store.log_rows import DayBar
from trayapp.ui.icons import FILL

NO_DATA = "#cfcfcf"  # lighter than every state grey: "we were not watching", not "unknown"
GAP = 1  # pixels between bars
BAR_HEIGHT = 26


def colour_for(bar: DayBar) -> str:
    """The bar's fill: its day's worst severity, or NO_DATA."""
    if bar.worst is None or bar.uptime is None:
        return NO_DATA
    return FILL[TrayState.of(bar.worst)]


def muted(widget: QWidget) -> QWidget:
    """Secondary text: two thirds of the way from the background to the text colour.

    Readable in light and dark palettes, unlike a disabled label's pale grey.
    """
    palette = widget.palette()
    text = palette.color(QPalette.ColorRole.WindowText)
    back = palette.color(QPalette.ColorRole.Window)
    pairs = ((text.red(), back.red()), (text.green(), back.green()), (text.blue(), back.blue()))
    mixed = QColor(*((2 * a + b) // 3 for a, b in pairs))
    palette.setColor(QPalette.ColorRole.WindowText, mixed)
    widget.setPalette(palette)
    return widget


NOT_WATCHED = "not watched"


def percent_text(fraction: float | None, decimals: int = 1, *, none: str = "no data") -> str:
    """'97.2 %'; rounded down, so a day with any downtime never reads as '100 %'."""
    if fraction is None:
        return none
    if fraction >= 1.0:
        return "100 %"
    scale = 10**decimals
    return f"{math.floor(fraction * 100 * scale) / scale:.{decimals}f} %"


def tooltip_text(bar: DayBar) -> str:
    """'3 Feb: 97.2 % · page 100 % · major outage', '3 Feb: not watched', or '3 Feb: no
    readable state' (watched, but the page could not be read)."""
    day = f"{bar.day.day} {bar.day:%b}"
    if bar.worst is None or bar.uptime is None:
        return f"{day}: {'no readable state' if bar.watched else NOT_WATCHED}"
    worst = bar.worst.label if bar.worst is not Severity.OPERATIONAL else "no problems"
    figures = [percent_text(bar.uptime)]
    if bar.page_uptime is not None and percent_text(bar.page_uptime) != figures[0]:
        figures.append(f"page {percent_text(bar.page_uptime)}")
    return f"{day}: {' · '.join(figures)} · {worst}"


def bar_rects(count: int, width: int, height: int, gap: int = GAP) -> list[QRect]:
    """Whole-pixel rectangles for ``count`` bars spread over ``width`` (crisp at any size)."""
    if count <= 0 or width <= 0:
        return []
    rects = []
    for i in range(count):
        left = round(i * width / count)
        right = round((i + 1) * width / count)
        rects.append(QRect(left, 0, max(1, right - left - gap), height))
    return rects


class UptimeBars(QWidget):
    """Ninety (or any number of) daily bars; ``set_bars`` replaces them and repaints."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bars: list[DayBar] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)

    @property
    def bars(self) -> list[DayBar]:
        return list(self._bars)

    def set_bars(self, bars: Sequence[DayBar]) -> None:
        self._bars = list(bars)
        days = sum(1 for b in self._bars if b.uptime is not None)
        self.setAccessibleDescription(f"daily uptime bars, {days} of {len(self._bars)} days seen")
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(max(1, len(self._bars)) * 4, BAR_HEIGHT)

    def minimumSizeHint(self) -> QSize:
        return QSize(max(1, len(self._bars)) * 2, BAR_HEIGHT)

    def index_at(self, point: QPoint) -> int | None:
        """The bar under ``point`` (gaps belong to the bar on their left), or None."""
        if not self._bars or not 0 <= point.x() < self.width():
            return None
        return min(len(self._bars) - 1, point.x() * len(self._bars) // max(1, self.width()))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(Qt.PenStyle.NoPen)
        for bar, rect in zip(
            self._bars, bar_rects(len(self._bars), self.width(), self.height()), strict=True
        ):
            painter.setBrush(QColor(colour_for(bar)))
            painter.drawRect(rect)
        painter.end()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.index_at(event.pos())
            if index is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), tooltip_text(self._bars[index]), self)
            return True
        return super().event(event)
