"""Hostile HTTP servers on 127.0.0.1 for the attack suite, from raw sockets: every byte (and the
time between bytes) is the attacker's.

``HostileServer(route)`` calls ``route(path)`` for each request and plays the returned ``Act``:
status, headers, body, and how to send it (all at once, or dripping one byte per ``drip``
seconds, for as long as the client stays). ``stop()`` ends every drip and closes every socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Self

import httpx

from trayapp.engine.scheduler import Engine

HOST = "127.0.0.1"
GUARD = 60.0  # seconds a test waits before calling an attack a hang (far above any deadline)
ENDLESS = 100_000  # bytes a dripped body declares: a day at one byte a second


@dataclass(frozen=True, slots=True)
class Act:
    """One answer. ``drip`` > 0 sends the body (and, with ``drip_headers``, the headers too)
    one byte every ``drip`` seconds; ``endless`` makes the dripped body never end."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    drip: float = 0.0
    drip_headers: bool = False
    endless: bool = False


Route = Callable[[str], Act]


def json_act(data: object, status: int = 200) -> Act:
    return Act(status, json.dumps(data).encode(), {"Content-Type": "application/json"})


def redirect(location: str, status: int = 302) -> Act:
    return Act(status, b"", {"Location": location})


def drip(seconds: float = 0.5, *, headers: bool = False) -> Act:
    """A 200 whose body (or headers) trickles in one byte every ``seconds``, for ever."""
    return Act(200, b"{", {"Content-Type": "application/json"}, seconds, headers, True)


def gzip_bomb(decoded_bytes: int) -> Act:
    """A small gzip body that inflates to ``decoded_bytes`` of zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)  # a gzip stream
    block = b"\0" * (1024 * 1024)  # never the whole inflated body in memory
    parts = [compressor.compress(block) for _ in range(decoded_bytes // len(block))]
    body = b"".join([*parts, compressor.flush()])
    return Act(200, body, {"Content-Type": "application/json", "Content-Encoding": "gzip"})


class HostileServer:
    """A thread per connection; counts requests per path (``hits``)."""

    def __init__(self, route: Route | Mapping[str, Act]) -> None:
        self._route = route if callable(route) else (lambda path: route.get(path, Act(404)))
        self._listener = socket.create_server((HOST, 0))
        self._port = int(self._listener.getsockname()[1])
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self.hits: Counter[str] = Counter()
        self.open_connections = 0

    @property
    def port(self) -> int:
        return self._port

    def url(self, path: str = "/") -> str:
        return f"http://{HOST}:{self.port}{path}"

    def start(self) -> Self:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept(self) -> None:
        self._listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        with self._lock:
            self.open_connections += 1
        try:
            while not self._stop.is_set():
                path = _read_request(conn)
                if path is None:
                    return
                with self._lock:
                    self.hits[path] += 1
                if not self._play(conn, self._route(path)):
                    return
        except OSError:
            return
        finally:
            with self._lock:
                self.open_connections -= 1
            conn.close()

    def _play(self, conn: socket.socket, act: Act) -> bool:
        """Send ``act``; False when the connection is done."""
        try:
            reason = HTTPStatus(act.status).phrase
        except ValueError:
            reason = ""
        headers = {"Content-Length": str(len(act.body)), **act.headers}
        if act.endless:
            headers["Content-Length"] = str(ENDLESS)  # under every cap: only time stops it
        head = f"HTTP/1.1 {act.status} {reason}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        head_bytes = (head + "\r\n").encode()
        if act.drip and act.drip_headers:
            return self._trickle(conn, head_bytes, act.drip, endless=False) and self._trickle(
                conn, act.body or b" ", act.drip, act.endless
            )
        conn.sendall(head_bytes)
        if act.drip:
            return self._trickle(conn, act.body or b" ", act.drip, act.endless)
        conn.sendall(act.body)
        return True

    def _trickle(self, conn: socket.socket, data: bytes, every: float, endless: bool) -> bool:
        index = 0
        while endless or index < len(data):
            if self._stop.wait(every):
                return False
            conn.sendall(data[index % len(data) : index % len(data) + 1])
            index += 1
        return True


def _read_request(conn: socket.socket) -> str | None:
    """The path of the next request (its headers read and dropped), None when the client left."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > 1 << 20:
            return None
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    return parts[1] if len(parts) >= 2 else "/"


def loopback_only_client(timeout: float = 20.0) -> httpx.AsyncClient:
    """A client like ``fetch.make_client``'s whose sockets are bound to 127.0.0.1: even if a
    refusal under test regressed, it could not reach another host."""
    return httpx.AsyncClient(
        transport=httpx.AsyncHTTPTransport(local_address=HOST),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
    )


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m trayapp ARGS``; a hang past GUARD fails the test instead of holding it."""
    return subprocess.run(
        [sys.executable, "-m", "trayapp", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=GUARD,
    )


@contextlib.asynccontextmanager
async def running(engine: Engine) -> AsyncIterator[Engine]:
    """``engine`` running in a task for the block, stopped after it."""
    task = asyncio.create_task(engine.run())
    try:
        yield engine
    finally:
        engine.stop()
        await asyncio.wait_for(task, timeout=GUARD)


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll ``condition`` until true or ``timeout`` seconds passed (for thread-side facts)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
