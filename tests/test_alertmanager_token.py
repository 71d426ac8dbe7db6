"""An Alertmanager behind auth: a url watch's `token = "NAME"` goes from the keyring to that
URL as a bearer token (real HTTP server on loopback), for `trayapp check` and the engine; a
catalog service's token never goes to its status page; the secret is printed nowhere."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from tests.provider_fakes import use_memory_keyring
from tests.test_engine import fast, running, until
from trayapp.cli import main as cli
from trayapp.core.model import Severity, Watch
from trayapp.engine.scheduler import Engine
from trayapp.store import config, paths, secrets

SECRET = "am-test-7f1c9e2b5d"
ALERTS = [
    {
        "fingerprint": "f1",
        "labels": {"alertname": "DiskFull", "severity": "critical"},
        "annotations": {"summary": "disk full"},
        "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
    }
]


class _Guarded(BaseHTTPRequestHandler):
    seen: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization")
        type(self).seen.append(auth)
        ok = auth == f"Bearer {SECRET}"
        body = json.dumps(ALERTS if ok else {"error": "unauthorized"}).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def alertmanager() -> Iterator[str]:
    _Guarded.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Guarded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/api/v2/alerts"
    finally:
        server.shutdown()
        server.server_close()


def test_check_sends_the_token_of_a_url_watch(
    trayapp_env: dict[str, str],
    alertmanager: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_memory_keyring(monkeypatch)
    secrets.set_secret("am", SECRET)
    paths.config_file(ensure=True).write_text(
        f'[[watch]]\nurl = "{alertmanager}"\nformat = "alertmanager"\nname = "AM"\ntoken = "am"\n'
    )
    assert config.load(paths.config_file()).watches[0].token == "am"
    assert cli.main(["check", "--json"]) == 0
    out = capsys.readouterr()
    (reading,) = json.loads(out.out)
    assert (reading["severity"], reading["error"]) == ("major_outage", None)
    assert _Guarded.seen == [f"Bearer {SECRET}"]
    assert SECRET not in out.out + out.err + paths.config_file().read_text()


def test_without_the_secret_the_401_is_the_reason(
    trayapp_env: dict[str, str],
    alertmanager: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_memory_keyring(monkeypatch)  # nothing stored under "am"
    paths.config_file(ensure=True).write_text(
        f'[[watch]]\nurl = "{alertmanager}"\nformat = "alertmanager"\ntoken = "am"\n'
    )
    assert cli.main(["check", "--json"]) == 0
    (reading,) = json.loads(capsys.readouterr().out)
    assert reading["severity"] == "unknown" and "401" in reading["error"]
    assert _Guarded.seen == [None]


def test_a_catalog_services_token_is_not_a_status_page_token(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "config.toml"
    path.write_text('[[watch]]\nservice = "openai"\ntoken = "openai-key"\n')
    loaded = config.load(path)
    assert loaded.watches[0].token is None  # the API key is for probes, never the status page
    assert loaded.token_for("OpenAI") == "openai-key"


async def test_the_engine_polls_with_the_token(alertmanager: str) -> None:
    looked_up: list[str] = []

    def lookup(name: str) -> str:
        looked_up.append(name)
        return SECRET

    watch = Watch(name="AM", url=alertmanager, format="alertmanager", interval=1, token="am")
    engine = Engine([watch], fast(), token_lookup=lookup)
    async with running(engine):
        await until(
            lambda: (
                (s := engine.statuses().get("AM")) is not None
                and s.severity is Severity.MAJOR_OUTAGE
            )
        )
    assert looked_up and set(looked_up) == {"am"}
    assert _Guarded.seen and set(_Guarded.seen) == {f"Bearer {SECRET}"}
