"""The tray app itself under a real desktop session: the icon in a real tray host, its colours,
its menu over D-Bus, notifications at dunst, a clean quit, one instance per profile, and the
window it falls back to when there is no tray.

Run inside the headless session: tests/desktop/with-desktop.sh .venv/bin/python -m pytest -q \
tests/desktop/test_tray_desktop.py
The app always runs as a subprocess (``python -m trayapp``, or the demo), as a user starts it.
Witnesses are not ours: the StatusNotifierWatcher's registry and the menu the item exports
(com.canonical.dbusmenu, the protocol the tray host itself uses), the pixels of the X screen,
dbus-monitor's log and dunst's own log. Screenshots go to /tmp/trayapp-shots/.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.desktop.support import (
    TRAY_MODE,
    dunst_entry,
    dunst_received,
    in_desktop,
    notify_calls,
    wait_until,
)

pytestmark = in_desktop

REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("TRAYAPP_SHOTS", "/tmp/trayapp-shots"))
SPEED = 4.0  # the demo's story then takes 45 s
# Deadlines for what a loaded machine makes slow (start-up, a menu drawn, an exit): conditions are
# polled, so a generous deadline costs nothing when things are quick.
PATIENCE = 60.0
BAD_STDERR = (
    "QThread",
    "Task was destroyed",
    "was never awaited",
    "Traceback",
    "Exception ignored",
    "ResourceWarning",
    "Error",
    "WARNING",
)
URGENCY_BYTE = {"low": 0, "normal": 1, "critical": 2}
FILL = {  # icons.FILL, as RGB (kept here so the test does not trust the code it checks)
    "operational": (0x00, 0x9E, 0x73),
    "maintenance": (0x56, 0xB4, 0xE9),
    "degraded": (0xF0, 0xE4, 0x42),
    "partial_outage": (0xE6, 0x9F, 0x00),
    "major_outage": (0xD5, 0x5E, 0x00),
    "unknown": (0x99, 0x99, 0x99),
}


# ---------------------------------------------------------------------------- the app process


class App:
    """``trayapp`` (or its demo) as a subprocess with its own profile under ``root``."""

    def __init__(self, root: Path, args: list[str], env: dict[str, str] | None = None) -> None:
        self.root = root
        self.env = {
            **os.environ,
            "TRAYAPP_CONFIG_DIR": str(root / "config"),
            "TRAYAPP_DATA_DIR": str(root / "data"),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.err_path = root / f"stderr-{uuid.uuid4().hex[:6]}.txt"
        self.out_path = self.err_path.with_name(self.err_path.name.replace("stderr", "stdout"))
        with self.err_path.open("wb") as err, self.out_path.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, *args], cwd=REPO, env=self.env, stdout=out, stderr=err
            )

    @property
    def server(self) -> str:
        from trayapp.ui.single_instance import server_name

        return server_name(Path(self.env["TRAYAPP_DATA_DIR"]))

    def ask(self, command: str, argument: Any = None) -> str | None:
        from trayapp.ui.single_instance import send

        return send(self.server, command, argument)

    def state(self) -> dict[str, Any]:
        answer = self.ask("state")
        return json.loads(answer) if answer else {}

    def wait_state(self, test: Callable[[dict[str, Any]], bool], timeout: float, what: str) -> None:
        def check() -> bool:
            assert self.proc.poll() is None, f"the app exited: {self.stderr()}"
            return bool(test(self.state()))

        wait_until(check, timeout, 0.1, what)

    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    def wait_exit(self, timeout: float = PATIENCE) -> int:
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def assert_clean_exit(app: App, rc: int) -> None:
    """Exit code 0 and nothing on stderr that speaks of a thread, a task, a warning or an error."""
    err = app.stderr()
    assert rc == 0, err
    bad = [line for line in err.splitlines() if any(word in line for word in BAD_STDERR)]
    assert not bad, err


@pytest.fixture
def apps() -> Iterator[list[App]]:
    """Apps started by a test; any still running at its end is killed (by its own PID)."""
    started: list[App] = []
    yield started
    for app in started:
        app.kill()


def demo_args(*extra: str) -> list[str]:
    from trayapp.cli import main as cli

    if "demo" in cli.COMMANDS:
        return ["-m", "trayapp", "demo", *extra]
    code = (
        "import argparse, sys\nfrom trayapp.cli import demo\n"
        "p = argparse.ArgumentParser(); demo.add_arguments(p)\n"
        "sys.exit(demo.run(p.parse_args(sys.argv[1:])))"
    )
    return ["-c", code, *extra]


def write_config(app_root: Path, text: str) -> None:
    (app_root / "config").mkdir(parents=True, exist_ok=True)
    (app_root / "config" / "config.toml").write_text(text)


def loopback_config(base_url: str, names: list[str], group_window: float = 3.0) -> str:
    lines = [
        "[polling]",
        "confirm_worse = 1",
        "confirm_better = 1",
        "reference_urls = []",
        "[notifications]",
        f"group_window = {group_window}",
    ]
    for name in names:
        lines += [
            "[[watch]]",
            f'name = "{name}"',
            f'url = "{base_url}/{slug(name)}/api/v2/summary.json"',
            'format = "statuspage"',
            'category = "Test group"',
            "interval = 1",
        ]
    return "\n".join(lines) + "\n"


def slug(name: str) -> str:
    from trayapp.demo.payloads import slug as make_slug

    return make_slug(name)


# ---------------------------------------------------------------------------- D-Bus witnesses


def _bus(work: Callable[[Any], Any]) -> Any:
    """Run ``await work(bus)`` on a fresh session-bus connection (dbus-fast)."""
    from dbus_fast.aio import MessageBus

    async def main() -> Any:
        bus = await MessageBus().connect()
        try:
            return await work(bus)
        finally:
            bus.disconnect()

    return asyncio.run(main())


async def _call(bus: Any, dest: str, path: str, iface: str, member: str, sig: str = "", *body: Any):
    from dbus_fast import Message, MessageType

    reply = await bus.call(
        Message(
            destination=dest,
            path=path,
            interface=iface,
            member=member,
            signature=sig,
            body=list(body),
        )
    )
    if reply.message_type == MessageType.ERROR:
        raise RuntimeError(f"{reply.error_name}: {reply.body}")
    return reply.body


def sni_items() -> dict[str, int]:
    """The StatusNotifierWatcher's registered items, each with its owner's PID."""

    async def work(bus: Any) -> dict[str, int]:
        props = "org.freedesktop.DBus.Properties"
        try:
            (items,) = await _call(
                bus,
                "org.kde.StatusNotifierWatcher",
                "/StatusNotifierWatcher",
                props,
                "Get",
                "ss",
                "org.kde.StatusNotifierWatcher",
                "RegisteredStatusNotifierItems",
            )
        except RuntimeError:
            return {}
        out = {}
        for item in items.value:
            name = item.split("/", 1)[0]
            try:
                (pid,) = await _call(
                    bus,
                    "org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus",
                    "GetConnectionUnixProcessID",
                    "s",
                    name,
                )
            except RuntimeError:  # its owner left since the list was read (an app quitting)
                continue
            out[item] = pid
        return out

    return _bus(work)


def item_of(pid: int) -> str | None:
    return next((item for item, owner in sni_items().items() if owner == pid), None)


def _split(item: str) -> tuple[str, str]:
    name, _, path = item.partition("/")
    return name, "/" + path if path else "/StatusNotifierItem"


def sni_properties(item: str) -> dict[str, Any]:
    name, path = _split(item)

    async def work(bus: Any) -> dict[str, Any]:
        (props,) = await _call(
            bus,
            name,
            path,
            "org.freedesktop.DBus.Properties",
            "GetAll",
            "s",
            "org.kde.StatusNotifierItem",
        )
        return {key: value.value for key, value in props.items()}

    return _bus(work)


MenuNode = tuple[int, dict[str, Any], list[Any]]


def menu_layout(item: str) -> MenuNode:
    """The item's exported menu as the host reads it: (id, properties, children), after the
    host's AboutToShow (the app rebuilds the menu then)."""
    name, _ = _split(item)
    menu_path = sni_properties(item)["Menu"]

    async def work(bus: Any) -> MenuNode:
        dbusmenu = "com.canonical.dbusmenu"
        await _call(bus, name, menu_path, dbusmenu, "AboutToShow", "i", 0)
        _, layout = await _call(bus, name, menu_path, dbusmenu, "GetLayout", "iias", 0, -1, [])
        return _node(layout)

    return _bus(work)


