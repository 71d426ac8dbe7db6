"""One tray per profile: a second launch hands its request to the running app and exits.

The first instance listens on a local socket (a Unix socket; a named pipe on Windows, through
QLocalServer) whose name is per user and per data dir, so a demo or test profile with another
``TRAYAPP_DATA_DIR`` runs beside the user's own tray. On Unix the socket lives in a directory
only the user can enter (``$XDG_RUNTIME_DIR``, else our own in the temp dir), so no other user
can squat the name or send commands.

The protocol is one line each way: ``<command>[ <json>]`` in, one line of text or JSON out.

On Unix the socket is Python's own, watched by a QSocketNotifier: QtNetwork (libQt6Network and
its bindings, about 2 MiB of an idle tray's memory) is only loaded on Windows.
"""

from __future__ import annotations

import errno
import os
import sys
import zlib
from collections.abc import Callable
from contextlib import suppress
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDir, QObject, QSocketNotifier

if TYPE_CHECKING:
    import logging
    import socket as sockets

    from PySide6.QtNetwork import QLocalServer, QLocalSocket

CONNECT_MS = 1000
ANSWER_MS = 3000
MAX_LINE = 64 * 1024  # a command line longer than this is not ours
UNIX = sys.platform != "win32"  # else named pipes, through QtNetwork
TOKENS_CHANGED = "tokens-changed"  # `trayapp secret set/delete`: re-check held probes now
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
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        argument = None
    return command, argument


def send(name: str, command: str, argument: Any = None, timeout_ms: int = ANSWER_MS) -> str | None:
    """Send one command to the instance listening on ``name``; its answer, or None when no
    instance listens there. An instance that accepts but does not answer gives ''."""
    if not may_be_running(name):
        return None
    if UNIX:
        return _send_unix(name, encode(command, argument), timeout_ms)
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


def _send_unix(name: str, request: bytes, timeout_ms: int) -> str | None:
    import socket as sockets  # on use: its enum tables are not worth building before the icon

    with sockets.socket(sockets.AF_UNIX, sockets.SOCK_STREAM) as sock:
        sock.settimeout(CONNECT_MS / 1000)
        try:
            sock.connect(name)
        except OSError:  # nobody listens (a socket file left behind), or no such file
            return None
        sock.settimeout(timeout_ms / 1000)  # for each send and receive
        answer = b""
        try:
            sock.sendall(request)
            while not answer.endswith(b"\n") and len(answer) < MAX_LINE:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except OSError:  # it accepted but did not answer in time, or hung up
            pass
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
        self._server: QLocalServer | None = None  # Windows
        self._buffers: dict[QLocalSocket, bytes] = {}
        self._listener: _UnixListener | None = None  # Unix

    def hand_over(self, command: str = "show", argument: Any = None) -> bool:
        """Pass ``command`` to an instance already running; True when one took it."""
        return send(self.name, command, argument) is not None

    def listen(self) -> Claim:
        """Become the instance. A socket left behind by a crashed instance answers nothing:
        it is removed and claimed."""
        if UNIX:
            return self._listen_unix()
        from PySide6.QtNetwork import QAbstractSocket, QLocalServer

        server = QLocalServer(self)
        server.newConnection.connect(self._accept)
        self._server = server
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        for _ in range(2):
            if server.listen(self.name):
                return Claim.FIRST
            if server.serverError() != QAbstractSocket.SocketError.AddressInUseError:
                break
            if send(self.name, "ping") is not None:
                return Claim.TAKEN
            QLocalServer.removeServer(self.name)  # stale: nobody answers on it
        return self._cannot_listen(server.errorString())

    def _listen_unix(self) -> Claim:
        import socket as sockets

        if not private_dir(self.name):
            _log().warning("%s is not a private directory: not listening", self.name)
            return Claim.ALONE
        problem = ""
        for _ in range(2):
            sock = sockets.socket(sockets.AF_UNIX, sockets.SOCK_STREAM)
            try:
                sock.bind(self.name)  # atomic: never takes the path from a live instance
                sock.listen(8)
            except OSError as exc:
                sock.close()
                problem = exc.strerror or str(exc)
                if exc.errno != errno.EADDRINUSE:
                    break
                if send(self.name, "ping") is not None:
                    return Claim.TAKEN
                with suppress(OSError):
                    os.unlink(self.name)  # stale: nobody answers on it
                continue
            self._listener = _UnixListener(sock, self.name, self._answer, self)
            return Claim.FIRST
        return self._cannot_listen(problem)

    def _cannot_listen(self, problem: str) -> Claim:
        _log().warning(
            "cannot listen on %s (%s): a second launch will start a second tray",
            self.name,
            problem,
        )
        return Claim.ALONE

    @property
    def listening(self) -> bool:
        if self._listener is not None:
            return self._listener.open
        return self._server is not None and self._server.isListening()

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
        for socket in list(self._buffers):
            socket.abort()
        self._buffers.clear()
        if self._server is not None:
            self._server.close()

    def _answer(self, line: bytes) -> bytes:
        """The one-line answer to one request line."""
        command, argument = decode(line)
        try:
            answer = self.handler(command, argument)
        except Exception:  # a bad request must never take the app down
            _log().exception("single-instance command %r failed", command)
            answer = "error"
        return answer.replace("\n", " ").encode() + b"\n"

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
        self._buffers[socket] = b""
        socket.write(self._answer(data.split(b"\n", 1)[0]))
        socket.flush()
        socket.disconnectFromServer()


