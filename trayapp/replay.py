"""A scripted loopback HTTP server: status payloads that change over time, and every way to fail.

Tests, the benchmark and ``trayapp demo`` poll it like a real status page. It serves a timeline
of replies (or plain routes), honours ETag / Last-Modified validators with 304, and can misbehave
on purpose: error statuses with Retry-After, slow or hung answers, resets, truncated, huge or
redirect-looping responses. It counts what it served so tests can assert "no retry storm".

Stdlib only: a ``ThreadingHTTPServer`` (HTTP/1.1 keep-alive, one thread per connection) in a
daemon thread, bound to 127.0.0.1. ``stop()`` closes every connection and joins every thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import selectors
import socket
import socketserver
import struct
import sys
import threading
import time
from bisect import bisect_right
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self
from urllib.parse import urlsplit

HOST = "127.0.0.1"
CHUNK = 64 * 1024  # write size for streamed bodies: huge ones never exist in memory whole
MAX_HITS = 10_000  # recent requests kept in Stats.hits
MAX_REQUEST_BODY = 1024 * 1024
JOIN_TIMEOUT = 5.0

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the server answers on one path: a normal response or a scripted failure.

    ``delay`` waits before the headers. ``etag=True`` derives a strong ETag from the body, a
    string is sent verbatim. ``redirect`` sets Location (status 302 unless a 3xx is given).
    Fault modes: ``reset`` closes the socket with a TCP RST and no answer; ``truncate=N``
    declares the whole body but sends only its first N bytes, then closes; ``huge=N`` streams
    N bytes of junk (the body repeated); ``chunked`` sends without Content-Length; ``hang``
    never answers until the client leaves or the server stops.
    """

    status: int = 200
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = "application/json"
    delay: float = 0.0
    etag: bool | str = False
    last_modified: datetime | str | None = None
    retry_after: float | datetime | str | None = None
    redirect: str | None = None
    reset: bool = False
    truncate: int | None = None
    huge: int | None = None
    chunked: bool = False
    hang: bool = False

    @property
    def payload(self) -> bytes:
        return self.body.encode() if isinstance(self.body, str) else self.body

    def etag_for(self, payload: bytes) -> str | None:
        """The ETag header value, if any (``payload`` passed in so it is encoded once)."""
        if self.etag is True:
            return '"' + hashlib.sha1(payload).hexdigest()[:20] + '"'
        return self.etag or None


@dataclass(frozen=True, slots=True)
class Request:
    """What a callable route sees of the request it answers."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    step: int  # timeline step in force; -1 before the first step or without a timeline
    count: int  # 1 for the first request to this path, 2 for the next, ... (never reset)


Route = Reply | Callable[[Request], Reply]
Routes = Mapping[str, Route]
Step = tuple[float, Routes]  # (offset in timeline seconds, routes that change at that offset)
Fault = Literal["reset", "hang", "gone", "aborted", "truncated"]


def in_turn(*replies: Reply) -> Callable[[Request], Reply]:
    """A route answering the n-th request with the n-th reply, the last one thereafter."""
    if not replies:
        raise ValueError("in_turn needs at least one reply")
    return lambda request: replies[min(request.count, len(replies)) - 1]


def merge_timelines(*timelines: Sequence[Step]) -> list[Step]:
    """One timeline from several (e.g. one per service): steps sorted, equal offsets combined.

    Steps are cumulative (a step only lists the paths that change), so merging is a union.
    """
    merged: dict[float, dict[str, Route]] = {}
    for timeline in timelines:
        for offset, routes in timeline:
            merged.setdefault(float(offset), {}).update(routes)
    return sorted(merged.items(), key=lambda step: step[0])


def refused_url(path: str = "/") -> str:
    """A loopback URL nothing listens on (a port just released), for 'connection refused'."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    return f"http://{HOST}:{port}{path}"