def _node(raw: Any) -> MenuNode:
    id_, props, children = raw
    return (
        id_,
        {k: v.value for k, v in props.items()},
        [_node(c.value) for c in children],
    )


def labels(node: MenuNode) -> list[str]:
    return [child[1].get("label", "—") for child in node[2]]


def find_item(node: MenuNode, *path: str) -> MenuNode:
    """The entry reached through labels starting with each of ``path`` in turn."""
    for step in path:
        node = next(c for c in node[2] if str(c[1].get("label", "")).startswith(step))
    return node


def menu_click(item: str, entry: MenuNode) -> None:
    """Click a menu entry the way a tray host does (com.canonical.dbusmenu.Event 'clicked')."""
    from dbus_fast import Variant

    name, _ = _split(item)
    menu_path = sni_properties(item)["Menu"]

    async def work(bus: Any) -> None:
        await _call(
            bus,
            name,
            menu_path,
            "com.canonical.dbusmenu",
            "Event",
            "isvu",
            entry[0],
            "clicked",
            Variant("i", 0),
            int(time.time()),
        )

    _bus(work)


# ---------------------------------------------------------------------------- the screen


def grab_bar() -> tuple[bytes, int, int, int]:
    """The top-right corner of the X screen, where gtk-sni-tray puts its icons (RGB32)."""
    from PySide6.QtGui import QGuiApplication, QImage

    screen = QGuiApplication.primaryScreen()
    width = screen.geometry().width()
    image = screen.grabWindow(0, width - 240, 0, 240, 40).toImage()
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    return bytes(image.constBits()), image.width(), image.height(), image.bytesPerLine()


def colour_counts(tolerance: int = 6) -> dict[str, int]:
    data, width, height, stride = grab_bar()
    counts = dict.fromkeys(FILL, 0)
    for y in range(height):
        row = data[y * stride : y * stride + 4 * width]
        for x in range(0, 4 * width, 4):
            b, g, r = row[x], row[x + 1], row[x + 2]
            for state, (R, G, B) in FILL.items():
                if abs(r - R) <= tolerance and abs(g - G) <= tolerance and abs(b - B) <= tolerance:
                    counts[state] += 1
    return counts


def icon_shows(state: str) -> bool:
    """The tray bar shows this state's fill colour, and no other state's as much."""
    counts = colour_counts()
    others = max(v for k, v in counts.items() if k != state)
    return counts[state] >= 30 and counts[state] > 3 * others


def screenshot(path: Path, window: str | None = None) -> Path:
    """Grab ``window`` (or the whole screen) once it has finished drawing."""
    settled(window)
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["import", "-window", window or "root", str(path)], check=True, timeout=30)
    assert path.stat().st_size > 1000
    return path


