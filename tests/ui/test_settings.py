"""The Settings window against a real config file in tmp_path and real loopback status pages.

Discovery and previews run for real against a loopback server, on an asyncio loop joined to Qt's
as the app joins it (qasync); only catalog previews (whose endpoints are on the internet) get a
stub coroutine. The keyring here is a JSON-file backend behind the real keyring child;
the real Secret Service round trip is tests/desktop/test_settings_keyring_desktop.py.
Under tests/desktop/with-desktop.sh the last test saves $TRAYAPP_SHOTS/settings.png.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from datetime import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.child_keyring import stored
from tests.support import StaticServer
from trayapp.core.model import Component, Reading, Severity, Watch
from trayapp.demo.payloads import IncidentSpec, statuspage_summary
from trayapp.demo.replay import ReplayServer
from trayapp.demo.replay_routes import Reply, Request
from trayapp.engine.executor import ShortLivedExecutor
from trayapp.engine.preview import Preview
from trayapp.engine.scheduler import Engine
from trayapp.engine.settings import EngineSettings
from trayapp.net import fetch
from trayapp.store import catalog, config, config_edits
from trayapp.ui.add_service import AddServiceDialog
from trayapp.ui.hub import Hub
from trayapp.ui.loop import QuietEventLoop
from trayapp.ui.settings import SettingsWindow
from trayapp.ui.settings_parts import (
    DataRole,
    Runner,
    checked_components,
    interval_text,
    preview_summary,
    token_entry_name,
)
from trayapp.ui.windows import Windows

SHOTS = Path(os.environ.get("TRAYAPP_SHOTS", "/tmp/trayapp-shots"))
RESOLVER = "test-resolver"  # the loop's name-resolution threads (the app's: trayapp-worker)
TOKEN = "lab_9f3c2e7a1b4d4e0fa6c8_secret_value"


@pytest.fixture
def app_loop(qtbot) -> Iterator[QuietEventLoop]:  # type: ignore[no-untyped-def]
    """The app's asyncio loop, joined to Qt's as ``TrayApp.start`` joins it: previews run on it
    whenever Qt processes events (qtbot's waits), with the app's short-lived resolver threads."""
    loop = QuietEventLoop(QApplication.instance(), already_running=True)
    loop.set_default_executor(ShortLivedExecutor(2, name=RESOLVER))
    asyncio.set_event_loop(loop)
    yield loop
    left = asyncio.all_tasks(loop)
    for task in left:
        task.cancel()
    qtbot.waitUntil(lambda: all(task.done() for task in left), timeout=5000)
    # let go of it as qasync's run_forever does when it ends; ``loop.stop()`` would also quit
    # Qt, and every later wait in this process would return at once
    loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)
    loop.close()


@pytest.fixture
def child_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The Tokens tab's keyring child uses a JSON-file backend in ``tmp_path`` (by environment,
    which the child inherits); the file is returned."""
    path = tmp_path / "keyring.json"
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.child_keyring.JsonFileKeyring")
    monkeypatch.setenv("TRAYAPP_TEST_KEYRING", str(path))
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    return path


@pytest.fixture
def site(tmp_path: Path) -> Iterator[StaticServer]:
    """A loopback Statuspage: /api/v2/summary.json with three components and an incident."""
    root = tmp_path / "site"
    (root / "api" / "v2").mkdir(parents=True)
    incident = IncidentSpec("Slow API responses", components=("API",), update="Looking into it.")
    body = statuspage_summary(
        "Lab Status",
        {"Website": Severity.OPERATIONAL, "API": Severity.DEGRADED, "Database": "operational"},
        incident,
    )
    (root / "api" / "v2" / "summary.json").write_bytes(body)
    with StaticServer(root) as server:
        yield server


@pytest.fixture
def config_path(trayapp_env: dict[str, str], site: StaticServer) -> Path:
    path = Path(trayapp_env["TRAYAPP_CONFIG_DIR"]) / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(
        "# my setup\n"
        '[[watch]]\nservice = "github"\n\n'
        f'[[watch]]\nurl = "{site.url("/api/v2/summary.json")}"\nformat = "statuspage"\n'
        'name = "Lab"\ncomponents = ["API"]\n'
    )
    return path


@pytest.fixture
def window(qtbot, config_path: Path, app_loop: QuietEventLoop) -> Iterator[SettingsWindow]:  # type: ignore[no-untyped-def]
    hub = Hub()
    shown = SettingsWindow(config_path, hub)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    yield shown
    shown.close()


def watch_names(window: SettingsWindow) -> list[str]:
    return [window.watch_list.item(r).text() for r in range(window.watch_list.count())]


def component_names(widget) -> list[str]:  # type: ignore[no-untyped-def]
    return [widget.item(r).text() for r in range(widget.count())]


def check(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    for r in range(widget.count()):
        if widget.item(r).text() == name:
            widget.item(r).setCheckState(Qt.CheckState.Checked)


# --------------------------------------------------------------------------- words


def test_small_words() -> None:
    assert interval_text(30) == "every 30 s"
    assert interval_text(300) == "every 5 min"
    assert interval_text(3600) == "every 1 h"
    assert interval_text(90) == "every 90 s"
    assert token_entry_name("GitHub") == "github-token"
    assert token_entry_name("status.example.com:8080") == "status.example.com-8080-token"
    assert token_entry_name("Café Status!") == "caf-status-token"


def test_preview_summary_reads_like_a_status_line() -> None:
    reading = Reading(
        "statuspage",
        Severity.DEGRADED,
        tuple(Component(f"C{i}", Severity.OPERATIONAL) for i in range(12)),
    )
    watch = Watch("X", "https://x.example/api/v2/summary.json", "statuspage")
    text = preview_summary(Preview(watch, reading))
    assert text == (
        "Atlassian Statuspage · endpoint https://x.example/api/v2/summary.json · "
        "12 components, 0 open incidents · now degraded"
    )
    broken = preview_summary(Preview(watch, Reading.unknown("statuspage", "HTTP 503")))
    assert broken.endswith("could not be read: HTTP 503")


# --------------------------------------------------------------------------- services


def test_the_form_shows_what_the_file_says(window: SettingsWindow) -> None:
    assert watch_names(window) == ["GitHub", "Lab"]
    window.select_watch("Lab")
    assert window.watch_box.title() == "Lab"
    assert "Atlassian Statuspage" in window.watch_info.text()
    assert component_names(window.component_list) == ["API"]
    assert checked_components(window.component_list) == ("API",)
    assert window.interval_box.currentText().startswith("Default")
    assert window.interval_box.findText("Every 5 s") >= 0  # a loopback page may go below 30 s
    window.select_watch("GitHub")
    assert window.interval_box.findText("Every 5 s") == -1
    assert not window.banner.isVisible()


def test_interval_and_components_are_saved_and_announced(
    window: SettingsWindow,
    config_path: Path,
    site: StaticServer,
    qtbot,  # type: ignore[no-untyped-def]
) -> None:
    window.select_watch("Lab")
    window.load_components_button.click()  # a real read of the loopback page
    qtbot.waitUntil(lambda: window.component_list.count() == 3, timeout=10_000)
    assert component_names(window.component_list) == ["Website", "API", "Database"]
    assert checked_components(window.component_list) == ("API",)  # the choice survives
    check(window.component_list, "Database")
    window.interval_box.setCurrentIndex(window.interval_box.findText("Every 5 min"))
    with qtbot.waitSignal(window.hub.config_changed, timeout=2000) as announced:  # type: ignore[union-attr]
        window.save_watch_button.click()
    saved = config.load(config_path).watch("Lab")
    assert saved is not None
    assert saved.interval == 300 and saved.components == ("API", "Database")
    assert announced.args[0].watch("Lab") == saved
    assert "# my setup" in config_path.read_text()
    assert not window.message.is_error and "Saved Lab" in window.message.text()


def test_a_refused_edit_is_explained_and_the_form_kept(
    window: SettingsWindow, config_path: Path
) -> None:
    window.select_watch("GitHub")
    window.interval_box.addItem("Every 5 s", 5.0)  # below the public floor
    window.interval_box.setCurrentIndex(window.interval_box.count() - 1)
    before = config_path.read_text()
    window.save_watch_button.click()
    assert window.message.is_error and "below the 30 s floor" in window.message.text()
    assert "Traceback" not in window.message.text()
    assert config_path.read_text() == before
    assert window.interval_box.currentText() == "Every 5 s"


def test_remove_asks_first(window: SettingsWindow, config_path: Path) -> None:
    window.select_watch("GitHub")
    window.confirm_remove = lambda name: False
    window.remove_button.click()
    assert watch_names(window) == ["GitHub", "Lab"]
    window.confirm_remove = lambda name: name == "GitHub"
    window.remove_button.click()
    assert watch_names(window) == ["Lab"]
    assert [w.name for w in config.load(config_path).watches] == ["Lab"]


def search(qtbot, dialog: AddServiceDialog, text: str, first: str) -> None:  # type: ignore[no-untyped-def]
    """Type ``text`` into the search box and wait for the live results to lead with ``first``."""
    dialog.search.setText(text)
    qtbot.waitUntil(
        lambda: (
            dialog.results.topLevelItemCount() > 0
            and dialog.results.topLevelItem(0).text(0).startswith(first)
        ),
        timeout=10_000,
    )


def open_dialog(window: SettingsWindow) -> AddServiceDialog:
    dialog = window.open_add_dialog()
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_add_by_url_detects_and_previews_before_saving(
    window: SettingsWindow,
    config_path: Path,
    site: StaticServer,
    qtbot,  # type: ignore[no-untyped-def]
) -> None:
    dialog = open_dialog(window)
    assert not dialog.add_button.isEnabled()
    dialog.url.setText(site.url("/"))  # the page, not the API: discovery probes for it
    dialog.detect_button.click()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    endpoint = site.url("/api/v2/summary.json")
    assert dialog.preview_label.text() == (
        f"Atlassian Statuspage · endpoint {endpoint} · 3 components, 1 open incident · now degraded"
    )
    assert dialog.add_button.isEnabled()
    assert dialog.name.text() == "Lab Status"
    assert component_names(dialog.components) == ["Website", "API", "Database"]
    check(dialog.components, "Website")
    dialog.name.setText("Lab page")
    with qtbot.waitSignal(window.saved, timeout=2000):
        dialog.add_button.click()
    assert not dialog.isVisible()
    added = config.load(config_path).watch("Lab page")
    assert added is not None
    assert (added.url, added.format, added.components) == (endpoint, "statuspage", ("Website",))
    assert window.selected_watch() == added


def test_a_url_pasted_into_the_search_box_is_detected(
    window: SettingsWindow,
    site: StaticServer,
    qtbot,  # type: ignore[no-untyped-def]
) -> None:
    dialog = open_dialog(window)
    dialog.search.setText(site.url("/"))
    dialog.search.returnPressed.emit()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    assert dialog.url.text() == site.url("/")
    assert dialog.preview_label.text().startswith("Atlassian Statuspage · endpoint ")
    assert dialog.add_button.isEnabled() and dialog.entry is None


def test_a_url_with_nothing_to_detect_says_so(
    window: SettingsWindow,
    config_path: Path,
    tmp_path: Path,
    qtbot,  # type: ignore[no-untyped-def]
) -> None:
    (tmp_path / "nothing").mkdir()
    before = config_path.read_text()
    dialog = open_dialog(window)
    with StaticServer(tmp_path / "nothing") as plain:  # a directory listing, no status anywhere
        dialog.url.setText(plain.url("/"))
        dialog.detect_button.click()
        qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=10_000)
    assert dialog.message.is_error and dialog.message.text().startswith("Detection failed: ")
    assert "Traceback" not in dialog.message.text()
    assert not dialog.add_button.isEnabled() and dialog.detect_button.isEnabled()
    dialog.save()
    assert config_path.read_text() == before


# --------------------------------------------------------------------------- previews in the engine


@pytest.fixture
def engine(qtbot, app_loop: QuietEventLoop) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A running engine with small limits (1 s, 64 KiB), on the app's loop, watching nothing."""
    running = Engine((), EngineSettings(timeout=1.0, connect_timeout=1.0, max_bytes=64 * 1024))
    task = app_loop.create_task(running.run())
    qtbot.waitUntil(lambda: running._context.client is not None, timeout=5000)
    yield running
    running.stop()
    qtbot.waitUntil(task.done, timeout=5000)


def test_a_preview_is_the_running_engines_on_the_apps_loop_with_no_thread_of_its_own(
    qtbot,  # type: ignore[no-untyped-def]
    config_path: Path,
    engine: Engine,
) -> None:
    """Detection and the read go through the engine's client (the app's User-Agent), in the Qt
    thread, as a task on the app's loop: the only new threads are the loop's name resolvers."""
    agents: list[str] = []
    body = statuspage_summary("Lab Status", {"API": Severity.OPERATIONAL})

    def summary(request: Request) -> Reply:
        agents.append(request.headers.get("user-agent", ""))
        return Reply(body=body)

    sent_from: list[str] = []
    client = engine._context.client
    assert client is not None

    async def note_thread(request: object) -> None:
        sent_from.append(threading.current_thread().name)

    client.event_hooks["request"].append(note_thread)
    shown = SettingsWindow(config_path, Hub(), engine=engine)
    qtbot.addWidget(shown)
    shown.show()
    before = {t.name for t in threading.enumerate()}
    started: set[str] = set()

    def answered() -> bool:
        started.update(t.name for t in threading.enumerate())
        return dialog.preview is not None

    with ReplayServer({"/api/v2/summary.json": summary}) as server:
        dialog = open_dialog(shown)
        dialog.url.setText(server.url("/"))
        dialog.detect_button.click()
        assert dialog.worker._task is not None and not dialog.worker._task.done()
        qtbot.waitUntil(answered, timeout=10_000)
    assert dialog.preview_label.text().endswith("1 component, 0 open incidents · now operational")
    assert agents == [fetch.USER_AGENT, fetch.USER_AGENT]  # the probe, then the read
    assert sent_from and set(sent_from) == {threading.main_thread().name}
    new = {n for n in started - before if not n.startswith("replay-")}  # the server's own
    assert new <= {RESOLVER}, f"threads started for a preview: {new}"


def test_the_apps_settings_window_previews_in_the_apps_engine(
    qtbot,  # type: ignore[no-untyped-def]
    trayapp_env: dict[str, str],
) -> None:
    engine = Engine(())
    windows = Windows(Hub(), lambda: None, engine=lambda: engine)
    shown = windows.show("settings")
    assert isinstance(shown, SettingsWindow)
    qtbot.addWidget(shown)
    assert shown.detect == engine.detect_preview and shown.check == engine.check_preview


def test_a_preview_keeps_to_the_engines_limits(
    qtbot,  # type: ignore[no-untyped-def]
    config_path: Path,
    engine: Engine,
) -> None:
    """The engine's size cap and total deadline, not a client's defaults, bound a preview."""
    routes = {"/big": Reply(huge=1024 * 1024), "/slow": Reply(hang=True)}
    with ReplayServer(routes) as server:
        for name in ("big", "slow"):
            config_edits.add_watch(
                config_path, url=server.url(name), format="statuspage", name=name
            )
        shown = SettingsWindow(config_path, Hub(), engine=engine)
        qtbot.addWidget(shown)
        shown.show()
        for name, words in (("big", "over the 65,536-byte cap"), ("slow", "within 1 s")):
            shown.select_watch(name)
            shown.load_components_button.click()
            qtbot.waitUntil(shown.load_components_button.isEnabled, timeout=10_000)
            assert shown.message.is_error and words in shown.message.text()
            assert shown.message.text().startswith("Could not read the page: ")


def test_closing_the_dialog_mid_preview_cancels_it(
    window: SettingsWindow,
    qtbot,  # type: ignore[no-untyped-def]
) -> None:
    with ReplayServer({"/": Reply(hang=True)}) as server:
        dialog = open_dialog(window)
        dialog.url.setText(server.url("/"))
        dialog.detect_button.click()
        task = dialog.worker._task
        assert task is not None
        qtbot.waitUntil(lambda: server.stats.requests == 1, timeout=10_000)
        dialog.reject()
        qtbot.waitUntil(task.done, timeout=5000)
        assert task.cancelled()
        qtbot.waitUntil(lambda: server.stats.faults.get("hang") == 1, timeout=5000)  # let go
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=5000)  # deleted, no answer
    assert not window.message.is_error


