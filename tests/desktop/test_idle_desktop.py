"""What an idle tray carries: the modules it defers are not imported until first needed, and
no thread waits for nothing. Checked in the running app over its single-instance socket.

Run inside the headless session: tests/desktop/with-desktop.sh .venv/bin/python -m pytest -q \
tests/desktop/test_idle_desktop.py
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.desktop.support import TRAY_MODE, in_desktop, notify_calls, wait_until
from tests.desktop.test_tray_desktop import (
    App,
    all_operational,
    apps,  # noqa: F401 - the fixture
    assert_clean_exit,
    loopback_config,
    slug,
    write_config,
)

pytestmark = in_desktop

# Imported when first needed: the notification backend (desktop-notifier and its D-Bus stack)
# at the first notification, the windows when they open, the keyring never (a child process),
# the HTML parser and XML when a page holds markup or is a feed; QtDBus never (Qt's own D-Bus
# tray backend needs no bindings: which backend Qt took is read off its widgets).
DEFERRED_UNTIL_NOTIFIED = ("desktop_notifier", "dbus_fast")
DEFERRED_UNTIL_OPENED = ("trayapp.ui.status_window", "trayapp.ui.history", "trayapp.ui.settings")
DEFERRED_UNTIL_MARKUP = ("html", "xml", "trayapp.formats.markup")
# never in the tray: tokens are read and stored by a short-lived child (store.keyring_child)
DEFERRED_UNTIL_TOKEN_STORED = ("keyring", "secretstorage", "jeepney", "cryptography")
DEFERRED = (
    *DEFERRED_UNTIL_NOTIFIED,
    *DEFERRED_UNTIL_OPENED,
    *DEFERRED_UNTIL_MARKUP,
    *DEFERRED_UNTIL_TOKEN_STORED,
    "PySide6.QtDBus",
    "tomlkit",
)
IDLE_THREADS = 5


def modules(app: App) -> set[str]:
    answer = app.ask("modules")
    assert answer, "the app did not answer the modules command"
    return set(json.loads(answer))


def imported(names: set[str], package: str) -> bool:
    return any(name == package or name.startswith(package + ".") for name in names)


def threads(app: App) -> list[str]:
    tasks = Path(f"/proc/{app.proc.pid}/task")
    return [(task / "comm").read_text().strip() for task in tasks.iterdir()]


@pytest.mark.skipif(TRAY_MODE not in ("sni", "both"), reason="needs an SNI tray host")
def test_the_idle_tray_defers_what_it_does_not_use(
    qapp: Any,
    tmp_path: Path,
    apps: list[App],  # noqa: F811 - the fixture
) -> None:
    from trayapp.core.model import Severity
    from trayapp.demo.payloads import statuspage_summary
    from trayapp.demo.replay import ReplayServer
    from trayapp.demo.replay_routes import Reply

    tag = uuid.uuid4().hex[:5]
    names = [f"Idle {tag}", f"Calm {tag}"]

    def page(name: str, severity: Severity) -> Reply:
        return Reply(body=statuspage_summary(name, {"API": severity}), etag=True)

    path = f"/{slug(names[0])}/api/v2/summary.json"
    with ReplayServer({f"/{slug(n)}/api/v2/summary.json": page(n, Severity.OPERATIONAL)
                       for n in names}) as server:  # fmt: skip
        write_config(tmp_path, loopback_config(server.base_url, names, group_window=0))
        app = App(tmp_path, ["-m", "trayapp"])
        apps.append(app)
        app.wait_state(lambda s: all_operational(s, 2), 20, "every service checked, all fine")

        loaded = modules(app)
        assert (
            "trayapp.engine.scheduler" in loaded and "httpx" in loaded
        )  # the answer is the real list
        assert [m for m in DEFERRED if imported(loaded, m)] == []
        wait_until(lambda: len(threads(app)) <= IDLE_THREADS, 60, 0.2, "threads to settle")
        assert not [t for t in threads(app) if t.startswith("QThreadWorker")]

        server.set_route(path, page(names[0], Severity.MAJOR_OUTAGE))
        assert app.ask("check") == "ok"
        wait_until(
            lambda: any(tag in c.summary or tag in c.body for c in notify_calls()), 30, 0.2,
            "the notification",
        )  # fmt: skip
        loaded = modules(app)
        assert all(imported(loaded, m) for m in DEFERRED_UNTIL_NOTIFIED)
        assert [m for m in DEFERRED_UNTIL_OPENED if imported(loaded, m)] == []

        assert app.ask("show") == "ok"
        app.wait_state(lambda s: s.get("window"), 60, "the status window")
        assert imported(modules(app), "trayapp.ui.status_window")
        assert app.ask("quit") == "ok"
        assert_clean_exit(app, app.wait_exit())


@pytest.mark.skipif(TRAY_MODE == "none", reason="needs a tray host")
def test_the_menu_goes_over_d_bus_exactly_when_qt_took_the_sni_backend(qapp: Any) -> None:
    """``exports_dbus_menu`` reads Qt's choice (no XEmbed window of its own), without QtDBus:
    True under a StatusNotifierWatcher, False in an XEmbed-only tray (HARNESS_TRAY=xembed)."""
    from PySide6.QtGui import QColor, QIcon, QPixmap
    from PySide6.QtWidgets import QSystemTrayIcon

    from trayapp.ui.tray import exports_dbus_menu

    pixmap = QPixmap(22, 22)
    pixmap.fill(QColor("#009e73"))
    icon = QSystemTrayIcon(QIcon(pixmap))
    icon.show()
    try:
        assert exports_dbus_menu() is (TRAY_MODE in ("sni", "both"))
    finally:
        icon.hide()
        icon.deleteLater()
