"""The painted tray icons: right colour, distinct shapes, inside the canvas, sharp at HiDPI."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QGuiApplication exists

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPalette

from trayapp.core.summary import TrayState
from trayapp.ui import icons

STRIP = Path("/tmp/trayapp-icons.png")
Pixel = tuple[int, int, int, int]  # r, g, b, a (not premultiplied)


@pytest.fixture(autouse=True)
def fresh_cache(qapp: QGuiApplication) -> Iterator[None]:
    icons.clear_cache()
    yield
    icons.clear_cache()


def pixels(image: QImage) -> list[list[Pixel]]:
    """Rows of (r, g, b, a)."""
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    data = bytes(image.constBits())
    stride, width = image.bytesPerLine(), image.width()
    return [
        [tuple(data[y * stride + 4 * x : y * stride + 4 * x + 4]) for x in range(width)]  # type: ignore[misc]
        for y in range(image.height())
    ]


def rgb(name: str) -> tuple[int, int, int]:
    color = QColor(name)
    return color.red(), color.green(), color.blue()


def grey(p: Pixel) -> int:
    """Luma over a black background: what a colour-blind-proof comparison looks at."""
    r, g, b, a = p
    return round((0.299 * r + 0.587 * g + 0.114 * b) * a / 255)


def image(state: TrayState, size: int, dpr: float = 1.0, dark: bool = False) -> QImage:
    return icons.pixmap_for(state, size, dpr, dark_panel=dark).toImage()


# ---------------------------------------------------------------------------------- colour


# share of the opaque pixels, share of the canvas: anti-aliasing eats more of the smallest
MAJORITY = {16: (0.35, 0.1), 22: (0.5, 0.15), 64: (0.5, 0.2)}


@pytest.mark.parametrize("size", sorted(MAJORITY))
@pytest.mark.parametrize("dark", [False, True])
@pytest.mark.parametrize("state", list(TrayState))
def test_each_state_is_mostly_its_fill_colour(state: TrayState, size: int, dark: bool) -> None:
    rows = pixels(image(state, size, dark=dark))
    opaque = Counter(p[:3] for row in rows for p in row if p[3] == 255)
    colour, count = opaque.most_common(1)[0]
    assert colour == rgb(icons.FILL[state])
    of_opaque, of_canvas = MAJORITY[size]
    assert count >= of_opaque * sum(opaque.values())  # the fill outweighs outline and glyph
    assert count >= of_canvas * size * size  # and it is a region, not a few pixels


def test_fill_colours_are_all_different_and_not_the_outline_or_glyph() -> None:
    fills = [rgb(c) for c in icons.FILL.values()]
    assert len(set(fills)) == len(TrayState) == len(icons.FILL)
    others = {rgb(icons.GLYPH), rgb(icons.OUTLINE_ON_DARK), rgb(icons.OUTLINE_ON_LIGHT)}
    assert not others & set(fills)


# ---------------------------------------------------------------------------------- geometry


@pytest.mark.parametrize("size", [16, 22, 64, 128])
@pytest.mark.parametrize("state", list(TrayState))
def test_the_shape_stays_inside_the_canvas(state: TrayState, size: int) -> None:
    rows = pixels(image(state, size))
    ring = rows[0] + rows[-1] + [row[0] for row in rows] + [row[-1] for row in rows]
    assert max(p[3] for p in ring) <= 24  # at most a trace of anti-aliasing: nothing is clipped
    fill = rgb(icons.FILL[state])
    xs = [x for row in rows for x, p in enumerate(row) if p[:3] == fill and p[3] == 255]
    ys = [y for y, row in enumerate(rows) for p in row if p[:3] == fill and p[3] == 255]
    assert min(xs) > 1 and max(xs) < size - 2
    assert min(ys) > 1 and max(ys) < size - 2


@pytest.mark.parametrize("size", [22, 64])
def test_all_states_differ_pairwise_even_in_greyscale(size: int) -> None:
    rows = {s: [p for row in pixels(image(s, size)) for p in row] for s in TrayState}
    for a, b in itertools.combinations(TrayState, 2):
        colour = sum(1 for p, q in zip(rows[a], rows[b], strict=True) if p != q)
        assert colour >= 0.1 * size * size, (a, b)
        grey_diff = sum(
            1 for p, q in zip(rows[a], rows[b], strict=True) if abs(grey(p) - grey(q)) > 40
        )
        assert grey_diff >= 0.03 * size * size, (a, b)


def test_rising_severities_have_distinct_silhouettes() -> None:
    """Circle, triangle, diamond, octagon: even the bare outline says how bad it is (degraded and
    partial outage are both warm colours, so their shapes must differ)."""
    shaped = [TrayState.OPERATIONAL, TrayState.DEGRADED, TrayState.PARTIAL_OUTAGE]
    shaped.append(TrayState.MAJOR_OUTAGE)
    masks = {s: [p[3] > 128 for row in pixels(image(s, 64)) for p in row] for s in shaped}
    for a, b in itertools.combinations(shaped, 2):
        assert sum(x != y for x, y in zip(masks[a], masks[b], strict=True)) >= 150, (a, b)


@pytest.mark.parametrize("size", [16, 22, 64])
def test_shape_and_glyph_alone_tell_every_state_apart(size: int) -> None:
    """Drop the fill colour entirely: the silhouette plus the dark marks (outline and glyph)
    still differ for every pair, so no state relies on colour or on a shade of grey."""

    def marks(state: TrayState) -> list[tuple[bool, bool]]:
        rows = pixels(image(state, size))
        return [(p[3] > 128, p[3] > 128 and grey(p) < 70) for row in rows for p in row]

    shapes = {s: marks(s) for s in TrayState}
    for a, b in itertools.combinations(TrayState, 2):
        differ = sum(x != y for x, y in zip(shapes[a], shapes[b], strict=True))
        assert differ >= 0.04 * size * size, (a, b, differ)


# ---------------------------------------------------------------------------------- panels


@pytest.mark.parametrize("state", list(TrayState))
def test_outline_contrasts_with_the_panel(state: TrayState) -> None:
    """Dark outline for light panels, light outline for dark panels, so yellow and grey read
    on either."""
    for dark in (False, True):
        middle = pixels(image(state, 64, dark=dark))[32]
        edge = next(p for p in middle if p[3] == 255)
        assert (grey(edge) > 200) if dark else (grey(edge) < 60), (dark, edge)


def test_dark_panel_is_guessed_from_the_palette(qapp: QGuiApplication) -> None:
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme != Qt.ColorScheme.Unknown:
        assert icons.is_dark_panel() == (scheme == Qt.ColorScheme.Dark)
        return
    original = QGuiApplication.palette()
    try:
        QGuiApplication.setPalette(QPalette(QColor("#202020")))
        assert icons.is_dark_panel()
        dark_icon = icons.icon_for(TrayState.DEGRADED)
        assert dark_icon.cacheKey() == icons.icon_for(TrayState.DEGRADED, True).cacheKey()
        QGuiApplication.setPalette(QPalette(QColor("#f0f0f0")))
        assert not icons.is_dark_panel()
        assert icons.icon_for(TrayState.DEGRADED).cacheKey() != dark_icon.cacheKey()
    finally:
        QGuiApplication.setPalette(original)


# ---------------------------------------------------------------------------------- HiDPI, icons


@pytest.mark.parametrize(("size", "dpr", "device"), [(22, 2.0, 44), (16, 1.25, 20), (22, 1.5, 33)])
def test_pixmaps_are_painted_at_device_size(size: int, dpr: float, device: int) -> None:
    pixmap = icons.pixmap_for(TrayState.MAJOR_OUTAGE, size, dpr, dark_panel=False)
    assert (pixmap.width(), pixmap.height()) == (device, device)
    assert pixmap.devicePixelRatio() == dpr
    assert pixmap.deviceIndependentSize().toSize() == QSize(size, size)


@pytest.mark.parametrize(("size", "dpr"), [(16, 1.0), (22, 1.0), (22, 2.0), (24, 1.5), (64, 2.0)])
def test_the_icon_holds_an_exact_painting_for_tray_sizes(
    size: int, dpr: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No scaling: Qt hands out the pixmap painted for that very size and a screen's scale."""
    monkeypatch.setattr(icons, "screen_scales", lambda: (1.0, 1.5, 2.0))
    icon = icons.icon_for(TrayState.PARTIAL_OUTAGE, dark_panel=False)
    got = icon.pixmap(QSize(size, size), dpr).toImage()
    want = image(TrayState.PARTIAL_OUTAGE, size, dpr)
    assert got.size() == want.size()
    assert pixels(got) == pixels(want)


