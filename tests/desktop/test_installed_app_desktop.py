"""The .deb, installed into a scratch root, runs as a desktop app: its tray icon registers with
the session's StatusNotifierWatcher, it checks a (loopback) service, and it quits cleanly on the
single-instance ``quit`` command and on SIGTERM.

Build the package first (tests/run-all.sh, and so CI, does):
    bash packaging/linux/build.sh
    tests/desktop/with-desktop.sh .venv/bin/python -m pytest -q \
        tests/desktop/test_installed_app_desktop.py
Skips when dist/ has no .deb for this version (or $TRAYAPP_DEB names none). "Installed" means
``dpkg-deb -x`` into a temp dir: what dpkg would unpack, without root or a container. The app
runs as the package installs it (/opt/trayapp/trayapp), from a profile in tmp_path. Witnesses
are not the app's: the watcher's registry and the bus's PID for the item (dbus-send), the socket
spoken to with the standard library, the exit status, stderr.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.desktop.support import TRAY_MODE, in_desktop, wait_until

REPO = Path(__file__).resolve().parents[2]
BAD_STDERR = (
    "QThread",
    "Task was destroyed",
    "was never awaited",
    "Traceback",
    "Exception ignored",
    "Error",
    "WARNING",
    "Cannot load",
    "Could not load",
    "qt.qpa",
)

pytestmark = [
    in_desktop,
    pytest.mark.skipif(TRAY_MODE not in ("sni", "both"), reason="needs an SNI tray host"),
]


def built_deb() -> Path | None:
    """The package packaging/linux/build.sh made for this version, or $TRAYAPP_DEB."""
    named = os.environ.get("TRAYAPP_DEB")
    if named:
        return Path(named) if Path(named).is_file() else None
    from trayapp import __version__

    arch = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=False
    ).stdout.strip()
    deb = REPO / "dist" / f"trayapp_{__version__}_{arch}.deb"
    return deb if deb.is_file() else None


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch root with the .deb unpacked into it."""
    deb = built_deb()
    if deb is None:
        pytest.skip("no .deb built: run packaging/linux/build.sh")
    root = tmp_path_factory.mktemp("root")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root


def bundle_files(root: Path) -> dict[str, tuple[int, int]]:
    """Every file of the installed bundle with its size and mtime, to see that none changes."""
    return {
        str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns)
        for p in sorted((root / "opt" / "trayapp").rglob("*"))
    }


# ---------------------------------------------------------------------------- D-Bus (dbus-send)


def dbus(*args: str) -> str:
    done = subprocess.run(
        ["dbus-send", "--session", "--print-reply", *args],
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    )
    return done.stdout if done.returncode == 0 else ""


def registered_items() -> dict[str, int]:
    """The watcher's RegisteredStatusNotifierItems, each with the PID of its bus connection."""
    reply = dbus(
        "--dest=org.kde.StatusNotifierWatcher",
        "/StatusNotifierWatcher",
        "org.freedesktop.DBus.Properties.Get",
        "string:org.kde.StatusNotifierWatcher",
        "string:RegisteredStatusNotifierItems",
    )
    items = {}
    for item in re.findall(r'string "([^"]+)"', reply):
        owner = dbus(
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            f"string:{item.split('/', 1)[0]}",
        )
        pid = re.search(r"uint32 (\d+)", owner)
        if pid:
            items[item] = int(pid.group(1))
    return items


def item_property(item: str, name: str) -> str:
    bus_name, _, path = item.partition("/")
    return dbus(
        f"--dest={bus_name}",
        "/" + path if path else "/StatusNotifierItem",
        "org.freedesktop.DBus.Properties.Get",
        "string:org.kde.StatusNotifierItem",
        f"string:{name}",
    )


# ---------------------------------------------------------------------------- the app


def ask(data_dir: Path, command: str) -> str | None:
    """One command on the app's single-instance socket (a Unix socket under XDG_RUNTIME_DIR),
    spoken with the standard library: ``<command>\\n`` in, one line out."""
    from trayapp.ui.single_instance import server_name

    path = server_name(data_dir)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(3)
            sock.connect(path)
            sock.sendall(command.encode() + b"\n")
            answer = b""
            while not answer.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
    except OSError:
        return None
    return answer.decode().strip()


