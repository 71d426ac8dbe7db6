"""One tray per profile: a second launch hands its request to the running app and exits.

The first instance listens on a local socket (QLocalServer: a Unix socket, a named pipe on
Windows) whose name is per user and per data dir, so a demo or test profile with another
``TRAYAPP_DATA_DIR`` runs beside the user's own tray. On Unix the socket lives in a directory
only the user can enter (``$XDG_RUNTIME_DIR``, else our own in the temp dir), so no other user
can squat the name or send commands.

The protocol is one line each way: ``<command>[ <json>]`` in, one line of text or JSON out.
"""

from __future__ import annotations

import os
import sys
import zlib
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDir, QObject

if TYPE_CHECKING:
    import logging

    from PySide6.QtNetwork import QLocalServer, QLocalSocket

CONNECT_MS = 1000
ANSWER_MS = 3000
MAX_LINE = 64 * 1024  # a command line longer than this is not ours
Handler = Callable[[str, Any], str]  # (command, argument) -> one-line answer


class Claim(Enum):
    """How ``InstanceServer.listen`` went."""

    FIRST = "first"  # we listen: this process is the app
    TAKEN = "taken"  # another instance listens (it started at the same moment as we did)
    ALONE = "alone"  # no other instance, but we could not listen either (run anyway)


def server_name(data_dir: Path) -> str:
    """The socket's name for this user and profile: on Unix a path in a directory only the user
    can enter ($XDG_RUNTIME_DIR, else one of our own in the temp dir), on Windows a pipe name."""
    key = str(data_dir.expanduser().absolute()).encode()
    digest = f"{zlib.crc32(key):08x}{zlib.adler32(key):08x}"  # stable; not a security measure
    if sys.platform == "win32":
        return f"trayapp-{_user()}-{digest}"
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if not (runtime and os.path.isabs(runtime) and os.path.isdir(runtime)):
        runtime = os.path.join(QDir.tempPath(), f"trayapp-{_user()}")
    return os.path.join(runtime, f"trayapp-{digest}.sock")


def _user() -> str:
    if hasattr(os, "getuid"):
        return str(os.getuid())
    name = os.environ.get("USERNAME") or os.environ.get("USER") or "user"
    return "".join(c if c.isalnum() or c in "_.-" else "_" for c in name)[:32]


def private_dir(path: str) -> bool:
    """Make sure the socket's directory exists and only this user can enter it (it is ours to
    create in the temp dir; $XDG_RUNTIME_DIR is private by its spec)."""
    folder = os.path.dirname(path)
    if folder == os.environ.get("XDG_RUNTIME_DIR"):
        return True
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return False
    import stat

    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def may_be_running(name: str) -> bool:
    """False when no instance can be listening on ``name``: on Unix the socket is a file, and
    without it there is nothing to ask (so a first launch needs no network module at all)."""
    return sys.platform == "win32" or os.path.exists(name)


def encode(command: str, argument: Any = None) -> bytes:
    if argument is None:
        return command.encode() + b"\n"
    import json

    return f"{command} {json.dumps(argument)}".encode() + b"\n"


def decode(line: bytes) -> tuple[str, Any]:
    """``(command, argument)`` from one request line; a bad argument reads as None."""
    import json

    text = line.decode(errors="replace").strip()
    command, _, rest = text.partition(" ")
    try:
        argument = json.loads(rest) if rest else None
    except ValueError:
        argument = None
    return command, argument


def send(name: str, command: str, argument: Any = None, timeout_ms: int = ANSWER_MS) -> str | None:
    """Send one command to the instance listening on ``name``; its answer, or None when no
    instance listens there. An instance that accepts but does not answer gives ''."""
    if not may_be_running(name):
        return None
    from PySide6.QtNetwork import QLocalSocket

    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_MS):
        return None
    socket.write(encode(command, argument))
    socket.flush()
    answer = b""
    while not answer.endswith(b"\n") and len(answer) < MAX_LINE:
        # what already arrived (even during flush) counts: waitForReadyRead waits for more
        if not socket.bytesAvailable() and not socket.waitForReadyRead(timeout_ms):
            break
        answer += bytes(socket.readAll().data())
    socket.abort()
    return answer.decode(errors="replace").strip()


class InstanceServer(QObject):
    """Listens for later launches and hands their commands to ``handler`` (in the Qt thread).

    ``hand_over`` runs before the tray icon exists (cheap: on Unix a file check when no
    instance runs); ``listen`` runs once the app is up, and still finds a rival that started
    at the same moment.
    """

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.handler: Handler = lambda command, argument: "unknown command"
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytes] = {}

    def hand_over(self, command: str = "show", argument: Any = None) -> bool:
        """Pass ``command`` to an instance already running; True when one took it."""
        return send(self.name, command, argument) is not None

    def listen(self) -> Claim:
        """Become the instance. A socket left behind by a crashed instance answers nothing:
        it is removed and claimed."""
        from PySide6.QtNetwork import QAbstractSocket, QLocalServer

        server = QLocalServer(self)
        server.newConnection.connect(self._accept)
        self._server = server
        if sys.platform == "win32":
            server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        elif not private_dir(self.name):
            _log().warning("%s is not a private directory: not listening", self.name)
            return Claim.ALONE
        # (On Unix no socket option: with one, Qt binds elsewhere and renames the socket over
        # the path, silently taking it from an instance that listens there already.)
        for _ in range(2):
            if server.listen(self.name):
                return Claim.FIRST
            if server.serverError() != QAbstractSocket.SocketError.AddressInUseError:
                break
            if send(self.name, "ping") is not None:
                return Claim.TAKEN
            QLocalServer.removeServer(self.name)  # stale: nobody answers on it
        _log().warning(
            "cannot listen on %s (%s): a second launch will start a second tray",
            self.name,
            server.errorString(),
        )
        return Claim.ALONE

    @property
    def listening(self) -> bool:
        return self._server is not None and self._server.isListening()

    def close(self) -> None:
        for socket in list(self._buffers):
            socket.abort()
        self._buffers.clear()
        if self._server is not None:
            self._server.close()

    def _accept(self) -> None:
        assert self._server is not None
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._buffers.pop(s, None))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():  # the request came with the connection: no readyRead
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        data = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        if b"\n" not in data:
            if len(data) > MAX_LINE:
                socket.abort()
            else:
                self._buffers[socket] = data
            return
        line = data.split(b"\n", 1)[0]
        self._buffers[socket] = b""
        command, argument = decode(line)
        try:
            answer = self.handler(command, argument)
        except Exception:  # a bad request must never take the app down
            _log().exception("single-instance command %r failed", command)
            answer = "error"
        socket.write(answer.replace("\n", " ").encode() + b"\n")
        socket.flush()
        socket.disconnectFromServer()


def _log() -> logging.Logger:
    import logging

    return logging.getLogger(__name__)
