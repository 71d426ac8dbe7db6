"""Tray icons painted with QPainter: one per ``TrayState``, crisp at every size and scale.

Each state has its own colour *and* its own shape or glyph, so it reads without colour vision
(colours from the Okabe-Ito palette, which stays distinct under deuteranopia and protanopia):

    operational     bluish-green circle, check mark     degraded      yellow triangle, "!"
    maintenance     sky-blue circle, clock hands        partial       orange diamond, "!"
    unknown         mid-grey circle, "?"                major         vermillion octagon, "✕"
    offline         dark-grey circle, slashed arcs      paused        light-grey circle, two bars
    yours           reddish-purple circle, a key (your key, quota or settings need you)

A contrasting outline (dark on light panels, light on dark ones) keeps even the yellow and the
greys visible on any panel. Icons are painted per device pixel size rather than scaled, so each
of the many sizes a QIcon carries is sharp; glyphs are paths, never font text, so they look the
same on every platform. Nothing is painted at import time; call ``clear_cache()`` when the
palette changes and fetch the icons again.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QIcon,
    QImage,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
)

from trayapp.core.summary import TrayState

FILL: dict[TrayState, str] = {
    TrayState.OPERATIONAL: "#009e73",  # Okabe-Ito bluish green
    TrayState.MAINTENANCE: "#56b4e9",  # sky blue
    TrayState.DEGRADED: "#f0e442",  # yellow
    TrayState.PARTIAL_OUTAGE: "#e69f00",  # orange
    TrayState.MAJOR_OUTAGE: "#d55e00",  # vermillion
    TrayState.UNKNOWN: "#999999",  # three distinct greys, so a screen test can tell them apart
    TrayState.OFFLINE: "#707070",
    TrayState.PAUSED: "#c8c8c8",
    TrayState.YOURS: "#cc79a7",  # Okabe-Ito reddish purple: your key, quota or settings
}
"""The exact colour of each state's filled shape (every fully covered pixel of it has it)."""

GLYPH = "#1a1a1a"  # darker than every fill by a contrast ratio of at least 4:1
OUTLINE_ON_LIGHT = "#1a1a1a"
OUTLINE_ON_DARK = "#f2f2f2"
APP_FILL = "#0072b2"  # Okabe-Ito blue: the app's own icon, deliberately not a state colour

SIZES = (16, 20, 22, 24, 32, 40, 48, 64)  # logical sizes every state icon carries
# The app's own icon also goes to launchers and window switchers. State icons stop at 64 (at
# 2x, 128 device pixels): the 96-256 sizes at 1x and 2x held 1.9 MiB per state, kept all day
# for tray slots and menu rows that never show them (a larger request is scaled from 128 px).
APP_SIZES = (*SIZES, 96, 128, 256)
SCALES = (1.0, 1.25, 1.5, 2.0)  # device pixel ratios the app icon is painted at (Windows: 125 %)
SMALL = 64  # larger sizes get only 1x and 2x
ARCS_MIN = 36  # device pixels: smaller offline icons show the slash without the arcs

_icons: dict[tuple[str, bool, tuple[float, ...]], QIcon] = {}
_pixmaps: dict[tuple[str, int, float, bool], QPixmap] = {}


def icon_for(state: TrayState, dark_panel: bool | None = None) -> QIcon:
    """The icon for ``state``; ``dark_panel`` None means guess from the application palette."""
    dark = is_dark_panel() if dark_panel is None else dark_panel
    scales = screen_scales()
    key = (str(state), dark, scales)
    if key not in _icons:
        _icons[key] = _build_icon(lambda px: _paint_state_image(state, px, dark), SIZES, scales)
    return _icons[key]


def pixmap_for(
    state: TrayState, size: int, dpr: float = 1.0, dark_panel: bool | None = None
) -> QPixmap:
    """``state`` painted for a ``size``-point slot at device pixel ratio ``dpr``."""
    dark = is_dark_panel() if dark_panel is None else dark_panel
    key = (str(state), size, dpr, dark)
    if key not in _pixmaps:
        _pixmaps[key] = _to_pixmap(_paint_state_image(state, _device(size, dpr), dark), dpr)
    return _pixmaps[key]


QUICK_SIZES = (16, 22, 24, 32, 48, 64)  # what tray hosts ask for; painted in about a millisecond


def quick_icon(state: TrayState) -> QIcon:
    """``state``'s icon in the usual tray sizes only, for the first moment of start-up (the
    full icon paints every size at every scale, which takes ten times as long)."""
    from PySide6.QtGui import QGuiApplication

    screen = QGuiApplication.primaryScreen()
    dpr = screen.devicePixelRatio() if screen is not None else 1.0
    icon = QIcon()
    for size in QUICK_SIZES:
        icon.addPixmap(pixmap_for(state, size, dpr))
    return icon


def app_icon() -> QIcon:
    """The application's own icon (window, launcher, about box): rising status bars."""
    key = ("app", False, SCALES)
    if key not in _icons:
        _icons[key] = _build_icon(_paint_app_image, APP_SIZES, SCALES)
    return _icons[key]