def test_a_newer_question_cancels_the_older_one(
    qtbot,  # type: ignore[no-untyped-def]
    app_loop: QuietEventLoop,
) -> None:
    runner = Runner()
    slow_started = asyncio.Event()

    async def slow() -> str:
        slow_started.set()
        await asyncio.sleep(60)
        return "old"

    async def fast() -> str:
        return "new"

    answers: list[tuple[int, object, object]] = []
    runner.done.connect(lambda *args: answers.append(args))
    first = runner.start(slow)
    old = runner._task
    qtbot.waitUntil(slow_started.is_set, timeout=5000)
    second = runner.start(fast)
    qtbot.waitUntil(lambda: bool(answers), timeout=5000)
    assert old is not None and old.cancelled()
    assert answers == [(second, "new", None)] and runner.current == second != first


def test_without_the_apps_loop_a_preview_says_so_in_words(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = Runner()

    async def never() -> None:
        raise AssertionError("started without a loop")

    with qtbot.waitSignal(runner.done, timeout=5000) as answered:
        ticket = runner.start(never)
    assert answered.args[0] == ticket and answered.args[1] is None
    assert str(answered.args[2]) == "the app's network loop is not running"


def test_add_from_the_catalog_by_search(
    qtbot,
    config_path: Path,  # type: ignore[no-untyped-def]
    app_loop: QuietEventLoop,
) -> None:
    asked: list[Watch] = []

    async def stub_check(watch: Watch) -> Preview:  # catalog endpoints are on the internet
        asked.append(watch)
        components = (
            Component("API", Severity.OPERATIONAL),
            Component("ChatGPT", Severity.OPERATIONAL),
        )
        return Preview(watch, Reading(watch.format, Severity.OPERATIONAL, components))

    shown = SettingsWindow(config_path, Hub(), check=stub_check)
    qtbot.addWidget(shown)
    shown.show()
    dialog = open_dialog(shown)
    listed = [dialog.results.topLevelItem(i) for i in range(dialog.results.topLevelItemCount())]
    assert [i.data(0, DataRole) for i in listed] == [e.id for e in catalog.entries()]
    github = next(i for i in listed if i.text(0).startswith("GitHub"))
    assert github.text(0) == "GitHub (watched)" and not github.flags() & Qt.ItemFlag.ItemIsEnabled
    entry = catalog.find("openai")
    assert entry is not None
    search(qtbot, dialog, "opnai", "OpenAI")  # a typo: the results still lead with OpenAI
    dialog.search.returnPressed.emit()
    assert dialog.add_button.isEnabled()  # the catalog is trusted; the preview follows
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=5000)
    assert asked and asked[0].url == entry.endpoint
    assert "2 components, 0 open incidents" in dialog.preview_label.text()
    check(dialog.components, "ChatGPT")
    dialog.add_button.click()
    added = config.load(config_path).watch(entry.name)
    assert added is not None and added.components == ("ChatGPT",)
    assert f'service = "{entry.id}"' in config_path.read_text()


