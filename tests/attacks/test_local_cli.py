"""The command line as a new user meets it: one engine per profile, Ctrl-C, and names checked."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.attacks.hostile_servers import GUARD, run_cli
from tests.attacks.local_support import (
    LOOPBACK_WATCH,
    one_line_error,
    start,
    write_config,
)
from trayapp.core.model import Severity
from trayapp.demo import payloads
from trayapp.demo.replay import ReplayServer
from trayapp.demo.replay_routes import Reply

SUMMARY = "/api/v2/summary.json"
PAGE = payloads.statuspage_summary(
    "Lab", {"API": Severity.OPERATIONAL, "Dashboard": Severity.DEGRADED}
)


@pytest.fixture
def server() -> ReplayServer:
    with ReplayServer({SUMMARY: Reply(body=PAGE)}) as running:
        yield running


def wait_for_line(proc, text: str, timeout: float = 60) -> str:  # type: ignore[no-untyped-def]
    """Read stdout until a line containing ``text`` (generous deadline, for a loaded machine)."""
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if text in line:
            return line
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"no line with {text!r}; stderr: {proc.stderr.read()}")


def test_local_second_watch_on_one_profile_says_who_holds_it(
    trayapp_env: dict[str, str], server: ReplayServer
) -> None:
    write_config(trayapp_env, LOOPBACK_WATCH.format(url=server.url(SUMMARY)))
    first = start(trayapp_env, "watch")
    try:
        wait_for_line(first, "Watching 1 service")
        line = one_line_error(run_cli(trayapp_env, "watch", "--for", "5"))
        assert f"trayapp watch (pid {first.pid}) is already watching this profile" in line
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)
    assert first.returncode == 130
    again = run_cli(trayapp_env, "watch", "--for", "0.5")  # the lock went with its holder
    assert again.returncode == 0, again.stderr


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="the tray needs a display")
def test_local_tray_beside_watch_on_one_profile_says_who_holds_it(
    trayapp_env: dict[str, str], server: ReplayServer
) -> None:
    write_config(trayapp_env, LOOPBACK_WATCH.format(url=server.url(SUMMARY)))
    first = start(trayapp_env, "watch")
    try:
        wait_for_line(first, "Watching 1 service")
        tray = subprocess.run(
            [sys.executable, "-m", "trayapp"],
            env=trayapp_env,
            capture_output=True,
            text=True,
            timeout=GUARD,
        )
        line = one_line_error(tray)
        assert f"trayapp watch (pid {first.pid}) is already watching this profile" in line
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.5])
def test_local_ctrl_c_on_watch_exits_130_without_a_traceback(
    trayapp_env: dict[str, str], server: ReplayServer, delay: float
) -> None:
    """Also in its first 0.3 s, while the modules still load."""
    write_config(trayapp_env, LOOPBACK_WATCH.format(url=server.url(SUMMARY)))
    proc = start(trayapp_env, "watch")
    time.sleep(delay)  # the moment of the Ctrl-C is what this test varies
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if ("Traceback" in err or "Fatal Python error" in err) and not trayapp_frames(err):
        return  # interrupted in the interpreter's own start-up (site, runpy): no trayapp code ran
    # 130 from trayapp; -SIGINT (a shell shows 130 too) if it came before Python ran any of it
    assert proc.returncode in (130, -signal.SIGINT), (proc.returncode, err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err


def trayapp_frames(traceback: str) -> list[str]:
    """The traceback's frames in trayapp's own modules (the editable-install finder is not)."""
    files = re.findall(r'File "([^"]+)"', traceback)
    return [f for f in files if "/trayapp/" in f or f.endswith("/bin/trayapp")]


def test_local_watch_add_checks_the_component_against_the_page(
    trayapp_env: dict[str, str], server: ReplayServer
) -> None:
    url = server.url(SUMMARY)
    refused = run_cli(trayapp_env, "watch", "add", url, "--component", "Dashbaord")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "no component 'Dashbaord' (did you mean 'Dashboard'?)" in refused.stderr
    assert "Its components: API, Dashboard." in refused.stderr
    listed = json.loads(run_cli(trayapp_env, "watch", "list", "--json").stdout)
    assert all(w["url"] != url for w in listed["watches"])  # nothing was added
    nope = run_cli(
        trayapp_env, "watch", "add", url, "--format", "statuspage", "--component", "Nope"
    )
    assert nope.returncode == 1 and "no component 'Nope'" in nope.stderr
    added = run_cli(trayapp_env, "watch", "add", url, "--component", "dashboard")
    assert added.returncode == 0, added.stderr


def test_local_watch_remove_suggests_the_closest_name(trayapp_env: dict[str, str]) -> None:
    assert run_cli(trayapp_env, "watch", "add", "slack").returncode == 0
    line = one_line_error(run_cli(trayapp_env, "watch", "remove", "slakc"))
    assert "no watch named 'slakc' (did you mean 'Slack'?)" in line