def screen_scales() -> tuple[float, ...]:
    """The device pixel ratios state icons are painted at: 1x and each screen's own. A state
    icon holds 0.04 MiB at 1x and 0.17 MiB at 2x for as long as it is shown; a scale no screen
    has is never asked for (the tray calls ``palette_changed`` when a screen comes or goes)."""
    if QGuiApplication.instance() is None:
        return (1.0,)
    return tuple(
        sorted({1.0, *(round(s.devicePixelRatio(), 2) for s in QGuiApplication.screens())})
    )


def clear_cache() -> None:
    """Forget every painted icon; call on a palette or colour-scheme change, then repaint."""
    _icons.clear()
    _pixmaps.clear()


def is_dark_panel() -> bool:
    """Best guess at whether the panel behind the tray is dark: the colour scheme the platform
    reports, else the lightness of the application palette's window colour."""
    app = QGuiApplication.instance()
    if app is None:
        return False
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


# ---------------------------------------------------------------------------------- building


def _device(size: int, dpr: float) -> int:
    return max(1, round(size * dpr))


def _to_pixmap(image: QImage, dpr: float) -> QPixmap:
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(dpr)
    return pixmap


def _build_icon(
    paint: Callable[[int], QImage], sizes: tuple[int, ...], scales: tuple[float, ...]
) -> QIcon:
    """A QIcon holding a separately painted pixmap for every size and scale, so Qt finds an
    exact match instead of scaling (which blurs small icons)."""
    icon = QIcon()
    images: dict[int, QImage] = {}
    large = tuple(s for s in scales if s in (1.0, 2.0))
    for size in sizes:
        for dpr in scales if size <= SMALL else large:
            px = _device(size, dpr)
            if px not in images:
                images[px] = paint(px)
            icon.addPixmap(_to_pixmap(images[px], dpr))
    return icon


def _canvas(px: int) -> QImage:
    image = QImage(px, px, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    return image


def _unit_painter(image: QImage, outline_px: float) -> tuple[QPainter, float]:
    """A painter whose coordinates run 0..100 over the area inside the outline's reach, and the
    size of one device pixel in those units."""
    px = image.width()
    inset = outline_px / 2 + 1.0  # keeps the outermost pixel ring clear
    unit = (px - 2 * inset) / 100
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate(inset, inset)
    painter.scale(unit, unit)
    return painter, 1 / unit


def _outline_width(px: int) -> float:
    """Whole device pixels: with ``_unit_painter``'s inset, the outline then covers whole pixel
    rows and columns where a shape meets its box (circle extremes, flat sides): crisp edges."""
    return float(max(1, round(px / 20)))


def _paint_state_image(state: TrayState, px: int, dark: bool) -> QImage:
    image = _canvas(px)
    outline_px = _outline_width(px)
    painter, pixel = _unit_painter(image, outline_px)
    try:
        outline = QColor(OUTLINE_ON_DARK if dark else OUTLINE_ON_LIGHT)
        pen = QPen(outline, outline_px * pixel)
        sharp = state in (TrayState.DEGRADED, TrayState.PARTIAL_OUTAGE)  # miters would poke out
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin if sharp else Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        painter.setBrush(QBrush(QColor(FILL[state])))
        painter.drawPath(_SHAPES[state]())
        stroke = max(13.0, 1.5 * pixel)  # glyph lines never thinner than 1.5 device pixels
        _GLYPHS[state](painter, stroke)
    finally:
        painter.end()
    return image


def _paint_app_image(px: int) -> QImage:
    image = _canvas(px)
    outline_px = _outline_width(px)
    painter, pixel = _unit_painter(image, outline_px)
    try:
        painter.setPen(QPen(QColor(OUTLINE_ON_LIGHT), outline_px * pixel))
        painter.setBrush(QColor(APP_FILL))
        painter.drawRoundedRect(QRectF(0, 0, 100, 100), 22, 22)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#ffffff"))
        for i, top in enumerate((56.0, 38.0, 20.0)):
            painter.drawRoundedRect(QRectF(20 + i * 22, top, 16, 80 - top), 4, 4)
    finally:
        painter.end()
    return image


# ---------------------------------------------------------------------------------- shapes
# All in a 0..100 box; the outline pen straddles the edge, and the inset leaves room for it.


def _circle() -> QPainterPath:
    path = QPainterPath()
    path.addEllipse(QRectF(0, 0, 100, 100))
    return path


def _polygon(points: list[tuple[float, float]]) -> QPainterPath:
    path = QPainterPath()
    path.addPolygon(QPolygonF([QPointF(x, y) for x, y in points]))
    path.closeSubpath()
    return path


def _triangle() -> QPainterPath:
    top = 100 - 100 * math.sqrt(3) / 2  # equilateral, standing on the box's (pixel-aligned) floor
    return _polygon([(50, top), (100, 100), (0, 100)])


def _diamond() -> QPainterPath:
    return _polygon([(50, 0), (100, 50), (50, 100), (0, 50)])


def _octagon() -> QPainterPath:
    a = 100 / (2 + math.sqrt(2))  # corner cut of a regular octagon 100 wide
    b = 100 - a
    return _polygon([(a, 0), (b, 0), (100, a), (100, b), (b, 100), (a, 100), (0, b), (0, a)])


_SHAPES: dict[TrayState, Callable[[], QPainterPath]] = {
    TrayState.OPERATIONAL: _circle,
    TrayState.MAINTENANCE: _circle,
    TrayState.DEGRADED: _triangle,
    TrayState.PARTIAL_OUTAGE: _diamond,
    TrayState.MAJOR_OUTAGE: _octagon,
    TrayState.UNKNOWN: _circle,
    TrayState.OFFLINE: _circle,
    TrayState.PAUSED: _circle,
    TrayState.YOURS: _circle,
}


# ---------------------------------------------------------------------------------- glyphs


def _glyph_pen(painter: QPainter, stroke: float, color: str = GLYPH) -> None:
    pen = QPen(QColor(color), stroke)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)