# --------------------------------------------------------------------------- notifications


def test_notification_settings_round_trip(window: SettingsWindow, config_path: Path) -> None:
    assert window.notify_enabled.isChecked() and window.on_recovery.isChecked()
    assert not window.quiet.isChecked() and not window.quiet_start.isEnabled()
    window.quiet.setChecked(True)
    window.quiet_start.setTime(window.quiet_start.time().fromString("22:30", "HH:mm"))
    window.quiet_end.setTime(window.quiet_end.time().fromString("07:15", "HH:mm"))
    window.min_severity.setCurrentIndex(window.min_severity.findData(Severity.PARTIAL_OUTAGE))
    window.on_recovery.setChecked(False)
    window.save_notify_button.click()
    n = config.load(config_path).notifications
    assert n.quiet_hours == (time(22, 30), time(7, 15))
    assert n.min_severity is Severity.PARTIAL_OUTAGE and not n.on_recovery
    assert n.enabled and not n.on_maintenance
    text = config_path.read_text()
    assert "on_maintenance" not in text  # only what changed is written
    window.save_notify_button.click()
    assert "Nothing to save" in window.message.text()


def test_the_also_checkboxes_say_what_their_settings_do(window: SettingsWindow) -> None:
    """A label and its tooltip (the setting's declared help) agree: "starts or ends" was
    promised while only a maintenance's start notifies."""
    for box in (window.on_recovery, window.on_maintenance):
        label, tooltip = box.text().lower(), box.toolTip().lower()
        assert label and label in tooltip, (label, tooltip)
    assert window.on_maintenance.text() == "When a maintenance starts"