@dataclass(frozen=True, slots=True)
class Hit:
    """One request as served: when (time.monotonic()), what, and how it was answered."""

    time: float
    method: str
    path: str
    step: int
    conditional: bool  # the request carried If-None-Match or If-Modified-Since
    status: int | None  # None when no status line was sent (reset, hang, client gone)
    fault: Fault | None
    bytes_sent: int


@dataclass(frozen=True, slots=True)
class Stats:
    """A snapshot of what the server has served since start (or ``reset_stats``).

    ``faults`` counts reset, hang, truncated, gone (client left during a delay) and aborted
    (client left mid-answer). ``bytes_sent`` counts everything written: headers and bodies.
    """

    requests: int = 0
    connections: int = 0
    bytes_sent: int = 0
    not_modified: int = 0
    by_path: Mapping[str, int] = field(default_factory=dict)
    by_status: Mapping[int, int] = field(default_factory=dict)
    faults: Mapping[str, int] = field(default_factory=dict)
    hits: tuple[Hit, ...] = ()

    @property
    def not_modified_share(self) -> float:
        """Fraction of requests answered 304 (0.0 when nothing was requested)."""
        return self.not_modified / self.requests if self.requests else 0.0

    @property
    def bytes_per_request(self) -> float:
        return self.bytes_sent / self.requests if self.requests else 0.0


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


def _compile(
    static: Mapping[str, Route], steps: Sequence[Step]
) -> tuple[list[float], list[dict[str, Route]]]:
    """Offsets and, per step, the full route table in force (static + all steps so far)."""
    offsets: list[float] = []
    tables: list[dict[str, Route]] = []
    table = dict(static)
    for offset, routes in steps:
        if offsets and offset < offsets[-1]:
            raise ValueError(f"timeline offsets must not decrease ({offset} after {offsets[-1]})")
        table = {**table, **routes}
        offsets.append(float(offset))
        tables.append(table)
    return offsets, tables


def _lookup(tables: Sequence[Mapping[str, Route]], path: str, query: str) -> Route | None:
    keys = (f"{path}?{query}", path) if query else (path,)
    for table in tables:
        for key in keys:
            route = table.get(key)  # one lookup: set_route may change a table meanwhile
            if route is not None:
                return route
    return None


def _not_found(request: Request) -> Reply:
    return Reply(404, f"no route for {request.path}\n", content_type="text/plain; charset=utf-8")


def _resolve(route: Route | None, request: Request) -> Reply:
    """The reply for ``request``: a callable's failure becomes a 500 rather than a dead thread."""
    if route is None:
        return _not_found(request)
    if isinstance(route, Reply):
        return route
    try:
        return route(request)
    except Exception as exc:
        log.exception("replay route for %s failed", request.path)
        return Reply(500, f"route failed: {exc!r}\n", content_type="text/plain; charset=utf-8")


def http_date(value: datetime | str) -> str:
    """An HTTP date (RFC 9110 IMF-fixdate); strings pass through untouched."""
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value.astimezone(UTC), usegmt=True)


def _retry_after(value: float | datetime | str) -> str:
    if isinstance(value, int | float):
        return str(math.ceil(value))
    return http_date(value)