class _UnixListener(QObject):
    """A listening Unix socket and its connections, each watched by a QSocketNotifier (no
    thread, no timer: the Qt loop wakes only when a launch writes)."""

    def __init__(
        self,
        sock: sockets.socket,
        path: str,
        answer: Callable[[bytes], bytes],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        sock.setblocking(False)
        self._sock: sockets.socket | None = sock
        self._path = path
        self._inode = os.stat(path).st_ino  # so that close removes our socket file only
        self._answer = answer
        self._peers: dict[sockets.socket, tuple[QSocketNotifier, bytes]] = {}
        self._notifier = QSocketNotifier(sock.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._accept)

    @property
    def open(self) -> bool:
        return self._sock is not None

    def close(self) -> None:
        for peer in list(self._peers):
            self._drop(peer)
        if self._sock is None:
            return
        self._notifier.setEnabled(False)
        self._sock.close()
        self._sock = None
        with suppress(OSError):
            if os.stat(self._path).st_ino == self._inode:
                os.unlink(self._path)

    def _accept(self) -> None:
        while self._sock is not None:
            try:
                peer, _ = self._sock.accept()
            except OSError:  # nothing more waiting (or a launch that gave up already)
                return
            peer.setblocking(False)
            notifier = QSocketNotifier(peer.fileno(), QSocketNotifier.Type.Read, self)
            notifier.activated.connect(lambda *_, p=peer: self._read(p))
            self._peers[peer] = (notifier, b"")

    def _read(self, peer: sockets.socket) -> None:
        notifier, data = self._peers.get(peer, (None, b""))
        if notifier is None:
            return
        try:
            chunk = peer.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        data += chunk
        if not chunk or (b"\n" not in data and len(data) > MAX_LINE):
            self._drop(peer)
            return
        if b"\n" not in data:
            self._peers[peer] = (notifier, data)
            return
        reply = self._answer(data.split(b"\n", 1)[0])
        with suppress(OSError):
            peer.settimeout(ANSWER_MS / 1000)  # one short line: the peer is reading
            peer.sendall(reply)
        self._drop(peer)

    def _drop(self, peer: sockets.socket) -> None:
        notifier, _ = self._peers.pop(peer)
        notifier.setEnabled(False)
        notifier.deleteLater()
        peer.close()


def _log() -> logging.Logger:
    import logging

    return logging.getLogger(__name__)
