"""An API token typed into Settings round-trips through the real Secret Service (gnome-keyring)
and never appears in the config file, the incident log, the app's log files or any output.

Run inside the headless session:
    tests/desktop/with-desktop.sh .venv/bin/python -m pytest -q \
        tests/desktop/test_settings_keyring_desktop.py

The Settings widget is driven as a user would (field, Save button); the token is read back by
python-keyring and by libsecret's ``secret-tool`` (a different client of the same service), and
the app then polls a loopback page for the watch that names the token, so the incident log is
written by the real pipeline before it is scanned.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.desktop.support import in_desktop
from tests.support import StaticServer
from trayapp.core.model import Severity
from trayapp.demo.payloads import statuspage_summary
from trayapp.engine.monitor import Monitor
from trayapp.store import config, config_values, incident_log, paths, secrets

pytestmark = in_desktop


def secret_tool(entry: str) -> subprocess.CompletedProcess[str]:
    """libsecret's own lookup, by the attributes python-keyring stores (service, username)."""
    return subprocess.run(
        ["secret-tool", "lookup", "service", secrets.SERVICE, "username", entry],
        capture_output=True,
        text=True,
        timeout=10,
    )


@pytest.fixture
def site(tmp_path: Path) -> Iterator[StaticServer]:
    root = tmp_path / "site"
    (root / "api" / "v2").mkdir(parents=True)
    body = statuspage_summary("Lab", {"API": Severity.OPERATIONAL, "Web": Severity.DEGRADED})
    (root / "api" / "v2" / "summary.json").write_bytes(body)
    with StaticServer(root) as server:
        yield server


@pytest.fixture
def app_log(trayapp_env: dict[str, str]) -> Iterator[Path]:
    """Everything logged at DEBUG (keyring, secretstorage, trayapp) into the app's log dir."""
    path = paths.log_dir(ensure=True) / "trayapp.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


async def poll_until_recorded(cfg: config_values.Config, db: Path) -> None:
    """Run the real Monitor (engine → incident log) until the watch's first event is logged."""
    with incident_log.open(db) as log:
        monitor = Monitor(cfg, log)
        seen = asyncio.Event()
        monitor.event_listeners.append(lambda event: seen.set())
        task = asyncio.create_task(monitor.run())
        try:
            await asyncio.wait_for(seen.wait(), 60)
        finally:
            monitor.stop()
            await asyncio.wait_for(task, 10)


def test_token_round_trips_through_the_secret_service_and_leaks_nowhere(
    qtbot,  # type: ignore[no-untyped-def]
    trayapp_env: dict[str, str],
    site: StaticServer,
    app_log: Path,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from trayapp.ui.hub import Hub
    from trayapp.ui.settings import SettingsWindow

    caplog.set_level(logging.DEBUG)
    tag = uuid.uuid4().hex[:8]
    name = f"Lab {tag}"
    entry = f"lab-{tag}-token"
    token = f"tok_{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"
    config_path = paths.config_file(ensure=True)
    config_path.write_text(
        f'[polling]\nreference_urls = ["{site.url("/api/v2/summary.json")}"]\n\n'
        f'[[watch]]\nurl = "{site.url("/api/v2/summary.json")}"\nformat = "statuspage"\n'
        f'name = "{name}"\ninterval = 1\n'
    )
    assert "SecretService" in type(secrets._backend()).__module__  # the real Secret Service

    hub = Hub()
    window = SettingsWindow(config_path, hub)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        window.tabs.setCurrentIndex(2)
        window.token_service.setCurrentIndex(window.token_service.findData(name))
        assert f"No token for {name}" in window.token_state.text()
        window.token_field.setText(token)
        with qtbot.waitSignal(hub.config_changed, timeout=60000):
            window.save_token_button.click()
        assert not window.message.is_error, window.message.text()
        assert window.token_field.text() == ""

        # read back by two different clients of gnome-keyring
        assert secrets.get_secret(entry) == token
        found = secret_tool(entry)
        assert found.returncode == 0 and found.stdout == token, found.stderr

        # the config names the entry and holds nothing else of it
        text = config_path.read_text()
        assert f'token = "{entry}"' in text
        assert config.load(config_path).token_for(name) == entry

        # a fresh window (as after a restart) sees the stored token through the keyring
        again = SettingsWindow(config_path, hub)
        qtbot.addWidget(again)
        again.show()
        again.tabs.setCurrentIndex(2)
        again.token_service.setCurrentIndex(again.token_service.findData(name))
        assert f"stored in the keyring as “{entry}”" in again.token_state.text()

        # the app runs with that config and writes its incident log
        db = paths.database_file(ensure=True)
        asyncio.run(poll_until_recorded(config.load(config_path), db))
        with incident_log.open(db) as log:
            assert [e.service for e in log.history()] == [name]

        # nowhere on disk, in the logs or in any output
        needle = token.encode()
        data_files = [p for p in Path(trayapp_env["TRAYAPP_DATA_DIR"]).rglob("*") if p.is_file()]
        config_files = [p for p in config_path.parent.rglob("*") if p.is_file()]
        assert db in data_files and app_log in data_files
        for path in [*data_files, *config_files]:
            assert needle not in path.read_bytes(), f"the token leaked into {path}"
        out, err = capfd.readouterr()
        assert token not in out and token not in err
        assert token not in caplog.text
        shown = [window.message.text(), window.token_state.text(), again.token_state.text()]
        assert all(token not in words for words in shown)

        # removing it from Settings removes it from the keyring and the config
        window.remove_token_button.click()
        assert not window.message.is_error, window.message.text()
        assert secrets.get_secret(entry) is None
        gone = secret_tool(entry)
        assert gone.returncode != 0 and gone.stdout == ""
        assert "token" not in config_path.read_text()
    finally:
        secrets.delete_secret(entry)


def test_a_missing_keyring_is_explained_in_words(
    qtbot,  # type: ignore[no-untyped-def]
    trayapp_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With no usable keyring (the fail backend, chosen in the environment the keyring child
    inherits), Save says why and keeps what was typed."""
    from trayapp.ui.settings import SettingsWindow

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    config_path = paths.config_file(ensure=True)
    config_path.write_text('[[watch]]\nurl = "http://127.0.0.1:9/x.json"\nformat = "statuspage"\n')
    before = config_path.read_text()
    window = SettingsWindow(config_path)
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentIndex(2)
    window.token_field.setText("tok_never_stored_0123456789abcdef")
    window.save_token_button.click()
    assert window.message.is_error
    assert "no system keyring is available" in window.message.text()
    assert window.token_field.text() == "tok_never_stored_0123456789abcdef"
    assert config_path.read_text() == before
