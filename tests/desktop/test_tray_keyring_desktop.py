"""The running tray reads a probe's token through a short-lived child process: the server sees
the stored key, a key stored while the tray runs (``trayapp secret set``) is used by the next
Check now, the tray itself never imports the keyring stack, and no secret reaches any output.

Run inside the headless session: tests/desktop/with-desktop.sh .venv/bin/python -m pytest -q \
tests/desktop/test_tray_keyring_desktop.py
"""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.desktop.support import in_desktop, wait_until
from tests.desktop.test_idle_desktop import DEFERRED_UNTIL_TOKEN_STORED, imported, modules
from tests.desktop.test_tray_desktop import (
    REPO,
    App,
    apps,  # noqa: F401 - the fixture
    assert_clean_exit,
    write_config,
)

pytestmark = in_desktop


class Site(ThreadingHTTPServer):
    """A loopback status page and a health endpoint that records each Authorization header."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[str] = []
        self.summary = b""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Site

    def do_GET(self) -> None:
        if self.path == "/health":
            self.server.seen.append(self.headers.get("Authorization", ""))
            body = b'{"status": "ok"}'
        else:
            body = self.server.summary
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def site() -> Iterator[Site]:
    from trayapp.core.model import Severity
    from trayapp.demo.payloads import statuspage_summary

    server = Site()
    server.summary = statuspage_summary("Keyed", {"API": Severity.OPERATIONAL})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(10)


def store(app: App, entry: str, token: str) -> subprocess.CompletedProcess[str]:
    """``trayapp secret set`` in its own process, the secret on stdin, as a user would pipe it."""
    return subprocess.run(
        [sys.executable, "-m", "trayapp", "secret", "set", entry],
        input=token + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        env=app.env,
        timeout=120,
        check=False,
    )


def test_the_tray_uses_stored_tokens_without_loading_the_keyring(
    tmp_path: Path,
    site: Site,
    apps: list[App],  # noqa: F811 - the fixture
) -> None:
    from trayapp.store import secrets

    tag = uuid.uuid4().hex[:8]
    entry = f"keyed-{tag}-token"
    first = f"sk-first-{uuid.uuid4().hex}"
    second = f"sk-second-{uuid.uuid4().hex}"
    write_config(
        tmp_path,
        "[polling]\nreference_urls = []\n"
        f'[[watch]]\nname = "Keyed {tag}"\nurl = "{site.base_url}/api/v2/summary.json"\n'
        'format = "statuspage"\ninterval = 60\n'
        f'[[watch.probe]]\nname = "health"\nurl = "{site.base_url}/health"\n'
        f'token = "{entry}"\ninterval = 600\n',
    )
    app = App(tmp_path, ["-m", "trayapp"])
    apps.append(app)
    outputs: list[str] = []
    try:
        stored = store(app, entry, first)  # before the tray reads it: no tray to tell yet
        outputs += [stored.stdout, stored.stderr]
        assert stored.returncode == 0, stored.stderr
        wait_until(lambda: app.ask("ping") == "pong", 60, 0.2, "the tray to answer")
        assert app.ask("check") == "ok"
        wait_until(lambda: f"Bearer {first}" in site.seen, 60, 0.2, "the stored token sent")
        loaded = modules(app)
        assert "trayapp.engine.probe_runner" in loaded  # the answer is the real list
        assert [m for m in DEFERRED_UNTIL_TOKEN_STORED if imported(loaded, m)] == []

        # a key stored while the tray runs is used by the next Check now
        stored = store(app, entry, second)
        outputs += [stored.stdout, stored.stderr]
        assert stored.returncode == 0, stored.stderr
        assert app.ask("check") == "ok"
        wait_until(lambda: f"Bearer {second}" in site.seen, 60, 0.2, "the new token sent")
        assert set(site.seen) <= {"", f"Bearer {first}", f"Bearer {second}"}
        loaded = modules(app)
        assert [m for m in DEFERRED_UNTIL_TOKEN_STORED if imported(loaded, m)] == []

        assert app.ask("quit") == "ok"
        assert_clean_exit(app, app.wait_exit())
        outputs += [app.stdout(), app.stderr()]
        for token in (first, second):
            assert all(token not in text for text in outputs)
            for path in (p for p in tmp_path.rglob("*") if p.is_file()):
                assert token.encode() not in path.read_bytes(), f"the token leaked into {path}"
    finally:
        secrets.delete_secret(entry)
