"""The tray's menu, the status window, the single-instance socket and the app's wiring, offscreen.

What a tray host shows, and notifications, are proven under the desktop harness
(tests/desktop/test_tray_desktop.py); here is the logic: what the menu says for a given state,
that every action asks the hub for the right thing, the window's rows, the socket protocol.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QGuiApplication exists

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QColor, QPalette
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from trayapp.core import summary
from trayapp.core.model import Component, Incident, Reading, Severity, Watch
from trayapp.core.notify_policy import NotifySettings
from trayapp.core.settings import NotificationSettings
from trayapp.core.status import SourceStatus
from trayapp.core.summary import TrayState
from trayapp.core.tracker import SourceState
from trayapp.store.config_values import Config
from trayapp.ui import app as app_module
from trayapp.ui import early_icon, icons, tray
from trayapp.ui.hub import NOTICE_TRAY, Hub
from trayapp.ui.single_instance import (
    TOKENS_CHANGED,
    Claim,
    InstanceServer,
    decode,
    encode,
    may_be_running,
    private_dir,
    send,
    server_name,
)
from trayapp.ui.status_window import StatusWindow

NOW = datetime.now(UTC).replace(microsecond=0)
REPO = Path(__file__).resolve().parents[2]


def watch(name: str, category: str | None = "AI APIs") -> Watch:
    slug = name.split()[0].lower()
    return Watch(
        name=name,
        url=f"http://127.0.0.1:9/{slug}/api/v2/summary.json",
        format="statuspage",
        page_url=f"http://127.0.0.1:9/{slug}/",
        category=category,
    )


def status(
    w: Watch,
    severity: Severity | None,
    *,
    since: timedelta = timedelta(minutes=25),
    reading: Reading | None = None,
    error: str | None = None,
) -> SourceStatus:
    """A snapshot as the engine publishes it; ``severity`` None: not checked yet."""
    if severity is None:
        return SourceStatus(w, SourceState(), None, None, 0, None)
    state = SourceState(
        confirmed=severity,
        since=NOW - since,
        last_readable=None if severity is Severity.UNKNOWN else severity,
        last_reading=NOW - timedelta(minutes=2),
        last_success=NOW - timedelta(minutes=2),
        last_error=error,
    )
    return SourceStatus(w, state, reading, NOW - timedelta(minutes=2), 0, 60.0)


OPENAI = watch("OpenAI")
CLAUDE = watch("Claude & Co")
GITHUB = watch("GitHub", "Developer tools")
FRESH = watch("Fresh", "Developer tools")
INCIDENT = Incident(
    id="i1",
    title="Elevated error rates on the API",
    status="identified",
    open=True,
    severity=Severity.MAJOR_OUTAGE,
    url="http://127.0.0.1:9/openai/incidents/i1",
    started=NOW - timedelta(minutes=30),
    updated=NOW - timedelta(minutes=5),
    latest_update=(
        "The issue has been identified: a faulty configuration change. We are rolling it back; "
        "API requests fail in the meantime. Requests in the EU region see longer delays while "
        "queues drain. More in an hour."
    ),
    components=("API",),
)
OUTAGE = Reading(
    format="statuspage",
    severity=Severity.MAJOR_OUTAGE,
    components=(
        Component("API", Severity.MAJOR_OUTAGE),
        Component("ChatGPT", Severity.PARTIAL_OUTAGE),
        Component("Playground", Severity.OPERATIONAL),
    ),
    incidents=(INCIDENT,),
)


@pytest.fixture
def hub(qapp: QApplication) -> Hub:
    """OpenAI in a major outage, Claude fine, GitHub unreadable, Fresh not checked yet."""
    hub = Hub()
    hub.config_changed.emit(Config(watches=(OPENAI, CLAUDE, GITHUB, FRESH)))
    hub.started = True
    hub.publish_status(status(OPENAI, Severity.MAJOR_OUTAGE, reading=OUTAGE))
    hub.publish_status(status(CLAUDE, Severity.OPERATIONAL))
    hub.publish_status(status(GITHUB, Severity.UNKNOWN, error="status page answered HTTP 503"))
    return hub


@pytest.fixture
def requests(hub: Hub) -> list[tuple[str, tuple[Any, ...]]]:
    """Every request the views make of the app, in order."""
    seen: list[tuple[str, tuple[Any, ...]]] = []
    for name in (
        "check_requested",
        "pause_requested",
        "mute_requested",
        "back_requested",
        "open_url_requested",
        "show_main_requested",
        "show_history_requested",
        "show_settings_requested",
        "quit_requested",
    ):
        getattr(hub, name).connect(lambda *args, n=name: seen.append((n, args)))
    return seen


def texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def action(menu: QMenu, text: str) -> QAction:
    return next(a for a in menu.actions() if a.text().startswith(text))


def submenu(menu: QMenu, text: str) -> QMenu:
    return next(m for m in menu.findChildren(QMenu) if m.title().startswith(text))


def built(hub: Hub) -> QMenu:
    menu = QMenu()
    tray.build_menu(menu, hub, NOW, [])
    return menu


# ---------------------------------------------------------------------------- the menu


def test_menu_names_what_is_wrong_then_each_service_by_category(hub: Hub) -> None:
    menu = built(hub)
    assert texts(menu) == [
        "OpenAI: major outage · 1 service OK, 1 unknown, 1 checking…",
        "AI APIs",
        "OpenAI — major outage for 25 min",
        "Claude && Co — operational",  # '&' is a mnemonic marker in Qt menus: escaped
        "Developer tools",
        "GitHub — unknown: status page answered HTTP 503",
        "Fresh — checking…",
        "Status window…",
        "Check all now",
        "Pause all",
        "History…",
        "Settings…",
        "Quit",
    ]
    assert not action(menu, "OpenAI: major").isEnabled()  # the header is information
    assert not action(menu, "AI APIs").isEnabled()
    assert action(menu, "Pause all").isCheckable()


def test_services_without_a_category_come_last_under_other(qapp: QApplication) -> None:
    hub = Hub()
    mine = watch("My page", None)
    hub.config_changed.emit(Config(watches=(mine, OPENAI, GITHUB)))
    hub.started = True
    rows = texts(built(hub))[1:7]
    assert rows == [
        "AI APIs",
        "OpenAI — checking…",
        "Developer tools",
        "GitHub — checking…",
        "Other",
        "My page — checking…",
    ]


def test_one_category_needs_no_headings(qapp: QApplication) -> None:
    hub = Hub()
    hub.config_changed.emit(Config(watches=(OPENAI, watch("Gemini"))))
    hub.started = True
    assert "AI APIs" not in texts(built(hub))


def test_a_service_submenu_shows_its_components_incident_and_actions(hub: Hub) -> None:
    root = built(hub)  # (the submenus live as long as their menu)
    menu = submenu(root, "OpenAI")
    lines = texts(menu)
    assert lines.pop(0) == "Up now: Claude && Co"  # its category's working services ('&&': '&')
    assert lines[:4] == [
        "checked 2 min ago",
        "Affected components",
        "API — major outage",
        "ChatGPT — partial outage",  # operational components are left out
    ]
    assert lines[4:6] == ["Open incidents", "Elevated error rates on the API"]
    update = [line.strip() for line in lines[6:9]]
    assert update[0].startswith("The issue has been identified")
    assert update[-1].endswith("…")  # at most three lines of the latest update
    assert lines[9].strip() == f"identified · updated {tray.clock(INCIDENT.updated, NOW)}"
    assert lines[10:] == [
        "Open status page",
        "Check now",
        "Mute for 1 h",
        "Mute for 4 h",
        "Mute for 8 h",
        "Mute until it recovers",
        "Tell me when it's back",
    ]
    back = action(menu, "Tell me when it's back")
    assert back.isCheckable() and back.isEnabled() and not back.isChecked()


def test_tell_me_when_back_only_for_a_service_in_trouble(hub: Hub) -> None:
    menu = built(hub)
    assert not action(submenu(menu, "Claude"), "Tell me when it's back").isEnabled()
    assert action(submenu(menu, "GitHub"), "Tell me when it's back").isEnabled()  # unreadable


def test_every_action_asks_the_hub(hub: Hub, requests: list[tuple[str, tuple[Any, ...]]]) -> None:
    menu = built(hub)
    openai = submenu(menu, "OpenAI")
    for text in (
        "Check now",
        "Open status page",
        "Elevated error rates",
        "API — major outage",
        "Mute until it recovers",
    ):
        action(openai, text).trigger()
    action(openai, "Mute for 4 h").trigger()
    action(openai, "Tell me when it's back").trigger()
    for text in ("Status window…", "Check all now", "Pause all", "History…", "Settings…", "Quit"):
        action(menu, text).trigger()

    *first, (name, (service, until)) = requests[:6]
    assert first == [
        ("check_requested", ("OpenAI",)),
        ("open_url_requested", (OPENAI.page_url,)),
        ("open_url_requested", (INCIDENT.url,)),
        ("open_url_requested", (OPENAI.page_url,)),
        ("mute_requested", ("OpenAI", "until recovered")),
    ]
    assert (name, service) == ("mute_requested", "OpenAI")
    assert abs(until - (datetime.now(UTC) + timedelta(hours=4))) < timedelta(seconds=5)
    assert requests[6:] == [
        ("back_requested", ("OpenAI", True)),
        ("show_main_requested", ()),
        ("check_requested", ("",)),
        ("pause_requested", (True,)),
        ("show_history_requested", ()),
        ("show_settings_requested", ()),
        ("quit_requested", ()),
    ]


def test_a_muted_service_says_so_and_offers_unmute(
    hub: Hub, requests: list[tuple[str, tuple[Any, ...]]]
) -> None:
    until = NOW + timedelta(hours=1)
    hub.mute_source = lambda: (
        {"OpenAI": until, "Claude & Co": NOW - timedelta(hours=1)},
        {"OpenAI"},
    )
    menu = built(hub)
    assert "OpenAI — major outage for 25 min (muted)" in texts(menu)
    assert "Claude && Co — operational" in texts(menu)  # that mute has run out
    openai = submenu(menu, "OpenAI")
    assert f"Muted until {tray.clock(until, NOW)}" in texts(openai)
    assert "You will be told when it is back" in texts(openai)
    assert "Mute for 1 h" not in texts(openai)
    assert action(openai, "Tell me when it's back").isChecked()
    action(openai, "Unmute").trigger()
    assert requests == [("mute_requested", ("OpenAI", None))]


def test_paused_and_starting_states(hub: Hub) -> None:
    hub.set_paused(True)
    menu = built(hub)
    assert texts(menu)[0] == "Paused"
    assert action(menu, "Pause all").isChecked()
    assert not action(menu, "Check all now").isEnabled()
    assert tray.state_of(hub) is TrayState.PAUSED
    hub.started = False
    assert tray.tooltip_of(hub, NOW) == "trayapp: starting…"


def test_offline_is_one_state_for_everything(hub: Hub) -> None:
    from trayapp.core.model import Event

    hub.publish_event(Event(NOW, "", "offline", Severity.UNKNOWN))
    assert hub.offline
    assert tray.state_of(hub) is TrayState.OFFLINE
    assert tray.tooltip_of(hub, NOW).startswith("You are offline")
    hub.publish_event(Event(NOW, "", "online", Severity.UNKNOWN))
    assert not hub.offline


def test_offline_a_service_that_still_answers_keeps_its_problem(hub: Hub) -> None:
    """The internet is gone, a NAS on the LAN still answers and is down: that shows; what was
    read before the offline spell (OpenAI's outage) does not."""
    from dataclasses import replace

    from trayapp.core.model import Event

    began = NOW - timedelta(seconds=90)  # the fixture's services were read 2 min ago
    hub.publish_event(Event(began, "", "offline", Severity.UNKNOWN))
    assert tray.state_of(hub, NOW) is TrayState.OFFLINE  # OpenAI was read before it began
    nas = watch("NAS", None)
    hub.config_changed.emit(Config(watches=(OPENAI, CLAUDE, GITHUB, FRESH, nas)))
    down = replace(status(nas, Severity.MAJOR_OUTAGE), last_checked=NOW - timedelta(minutes=1))
    hub.publish_status(down)
    assert tray.state_of(hub, NOW) is TrayState.MAJOR_OUTAGE
    tip = tray.tooltip_of(hub, NOW)
    assert tip.startswith("NAS: major outage · You are offline"), tip
    hub.publish_status(replace(down, reachable=False))
    assert tray.state_of(hub, NOW) is TrayState.OFFLINE


def test_removed_watches_leave_and_late_polls_of_them_are_ignored(hub: Hub) -> None:
    hub.config_changed.emit(Config(watches=(CLAUDE,)))
    hub.publish_status(status(OPENAI, Severity.MAJOR_OUTAGE))
    assert list(hub.statuses) == ["Claude & Co"]
    assert hub.statuses["Claude & Co"].severity is Severity.OPERATIONAL  # its state is kept


# ---------------------------------------------------------------------------- the icon


def test_the_icon_waits_for_a_tray_and_retries(
    hub: Hub, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QSystemTrayIcon

    attempts: list[int] = []

    def available() -> bool:
        attempts.append(1)
        return len(attempts) >= 3  # the panel comes up on the third look

    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(available))
    monkeypatch.setattr(tray, "RETRY_FIRST", 0.01)
    t = tray.Tray(hub)
    assert not t.show() and t.icon is None
    with qtbot.waitSignal(t.appeared, timeout=3000):
        t.keep_trying()
    assert t.icon is not None and len(attempts) == 3
    assert t.icon.contextMenu() is t.menu
    assert t.icon.toolTip().startswith("OpenAI: major outage")
    t.hide()


def test_an_adopted_start_up_icon_gets_the_full_icon_and_follows_the_palette(
    hub: Hub, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QSystemTrayIcon

    early = QSystemTrayIcon(icons.quick_icon(TrayState.UNKNOWN))
    assert len(early.icon().availableSizes()) == len(icons.QUICK_SIZES)
    t = tray.Tray(hub, early)
    assert t.icon is early and early.contextMenu() is t.menu
    t.refresh()
    assert len(early.icon().availableSizes()) > len(icons.QUICK_SIZES)  # every size now
    assert early.toolTip().startswith("OpenAI: major outage")

    cleared: list[int] = []
    real = icons.clear_cache
    monkeypatch.setattr(icons, "clear_cache", lambda: (cleared.append(1), real()))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    old = app.palette()
    dark = QPalette(old)
    dark.setColor(QPalette.ColorRole.Window, QColor("#202020"))
    app.setPalette(dark)
    try:
        qtbot.waitUntil(lambda: bool(cleared), timeout=2000)
    finally:
        app.setPalette(old)


def test_the_menu_is_rebuilt_only_when_what_it_shows_changes(hub: Hub) -> None:
    t = tray.Tray(hub)
    t.rebuild_menu()
    key = tray.menu_key(hub, NOW)
    again = status(CLAUDE, Severity.OPERATIONAL)
    hub.publish_status(again)  # another poll, nothing new
    assert tray.menu_key(hub, NOW) == key
    hub.publish_status(status(CLAUDE, Severity.DEGRADED))
    assert tray.menu_key(hub, NOW) != key


def test_a_service_turns_stale_on_its_own_at_its_moment(qapp: QApplication, qtbot: Any) -> None:
    """Nothing else happens: one timer turns the icon, tooltip and menu stale when the service
    has not been read for 2.4 intervals (here a minute, the floor), and then nothing is armed."""
    hub = Hub()
    hub.config_changed.emit(Config(watches=(CLAUDE,)))
    hub.started = True
    read = datetime.now(UTC) - summary.STALE_FLOOR + timedelta(seconds=1.5)
    state = SourceState(
        confirmed=Severity.OPERATIONAL,
        since=read - timedelta(hours=1),
        last_readable=Severity.OPERATIONAL,
        last_reading=read,
        last_success=read,
    )
    hub.publish_status(SourceStatus(CLAUDE, state, None, read, 0, 10.0, interval=10.0))
    t = tray.Tray(hub, QSystemTrayIcon(icons.quick_icon(TrayState.UNKNOWN)))
    t.refresh()
    assert t.state is TrayState.OPERATIONAL and t._stale.isActive()
    t.rebuild_menu()
    qtbot.waitUntil(lambda: t.state is TrayState.UNKNOWN, timeout=10_000)
    assert t.icon is not None and "stale: last read 1 min ago" in t.icon.toolTip()
    assert any("stale: last read" in text for text in texts(t.menu))  # rebuilt by itself
    assert not t._stale.isActive()  # a single shot, not a tick


# ---------------------------------------------------------------------------- the window


def test_the_status_window_lists_services_incidents_and_notices(
    hub: Hub, qtbot: Any, requests: list[tuple[str, tuple[Any, ...]]]
) -> None:
    window = StatusWindow(hub)
    qtbot.addWidget(window)
    window._clock = lambda: NOW
    hub.set_notice(NOTICE_TRAY, app_module.NO_TRAY_TEXT)
    window.show()
    qtbot.waitUntil(window.isVisible)
    window.refresh()
    tree = window.tree
    rows = [
        [tree.topLevelItem(i).text(c) for c in range(4)] for i in range(tree.topLevelItemCount())
    ]
    assert rows == [
        ["OpenAI", "major outage", "25 min", "checked 2 min ago"],
        ["Claude & Co", "operational", "25 min", "checked 2 min ago"],
        [
            "GitHub",
            "unknown",
            "25 min",
            "last success 2 min ago; last try: status page answered HTTP 503",
        ],
        ["Fresh", "checking…", "", "not checked yet"],
    ]
    openai = tree.topLevelItem(0)
    assert openai.isExpanded()  # a service in trouble shows its details at once
    children = [openai.child(i).text(0) for i in range(openai.childCount())]
    assert children == ["Up now: Claude & Co", "API", "ChatGPT", "Elevated error rates on the API"]
    assert openai.child(0).isFirstColumnSpanned()  # a sentence, across the columns
    github = tree.topLevelItem(2)
    assert github.isExpanded() and github.childCount() == 1
    assert github.child(0).text(0) == "Could not be read: status page answered HTTP 503"
    incident = openai.child(3)
    assert incident.isExpanded() and incident.child(0).text(0) == INCIDENT.latest_update
    assert window.banner.isVisible() and "No system tray" in window.banner.text()
    assert window.headline.text().startswith("OpenAI: major outage")

    window.pause_button.click()
    window.check_button.click()
    assert requests == [("pause_requested", (True,)), ("check_requested", ("",))]

    qtbot.wait(50)  # let the layout place the banner before the picture
    shots = Path("/tmp/trayapp-shots")
    shots.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(shots / "status-window-offscreen.png"))


def test_the_status_window_shows_both_uptimes_from_the_log(
    hub: Hub, qtbot: Any, tmp_path: Path
) -> None:
    """Claude's page stayed green while its checks saw 6 h of the last 24 down."""
    from trayapp.core.model import Event
    from trayapp.core.verdict import Acknowledgement
    from trayapp.store import incident_log

    day = timedelta(hours=24)
    with incident_log.open(tmp_path / "incidents.sqlite3") as log:
        log.record([Event(NOW - 2 * day, "Claude & Co", "status", Severity.OPERATIONAL)])
        down = NOW - timedelta(hours=12)
        log.record_acknowledgement(Acknowledgement("Claude & Co", down, down + day / 4))
        for quarter in range(0, 24 * 4 + 1):  # watched the whole day
            log.heartbeat(NOW - day + quarter * timedelta(minutes=15))
        calls: list[str] = []

        def lookup(name: str, now: datetime) -> Any:
            calls.append(name)
            return log.uptime(name, day, now)

        window = StatusWindow(hub, uptime=lookup)
        qtbot.addWidget(window)
        window._clock = lambda: NOW
        window.show()
        qtbot.waitUntil(window.isVisible)
        tree = window.tree
        cells = {
            tree.topLevelItem(i).text(0): (
                tree.topLevelItem(i).text(4),
                tree.topLevelItem(i).text(5),
            )
            for i in range(tree.topLevelItemCount())
        }
        assert cells["Claude & Co"] == ("100 %", "75.00 %")
        assert cells["OpenAI"] == ("no data", "no data")  # watched, but never read: no figure
        assert tree.headerItem().text(5) == "You saw 24 h"
        assert "your own checks saw" in tree.headerItem().toolTip(5)
        before = len(calls)
        window.refresh()  # within the minute: the figures are not read again
        assert len(calls) == before
        window.close()


# ---------------------------------------------------------------------------- one instance


def test_socket_names_are_per_profile_and_private(tmp_path: Path) -> None:
    one, two = server_name(tmp_path / "a"), server_name(tmp_path / "b")
    assert one != two and one == server_name(tmp_path / "a")
    if sys.platform != "win32":
        assert os.path.isabs(one) and one.endswith(".sock")
        assert not may_be_running(one)  # no socket file: nothing to ask, no Qt network needed
        folder = tmp_path / "shared"
        folder.mkdir(mode=0o777)
        folder.chmod(0o777)
        assert not private_dir(str(folder / "x.sock"))  # others could enter it
        assert private_dir(str(tmp_path / "mine" / "x.sock"))
        assert (tmp_path / "mine").stat().st_mode & 0o777 == 0o700


def test_the_line_protocol_round_trips() -> None:
    assert encode("ping") == b"ping\n"
    assert decode(encode("show", {"XDG_ACTIVATION_TOKEN": "abc"})) == (
        "show",
        {"XDG_ACTIVATION_TOKEN": "abc"},
    )
    assert decode(b"menu {not json\n") == ("menu", None)


@pytest.fixture
def socket_name(tmp_path: Path) -> Iterator[str]:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    old = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    try:
        yield server_name(tmp_path / "data")
    finally:
        if old is None:
            del os.environ["XDG_RUNTIME_DIR"]
        else:
            os.environ["XDG_RUNTIME_DIR"] = old


def run_python(qtbot: Any, code: str, *args: str) -> str:
    """Run ``code`` in another process while this one's Qt loop keeps serving (a later launch
    is always another process; PySide holds the GIL in QLocalSocket's blocking waits)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        cwd=REPO,
    )
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=20000)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    return out.strip()


CLIENT = """
import json, sys
from PySide6.QtCore import QCoreApplication
app = QCoreApplication([])
from trayapp.ui.single_instance import send
print(send(sys.argv[1], sys.argv[2], json.loads(sys.argv[3])))
"""
RIVAL = """
import sys
from PySide6.QtCore import QCoreApplication
app = QCoreApplication([])
from trayapp.ui.single_instance import InstanceServer
print(InstanceServer(sys.argv[1]).listen().value)
"""


def test_a_later_launch_reaches_the_first(qapp: QApplication, qtbot: Any, socket_name: str) -> None:
    server = InstanceServer(socket_name)
    got: list[tuple[str, Any]] = []
    server.handler = lambda command, argument: (got.append((command, argument)), "ok")[1]
    assert server.listen() is Claim.FIRST and server.listening
    token = json.dumps({"DESKTOP_STARTUP_ID": "x"})
    assert run_python(qtbot, CLIENT, socket_name, "show", token) == "ok"
    assert got == [("show", {"DESKTOP_STARTUP_ID": "x"})]
    assert run_python(qtbot, RIVAL, socket_name) == "taken"  # a rival finds the name in use
    server.close()
    assert not server.listening


SECRET_CLI = """
import sys
import keyring
from tests.test_secrets import MemoryKeyring
keyring.set_keyring(MemoryKeyring())
from trayapp.cli.main import main
sys.exit(main(["secret", sys.argv[1], "openai-key"]) or main(["secret", "delete", "openai-key"]))
"""


def test_a_token_stored_from_another_process_tells_the_running_app(
    qapp: QApplication,
    qtbot: Any,
    socket_name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`trayapp secret set` / `delete` in a terminal reach the running tray over its socket,
    so a probe held on a rejected key is re-checked at once, not 30 min later."""
    monkeypatch.setenv("TRAYAPP_DATA_DIR", str(tmp_path / "data"))  # the profile of socket_name
    server = InstanceServer(socket_name)
    got: list[tuple[str, Any]] = []
    server.handler = lambda command, argument: (got.append((command, argument)), "ok")[1]
    assert server.listen() is Claim.FIRST
    stored = subprocess.Popen(
        [sys.executable, "-c", SECRET_CLI, "set"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert stored.stdin is not None
    stored.stdin.write("sk-test-new-key\n")
    stored.stdin.close()
    qtbot.waitUntil(lambda: stored.poll() is not None, timeout=20000)
    assert stored.returncode == 0, stored.stderr.read() if stored.stderr else ""
    assert got == [(TOKENS_CHANGED, None), (TOKENS_CHANGED, None)]  # set, then delete
    server.close()
    Path(socket_name).unlink(missing_ok=True)
    alone = subprocess.run(  # no app running: nothing to tell, nothing waits
        [sys.executable, "-c", SECRET_CLI, "set"],
        input="sk-test-new-key\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert alone.returncode == 0, alone.stderr


def test_a_stale_socket_is_taken_over(qapp: QApplication, socket_name: str) -> None:
    Path(socket_name).write_text("")  # what a crash leaves (not even a socket)
    assert may_be_running(socket_name)
    assert send(socket_name, "ping") is None
    server = InstanceServer(socket_name)
    assert server.listen() is Claim.FIRST
    server.close()


# ---------------------------------------------------------------------------- the app


def test_the_notifier_follows_the_config_section_as_declared() -> None:
    """No renaming copy: the policy reads the [notifications] settings the config declared."""
    from datetime import time

    n = NotificationSettings(
        enabled=False,
        quiet_hours=(time(22), time(7)),
        group_window=12,
        min_severity=Severity.PARTIAL_OUTAGE,
        on_maintenance=True,
        on_recovery=False,
    )
    s = app_module.notify_settings(n, timedelta(minutes=1))
    assert s.user is n and s.update_interval == timedelta(minutes=1)
    assert app_module.notify_settings(n).update_interval == NotifySettings().update_interval


def test_alternatives_are_working_services_of_the_same_category(hub: Hub) -> None:
    assert summary.alternatives(hub.statuses) == {
        "OpenAI": ["Claude & Co"],
        "Claude & Co": [],
        "GitHub": [],
        "Fresh": [],
    }


def no_tray(monkeypatch: pytest.MonkeyPatch) -> None:
    """Offscreen Qt still finds a tray when a session bus with a tray host is around (as under
    the desktop harness), so these tests take the tray away themselves."""
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))


def test_without_a_tray_the_app_opens_its_window_and_reports_state(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, socket_name: str
) -> None:
    monkeypatch.setenv("TRAYAPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(tray, "RETRY_FIRST", 3600.0)  # no second look during the test
    no_tray(monkeypatch)
    controller = app_module.TrayApp(qapp, InstanceServer(socket_name), app_module.TrayOptions())
    controller.build()
    state = json.loads(controller.command("state", None))
    assert state["tray"] is False and state["window"] is True
    assert state["notices"] == ["tray"] and state["state"] == "unknown"
    assert controller.command("ping", None) == "pong"
    assert controller.command("nonsense", None) == "unknown command"
    assert controller.command(TOKENS_CHANGED, None) == "ok"  # no engine yet: nothing held
    controller.quit()  # before the engine ever started: nothing to wait for
    assert controller.command("state", None)
    window = controller.windows.get("main")
    assert window is not None
    window.close()
    QCoreApplication.processEvents()


def test_the_start_up_icon_is_cached_for_the_next_run(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAYAPP_DATA_DIR", str(tmp_path / "data"))
    folder = early_icon.cache_folder()
    assert folder is not None and folder.parent == tmp_path / "data" / "cache"
    stale = folder.parent / "starting-icon-00000000"
    stale.mkdir(parents=True)
    (stale / "16@1.png").write_bytes(b"old")
    early_icon.save(dark=False, dpr=2.0)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{size}@2.png" for size in icons.QUICK_SIZES
    )
    assert not stale.exists()  # an older painter's icon is gone
    from PySide6.QtGui import QImage

    image = QImage(str(folder / "32@2.png"))
    assert (image.width(), image.height()) == (64, 64)
    centre = image.pixelColor(32, 40)  # inside the circle, below the "?"
    assert centre.name() == icons.FILL[TrayState.UNKNOWN]
    no_tray(monkeypatch)
    assert early_icon.show() is None  # no tray to show it in


def test_a_first_start_shows_the_installed_app_icon_without_painting(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing cached yet: the icon comes from the installed PNG files, in every tray size,
    and nothing is painted (painting first needs the enum tables, which cost the time to icon)."""
    monkeypatch.setenv("TRAYAPP_DATA_DIR", str(tmp_path / "data"))
    assert early_icon.cached() is None
    painted: list[object] = []
    monkeypatch.setattr(icons, "quick_icon", lambda state: painted.append(state))
    icon = early_icon.shipped()
    assert icon is not None
    sizes = {(s.width(), s.height()) for s in icon.availableSizes()}
    assert sizes == {(n, n) for n in early_icon.SHIPPED_SIZES}
    image = icon.pixmap(64, 64).toImage()
    square = image.pixelColor(8, 32)  # the app icon's blue square, not the grey "unknown"
    assert square.blue() > 150 and square.red() < 60, square.name()
    assert painted == []


def test_a_start_that_fails_is_reported_not_left_starting(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, socket_name: str
) -> None:
    from trayapp.ui import loop

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("no event loop for you")

    monkeypatch.setenv("TRAYAPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(tray, "RETRY_FIRST", 3600.0)
    monkeypatch.setattr(loop, "QuietEventLoop", broken)
    no_tray(monkeypatch)
    controller = app_module.TrayApp(qapp, InstanceServer(socket_name), app_module.TrayOptions())
    controller.start()
    state = json.loads(controller.command("state", None))
    assert not state["started"] and state["window"]
    assert "start" in state["notices"]
    assert state["tooltip"] == "trayapp could not start: no event loop for you"
    controller.quit()
    window = controller.windows.get("main")
    assert window is not None
    window.close()
    controller.server.close()
    QCoreApplication.processEvents()


# ---------------------------------------------------------------------------- probe evidence


def probed(w: Watch, last: Any, health_down: bool = True, held: bool = False) -> SourceStatus:
    """``w`` with a green page and one probe whose last result is ``last``."""
    from dataclasses import replace

    from trayapp.core import verdict
    from trayapp.probes import spec as probe
    from trayapp.probes import state as probe_state

    spec = probe.ProbeSpec(name="list models", url="http://127.0.0.1:9/v1/models")
    state = probe_state.ProbeState(
        down=health_down or None,
        since=NOW - timedelta(minutes=3),
        down_since=NOW - timedelta(minutes=4) if health_down else None,
        paused=held,
        paused_cause="auth" if held else None,
        paused_fix="store a new one with `trayapp secret set openai`" if held else None,
        last=last,
        last_at=NOW - timedelta(seconds=20),
        next_at=NOW + timedelta(seconds=40),
    )
    base = status(w, Severity.OPERATIONAL)
    found = verdict.decide(Severity.OPERATIONAL, base.state.since, [state], False, NOW)
    return replace(base, probes=(state,), probe_specs=(spec,), verdict=found)


def test_a_probe_only_outage_shows_its_evidence_in_the_submenu_and_window(
    hub: Hub, qtbot: Any
) -> None:
    from trayapp.probes.classify import ProbeResult

    failed = ProbeResult("theirs", 503, 80.0, "their server failed (HTTP 503)", "server")
    hub.publish_status(probed(OPENAI, failed))
    root = built(hub)  # (the submenus live as long as their menu)
    lines = texts(submenu(root, "OpenAI"))
    start = next(i for i, t in enumerate(lines) if t.startswith("list models →"))
    evidence = " ".join(t.strip() for t in lines[start : start + 2])  # wrapped to fit the menu
    assert evidence == "list models → their server failed (HTTP 503), 20 s ago; next check in 40 s"
    assert "status page checked 2 min ago" in lines  # the page's check, not the API's
    window = StatusWindow(hub)
    qtbot.addWidget(window)
    window._clock = lambda: NOW
    window.refresh()
    openai = window.tree.topLevelItem(0)
    children = [openai.child(i).text(0) for i in range(openai.childCount())]
    assert "list models → their server failed (HTTP 503), 20 s ago; next check in 40 s" in children
    assert openai.isExpanded()


def test_a_rejected_key_has_its_own_glyph_not_green(hub: Hub) -> None:
    from trayapp.probes.classify import ProbeResult

    rejected = ProbeResult("yours", 401, 9.0, "your key was rejected (HTTP 401)", "auth")
    hub.publish_status(status(OPENAI, Severity.OPERATIONAL))
    hub.publish_status(status(GITHUB, Severity.OPERATIONAL))
    hub.publish_status(probed(CLAUDE, rejected, health_down=False, held=True))
    assert tray.state_of(hub, NOW) is TrayState.YOURS
    root = built(hub)
    row = submenu(root, "Claude")
    assert row.title() == "Claude && Co — your key was rejected"
    assert row.icon().cacheKey() == icons.icon_for(TrayState.YOURS).cacheKey()
    assert "Your key was rejected: store a new one with `trayapp secret set openai`" in " ".join(
        texts(row)
    )


def test_the_menus_first_line_names_one_service_then_counts(hub: Hub) -> None:
    hub.publish_status(status(CLAUDE, Severity.PARTIAL_OUTAGE))
    hub.publish_status(status(FRESH, Severity.DEGRADED))
    first = texts(built(hub))[0]
    assert first.startswith("OpenAI: major outage, +2 more")


def test_the_status_window_says_how_detection_read_a_catalog_entry(hub: Hub, qtbot: Any) -> None:
    note = "Read as statuspage (the catalog said feed)"
    fine = status(CLAUDE, Severity.OPERATIONAL)
    hub.publish_status(replace(fine, note=note))
    window = StatusWindow(hub)
    qtbot.addWidget(window)
    window._clock = lambda: NOW
    window.show()
    window.refresh()
    claude = window.tree.topLevelItem(1)
    assert claude.text(0) == "Claude & Co"
    assert note in [claude.child(i).text(0) for i in range(claude.childCount())]


def test_dbus_labels_survive_qts_exporter_and_the_hosts_mnemonics() -> None:
    # Qt turns the first '&' into '_' and passes '_' on; the host reads "__" as '_'
    assert tray.dbus_label("Fake_AI && Co && more") == "Fake__AI && Co & more"
    assert tray.dbus_label("plain") == "plain"
    assert tray.dbus_label("ends with &&") == "ends with &&"
