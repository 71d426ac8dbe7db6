"""The replay server's HTTP side: a threading server bound to loopback that can misbehave on
purpose (slow, hung, reset, truncated or huge answers) and counts the bytes it wrote."""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import socketserver
import struct
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Literal

from trayapp.demo.replay_routes import (
    CHUNK,
    HOST,
    MAX_REQUEST_BODY,
    Fault,
    Reply,
    Request,
    _resolve,
    _retry_after,
    http_date,
    not_modified,
)

if TYPE_CHECKING:  # the server it serves for (which imports this module)
    from trayapp.demo.replay import ReplayServer

log = logging.getLogger(__name__)


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
        written: int = self._raw.write(data)
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
            closed: bool = self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True
        if not closed:
            time.sleep(0.05)  # pipelined bytes keep it readable; do not spin on them
        return closed