def pixels(window: str | None = None, crop: str = "") -> bytes:
    """The raw RGB of ``window`` (or the whole screen), or of its ``crop`` (``WxH+X+Y``)."""
    grab = ["import", "-window", window or "root", *(["-crop", crop] if crop else [])]
    grab += ["-depth", "8", "rgb:-"]
    return subprocess.run(grab, check=True, timeout=30, capture_output=True).stdout


def settled(window: str | None = None) -> None:
    """Wait until two grabs of ``window`` in a row are the same: nothing is still drawing.

    A window is mapped before it is painted, and a loaded machine paints late, so a fixed
    pause would be either too short there or wasted everywhere else.
    """
    last = [pixels(window)]

    def same() -> bool:
        now = pixels(window)
        unchanged, last[0] = now == last[0], now
        return unchanged

    wait_until(same, PATIENCE, 0.1, "the screen to stop changing")


def rows(region: tuple[int, int, int, int]) -> list[bytes]:
    """The pixel rows of a region (x, y, w, h) of the screen."""
    x, y, w, h = region
    data = pixels(crop=f"{w}x{h}+{x}+{y}")
    return [data[i : i + 3 * w] for i in range(0, len(data), 3 * w)]


def bar_box(state: str) -> tuple[int, int]:
    """Screen coordinates of the centre of the tray icon showing ``state``."""
    data, width, height, stride = grab_bar()
    R, G, B = FILL[state]
    xs, ys = [], []
    for y in range(height):
        for x in range(width):
            b, g, r = data[y * stride + 4 * x : y * stride + 4 * x + 3]
            if abs(r - R) <= 6 and abs(g - G) <= 6 and abs(b - B) <= 6:
                xs.append(x)
                ys.append(y)
    assert xs, f"no {state} icon in the tray bar"
    from PySide6.QtGui import QGuiApplication

    left = QGuiApplication.primaryScreen().geometry().width() - 240
    return left + (min(xs) + max(xs)) // 2, (min(ys) + max(ys)) // 2


def xdotool(*args: str) -> str:
    done = subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def find_colour_below(state: str, top: int, region: tuple[int, int, int, int]) -> tuple[int, int]:
    """A pixel of ``state``'s colour inside ``region`` (x, y, w, h) below ``top``: a menu row's
    icon."""
    from PySide6.QtGui import QGuiApplication, QImage

    x0, y0, w, h = region
    image = QGuiApplication.primaryScreen().grabWindow(0, x0, y0, w, h).toImage()
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    R, G, B = FILL[state]
    for y in range(max(0, top - y0), image.height()):
        for x in range(image.width()):
            colour = image.pixelColor(x, y)
            if (
                abs(colour.red() - R) <= 6
                and abs(colour.green() - G) <= 6
                and abs(colour.blue() - B) <= 6
            ):
                return x0 + x, y0 + y
    raise AssertionError(f"no {state} row icon in the menu")


def menu_row(state: str, top: int, region: tuple[int, int, int, int]) -> tuple[int, int]:
    """Wait (generously: a loaded machine draws menus late) for ``find_colour_below``."""

    def found() -> tuple[int, int] | None:
        try:
            return find_colour_below(state, top, region)
        except AssertionError:
            return None

    return wait_until(found, PATIENCE, 0.2, f"a {state} row in the open menu")


# ---------------------------------------------------------------------------- tests


