"""What the running tray answers on its single-instance socket.

A later launch asks it to ``show`` its window (or, racing it, learns it is there: ``ping``),
``trayapp secret`` says ``tokens-changed``, and tests, benchmarks and scripts read ``state``
and ``modules``, ask for a ``check`` of every service now, or ``open`` and ``close`` a window
by kind (``main``, ``history``, ``settings``).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer

from trayapp.ui.single_instance import TOKENS_CHANGED

if TYPE_CHECKING:
    from trayapp.ui.app import TrayApp

WINDOW_KINDS = ("main", "history", "settings")


def answer(app: TrayApp, name: str, argument: Any) -> str:
    """Carry out one command and say how it went (``ok``, ``pong``, JSON, ``unknown command``)."""
    if name == "ping":
        return "pong"
    if name == "show":
        activation = argument if isinstance(argument, dict) else None
        app.windows.show("main", {str(k): str(v) for k, v in (activation or {}).items()})
        return "ok"
    if name in ("open", "close") and argument in WINDOW_KINDS:
        if name == "open":
            app.windows.show(argument)
        elif (window := app.windows.get(argument)) is not None:
            window.close()  # as the user closes it: the window is destroyed
        return "ok"
    if name == "quit":
        QTimer.singleShot(0, app.quit)  # answer first
        return "ok"
    if name == "check":
        app.check_now("")
        return "ok"
    if name == TOKENS_CHANGED:  # `trayapp secret set/delete` in another process
        app.tokens_changed()
        return "ok"
    if name == "state":
        import json

        return json.dumps(state(app))
    if name == "modules":  # what is imported: deferred modules must not be, at idle
        import json

        return json.dumps(sorted(sys.modules))
    return "unknown command"


def state(app: TrayApp) -> dict[str, Any]:
    """What the app shows now, for tests and for the curious (the ``state`` command)."""
    from datetime import UTC, datetime

    from trayapp.core.summary import probe_lines, verdict_line
    from trayapp.ui.tray import row_label, state_of, tooltip_of

    hub = app.hub
    now = datetime.now(UTC)
    return {
        "state": str(state_of(hub)),
        "tooltip": tooltip_of(hub, now),
        "tray": app.tray is not None and app.tray.visible,
        "window": app.windows.visible("main"),
        "windows": app.windows.open_kinds(),  # each is destroyed when closed
        "started": hub.started,
        "paused": hub.paused,
        "offline": hub.offline,
        "notices": sorted(hub.notices),
        "services": {
            name: {
                "severity": str(s.severity),
                "row": row_label(s, hub, now),
                "verdict": verdict_line(s),
                "evidence": probe_lines(s, now),
                "checked": s.last_checked.isoformat() if s.last_checked else None,
            }
            for name, s in hub.statuses.items()
        },
    }