# --------------------------------------------------------------------------- tokens


def test_a_token_goes_to_the_keyring_and_only_its_name_to_the_config(
    window: SettingsWindow, config_path: Path, child_keyring: Path
) -> None:
    window.tabs.setCurrentIndex(2)
    window.token_service.setCurrentIndex(window.token_service.findData("Lab"))
    assert "No token for Lab" in window.token_state.text()
    assert window.token_field.echoMode() == window.token_field.EchoMode.Password
    window.token_field.setText(TOKEN)
    window.save_token_button.click()
    assert stored(child_keyring) == {"trayapp/lab-token": TOKEN}
    text = config_path.read_text()
    assert 'token = "lab-token"' in text and TOKEN not in text
    assert window.token_field.text() == ""
    assert "stored in the keyring as “lab-token”" in window.token_state.text()
    assert TOKEN not in window.message.text() + window.token_state.text()

    window.remove_token_button.click()
    assert stored(child_keyring) == {}
    assert "token" not in config_path.read_text()
    assert "No token for Lab" in window.token_state.text()


def test_a_locked_keyring_is_explained_and_nothing_is_lost(
    window: SettingsWindow,
    config_path: Path,
    child_keyring: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRAYAPP_TEST_KEYRING_LOCKED", "1")
    before = config_path.read_text()
    window.tabs.setCurrentIndex(2)
    assert "keyring cannot be used" in window.token_state.text()
    window.token_field.setText(TOKEN)
    window.save_token_button.click()
    assert window.message.is_error
    assert "the keyring is locked (unlock it, then try again)" in window.message.text()
    assert TOKEN not in window.message.text()
    assert window.token_field.text() == TOKEN  # still there to save once unlocked
    assert config_path.read_text() == before
    monkeypatch.delenv("TRAYAPP_TEST_KEYRING_LOCKED")
    window.save_token_button.click()
    assert not window.message.is_error and stored(child_keyring)


# --------------------------------------------------------------------------- problems


def test_a_broken_config_is_explained_and_left_alone(
    qtbot,
    config_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    broken = '[[watch]]\nservice = "github"\nintervall = 60\n'
    config_path.write_text(broken)
    hub = Hub()
    shown = SettingsWindow(config_path, hub)
    qtbot.addWidget(shown)
    shown.show()
    assert shown.banner.isVisible() and shown.banner.is_error
    assert f"{config_path}:3: unknown key 'intervall'" in shown.banner.text()
    assert "did you mean 'interval'?" in shown.banner.text()
    for button in (shown.add_button, shown.save_notify_button, shown.save_token_button):
        assert not button.isEnabled()
    assert shown.open_add_dialog() is None
    shown.save_notifications()
    assert config_path.read_text() == broken

    config_path.write_text('[[watch]]\nservice = "github"\ninterval = 60\n')
    hub.config_changed.emit(config.load(config_path))  # the app noticed the fixed file
    assert not shown.banner.isVisible() and shown.add_button.isEnabled()
    assert watch_names(shown) == ["GitHub"]


def test_start_at_login_toggles_the_xdg_entry(
    window: SettingsWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "none"))
    entry = tmp_path / "xdg" / "autostart" / "trayapp.desktop"
    window.tabs.setCurrentIndex(3)
    window.reload()
    assert not window.autostart_box.isChecked()
    window.autostart_box.click()
    assert entry.is_file() and "X-GNOME-Autostart-Delay=10" in entry.read_text()
    assert "It runs:" in window.autostart_info.text()
    window.autostart_box.click()
    assert not entry.exists() and not window.autostart_box.isChecked()


def test_the_demo_profile_cannot_be_started_at_login(
    window: SettingsWindow, config_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trayapp.demo import story as demo

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    config_path.write_text(demo.config_text("http://127.0.0.1:4567", speed=1))
    window.reload()
    assert not window.autostart_box.isEnabled()
    assert "demo" in window.autostart_box.toolTip()


def test_search_lists_the_whole_catalog_live_and_adds_a_generated_entry_whole(
    qtbot,
    config_path: Path,  # type: ignore[no-untyped-def]
    app_loop: QuietEventLoop,
) -> None:
    async def stub_check(watch: Watch) -> Preview:  # catalog endpoints are on the internet
        return Preview(watch, Reading(watch.format, Severity.OPERATIONAL, ()))

    shown = SettingsWindow(config_path, Hub(), check=stub_check)
    qtbot.addWidget(shown)
    shown.show()
    dialog = open_dialog(shown)
    search(qtbot, dialog, "icloud mail", "Apple iCloud Mail")
    first = dialog.results.topLevelItem(0)
    assert (first.text(1), first.text(2)) == ("Email", "Apple System Status")
    dialog.results.itemClicked.emit(first, 0)
    assert dialog.add_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=5000)
    dialog.add_button.click()
    text = config_path.read_text()
    assert 'format = "apple"' in text and 'service = "iCloud Mail"' in text
    assert "apple-icloud-mail" not in text  # written whole: the tray never reads the big file
    added = config.load(config_path).watch("Apple iCloud Mail")
    assert added is not None and added.param_map == {"service": "iCloud Mail"}
    dialog = open_dialog(shown)
    dialog.search.setText("zzzzqqq")
    qtbot.waitUntil(lambda: "No service" in dialog.preview_label.text(), timeout=5000)
    assert dialog.results.topLevelItemCount() == 0


@pytest.mark.skipif(not os.environ.get("HARNESS_RUN_DIR"), reason="screenshots: with-desktop.sh")
def test_zz_screenshot(window: SettingsWindow, site: StaticServer, qtbot) -> None:  # type: ignore[no-untyped-def]
    for service in ("openai", "anthropic", "slack"):  # config entries only: nothing is polled
        if catalog.find(service) is not None:
            config_edits.add_watch(window.config_path, service=service)
    window.reload()
    window.resize(820, 560)
    window.select_watch("Lab")
    window.load_components_button.click()
    qtbot.waitUntil(lambda: window.component_list.count() == 3, timeout=10_000)
    qtbot.wait(300)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / "settings.png"))
    for index, name in ((1, "notifications"), (2, "tokens"), (3, "login")):
        window.tabs.setCurrentIndex(index)
        qtbot.wait(100)
        assert window.grab().save(str(SHOTS / f"settings-{name}.png"))
    window.tabs.setCurrentIndex(0)
    dialog = open_dialog(window)
    dialog.url.setText(site.url("/"))
    dialog.detect_button.click()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    check(dialog.components, "API")
    qtbot.wait(300)
    assert dialog.grab().save(str(SHOTS / "settings-add.png"))
    dialog.reject()
    dialog = open_dialog(window)
    search(qtbot, dialog, "git", "GitHub")
    qtbot.wait(300)
    assert dialog.grab().save(str(SHOTS / "settings-add-search.png"))


def test_closing_the_window_cancels_its_previews_and_its_dialogs(
    window: SettingsWindow,
    qtbot,  # type: ignore[no-untyped-def]
) -> None:
    """The app deletes a closed Settings window: no preview task may outlive it."""
    with ReplayServer({"/": Reply(hang=True)}) as server:
        dialog = open_dialog(window)
        dialog.url.setText(server.url("/"))
        dialog.detect_button.click()
        detecting = dialog.worker._task
        window.worker.start(lambda: asyncio.sleep(3600))
        loading = window.worker._task
        assert detecting is not None and loading is not None
        qtbot.waitUntil(lambda: server.stats.requests == 1, timeout=10_000)
        window.close()
        qtbot.waitUntil(lambda: detecting.done() and loading.done(), timeout=5000)
        assert detecting.cancelled() and loading.cancelled()
        assert window.add_dialog is None
        qtbot.waitUntil(lambda: server.stats.faults.get("hang") == 1, timeout=5000)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=5000)
