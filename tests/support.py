"""Test support shared by the suite: loopback HTTP servers and the shared recordings' location."""

from __future__ import annotations

import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = Path(
    os.environ.get("TRAYAPP_SHARED_FIXTURES", REPO.parent / "shared" / "fixtures")
)


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - the stdlib's own attribute, overridden per class
        **SimpleHTTPRequestHandler.extensions_map,
        ".json": "application/json",
        ".rss": "application/rss+xml",
        ".atom": "application/atom+xml",
        ".html": "text/html; charset=utf-8",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


class StaticServer:
    """Serves a directory on 127.0.0.1 (port chosen by the OS) from a daemon thread."""

    def __init__(self, root: Path) -> None:
        handler = lambda *a, **kw: _QuietHandler(*a, directory=str(root), **kw)  # noqa: E731
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str = "/") -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/{path.lstrip('/')}"

    def __enter__(self) -> StaticServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
