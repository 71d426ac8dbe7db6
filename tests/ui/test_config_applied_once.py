"""A config change reaches the engine once: a Settings save is applied at once, and the file
watcher, which then sees the file the save wrote, does not apply it a second time. The real app
(offscreen, no tray) with its real engine, config file, watcher and Settings window."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from tests.ui.test_tray_offscreen import no_tray, socket_name  # noqa: F401 - the fixture
from trayapp.ui import tray
from trayapp.ui.app import TrayApp, TrayOptions
from trayapp.ui.hub import NOTICE_CONFIG
from trayapp.ui.settings import SettingsWindow
from trayapp.ui.single_instance import InstanceServer

DEADLINE_MS = 30_000


def test_a_settings_save_is_applied_once_and_an_editor_save_still_is(
    qapp: QApplication,
    qtbot: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    socket_name: str,  # noqa: F811 - the fixture
) -> None:
    monkeypatch.setenv("TRAYAPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TRAYAPP_CONFIG_DIR", str(tmp_path / "config"))
    config_path = tmp_path / "config" / "config.toml"
    config_path.parent.mkdir()
    config_path.write_text("# nothing watched: no network in this test\n")
    monkeypatch.setattr(tray, "RETRY_FIRST", 3600.0)
    no_tray(monkeypatch)
    controller = TrayApp(qapp, InstanceServer(socket_name), TrayOptions())
    controller.start()
    monitor, center, live = controller.monitor, controller.center, controller.live_config
    assert monitor is not None and center is not None and live is not None, controller.hub.notices
    applied: list[tuple[Any, ...]] = []
    set_watches = monitor.engine.set_watches

    def counted(*args: Any, **kwargs: Any) -> None:  # the engine's own, counted
        applied.append(args)
        set_watches(*args, **kwargs)

    monkeypatch.setattr(monitor.engine, "set_watches", counted)
    try:
        window = controller.windows.show("settings")
        assert isinstance(window, SettingsWindow)
        window.on_recovery.setChecked(False)
        window.save_notifications()
        assert "on_recovery = false" in config_path.read_text()
        assert len(applied) == 1 and not center.settings.user.on_recovery  # at once
        # the watcher reads the file the save wrote (and would announce it again)
        qtbot.waitUntil(lambda: not live.file.changed(), timeout=DEADLINE_MS)
        QCoreApplication.processEvents()
        assert len(applied) == 1, "the Settings save was applied twice"

        # an edit in a text editor is still applied, once
        config_path.write_text(config_path.read_text().replace("false", "true"))
        qtbot.waitUntil(lambda: len(applied) == 2, timeout=DEADLINE_MS)
        assert center.settings.user.on_recovery and window.on_recovery.isChecked()
        qtbot.waitUntil(lambda: not live.file.changed(), timeout=DEADLINE_MS)
        QCoreApplication.processEvents()
        assert len(applied) == 2

        # a broken save keeps the config in use; fixed back to it, the window follows again
        good = config_path.read_text()
        config_path.write_text(good + "[notifications\n")
        qtbot.waitUntil(lambda: NOTICE_CONFIG in controller.hub.notices, timeout=DEADLINE_MS)
        window.reload()  # what showing it again does: the form says the file is broken
        assert not window.save_notify_button.isEnabled()
        config_path.write_text(good)
        qtbot.waitUntil(lambda: NOTICE_CONFIG not in controller.hub.notices, timeout=DEADLINE_MS)
        assert window.save_notify_button.isEnabled()  # told of the fixed file
        assert len(applied) == 2  # the same config as before: nothing to apply
    finally:
        loop = controller.loop
        assert loop is not None
        controller._stopping = True
        shutdown = loop.create_task(controller._shutdown(stop_loop=False))
        qtbot.waitUntil(shutdown.done, timeout=DEADLINE_MS)
        asyncio.set_event_loop(None)
        QCoreApplication.processEvents()


def test_a_file_written_into_a_config_folder_that_did_not_exist_is_applied(
    qapp: QApplication,
    qtbot: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    socket_name: str,  # noqa: F811 - the fixture
) -> None:
    """A first run has no config folder (the defaults apply); `trayapp watch add` then makes
    it and the file. The running tray must read that file: it watches a folder it made."""
    from trayapp.store.config_edits import add_watch

    monkeypatch.setenv("TRAYAPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TRAYAPP_CONFIG_DIR", str(tmp_path / "config" / "trayapp"))
    config_path = tmp_path / "config" / "trayapp" / "config.toml"
    assert not config_path.parent.exists()
    monkeypatch.setattr(tray, "RETRY_FIRST", 3600.0)
    no_tray(monkeypatch)
    controller = TrayApp(qapp, InstanceServer(socket_name), TrayOptions())
    controller.start()
    monitor = controller.monitor
    assert monitor is not None, controller.hub.notices
    applied: list[tuple[Any, ...]] = []
    monkeypatch.setattr(monitor.engine, "set_watches", lambda *args, **_: applied.append(args))
    try:
        add_watch(  # what `trayapp watch add` writes (the loopback URL is never polled here)
            config_path, url="http://127.0.0.1:9/api/v2/summary.json", name="Lab",
            format="statuspage",
        )  # fmt: skip
        qtbot.waitUntil(lambda: "Lab" in [w.name for w in controller.hub.config.watches],
                        timeout=DEADLINE_MS)  # fmt: skip
        assert applied and "Lab" in [w.name for w in applied[-1][0]]
    finally:
        loop = controller.loop
        assert loop is not None
        controller._stopping = True
        shutdown = loop.create_task(controller._shutdown(stop_loop=False))
        qtbot.waitUntil(shutdown.done, timeout=DEADLINE_MS)
        asyncio.set_event_loop(None)
        QCoreApplication.processEvents()