@pytest.fixture
def replay() -> Iterator[str]:
    """A loopback Statuspage for one service, "Loopback": its API is operational."""
    from trayapp.core.model import Severity
    from trayapp.demo.payloads import statuspage_summary
    from trayapp.demo.replay import ReplayServer
    from trayapp.demo.replay_routes import Reply

    body = statuspage_summary("Loopback", {"API": Severity.OPERATIONAL, "Web": "operational"})
    with ReplayServer({"/loopback/api/v2/summary.json": Reply(body=body)}) as server:
        yield server.base_url


def profile(tmp_path: Path, base_url: str) -> dict[str, str]:
    """A user profile whose only watch is the loopback page (no network, no reference URLs)."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text(
        "[polling]\nreference_urls = []\n"
        '[[watch]]\nname = "Loopback"\n'
        f'url = "{base_url}/loopback/api/v2/summary.json"\nformat = "statuspage"\n'
    )
    home = tmp_path / "home"
    home.mkdir()
    return {
        **os.environ,
        "HOME": str(home),
        "TRAYAPP_CONFIG_DIR": str(config),
        "TRAYAPP_DATA_DIR": str(tmp_path / "data"),
    }


@pytest.mark.parametrize("quit_by", ["socket", "sigterm"])
def test_the_installed_app_shows_its_icon_works_and_quits_cleanly(
    root: Path, replay: str, tmp_path: Path, quit_by: str
) -> None:
    app = root / "opt" / "trayapp" / "trayapp"
    assert app.is_file() and os.access(app, os.X_OK)
    before = bundle_files(root)
    env = profile(tmp_path, replay)
    data_dir = Path(env["TRAYAPP_DATA_DIR"])
    err_path = tmp_path / "stderr.txt"
    with err_path.open("wb") as err:
        proc = subprocess.Popen([str(app)], env=env, stdout=err, stderr=err, cwd=tmp_path)
    try:
        item = wait_until(
            lambda: (
                next((i for i, pid in registered_items().items() if pid == proc.pid), None)
                if proc.poll() is None
                else pytest.fail(f"the app exited: {err_path.read_text()}")
            ),
            timeout=20,
            interval=0.1,
            what="the installed app's tray icon",
        )
        assert 'string "trayapp"' in item_property(item, "Id")  # the application's name

        def checked() -> dict[str, object] | None:
            answer = ask(data_dir, "state")
            state = json.loads(answer) if answer else {}
            services = state.get("services", {})
            return state if services.get("Loopback", {}).get("checked") else None

        state = wait_until(checked, 20, 0.2, "the frozen engine's first check")
        assert state["services"]["Loopback"]["severity"] == "operational", state
        assert state["state"] == "operational" and state["tray"], state

        if quit_by == "socket":
            assert ask(data_dir, "quit") == "ok"
        else:
            proc.send_signal(signal.SIGTERM)
        rc = proc.wait(15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = err_path.read_text(errors="replace")
    assert rc == 0, err
    bad = [line for line in err.splitlines() if any(word in line for word in BAD_STDERR)]
    assert not bad, err
    wait_until(lambda: item not in registered_items(), 5, 0.1, "the icon to go from the tray")
    # the user's data went to the profile, and the installed files are exactly as unpacked
    assert data_dir.is_dir() and any(data_dir.iterdir())
    assert bundle_files(root) == before
    assert not any(Path(env["HOME"]).iterdir())  # nothing written to $HOME either


def test_a_second_launch_of_the_installed_app_hands_over_to_the_first(
    root: Path, replay: str, tmp_path: Path
) -> None:
    app = root / "opt" / "trayapp" / "trayapp"
    env = profile(tmp_path, replay)
    data_dir = Path(env["TRAYAPP_DATA_DIR"])
    first = subprocess.Popen([str(app)], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        wait_until(lambda: ask(data_dir, "ping") == "pong", 20, 0.1, "the first instance")
        started = time.monotonic()
        second = subprocess.run(
            [str(app)], env=env, capture_output=True, text=True, timeout=20, check=False
        )
        assert second.returncode == 0, second.stderr
        assert "already running" in second.stderr
        assert time.monotonic() - started < 10
        assert first.poll() is None
        assert ask(data_dir, "quit") == "ok"
        assert first.wait(15) == 0
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate()