@pytest.mark.skipif(TRAY_MODE not in ("sni", "both"), reason="needs an SNI tray host")
def test_demo_colours_menu_notifications_mute_and_quit(
    qapp: Any, tmp_path: Path, apps: list[App]
) -> None:
    """The demo story drives the real icon through its colours; the exported menu lists the
    services with their state; notifications reach dunst with the policy's text and urgency;
    a service muted from the menu sends nothing; Quit from the menu ends the app cleanly."""
    app = App(tmp_path, demo_args("--speed", str(SPEED)))
    apps.append(app)
    item = wait_until(lambda: item_of(app.proc.pid), PATIENCE, 0.1, "the app's SNI item")
    assert sni_properties(item)["Id"] == "trayapp"
    states = IconStates(item)
    states.start()
    wait_until(lambda: icon_shows("operational"), PATIENCE, 0.1, "a green icon")
    app.wait_state(lambda s: all_checked(s, 4), PATIENCE, "every service's first check")

    # mute GitHub before its outage, from its submenu, as a user would
    root = menu_layout(item)
    assert any("OpenAI (demo) — " in label for label in labels(root))
    menu_click(item, find_item(root, "GitHub (demo)", "Mute for 1 h"))
    github = find_item(menu_layout(item), "GitHub (demo)")
    assert github[1]["label"].endswith("(muted)")
    assert "Unmute" in labels(github)

    story = ["operational", "degraded", "major_outage"]
    wait_until(lambda: states.went_through(*story), PATIENCE, 0.1, f"{story}: {states.seen}")
    wait_until(lambda: icon_shows("major_outage"), PATIENCE, 0.1, "the bar to show the outage")
    tooltip = sni_properties(item)["ToolTip"][2]
    assert "OpenAI (demo): major outage" in tooltip

    take_menu_screenshot(qapp, app, item)

    # Gemini's page stays green while its API fails: the demo's probe sees it first
    quiet_failure = "Gemini (demo): major outage (not on its status page yet)"
    wait_until(
        lambda: quiet_failure in sni_properties(item)["ToolTip"][2], PATIENCE, 0.1, quiet_failure
    )

    def gemini_says_it() -> bool:  # (the menu is rebuilt as statuses arrive: read it again)
        gemini = find_item(menu_layout(item), "Gemini (demo) — ")
        return "(not on its status page yet)" in gemini[1]["label"] and any(
            text.startswith("Outage seen by your checks") for text in labels(gemini)
        )

    wait_until(gemini_says_it, PATIENCE, 0.2, "Gemini's menu to name the quiet failure")

    story += ["partial_outage", "degraded", "operational", "maintenance", "operational"]
    wait_until(lambda: states.went_through(*story), PATIENCE, 0.1, f"{story}: {states.seen}")
    states.stop()
    wait_until(lambda: icon_shows("operational"), PATIENCE, 0.1, "the bar to show green")

    calls = [(c.summary, c.urgency[1] if c.urgency else None) for c in our_calls(app)]
    sent = set(calls)
    assert sent >= {
        ("OpenAI (demo): degraded", URGENCY_BYTE["normal"]),
        ("OpenAI (demo): major outage", URGENCY_BYTE["critical"]),
        ("OpenAI (demo) has recovered", URGENCY_BYTE["low"]),
        ("Anthropic (demo): maintenance", URGENCY_BYTE["low"]),
    }, sent
    # On the way down (partial outage, degraded) each step is an "improving" note at low
    # urgency, unless two steps fell in one group window and were told as one (the policy's
    # rule, which a loaded machine's late polls can bring about): never a louder one.
    openai = [call for call in calls if call[0].startswith("OpenAI (demo)")]
    after_major = openai[openai.index(("OpenAI (demo): major outage", URGENCY_BYTE["critical"])) :]
    assert all(urgency == URGENCY_BYTE["low"] for _, urgency in after_major[1:]), openai
    assert not [s for s, _ in sent if "GitHub" in s], sent  # muted: nothing at all
    first = next(c for c in our_calls(app) if c.summary.startswith("Gemini (demo)"))
    assert first.summary == "Gemini (demo): major outage"
    assert first.body.startswith("Outage seen by your checks, not yet acknowledged")
    major = next(c for c in our_calls(app) if c.summary == "OpenAI (demo): major outage")
    assert "Elevated error rates on the API" in major.body
    assert "Affected: API, ChatGPT" in major.body
    assert "Anthropic (demo) and Gemini (demo) are operational." in major.body
    assert all(c.reply_id for c in our_calls(app))  # dunst answered every one
    received = {(e.summary, e.urgency) for e in dunst_received() if "(demo)" in e.summary}
    assert ("OpenAI (demo): major outage", "CRITICAL") in received

    menu_click(item, find_item(menu_layout(item), "Quit"))
    assert_clean_exit(app, app.wait_exit())
    assert item_of(app.proc.pid) is None


def exported_state(item: str) -> str | None:
    """The state whose fill colour dominates the icon the app exports to the tray host (the
    largest of its IconPixmap sizes, ARGB32 in network byte order)."""
    pixmaps = sni_properties(item).get("IconPixmap") or []
    if not pixmaps:
        return None
    width, height, data = max(pixmaps, key=lambda p: p[0] * p[1])
    counts = dict.fromkeys(FILL, 0)
    for i in range(0, min(len(data), 4 * width * height), 4):
        alpha, r, g, b = data[i], data[i + 1], data[i + 2], data[i + 3]
        if alpha < 250:
            continue
        for state, (R, G, B) in FILL.items():
            if abs(r - R) <= 6 and abs(g - G) <= 6 and abs(b - B) <= 6:
                counts[state] += 1
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] >= 20 else None


class IconStates(threading.Thread):
    """Records, from a thread of its own, each state the exported icon goes through: a story
    played at speed shows some states for a few seconds only, and a loaded machine may be busy
    elsewhere in the test just then."""

    def __init__(self, item: str) -> None:
        super().__init__(daemon=True)
        self.item, self._done = item, threading.Event()
        self.seen: list[str] = []

    def run(self) -> None:
        while not self._done.wait(0.1):
            try:
                state = exported_state(self.item)
            except Exception:  # the app quitting, a busy bus: try again
                continue
            if state and (not self.seen or self.seen[-1] != state):
                self.seen.append(state)

    def went_through(self, *states: str) -> bool:
        """Whether the icon showed ``states`` in this order (others may come between)."""
        rest = iter(self.seen)
        return all(any(seen == state for seen in rest) for state in states)

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=10)


def our_calls(app: App) -> list[Any]:
    return [c for c in notify_calls() if c.app_name == "trayapp" and "(demo)" in c.summary]


def backdrop(qapp: Any) -> Any:
    """A plain 'wallpaper' under the bar (Xvfb's root window is black), for the screenshots."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWidget

    screen = qapp.primaryScreen().geometry()
    widget = QWidget(None, Qt.WindowType.FramelessWindowHint)
    widget.setStyleSheet(
        "background: qlineargradient(x1:0, y1:0, x2:1, y2:1, stop:0 #3b4a5a, stop:1 #6d7f8f);"
    )
    widget.setGeometry(0, 32, screen.width(), screen.height() - 32)
    widget.show()

    def exposed() -> bool:
        qapp.processEvents()
        handle = widget.windowHandle()
        return handle is not None and handle.isExposed()

    wait_until(exposed, PATIENCE, 0.02, "the backdrop to be shown")
    return widget


def take_menu_screenshot(qapp: Any, app: App, item: str) -> None:
    """Right-click the icon in gtk-sni-tray's bar, open OpenAI's submenu, grab the screen, and
    keep a cropped copy as the project's screenshot; then the status window."""
    take_submenu_screenshot(qapp, "tray-menu.png", crop=(900, 500))

    assert app.ask("show") == "ok"
    window = wait_until(
        lambda: xdotool_search("^trayapp"), PATIENCE, 0.2, "the status window to be mapped"
    )
    keep_as_project_screenshot(screenshot(SHOTS / "status-window.png", window))
    app.wait_state(lambda s: s.get("window"), PATIENCE, "the window to report itself shown")


