"""Policy-made notifications reach a real notification server (dunst) with the right text and
urgency; grouping and muting suppress what they should; the tray fallback works.

Run inside the headless session: tests/desktop/with-desktop.sh .venv/bin/python -m pytest -q \
tests/desktop/test_notifications_desktop.py
Each check is seen by witnesses that are not ours: the bus (dbus-monitor), dunst's rule-script
log and dunst's history. Service names are unique per test, since the session is shared.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.desktop.support import (
    TRAY_MODE,
    calls_mentioning,
    closed_notifications,
    delivered,
    dunst_entry,
    dunst_history,
    dunstctl,
    empty_session_bus,
    in_desktop,
    wait_until,
)
from trayapp.core.model import Event, Incident, Severity
from trayapp.core.notify_policy import (
    NotifySettings,
    PolicyState,
    decide,
    flush,
    next_deadline,
)
from trayapp.core.notify_wording import Context, Notification

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon
    from pytestqt.qtbot import QtBot

pytestmark = in_desktop

OK = Severity.OPERATIONAL
MAJOR = Severity.MAJOR_OUTAGE
PART = Severity.PARTIAL_OUTAGE
DEG = Severity.DEGRADED
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SETTINGS = NotifySettings(timezone=UTC)
URGENCY_BYTE = {"low": 0, "normal": 1, "critical": 2}
ICONS = {"low": "dialog-information", "normal": "dialog-warning", "critical": "dialog-error"}
DUNST_URGENCY = {"low": "LOW", "normal": "NORMAL", "critical": "CRITICAL"}
REPO = Path(__file__).resolve().parents[2]


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


def status(service: str, previous: Severity | None, severity: Severity, seconds: float) -> Event:
    return Event(T0 + timedelta(seconds=seconds), service, "status", severity, previous)


def through_policy(
    events: Iterable[Event], state: PolicyState | None = None, context: Context | None = None
) -> tuple[PolicyState, list[Notification]]:
    """What the policy sends for ``events``, flushed at its deadline as the Qt timer does."""
    state = state or PolicyState()
    out: list[Notification] = []
    for event in events:
        state, sent = decide(state, event, event.time, SETTINGS, context)
        out += sent
    if (deadline := next_deadline(state)) is not None:
        state, sent = flush(state, deadline, SETTINGS, context)
        out += sent
    return state, out


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A loop per test: desktop-notifier binds its D-Bus connection to the loop it first ran in."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def tray(qapp: QApplication) -> Iterator[QSystemTrayIcon]:
    from PySide6.QtGui import QColor, QIcon, QPixmap
    from PySide6.QtWidgets import QSystemTrayIcon

    if TRAY_MODE not in ("sni", "both"):
        pytest.skip("Qt sends tray messages over D-Bus only with an SNI host")
    pixmap = QPixmap(32, 32)
    pixmap.fill(QColor(220, 0, 0))
    icon = QSystemTrayIcon(QIcon(pixmap))
    icon.show()
    wait_until(QSystemTrayIcon.isSystemTrayAvailable, what="the tray host")
    yield icon
    icon.hide()


def send(loop: asyncio.AbstractEventLoop, notification: Notification) -> None:
    from trayapp.ui.notify import DesktopNotifierBackend

    loop.run_until_complete(DesktopNotifierBackend().send(notification))


def assert_shown(n: Notification, urgency: str) -> None:
    """The notification reached dunst, checked three ways, with this text and urgency."""
    call = delivered(n.title)
    assert call.app_name == "trayapp"
    assert call.icon == ICONS[urgency]  # the theme's icon, not desktop-notifier's Python logo
    assert call.body == html.escape(n.body, quote=False)  # dunst reads markup: '<' stays text
    assert call.urgency == ("byte", URGENCY_BYTE[urgency])  # the spec's type, so it is honoured
    assert call.reply_id and call.reply_id > 0
    assert "default" in call.actions  # a click comes back to us

    entry = dunst_entry(n.title)
    assert (entry.app_name, entry.urgency) == ("trayapp", DUNST_URGENCY[urgency])
    assert html.unescape(entry.body) == n.body

    shown = [h for h in dunst_history() if h["summary"] == n.title]
    assert len(shown) == 1, shown
    assert html.unescape(str(shown[0]["body"])) == n.body
    assert shown[0]["appname"] == "trayapp"


# ---------------------------------------------------------------------------- text and urgency


@pytest.mark.parametrize(("severity", "urgency"), [(MAJOR, "critical"), (DEG, "normal")])
def test_outage_reaches_dunst_with_text_and_urgency(
    loop: asyncio.AbstractEventLoop, severity: Severity, urgency: str
) -> None:
    service = unique("AT&T <Cloud>")  # markup characters must arrive as text
    incident = Incident("i1", "Errors on <api> & <web>", "investigating", True, severity)
    events = [
        status(service, OK, severity, 0),
        Event(T0, service, "incident_opened", severity, None, "", incident),
    ]
    context = Context(
        urls={service: "http://127.0.0.1:9/status"},
        alternatives={service: ["Anthropic", "Gemini"]},
    )
    _, [n] = through_policy(events, context=context)
    assert (n.title, n.urgency) == (f"{service}: {severity.label}", urgency)
    assert n.body == "Errors on <api> & <web>\nAnthropic and Gemini are operational."
    send(loop, n)
    assert_shown(n, urgency)


def test_recovery_reaches_dunst_as_low(loop: asyncio.AbstractEventLoop) -> None:
    service = unique("Groq")
    state, told = through_policy([status(service, OK, MAJOR, 0)])
    assert len(told) == 1
    _, [n] = through_policy([status(service, MAJOR, OK, 600)], state)
    assert (n.title, n.body, n.urgency) == (
        f"{service} has recovered",
        "Now operational (was major outage, for 10 min).",
        "low",
    )
    send(loop, n)
    assert_shown(n, "low")


def test_a_recovery_takes_the_outage_notifications_place_and_quit_withdraws_the_rest(
    loop: asyncio.AbstractEventLoop,
) -> None:
    """A critical notification stays on screen until dismissed: the recovery must close it
    (a group's message naming another service too stays), and quitting closes what is left."""
    from trayapp.ui.notify import DesktopNotifierBackend

    backend = DesktopNotifierBackend()
    alpha, beta = unique("Alpha"), unique("Beta")
    outage = Notification(f"{alpha}: major outage", "-", "critical", (alpha,), None, "problem")
    group = Notification(unique("2 services"), "-", "normal", (alpha, beta), None, "group")
    recovery = Notification(f"{alpha} has recovered", "-", "low", (alpha,), None, "recovery")
    for n in (outage, group, recovery):
        loop.run_until_complete(backend.send(n))
    ids = {n.title: delivered(n.title).reply_id for n in (outage, group, recovery)}
    closed = wait_until(lambda: closed_notifications().get(ids[outage.title]), 5, 0.05, "close")
    assert closed == 3  # closed by our CloseNotification call, not expired or dismissed
    assert ids[group.title] not in closed_notifications()  # it also speaks of Beta
    assert ids[recovery.title] not in closed_notifications()

    loop.run_until_complete(backend.withdraw_all())
    for title in (group.title, recovery.title):
        wait_until(lambda t=title: closed_notifications().get(ids[t]) == 3, 5, 0.05, title)


# ---------------------------------------------------------------------------- grouping, muting


def test_grouped_changes_make_exactly_one_notify_call(loop: asyncio.AbstractEventLoop) -> None:
    names = [unique("OpenAI"), unique("Mistral"), unique("Cohere")]
    events = [status(names[0], OK, DEG, 0), status(names[1], OK, MAJOR, 5)]
    events.append(status(names[2], OK, PART, 20))
    _, out = through_policy(events)
    assert len(out) == 1
    for n in out:
        send(loop, n)
    call = delivered("3 services have problems")
    assert call.urgency == ("byte", 2)
    # a notification sent after the group has been carried too, so nothing else is coming
    sentinel = Notification(unique("sentinel"), "-", "low", (), None, "problem")
    send(loop, sentinel)
    delivered(sentinel.title)
    for name in names:
        assert len(calls_mentioning(name)) == 1, name


def test_muted_service_sends_nothing(loop: asyncio.AbstractEventLoop) -> None:
    from trayapp.core.notify_policy import UNTIL_RECOVERED, mute

    muted, loud = unique("Muted"), unique("Loud")
    state = mute(PolicyState(), muted, UNTIL_RECOVERED)
    state, out = through_policy([status(muted, OK, MAJOR, 0), status(loud, OK, DEG, 1)], state)
    for n in out:
        send(loop, n)
    delivered(f"{loud}: degraded")
    _, out = through_policy([status(muted, MAJOR, OK, 600)], state)
    assert out == []
    assert calls_mentioning(muted) == []
    assert not [e for e in dunst_history() if muted in str(e["summary"]) + str(e["body"])]


# ------------------------------------------------------------------------ the Qt side, end to end

CENTER_SCRIPT = r"""
import asyncio, json, subprocess, sys, time
from datetime import UTC, datetime, timedelta
import qasync
from PySide6.QtWidgets import QApplication
from trayapp.core.model import Event, Severity
from trayapp.core.notify_policy import UNTIL_RECOVERED, NotifySettings, next_deadline
from trayapp.core.notify_wording import Context
from trayapp.core.settings import NotificationSettings
from trayapp.ui.notify import DesktopNotifierBackend, NotificationCenter

names, muted, window = json.loads(sys.argv[1]), sys.argv[2], float(sys.argv[3])
app = QApplication([])
opened = []
urls = {name: f"http://127.0.0.1:9/{i}" for i, name in enumerate([*names, muted])}

async def main():
    center = NotificationCenter(
        DesktopNotifierBackend(on_open=opened.append),
        NotifySettings(NotificationSettings(group_window=window)),
        context=lambda: Context(urls=urls),
    )
    center.mute(muted, UNTIL_RECOVERED)
    subprocess.run(["dunstctl", "close-all"], check=True)
    started = time.time()
    ok = Severity.OPERATIONAL
    for name, severity in zip(names, [Severity.MAJOR_OUTAGE, Severity.DEGRADED]):
        center.handle_event(Event(datetime.now(UTC), name, "status", severity, ok))
        await asyncio.sleep(0.2)
    center.handle_event(Event(datetime.now(UTC), muted, "status", Severity.MAJOR_OUTAGE, ok))
    while next_deadline(center.state) is not None:  # the single-shot timer flushes the group
        await asyncio.sleep(0.05)
    await center.drain()
    subprocess.run(["dunstctl", "action", "0"], check=True)  # click the notification
    for _ in range(100):
        if opened:
            break
        await asyncio.sleep(0.05)
    print(json.dumps({"started": started, "opened": opened}))

qasync.run(main())
"""


def test_center_groups_on_its_timer_skips_the_muted_and_opens_on_click() -> None:
    """NotificationCenter in a qasync app: events → policy → QTimer at the deadline → dunst."""
    names, muted, window = [unique("OpenAI"), unique("Groq")], unique("Muted"), 1.5
    done = subprocess.run(
        [sys.executable, "-c", CENTER_SCRIPT, json.dumps(names), muted, str(window)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    call = delivered("2 services have problems")
    assert call.body == f"{names[0]} (major outage), {names[1]} (degraded)"
    assert call.urgency == ("byte", 2)
    assert call.time >= report["started"] + window - 0.05  # sent when the window closed
    assert calls_mentioning(muted) == []
    for name in names:
        assert len(calls_mentioning(name)) == 1
    assert report["opened"] == ["http://127.0.0.1:9/0"]  # the most urgent service's page


# ---------------------------------------------------------------------------- fallback


def test_desktop_notifier_without_a_server_raises(
    loop: asyncio.AbstractEventLoop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trayapp.ui.notify import NotifyError

    n = Notification(unique("nowhere"), "no server", "normal", (), None, "problem")
    with empty_session_bus(tmp_path) as address:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        with pytest.raises(NotifyError):  # desktop-notifier itself only logs and returns
            send(loop, n)
    assert not calls_mentioning(n.title)


def test_tray_message_backend_reaches_dunst(qtbot: QtBot, tray: QSystemTrayIcon) -> None:
    from trayapp.ui.notify import TrayMessageBackend

    opened: list[str] = []
    n = Notification(unique("Tray"), "Groq (degraded)", "normal", ("Groq",), "http://x/", "group")
    backend = TrayMessageBackend(tray, on_open=opened.append)
    asyncio.run(backend.send(n))
    qtbot.waitUntil(lambda: bool(calls_mentioning(n.title)), timeout=60000)
    call = delivered(n.title)
    assert call.body == n.body
    assert call.urgency == ("int32", 1)  # Qt's type: dunst cannot read it (why it is the fallback)
    assert dunst_entry(n.title).summary == n.title


def test_fallback_uses_the_tray_when_no_server_answers(
    qtbot: QtBot,
    tray: QSystemTrayIcon,
    loop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from trayapp.ui.notify import DesktopNotifierBackend, FallbackNotifier, TrayMessageBackend

    n = Notification(unique("Fallback"), "OpenAI (major outage)", "critical", (), None, "problem")
    # Qt's own bus connection is already up; desktop-notifier's new one goes to a bus without
    # a notification server
    with empty_session_bus(tmp_path) as address:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        notifier = FallbackNotifier(DesktopNotifierBackend(), TrayMessageBackend(tray))
        loop.run_until_complete(notifier.send(n))
    qtbot.waitUntil(lambda: bool(calls_mentioning(n.title)), timeout=60000)
    [call] = calls_mentioning(n.title)
    assert call.app_name != "trayapp"  # Qt's call, not desktop-notifier's
    assert dunst_entry(n.title).body == n.body


def test_harness_sanity() -> None:
    """The witnesses work: dunst is the server and the logs exist."""
    info = subprocess.run(
        [
            "dbus-send",
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.Notifications",
            "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications.GetServerInformation",
        ],
        capture_output=True,
        text=True,
        timeout=5,
    ).stdout
    assert 'string "dunst"' in info
    assert os.path.exists(os.environ["HARNESS_NOTIFY_LOG"])
    assert dunstctl("is-paused").strip() == "false"