def _dot(painter: QPainter, x: float, y: float, stroke: float) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(GLYPH))
    radius = stroke * 0.62
    painter.drawEllipse(QPointF(x, y), radius, radius)


def _check(painter: QPainter, stroke: float) -> None:
    _glyph_pen(painter, stroke)
    painter.drawPolyline(QPolygonF([QPointF(27, 52), QPointF(43, 68), QPointF(74, 35)]))


def _clock(painter: QPainter, stroke: float) -> None:
    _glyph_pen(painter, stroke)
    painter.drawPolyline(QPolygonF([QPointF(50, 22), QPointF(50, 52), QPointF(72, 64)]))


def _exclamation(top: float, bottom: float, dot: float) -> Callable[[QPainter, float], None]:
    """A "!" whose bar ends exactly at ``bottom`` (flat cap), so the gap above the dot survives
    even at 16 px."""

    def paint(painter: QPainter, stroke: float) -> None:
        _glyph_pen(painter, stroke)
        pen = painter.pen()
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(pen)
        painter.drawLine(QLineF(50, top, 50, bottom))
        _dot(painter, 50, dot, stroke)

    return paint


def _cross(painter: QPainter, stroke: float) -> None:
    _glyph_pen(painter, stroke)
    painter.drawLine(QLineF(32, 32, 68, 68))
    painter.drawLine(QLineF(68, 32, 32, 68))


def _question(painter: QPainter, stroke: float) -> None:
    _glyph_pen(painter, stroke)
    path = QPainterPath(QPointF(35, 36))
    path.arcTo(QRectF(35, 21, 30, 30), 180, -240)  # over the top, round to lower right
    path.quadTo(QPointF(50, 50), QPointF(50, 56))
    painter.drawPath(path)
    _dot(painter, 50, 77, stroke)


def _offline(painter: QPainter, stroke: float) -> None:
    """Signal arcs (like Wi-Fi), struck through; below ARCS_MIN pixels only the slash, since
    the arcs would blur into hatching."""
    pixel = painter.transform().m11()  # device pixels per unit
    if pixel * 100 >= ARCS_MIN:
        _glyph_pen(painter, stroke * 0.9)
        for radius in (19.0, 37.0):
            arc = QRectF(50 - radius, 76 - radius, 2 * radius, 2 * radius)
            painter.drawArc(arc, 45 * 16, 90 * 16)
        _dot(painter, 50, 76, stroke * 0.9)
        gap = QPen(QColor(FILL[TrayState.OFFLINE]), stroke * 1.7)  # a lane so the slash reads
        gap.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(gap)
        painter.drawLine(QLineF(27, 23, 77, 73))
    _glyph_pen(painter, stroke)
    painter.drawLine(QLineF(24, 20, 80, 76))


def _bars(painter: QPainter, stroke: float) -> None:
    _glyph_pen(painter, stroke)
    painter.drawLine(QLineF(39, 31, 39, 69))
    painter.drawLine(QLineF(61, 31, 61, 69))


def _key(painter: QPainter, stroke: float) -> None:
    """A key lying down: a ring, a shaft and two teeth."""
    _glyph_pen(painter, stroke)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(QRectF(20, 38, 24, 24))
    painter.drawLine(QLineF(44, 50, 80, 50))
    painter.drawLine(QLineF(72, 50, 72, 64))
    painter.drawLine(QLineF(62, 50, 62, 60))


_GLYPHS: dict[TrayState, Callable[[QPainter, float], None]] = {
    TrayState.OPERATIONAL: _check,
    TrayState.MAINTENANCE: _clock,
    TrayState.DEGRADED: _exclamation(42, 68, 82),
    TrayState.PARTIAL_OUTAGE: _exclamation(20, 56, 71),
    TrayState.MAJOR_OUTAGE: _cross,
    TrayState.UNKNOWN: _question,
    TrayState.OFFLINE: _offline,
    TrayState.PAUSED: _bars,
    TrayState.YOURS: _key,
}
