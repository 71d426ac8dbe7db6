"""A 20k-deep JSON ``show`` request on the single-instance socket: the app answers and lives.

It raised RecursionError out of the Qt slot (a raw traceback). The request comes from a plain
Unix socket client, as any local process could send it.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QGuiApplication exists
pytest.importorskip("PySide6")

from trayapp.ui.single_instance import Claim, InstanceServer, server_name

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a Unix socket client")


def ask_raw(name: str, payload: bytes, answers: list[bytes]) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(60)
        client.connect(name)
        client.sendall(payload)
        data = b""
        while not data.endswith(b"\n"):
            chunk = client.recv(4096)
            if not chunk:
                break
            data += chunk
        answers.append(data)


def test_local_deep_json_on_the_socket(
    qapp: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    server = InstanceServer(server_name(tmp_path / "data"))
    got: list[tuple[str, Any]] = []
    server.handler = lambda command, argument: (got.append((command, argument)), "ok")[1]
    assert server.listen() is Claim.FIRST
    try:
        depth = 20_000
        answers: list[bytes] = []
        for payload in (b"show " + b"[" * depth + b"]" * depth + b"\n", b'show {"a": 1}\n'):
            thread = threading.Thread(target=ask_raw, args=(server.name, payload, answers))
            thread.start()
            qtbot.waitUntil(lambda t=thread: not t.is_alive(), timeout=60_000)
        assert answers == [b"ok\n", b"ok\n"]
        assert got == [("show", None), ("show", {"a": 1})]  # the deep one: no argument
    finally:
        server.close()