def test_state_icons_are_painted_for_the_screens_scales_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A scale no screen has is never asked for; its pixmaps would be kept all day for
    nothing (0.17 MiB per state at 2x)."""
    assert icons.screen_scales() == (1.0,)  # the offscreen screen
    one = icons.icon_for(TrayState.OPERATIONAL, dark_panel=False)
    assert {s.width() for s in one.availableSizes()} == set(icons.SIZES)
    monkeypatch.setattr(icons, "screen_scales", lambda: (1.0, 2.0))  # a 2x screen came
    two = icons.icon_for(TrayState.OPERATIONAL, dark_panel=False)
    assert two is not one
    assert {2 * size for size in icons.SIZES} <= {s.width() for s in two.availableSizes()}


def test_icons_carry_every_size_and_are_cached() -> None:
    icon = icons.icon_for(TrayState.OPERATIONAL, dark_panel=True)
    assert not icon.isNull()
    sizes = {s.width() for s in icon.availableSizes()}
    assert set(icons.SIZES) <= sizes
    assert icons.icon_for(TrayState.OPERATIONAL, dark_panel=True) is icon
    assert icons.icon_for(TrayState.OPERATIONAL, dark_panel=False) is not icon
    before = icon.cacheKey()
    icons.clear_cache()
    assert icons.icon_for(TrayState.OPERATIONAL, dark_panel=True).cacheKey() != before


def test_app_icon_is_its_own_neutral_symbol() -> None:
    icon = icons.app_icon()
    assert not icon.isNull()
    rows = pixels(icon.pixmap(QSize(64, 64), 1.0).toImage())
    opaque = Counter(p[:3] for row in rows for p in row if p[3] == 255)
    assert opaque.most_common(1)[0][0] == rgb(icons.APP_FILL)
    assert not {rgb(c) for c in icons.FILL.values()} & set(opaque)


def test_importing_icons_paints_nothing_and_needs_no_widgets() -> None:
    code = (
        "import sys, trayapp.ui.icons\n"
        "assert 'PySide6.QtWidgets' not in sys.modules\n"
        "from PySide6.QtGui import QGuiApplication\n"
        "assert QGuiApplication.instance() is None\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_write_a_strip_to_look_at() -> None:
    """Eight icons at 64 px on a light panel and on a dark one, for a person to look at."""
    cell = 76
    strip = QImage(cell * len(TrayState), cell * 2, QImage.Format.Format_ARGB32)
    strip.fill(QColor("#ececec"))
    painter = QPainter(strip)
    try:
        painter.fillRect(0, cell, strip.width(), cell, QColor("#262626"))
        for row, dark in enumerate((False, True)):
            for i, state in enumerate(TrayState):
                pixmap = icons.pixmap_for(state, 64, 1, dark)
                painter.drawPixmap(i * cell + 6, row * cell + 6, pixmap)
    finally:
        painter.end()
    assert strip.save(str(STRIP))
    assert QImage(str(STRIP)).size() == strip.size()