def _parse_date(value: datetime | str) -> datetime | None:
    if isinstance(value, str):
        try:
            value = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def not_modified(
    headers: Mapping[str, str], etag: str | None, last_modified: datetime | str | None
) -> bool:
    """Whether validators in ``headers`` (lower-case names) match: If-None-Match wins (RFC 9110)."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if etag is None:
            return False
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    since = headers.get("if-modified-since")
    if since is None or last_modified is None:
        return False
    modified, since_date = _parse_date(last_modified), _parse_date(since)
    if modified is None or since_date is None:
        return False
    return modified.replace(microsecond=0) <= since_date


def _junk(size: int, pattern: bytes) -> Iterator[bytes]:
    """``size`` bytes of ``pattern`` repeated, in CHUNK pieces, one CHUNK of memory in all."""
    pattern = pattern or b"0123456789abcdef"
    block = (pattern * (CHUNK // len(pattern) + 1))[:CHUNK]
    for start in range(0, size, CHUNK):
        yield block[: min(CHUNK, size - start)]


def _linger_zero() -> bytes:
    """SO_LINGER on with timeout 0: close() then sends RST instead of FIN."""
    return struct.pack("HH" if sys.platform == "win32" else "ii", 1, 0)


class _CountingWriter:
    """Wraps the handler's socket writer to count every byte sent (headers included)."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.count = 0

    def write(self, data: bytes) -> int:
        written = self._raw.write(data)
        self.count += len(data)
        return written

    def flush(self) -> None:
        self._raw.flush()

    def close(self) -> None:
        self._raw.close()

    @property
    def closed(self) -> bool:
        return bool(self._raw.closed)


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its connections, so stop() can close them and join."""

    daemon_threads = True
    request_queue_size = 1024  # hundreds of clients connect at once in the benchmark

    def __init__(self, replay: ReplayServer, port: int) -> None:
        self.replay = replay
        self._guard = threading.Lock()
        self._live: dict[socket.socket, threading.Thread] = {}
        self._resets: set[socket.socket] = set()
        self._wake_r, self._wake_w = socket.socketpair()
        super().__init__((HOST, port), _Handler)

    def serve(self) -> None:
        """Accept connections until ``wake()``; blocks between events instead of ticking."""
        stopping = self.replay._stopping
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while not stopping.is_set():
                ready = selector.select()
                if not stopping.is_set() and any(k.fileobj is self.socket for k, _ in ready):
                    self._accept()

    def wake(self) -> None:
        """Make ``serve`` look at the stop flag now."""
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    def _accept(self) -> None:
        try:
            request, address = self.get_request()
        except OSError:
            return  # the client gave up before we accepted
        try:
            self.process_request(request, address)
        except Exception:
            self.handle_error(request, address)
            self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        self._wake_r.close()
        self._wake_w.close()

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN; loopback needs no name lookup.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"replay-conn-{client_address[1]}",
            daemon=True,
        )
        with self._guard:
            self._live[request] = thread
        thread.start()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._guard:
                self._live.pop(request, None)
                self._resets.discard(request)

    def mark_reset(self, request: socket.socket) -> None:
        request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _linger_zero())
        with self._guard:
            self._resets.add(request)

    def shutdown_request(self, request: Any) -> None:
        with self._guard:
            reset = request in self._resets
        if reset:
            request.close()  # no shutdown(SHUT_WR) first: that would send a FIN before the RST
        else:
            super().shutdown_request(request)

    def close_connections(self) -> list[threading.Thread]:
        """Shut every open connection (idle keep-alive, hung, streaming); return their threads."""
        with self._guard:
            live = list(self._live.items())
        for sock, _ in live:
            with contextlib.suppress(OSError):  # already closed by its own thread
                sock.shutdown(socket.SHUT_RDWR)
        return [thread for _, thread in live]

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            log.debug("replay connection %s ended: %r", client_address, error)
        else:
            log.exception("replay server error on %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms stall
    server_version = "trayapp-replay"
    sys_version = ""
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.wfile = _CountingWriter(self.wfile)  # type: ignore[assignment]
        self.server.replay._connected()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("replay %s: " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._answer()

    do_HEAD = do_GET
    do_POST = do_GET

    def _answer(self) -> None:
        replay = self.server.replay
        request, route = replay._begin(self.command, self.path, self.headers, self._read_body())
        counter: _CountingWriter = self.wfile  # type: ignore[assignment]
        start = counter.count
        self._status: int | None = None
        fault: Fault | None = None
        try:
            fault = self._perform(_resolve(route, request), request)
        except OSError:
            fault = "aborted"  # the client went away mid-answer (or stop() closed the socket)
            self.close_connection = True
        finally:
            replay._end(request, self._status, fault, counter.count - start)

    def send_response_only(self, code: int, message: str | None = None) -> None:
        self._status = code
        super().send_response_only(code, message)

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length", "")
        if self.headers.get("Transfer-Encoding") or (length and not length.isdigit()):
            self.close_connection = True  # a body we do not parse: never reuse the connection
            return b""
        if not length or int(length) == 0:
            return b""
        if int(length) > MAX_REQUEST_BODY:
            self.close_connection = True
            return b""
        return self.rfile.read(int(length))

    def _perform(self, reply: Reply, request: Request) -> Fault | None:
        if reply.hang or reply.delay > 0:
            waited = self._wait(None if reply.hang else reply.delay)
            if reply.hang or waited != "time":
                self.close_connection = True
                return "hang" if reply.hang else "gone"
        if reply.reset:
            self.server.mark_reset(self.connection)
            self.close_connection = True
            return "reset"
        return self._respond(reply, request)

    def _respond(self, reply: Reply, request: Request) -> Fault | None:
        payload = reply.payload
        etag = reply.etag_for(payload)
        status = reply.status
        if reply.redirect is not None and not 300 <= status < 400:
            status = 302
        if (
            status == 200
            and request.method in ("GET", "HEAD")
            and not_modified(request.headers, etag, reply.last_modified)
        ):
            status = 304
        bodiless = status == 304 or status == 204 or status < 200
        size = reply.huge if reply.huge is not None else len(payload)
        self.send_response(status)
        custom = {name.lower() for name in reply.headers}
        if reply.content_type and not bodiless and "content-type" not in custom:
            self.send_header("Content-Type", reply.content_type)
        if etag is not None:
            self.send_header("ETag", etag)
        if reply.last_modified is not None:
            self.send_header("Last-Modified", http_date(reply.last_modified))
        if reply.retry_after is not None:
            self.send_header("Retry-After", _retry_after(reply.retry_after))
        if reply.redirect is not None:
            self.send_header("Location", reply.redirect)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.chunked and not bodiless:
            self.send_header("Transfer-Encoding", "chunked")
        elif not bodiless:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        if bodiless or request.method == "HEAD":
            return None
        chunks = _junk(size, payload) if reply.huge is not None else iter((payload,))
        sent = self._write_body(chunks, chunked=reply.chunked, limit=reply.truncate)
        if reply.truncate is not None and (reply.chunked or sent < size):
            self.close_connection = True  # a cut chunked body never gets its last chunk either
            return "truncated"
        if reply.chunked:
            self.wfile.write(b"0\r\n\r\n")
        return None

    def _write_body(self, chunks: Iterator[bytes], *, chunked: bool, limit: int | None) -> int:
        """Write ``chunks`` (framed when ``chunked``), at most ``limit`` bytes; return the count."""
        sent = 0
        stopping = self.server.replay._stopping
        for chunk in chunks:
            if limit is not None:
                if sent >= limit:
                    break
                chunk = chunk[: limit - sent]
            if chunk:
                self.wfile.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
                sent += len(chunk)
            if stopping.is_set():
                raise ConnectionAbortedError("replay server stopping")
        return sent

    def _wait(self, seconds: float | None) -> Literal["time", "client", "stop"]:
        """Wait ``seconds`` (None: forever) unless the client closes or the server stops."""
        deadline = None if seconds is None else time.monotonic() + seconds
        stopping = self.server.replay._stopping
        with selectors.DefaultSelector() as selector:
            selector.register(self.connection, selectors.EVENT_READ)
            while not stopping.is_set():
                remaining = 0.5 if deadline is None else deadline - time.monotonic()
                if remaining <= 0:
                    return "time"
                if selector.select(min(remaining, 0.5)) and self._client_closed():
                    return "client"
            return "stop"

    def _client_closed(self) -> bool:
        """After the socket turned readable: did the client close it (or send more data)?"""
        try:
            closed = self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True
        if not closed:
            time.sleep(0.05)  # pipelined bytes keep it readable; do not spin on them
        return closed
