"""A closed window is destroyed, with what it loaded, and the next request makes a new one.

``Windows`` as the app uses it, offscreen, with a real incident log and config in tmp_path:
after a close the widget is deleted (``shiboken6.isValid``), the hub's signals reach nothing
of it (a slot of a deleted window would raise, and pytest-qt fails the test on that), and
showing the kind again opens a fresh window where the old one was.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
import shiboken6
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QWidget

from trayapp.core import tracker
from trayapp.core.model import Component, Reading, Severity, Watch
from trayapp.core.status import SourceStatus
from trayapp.store import config, incident_log, paths
from trayapp.ui.hub import Hub
from trayapp.ui.windows import Windows

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

KINDS = ("main", "history", "settings")


@pytest.fixture
def hub(qapp, trayapp_env: dict[str, str]) -> Hub:  # type: ignore[no-untyped-def]
    """A hub holding a config with one service, and a log where it had an outage."""
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[[watch]]\nurl = "http://127.0.0.1:9/s.json"\nformat = "statuspage"\n')
    loaded = config.load(path)
    paths.database_file().parent.mkdir(parents=True, exist_ok=True)
    state = tracker.SourceState()
    settings = tracker.TrackerConfig(confirm_worse=1, confirm_better=1)
    start = datetime.now(UTC) - timedelta(hours=3)
    with incident_log.open(paths.database_file()) as log:
        for hours, severity in enumerate((Severity.OPERATIONAL, Severity.MAJOR_OUTAGE)):
            reading = Reading("statuspage", severity, (Component("API", severity),))
            name = loaded.watches[0].name
            state, events = tracker.step(
                state, name, reading, start + timedelta(hours=hours), settings
            )
            log.record(events)
    hub = Hub()
    hub.config_changed.emit(loaded)
    return hub


def poke(hub: Hub, watch: Watch) -> None:
    """Every signal a window listens to."""
    status = SourceStatus(watch, tracker.SourceState(), None, None, 0, None)
    hub.publish_status(status)
    hub.set_offline(True)
    hub.set_offline(False)
    hub.set_paused(True)
    hub.set_paused(False)
    hub.mutes_changed.emit()
    hub.set_notice("log", "a notice")
    hub.set_notice("log", None)
    assert hub.config is not None
    hub.config_changed.emit(hub.config)
    first_reading = Reading(watch.format, Severity.OPERATIONAL)
    _, events = tracker.step(tracker.SourceState(), watch.name, first_reading, datetime.now(UTC))
    hub.publish_event(events[0])


@pytest.mark.parametrize("kind", KINDS)
def test_a_closed_window_is_deleted_and_a_new_one_opens_where_it_was(
    qtbot,  # type: ignore[no-untyped-def]
    hub: Hub,
    kind: str,
) -> None:
    windows = Windows(hub, lambda: None)
    first = windows.show(kind)
    assert first is not None and first.isVisible()
    qtbot.waitExposed(first)
    assert windows.show(kind) is first  # an open window is raised, not duplicated
    assert windows.open_kinds() == [kind] and windows.visible(kind)
    first.setGeometry(QRect(40, 50, 700, 500))
    where = first.geometry()
    destroyed: list[bool] = []
    first.destroyed.connect(lambda *_: destroyed.append(True))

    assert first.close()
    assert windows.get(kind) is None and not windows.visible(kind)
    assert windows.open_kinds() == []
    qtbot.waitUntil(lambda: bool(destroyed), timeout=5000)
    assert not shiboken6.isValid(first)
    assert hub.config is not None
    poke(hub, hub.config.watches[0])  # nothing of the old window may answer, nor raise

    again = windows.show(kind)
    assert isinstance(again, QWidget) and again is not first and again.isVisible()
    qtbot.addWidget(again)
    qtbot.waitExposed(again)
    assert again.geometry() == where
    poke(hub, hub.config.watches[0])  # the new one listens
    qtbot.waitUntil(lambda: not windows._closing, timeout=5000)  # its Python side let go


def test_a_window_asked_for_between_its_close_and_its_deletion_is_a_new_one(
    qtbot,  # type: ignore[no-untyped-def]
    hub: Hub,
) -> None:
    windows = Windows(hub, lambda: None)
    first = windows.show("history")
    assert first is not None
    first.close()  # Qt deletes it on the next turn of the loop
    again = windows.show("history")
    assert again is not None and again is not first
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: not shiboken6.isValid(first), timeout=5000)
    assert shiboken6.isValid(again) and again.isVisible() and windows.get("history") is again


def test_close_all_closes_and_deletes_every_window(
    qtbot,  # type: ignore[no-untyped-def]
    hub: Hub,
) -> None:
    windows = Windows(hub, lambda: None)
    shown = [windows.show(kind) for kind in KINDS]
    assert windows.open_kinds() == sorted(KINDS)
    windows.close_all()
    assert windows.open_kinds() == []
    qtbot.waitUntil(lambda: not any(shiboken6.isValid(w) for w in shown), timeout=5000)
    windows.refresh_main()  # no main window: nothing to redraw, nothing raised