def xdotool_search(name: str) -> str | None:
    done = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", name],
        capture_output=True,
        text=True,
        timeout=10,
    )
    ids = done.stdout.split()
    return ids[0] if ids else None


def all_checked(state: dict[str, Any], count: int) -> bool:
    services = state.get("services", {}).values()
    return len(services) == count and all(s["checked"] for s in services)


def all_operational(state: dict[str, Any], count: int) -> bool:
    """Every one of ``count`` services was checked and read operational (the icon alone would
    say so while one is still unchecked)."""
    services = state.get("services", {}).values()
    return len(services) == count and all(s["severity"] == "operational" for s in services)


@pytest.mark.skipif(TRAY_MODE not in ("sni", "both"), reason="needs an SNI tray host")
def test_changes_together_make_one_notification_and_sigterm_quits_cleanly(
    qapp: Any, tmp_path: Path, apps: list[App]
) -> None:
    from trayapp.core.model import Severity
    from trayapp.demo.payloads import statuspage_summary
    from trayapp.demo.replay import ReplayServer
    from trayapp.demo.replay_routes import Reply

    tag = uuid.uuid4().hex[:5]
    names = [f"Alpha {tag}", f"Beta {tag}", f"Gamma {tag}"]

    def page(name: str, broken: Severity | None) -> Reply:
        states = {"API": broken or Severity.OPERATIONAL, "Web": Severity.OPERATIONAL}
        return Reply(body=statuspage_summary(name, states), etag=True)

    healthy = {f"/{slug(n)}/api/v2/summary.json": page(n, None) for n in names}
    broken = {
        f"/{slug(names[0])}/api/v2/summary.json": page(names[0], Severity.MAJOR_OUTAGE),
        f"/{slug(names[1])}/api/v2/summary.json": page(names[1], Severity.PARTIAL_OUTAGE),
    }
    with ReplayServer([(0, healthy), (1e9, broken)], speed=1) as server:
        write_config(tmp_path, loopback_config(server.base_url, names, group_window=3))
        app = App(tmp_path, ["-m", "trayapp"])
        apps.append(app)
        app.wait_state(lambda s: all_operational(s, 3), 20, "every service checked, all fine")
        server.set_step(1)
        app.wait_state(lambda s: s.get("state") == "major_outage", PATIENCE, "the outage")
        title = "2 services have problems"
        call = wait_until(
            lambda: next((c for c in notify_calls() if tag in c.body), None), PATIENCE, 0.1, "it"
        )
        time.sleep(4)  # past the group window: nothing more may come
        calls = [c for c in notify_calls() if tag in c.summary or tag in c.body]
        assert [c.summary for c in calls] == [title], calls
        assert call.urgency == ("byte", URGENCY_BYTE["critical"])
        assert f"Alpha {tag} (major outage), Beta {tag} (partial outage)" in call.body
        assert f"Gamma {tag} is operational." in call.body

        app.proc.send_signal(signal.SIGTERM)
        assert_clean_exit(app, app.wait_exit())


@pytest.mark.skipif(TRAY_MODE not in ("sni", "both"), reason="needs an SNI tray host")
def test_second_launch_hands_over_and_other_profiles_run_beside(
    qapp: Any, tmp_path: Path, apps: list[App]
) -> None:
    from trayapp.demo.replay import ReplayServer
    from trayapp.demo.replay_routes import Reply

    with ReplayServer({"/x/api/v2/summary.json": Reply(body=b"{}")}) as server:
        for root in (tmp_path / "one", tmp_path / "two"):
            write_config(root, loopback_config(server.base_url, ["Solo"]))
        first = App(tmp_path / "one", ["-m", "trayapp"])
        apps.append(first)
        wait_until(lambda: item_of(first.proc.pid), PATIENCE, 0.1, "the first icon")
        first.wait_state(lambda s: s.get("started"), PATIENCE, "the first app to start")
        assert not first.state()["window"]

        second = App(tmp_path / "one", ["-m", "trayapp"])
        apps.append(second)
        assert second.wait_exit(15) == 0, second.stderr()
        assert "already running" in second.stderr()
        first.wait_state(lambda s: s.get("window"), PATIENCE, "the first app's window")
        assert [pid for pid in sni_items().values() if pid == second.proc.pid] == []

        other = App(tmp_path / "two", ["-m", "trayapp"])  # another profile: its own tray
        apps.append(other)
        wait_until(lambda: item_of(other.proc.pid), PATIENCE, 0.1, "the other profile's icon")
        assert first.proc.poll() is None

        for app in (first, other):
            assert app.ask("quit") == "ok"
            assert_clean_exit(app, app.wait_exit())


