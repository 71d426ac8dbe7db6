"""The Unix single-instance socket: Python's own, watched by the Qt loop (no QtNetwork)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QGuiApplication exists

import pytest
from PySide6.QtWidgets import QApplication

from trayapp.ui.single_instance import MAX_LINE, Claim, InstanceServer, server_name

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    server = InstanceServer(server_name(tmp_path / "data"))
    server.handler = lambda command, argument: f"{command}:{argument}"
    assert server.listen() is Claim.FIRST
    yield server
    server.close()


def ask(qtbot: Any, name: str, command: str) -> str:
    """A later launch: another process, while this one's Qt loop serves."""
    code = "import sys\nfrom trayapp.ui.single_instance import send\nprint(send(*sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, name, command], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=20000)
    return proc.communicate()[0].strip()


def hung_up(peer: socket.socket) -> bool:
    try:
        return peer.recv(1) == b""
    except BlockingIOError:  # still open, nothing to read
        return False


def test_bad_peers_are_dropped_and_the_next_launch_is_served(server: Any, qtbot: Any) -> None:
    silent = socket.socket(socket.AF_UNIX)  # connects and says nothing
    silent.connect(server.name)
    flood = socket.socket(socket.AF_UNIX)  # a line longer than any command
    flood.connect(server.name)
    flood.sendall(b"x" * (MAX_LINE + 10))
    flood.setblocking(False)
    qtbot.waitUntil(lambda: hung_up(flood), timeout=10000)  # hung up on, no answer
    assert ask(qtbot, server.name, "ping") == "ping:None"
    silent.close()
    flood.close()


def test_close_removes_its_own_socket_file_only(server: Any) -> None:
    path = Path(server.name)
    assert path.exists()
    server.close()
    assert not path.exists() and not server.listening
    path.write_text("")  # someone else's file now: a second close leaves it
    server.close()
    assert path.exists()
