"""A scripted loopback HTTP server: status payloads that change over time, and every way to fail.

Tests, the benchmark and ``trayapp demo`` poll it like a real status page. It serves a timeline
of replies (or plain routes), honours ETag / Last-Modified validators with 304, and can misbehave
on purpose: error statuses with Retry-After, slow or hung answers, resets, truncated, huge or
redirect-looping responses. It counts what it served so tests can assert "no retry storm".

Stdlib only: a ``ThreadingHTTPServer`` (HTTP/1.1 keep-alive, one thread per connection) in a
daemon thread, bound to 127.0.0.1. ``stop()`` closes every connection and joins every thread.
"""

from __future__ import annotations

import logging
import threading
import time
from bisect import bisect_right
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from email.message import Message
from typing import Self
from urllib.parse import urlsplit

from trayapp.demo.replay_http import _HTTPServer
from trayapp.demo.replay_routes import (
    HOST,
    JOIN_TIMEOUT,
    MAX_HITS,
    Fault,
    Hit,
    Request,
    Route,
    Routes,
    Stats,
    Step,
    _compile,
    _lookup,
)

log = logging.getLogger(__name__)


class ReplayServer:
    """A loopback HTTP server replaying ``script``: a ``{path: route}`` mapping or a timeline.

    A timeline is a list of ``(offset_seconds, {path: route})`` steps with non-decreasing
    offsets; each step keeps the routes of earlier steps unless it replaces them, and ``routes``
    apply throughout. The step in force follows the elapsed time since ``start()`` times
    ``speed``; tests pass ``speed=0`` and move with ``set_step`` or ``advance`` instead of
    sleeping. Paths match without the query string, unless a route's key includes one.
    """

    def __init__(
        self,
        script: Routes | Sequence[Step] | None = None,
        *,
        routes: Routes | None = None,
        speed: float = 1.0,
        port: int = 0,
    ) -> None:
        static = dict(routes or {})
        steps: Sequence[Step] = ()
        if isinstance(script, Mapping):
            static.update(script)
        elif script is not None:
            steps = script
        self._offsets, self._tables = _compile(static, steps)
        self._static = static
        self._speed = float(speed)
        self._port = port
        self._overrides: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._base_elapsed = 0.0
        self._base_time: float | None = None
        self._httpd: _HTTPServer | None = None
        self._bound: int | None = None
        self._thread: threading.Thread | None = None
        self._seen: Counter[str] = Counter()
        self._in_flight = 0
        self._reset_counters()

    # -- life cycle --------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind 127.0.0.1 and serve from a daemon thread; the timeline clock starts now."""
        if self._httpd is not None or self._stopping.is_set():
            raise RuntimeError("a ReplayServer starts once")
        self._httpd = _HTTPServer(self, self._port)
        self._bound = int(self._httpd.server_address[1])
        with self._lock:
            self._base_time = time.monotonic()
        self._thread = threading.Thread(
            target=self._httpd.serve, name=f"replay-server-{self._bound}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close every open connection (hung ones included), join all threads."""
        httpd, self._httpd = self._httpd, None
        self._stopping.set()
        if httpd is None:
            return
        httpd.wake()
        if self._thread is not None:
            self._thread.join(JOIN_TIMEOUT)
        httpd.server_close()
        for thread in httpd.close_connections():
            thread.join(JOIN_TIMEOUT)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (still known after stop: its URLs then refuse connections)."""
        if self._bound is None:
            raise RuntimeError("the server has not started")
        return self._bound

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def url(self, path: str = "/") -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base_url + "/" + path.lstrip("/")

    # -- timeline ----------------------------------------------------------------------------

    @property
    def elapsed(self) -> float:
        """Timeline seconds since start (scaled by ``speed``, moved by ``set_step``/``advance``)."""
        with self._lock:
            return self._elapsed()

    @property
    def step(self) -> int:
        """Index of the timeline step in force; -1 before the first step or without a timeline."""
        return bisect_right(self._offsets, self.elapsed) - 1

    @property
    def steps(self) -> int:
        return len(self._offsets)

    def set_step(self, index: int) -> None:
        """Jump the timeline clock to the start of step ``index`` (time runs on from there)."""
        if not 0 <= index < len(self._offsets):
            raise IndexError(f"step {index} is not in a timeline of {len(self._offsets)} steps")
        self._set_elapsed(self._offsets[index])

    def advance(self, seconds: float) -> None:
        """Move the timeline clock forward by ``seconds`` of timeline time."""
        self._set_elapsed(self.elapsed + seconds)

    def set_route(self, path: str, route: Route | None) -> None:
        """Serve ``route`` on ``path`` from now on, over any timeline; None removes the override."""
        with self._lock:
            if route is None:
                self._overrides.pop(path, None)
            else:
                self._overrides[path] = route

    def _elapsed(self) -> float:
        if self._base_time is None:
            return self._base_elapsed
        return self._base_elapsed + (time.monotonic() - self._base_time) * self._speed

    def _set_elapsed(self, value: float) -> None:
        with self._lock:
            self._base_elapsed = value
            if self._base_time is not None:
                self._base_time = time.monotonic()

    # -- stats -------------------------------------------------------------------------------

    @property
    def stats(self) -> Stats:
        with self._lock:
            return Stats(
                requests=self._requests,
                connections=self._connections,
                bytes_sent=self._bytes,
                not_modified=self._by_status[304],
                by_path=dict(self._by_path),
                by_status=dict(self._by_status),
                faults=dict(self._faults),
                hits=tuple(self._hits),
            )

    def reset_stats(self) -> None:
        """Zero the counters (e.g. after a benchmark's warm-up). ``Request.count`` goes on."""
        with self._lock:
            self._reset_counters()

    def wait_idle(self, timeout: float = JOIN_TIMEOUT) -> bool:
        """Wait until no request is being answered, so ``stats`` are settled; False on timeout."""
        with self._settled:
            return self._settled.wait_for(lambda: self._in_flight == 0, timeout)

    def _reset_counters(self) -> None:
        self._requests = 0
        self._connections = 0
        self._bytes = 0
        self._by_path: Counter[str] = Counter()
        self._by_status: Counter[int] = Counter()
        self._faults: Counter[str] = Counter()
        self._hits: deque[Hit] = deque(maxlen=MAX_HITS)

    # -- used by the handler -----------------------------------------------------------------

    def _connected(self) -> None:
        with self._lock:
            self._connections += 1

    def _begin(
        self, method: str, target: str, headers: Message, body: bytes
    ) -> tuple[Request, Route | None]:
        parts = urlsplit(target)
        path = parts.path or "/"
        with self._lock:
            self._requests += 1
            self._in_flight += 1
            self._by_path[path] += 1
            self._seen[path] += 1
            count = self._seen[path]
            step = bisect_right(self._offsets, self._elapsed()) - 1
            tables = (self._overrides, self._tables[step] if step >= 0 else self._static)
        route = _lookup(tables, path, parts.query)
        lowered = {name.lower(): value for name, value in headers.items()}
        return Request(method, path, parts.query, lowered, body, step, count), route

    def _end(self, request: Request, status: int | None, fault: Fault | None, sent: int) -> None:
        conditional = "if-none-match" in request.headers or "if-modified-since" in request.headers
        hit = Hit(
            time.monotonic(), request.method, request.path, request.step, conditional,
            status, fault, sent,
        )  # fmt: skip
        with self._settled:
            if status is not None:
                self._by_status[status] += 1
            if fault is not None:
                self._faults[fault] += 1
            self._bytes += sent
            self._hits.append(hit)
            self._in_flight -= 1
            self._settled.notify_all()


def serve_forever(
    script: Routes | Sequence[Step] | None,
    *,
    routes: Routes | None = None,
    port: int = 0,
    speed: float = 1.0,
    on_ready: Callable[[ReplayServer], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve ``script`` until ``stop`` is set or Ctrl-C (for a CLI); ``on_ready`` sees it start."""
    with ReplayServer(script, routes=routes, port=port, speed=speed) as server:
        if on_ready is not None:
            on_ready(server)
        (stop or threading.Event()).wait()


# -- internals ---------------------------------------------------------------------------------
