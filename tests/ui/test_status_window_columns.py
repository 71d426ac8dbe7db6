"""The status window's columns: a long state never squeezes the service names to "…".

Found in the demo at 1:15: "major outage (not on its status page yet)" took the State column's
width and left the stretched Service column ~80 px, so every name read "…".
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QGuiApplication exists

import pytest
from PySide6.QtWidgets import QApplication, QTreeWidgetItem

from trayapp.core import verdict
from trayapp.core.model import Severity, Watch
from trayapp.core.status import SourceStatus
from trayapp.core.tracker import SourceState
from trayapp.probes.state import ProbeState
from trayapp.store.config_values import Config
from trayapp.ui.hub import Hub
from trayapp.ui.status_window import GIVING_WAY, NAME_CAP, StatusWindow, column_widths

NOW = datetime.now(UTC).replace(microsecond=0)
MIN = timedelta(minutes=1)
NAMES = ("Anthropic (demo)", "OpenAI (demo)", "Gemini (demo)", "Mistral (demo)")
LONG_STATE = "major outage (not on its status page yet)"


def checked(name: str, severity: Severity, *, down: bool = False) -> SourceStatus:
    """A service read 1 min ago; ``down``: its own checks fail while the page is green."""
    state = SourceState(
        confirmed=severity,
        since=NOW - 60 * MIN,
        last_readable=severity,
        last_reading=NOW - MIN,
        last_success=NOW - MIN,
    )
    watch = Watch(name=name, url="http://127.0.0.1:9/api/v2/summary.json", format="statuspage")
    status = SourceStatus(watch, state, None, NOW - MIN, 0, 60.0)
    if not down:
        return status
    probes = (ProbeState(down=True, since=NOW - 4 * MIN, down_since=NOW - 5 * MIN),)
    decided = verdict.decide(severity, state.since, probes, False, NOW, tz=UTC)
    return replace(status, probes=probes, verdict=decided)


@pytest.fixture
def hub(qapp: QApplication) -> Hub:
    hub = Hub()
    hub.config_changed.emit(
        Config(watches=tuple(checked(n, Severity.OPERATIONAL).watch for n in NAMES))
    )
    hub.started = True
    for name in NAMES:
        hub.publish_status(checked(name, Severity.OPERATIONAL, down=name.startswith("Gemini")))
    return hub


def row(window: StatusWindow, index: int) -> QTreeWidgetItem:
    item = window.tree.topLevelItem(index)
    assert item is not None
    return item


def elided(window: StatusWindow, index: int, column: int) -> bool:
    """Whether the cell's text is wider than the room its column leaves it (the view then
    draws it with "…"): the width the delegate asks for against the column's."""
    tree = window.tree
    item = row(window, index)
    wanted = tree.sizeHintForIndex(tree.indexFromItem(item, column)).width()
    indent = tree.indentation() if column == 0 else 0
    return wanted + indent > tree.columnWidth(column)


def test_a_long_state_leaves_every_service_name_readable(hub: Hub, qtbot: Any) -> None:
    window = StatusWindow(hub)
    qtbot.addWidget(window)
    window._clock = lambda: NOW
    window.show()
    qtbot.waitUntil(window.isVisible)
    window.resize(760, 380)  # the width the demo opened at, below what the rows want
    qtbot.waitUntil(lambda: window.tree.viewport().width() < 740)
    tree = window.tree
    states = {row(window, i).text(0): row(window, i).text(1) for i in range(4)}
    assert states["Gemini (demo)"] == LONG_STATE
    qtbot.waitUntil(lambda: not any(elided(window, row, 0) for row in range(4)))
    assert elided(window, 2, 1)  # the State column gave way instead
    assert row(window, 2).toolTip(1) == LONG_STATE  # and its tooltip says it whole
    header = tree.header()
    assert sum(header.sectionSize(c) for c in range(6)) <= tree.viewport().width()

    window.resize(1400, 380)  # room for all: nothing elides, the names take the slack
    qtbot.waitUntil(lambda: not elided(window, 2, 1))
    assert sum(header.sectionSize(c) for c in range(6)) == tree.viewport().width()


def test_the_first_show_widens_the_window_to_its_rows_within_the_screen(
    hub: Hub, qtbot: Any
) -> None:
    window = StatusWindow(hub)
    qtbot.addWidget(window)
    window._clock = lambda: NOW
    window.resize(500, 380)  # narrower than the rows
    window.show()
    qtbot.waitUntil(window.isVisible)
    screen = window.screen().availableGeometry()
    assert 500 < window.width() <= screen.width()
    if window.width() < int(screen.width() * 0.92):  # not held back by the screen: all fits
        qtbot.waitUntil(lambda: not any(elided(window, r, c) for r in range(4) for c in range(6)))
    window.resize(500, 380)
    window.hide()
    window.show()  # a later show keeps the size the user chose
    assert window.width() == 500
    assert row(window, 0).toolTip(0) == NAMES[0]


def test_column_widths_keep_the_name_and_let_the_state_give_way() -> None:
    state, last = (column for column, _ in GIVING_WAY)
    others = [300, 50, 190, 70, 90]  # State, For, Last check, Page 24 h, You saw 24 h
    assert column_widths(150, others, 1000) == [150 + 150, *others]  # slack to the names
    fitted = column_widths(150, others, 700)
    assert fitted[0] == 150 and sum(fitted) == 700
    assert fitted[state] == 300 - 150 and fitted[last] == 190  # the State gave way first
    floor = dict(GIVING_WAY)
    squeezed = column_widths(150, others, 500)  # then Last check; beyond: a scroll bar
    assert squeezed == [150, floor[state], 50, floor[last], 70, 90]
    assert column_widths(900, others, 700)[0] == NAME_CAP  # a very long name elides, capped