@pytest.mark.skipif(TRAY_MODE not in ("sni", "both"), reason="needs an SNI tray host")
def test_two_launches_at_once_leave_one_tray(qapp: Any, tmp_path: Path, apps: list[App]) -> None:
    """A double-click on a launcher: both start before either listens; one must leave."""
    from trayapp.demo.replay import ReplayServer
    from trayapp.demo.replay_routes import Reply

    with ReplayServer({"/x": Reply(body=b"{}")}) as server:
        write_config(tmp_path, loopback_config(server.base_url, ["Twice"]))
        pair = [App(tmp_path, ["-m", "trayapp"]), App(tmp_path, ["-m", "trayapp"])]
        apps.extend(pair)
        gone = wait_until(
            lambda: next((a for a in pair if a.proc.poll() is not None), None), 20, 0.1, "one exit"
        )
        stays = next(a for a in pair if a is not gone)
        assert gone.proc.returncode == 0, gone.stderr()
        assert "already running" in gone.stderr()
        stays.wait_state(lambda s: s.get("started") and s.get("window"), PATIENCE, "the survivor")
        wait_until(lambda: gone.proc.pid not in sni_items().values(), PATIENCE, 0.1, "one icon")
        assert item_of(stays.proc.pid) is not None
        assert stays.ask("quit") == "ok"
        assert_clean_exit(stays, stays.wait_exit())


@pytest.mark.skipif(TRAY_MODE not in ("sni", "both"), reason="needs an SNI tray host")
def test_history_and_settings_open_from_the_menu(
    qapp: Any, tmp_path: Path, apps: list[App]
) -> None:
    from trayapp.demo.replay import ReplayServer
    from trayapp.demo.replay_routes import Reply

    with ReplayServer({"/x": Reply(body=b"{}")}) as server:
        write_config(tmp_path, loopback_config(server.base_url, ["Windowed"]))
        app = App(tmp_path, ["-m", "trayapp"])
        apps.append(app)
        item = wait_until(lambda: item_of(app.proc.pid), PATIENCE, 0.1, "the icon")
        app.wait_state(lambda s: s.get("started"), PATIENCE, "the app to start")
        opened = (
            ("History…", "history", "trayapp — History"),
            ("Settings…", "settings", "Settings"),
        )
        for entry, _, title in opened:
            menu_click(item, find_item(menu_layout(item), entry))
            wait_until(lambda t=title: xdotool_search(t), PATIENCE, 0.2, f"the {entry} window")
        app.wait_state(lambda s: s.get("windows") == ["history", "settings"], PATIENCE, "both")
        for _, kind, title in opened:  # closed as the user closes it: the window is destroyed
            assert app.ask("close", kind) == "ok"
            wait_until(lambda t=title: not xdotool_search(t), PATIENCE, 0.2, f"{kind} gone")
        app.wait_state(lambda s: s.get("windows") == [], PATIENCE, "no window left open")
        for entry, kind, title in opened:  # and made afresh on the next request
            menu_click(item, find_item(menu_layout(item), entry))
            window = wait_until(lambda t=title: xdotool_search(t), PATIENCE, 0.2, f"{kind} again")
            screenshot(SHOTS / f"{kind}-reopened.png", window)
        menu_click(item, find_item(menu_layout(item), "Status window…"))
        app.wait_state(lambda s: s.get("window"), PATIENCE, "the status window")
        menu_click(item, find_item(menu_layout(item), "Quit"))
        assert_clean_exit(app, app.wait_exit())


@pytest.mark.skipif(TRAY_MODE not in ("sni", "both"), reason="needs an SNI tray host")
def test_a_later_start_shows_its_menu_in_the_tray_host(
    qapp: Any, tmp_path: Path, apps: list[App]
) -> None:
    """A later start shows the cached start-up icon before the tray exists; the tray host
    looks the menu up when that icon registers, and must still draw the tray's menu."""
    from PySide6.QtGui import QGuiApplication

    from trayapp.core.model import Severity
    from trayapp.demo.payloads import statuspage_summary
    from trayapp.demo.replay import ReplayServer
    from trayapp.demo.replay_routes import Reply

    name = f"Later {uuid.uuid4().hex[:5]}"
    body = statuspage_summary(name, {"API": Severity.MAJOR_OUTAGE})
    with ReplayServer({f"/{slug(name)}/api/v2/summary.json": Reply(body=body)}) as server:
        write_config(tmp_path, loopback_config(server.base_url, [name]))
        for start in ("first", "later"):
            app = App(tmp_path, ["-m", "trayapp"])
            apps.append(app)
            app.wait_state(
                lambda s: s.get("state") == "major_outage", PATIENCE, f"the {start} start"
            )
            if start == "first":
                cache = tmp_path / "data" / "cache"
                cached = lambda c=cache: any(c.glob("starting-icon-*/*.png"))  # noqa: E731
                wait_until(cached, PATIENCE, 0.1, "the start-up icon in the cache")
                assert app.ask("quit") == "ok"
                assert_clean_exit(app, app.wait_exit())
        # its own red icon in the bar (another app's icon, quitting under load, may linger
        # beside it: the bar need not be all red)
        shown = lambda: colour_counts()["major_outage"] >= 30  # noqa: E731
        wait_until(shown, PATIENCE, 0.1, "the icon in the bar")
        x, y = bar_box("major_outage")
        xdotool("mousemove", str(x), str(y), "click", "3")
        width = QGuiApplication.primaryScreen().geometry().width()
        menu_row("major_outage", 60, (width - 600, 40, 600, 300))  # the service's row
        xdotool("key", "Escape")
        assert app.ask("quit") == "ok"
        assert_clean_exit(app, app.wait_exit())


def host_shows(label: str) -> str:
    """What a GTK tray host draws for a dbusmenu label: "__" is one '_', and the first other
    '_' marks the next character as the mnemonic (not drawn)."""
    out, i, marked = [], 0, False
    while i < len(label):
        if label[i] == "_" and i + 1 < len(label):
            if label[i + 1] == "_":
                out.append("_")
            elif not marked:
                marked = True
                out.append(label[i + 1])
            else:
                out.append(label[i + 1])
            i += 2
            continue
        out.append(label[i])
        i += 1
    return "".join(out)


@pytest.mark.skipif(TRAY_MODE not in ("sni", "both"), reason="needs an SNI tray host")
def test_underscores_and_ampersands_reach_the_tray_host_as_written(
    qapp: Any, tmp_path: Path, apps: list[App]
) -> None:
    """The labels the tray host reads over D-Bus draw names with '_' and '&' as written."""
    from trayapp.core.model import Severity
    from trayapp.demo.payloads import statuspage_summary
    from trayapp.demo.replay import ReplayServer
    from trayapp.demo.replay_routes import Reply

    name = f"Fake_AI & Co {uuid.uuid4().hex[:5]}"
    body = statuspage_summary(name, {"api_gateway & cdn": Severity.MAJOR_OUTAGE})
    with ReplayServer({f"/{slug(name)}/api/v2/summary.json": Reply(body=body)}) as server:
        write_config(tmp_path, loopback_config(server.base_url, [name]))
        app = App(tmp_path, ["-m", "trayapp"])
        apps.append(app)
        item = wait_until(lambda: item_of(app.proc.pid), 15, 0.1, "the icon")
        app.wait_state(lambda s: s.get("state") == "major_outage", 20, "the outage")
        root = menu_layout(item)
        rows = [host_shows(label) for label in labels(root)]
        assert any(row.startswith(f"{name} — ") for row in rows), rows
        row = next(c for c in root[2] if c[2] and host_shows(c[1]["label"]).startswith(name))
        assert "api_gateway & cdn — major outage" in [host_shows(t) for t in labels(row)]
        menu_click(item, find_item(menu_layout(item), "Quit"))
        assert_clean_exit(app, app.wait_exit())


PROBE_INTERVAL = 2.0  # seconds: the test's probe interval, its problem interval in an outage
GROUP_WINDOW = 1.0
DELIVERY_SLACK = 6.0  # a loaded 2-core machine: poll, group timer, D-Bus, dunst's log


def seed_config(base_url: str, name: str) -> str:
    """One service whose page is green and whose API a probe checks every PROBE_INTERVAL."""
    return "\n".join(
        [
            "[polling]",
            "confirm_worse = 1",
            "confirm_better = 1",
            "reference_urls = []",
            "[notifications]",
            f"group_window = {GROUP_WINDOW}",
            "[[watch]]",
            f'name = "{name}"',
            f'url = "{base_url}/api/v2/summary.json"',
            'format = "statuspage"',
            'category = "AI APIs"',
            "interval = 5",
            "[[watch.probe]]",
            'name = "list models"',
            f'url = "{base_url}/v1/models"',
            f"interval = {PROBE_INTERVAL:g}",
        ]
    )


@pytest.mark.skipif(TRAY_MODE not in ("sni", "both"), reason="needs an SNI tray host")
def test_seed_story_outage_then_back_within_one_problem_interval(
    qapp: Any, tmp_path: Path, apps: list[App]
) -> None:
    """The seed story: the page stays green, the API answers 503, then 200. dunst receives the
    outage notification, the submenu shows the probe's evidence (screenshot), and once the API
    answers again "is back" reaches dunst within one problem interval (plus the group window
    and delivery) of the recovery, from the first good answer."""
    from trayapp.core.model import Severity
    from trayapp.demo.payloads import statuspage_summary
    from trayapp.demo.replay import ReplayServer
    from trayapp.demo.replay_routes import Reply

    name = f"FakeAI {uuid.uuid4().hex[:5]}"
    overloaded = '{"error": {"type": "server_error", "code": "server_is_overloaded"}}'
    routes = {
        "/api/v2/summary.json": Reply(body=statuspage_summary(name, {"API": Severity.OPERATIONAL})),
        "/v1/models": Reply(503, overloaded),
    }
    with ReplayServer(routes) as server:
        write_config(tmp_path, seed_config(server.base_url, name))
        app = App(tmp_path, ["-m", "trayapp"])
        apps.append(app)
        item = wait_until(lambda: item_of(app.proc.pid), PATIENCE, 0.1, "the app's SNI item")
        row = f"{name} — "  # its row (the menu's first line starts with the name too)
        outage = dunst_entry(f"{name}: major outage", timeout=30)
        assert outage.urgency == "CRITICAL"
        assert outage.body.startswith("Outage seen by your checks")  # (maybe before the page)
        app.wait_state(lambda s: s.get("state") == "major_outage", PATIENCE, "the outage state")
        try:
            wait_until(lambda: colour_counts()["major_outage"] >= 30, PATIENCE, 0.1, "the icon")
        except AssertionError as timed_out:
            raise AssertionError(f"{timed_out}: bar {colour_counts()}, {app.state()}") from None

        def evidence() -> str:
            texts = labels(find_item(menu_layout(item), row))
            start = next((i for i, t in enumerate(texts) if t.startswith("list models →")), None)
            return "" if start is None else " ".join([texts[start], texts[start + 1].strip()])

        line = wait_until(evidence, PATIENCE, 0.2, "the probe's evidence in the submenu")
        assert line.startswith("list models → their API is overloaded (HTTP 503"), line
        assert "s ago; next check" in line, line
        # the page's own line, apart from the API's (a loaded machine may read the page later)
        page_checked = lambda: any(  # noqa: E731
            t.startswith("status page checked") for t in labels(find_item(menu_layout(item), row))
        )
        wait_until(page_checked, PATIENCE, 0.2, "'status page checked' in the submenu")
        take_submenu_screenshot(qapp, "tray-menu-probe-outage.png")
        menu_click(item, find_item(menu_layout(item), row, "Tell me when it's back"))
        told = "You will be told when it is back"
        wait_until(
            lambda: told in labels(find_item(menu_layout(item), row)), 5, 0.1, "it to say so"
        )

        recovered = time.monotonic()
        server.set_route("/v1/models", Reply(body='{"object": "list", "data": []}'))
        back = wait_until(
            lambda: next((e for e in dunst_received() if e.summary == f"{name} is back"), None),
            PROBE_INTERVAL + GROUP_WINDOW + DELIVERY_SLACK + 10, 0.05, "the back notification",
        )  # fmt: skip
        took = time.monotonic() - recovered
        good = [h for h in server.stats.hits if h.path == "/v1/models" and h.status == 200]
        assert good and good[0].time - recovered <= PROBE_INTERVAL + 1.0, "probe not in time"
        assert took <= PROBE_INTERVAL + GROUP_WINDOW + DELIVERY_SLACK, took
        assert back.urgency == "NORMAL" and back.body.startswith("Now operational after")
        received = [e.summary for e in dunst_received() if name in e.summary]
        assert received == [f"{name}: major outage", f"{name} is back"], received
        app.wait_state(lambda s: s.get("state") == "operational", PATIENCE, "the green icon")
        assert app.ask("quit") == "ok"
        assert_clean_exit(app, app.wait_exit())


def keep_as_project_screenshot(shot: Path) -> None:
    """With TRAYAPP_UPDATE_SCREENSHOT=1, ``shot`` becomes the README's copy of it."""
    if os.environ.get("TRAYAPP_UPDATE_SCREENSHOT") == "1":
        target = REPO / "resources" / "screenshots" / shot.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)


def take_submenu_screenshot(qapp: Any, filename: str, crop: tuple[int, int] = (1100, 420)) -> Path:
    """Right-click the outage icon, hover the service's row so its submenu opens, grab it;
    with TRAYAPP_UPDATE_SCREENSHOT=1 the crop becomes the project's screenshot."""
    from PySide6.QtGui import QGuiApplication

    wallpaper = backdrop(qapp)
    x, y = bar_box("major_outage")
    xdotool("mousemove", str(x), str(y), "click", "3")
    width = QGuiApplication.primaryScreen().geometry().width()
    row_x, row_y = menu_row("major_outage", 60, (width - 600, 40, 600, 300))
    w, h = crop
    region = (width - w, 0, w, h)
    settled()
    before = rows(region)
    xdotool("mousemove", str(row_x + 40), str(row_y))
    # the hovered row lights up at once (a few dozen rows of pixels); the submenu comes later
    # and covers hundreds: wait for that, and grab once it has finished drawing
    wait_until(
        lambda: sum(a != b for a, b in zip(before, rows(region), strict=True)) > 100,
        PATIENCE,
        0.1,
        "the service's submenu to open",
    )
    full = screenshot(SHOTS / filename.replace(".png", "-full.png"))
    cut = SHOTS / filename
    subprocess.run(
        ["convert", str(full), "-crop", f"{w}x{h}+{width - w}+0", "+repage", str(cut)],
        check=True,
        timeout=30,
    )
    keep_as_project_screenshot(cut)
    xdotool("key", "Escape")
    xdotool("key", "Escape")
    xdotool("mousemove", "300", "600")
    wallpaper.close()
    return cut


# ---------------------------------------------------------------------------- no tray


@pytest.mark.skipif(TRAY_MODE != "sni", reason="starts a session of its own without a tray")
def test_without_a_tray_the_window_shows_and_the_icon_comes_later(tmp_path: Path) -> None:
    """Runs the next test in a nested session with HARNESS_TRAY=none."""
    env = {**os.environ, "HARNESS_TRAY": "none", "TRAYAPP_SHOTS": str(SHOTS)}
    done = subprocess.run(
        [
            str(REPO / "tests" / "desktop" / "with-desktop.sh"),
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{Path(__file__)}::test_no_tray_inner",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout, done.stdout


@pytest.mark.skipif(TRAY_MODE != "none", reason="runs in a session without a tray")
def test_no_tray_inner(qapp: Any, tmp_path: Path, apps: list[App]) -> None:
    from trayapp.demo.replay import ReplayServer
    from trayapp.demo.replay_routes import Reply

    with ReplayServer({"/x": Reply(body=b"{}")}) as server:
        write_config(tmp_path, loopback_config(server.base_url, ["Lonely"]))
        app = App(tmp_path, ["-m", "trayapp"])
        apps.append(app)
        app.wait_state(lambda s: s.get("window") and s.get("started"), PATIENCE, "the window")
        state = app.state()
        assert state["tray"] is False
        assert "tray" in state["notices"]
        window = wait_until(lambda: xdotool_search("^trayapp"), PATIENCE, 0.2, "a mapped window")
        screenshot(SHOTS / "status-window-no-tray.png", window)

        host = subprocess.Popen(
            ["gtk-sni-tray-standalone", "--watcher", "--top", "--end", "--size", "32"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            item = wait_until(lambda: item_of(app.proc.pid), 40, 0.2, "the icon in the new tray")
            assert sni_properties(item)["Id"] == "trayapp"
            app.wait_state(
                lambda s: s.get("tray") and "tray" not in s["notices"], PATIENCE, "no notice"
            )
            assert app.ask("quit") == "ok"
            assert_clean_exit(app, app.wait_exit())
        finally:
            host.terminate()
            host.wait(10)
