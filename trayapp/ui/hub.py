"""The application's event bus: one QObject that every view and the notifier subscribe to.

Vorta's lesson: nobody reaches into another widget. The engine's callbacks publish here (with
qasync they run in the Qt thread, so they may emit directly); the tray, the windows and the
notifier listen. Views ask for things (check now, pause, mute, open a window, quit) through the
``*_requested`` signals, and the app object, which owns the engine, carries them out.

The hub also keeps the latest state (snapshots per service, offline, paused, config, mutes, open
notices) so a menu rebuilt on ``aboutToShow`` or a window opened late reads it without asking the
engine. Nothing here polls and nothing ticks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from datetime import datetime

    from trayapp.core.model import Event
    from trayapp.core.status import SourceStatus
    from trayapp.store.config_values import Config

# keys of ``Hub.notices``: things the user must be told about the app itself
NOTICE_CONFIG = "config"  # the config file could not be used
NOTICE_LOG = "log"  # the incident log had to be replaced
NOTICE_LOG_WRITE = "log_write"  # writes to the incident log fail (disk full...): kept, retried
NOTICE_TRAY = "tray"  # no system tray: the app lives in its window
NOTICE_START = "start"  # the engine could not be started (a broken install, say)


class Hub(QObject):
    """Signals and the latest state; see the module docstring."""

    # ---- state changes (app → views)
    status_changed = Signal(object)  # SourceStatus, after every poll of one service
    event_received = Signal(object)  # Event, as the tracker made it
    offline_changed = Signal(bool)
    paused_changed = Signal(bool)
    config_changed = Signal(object)  # Config now in use (anyone may emit it after saving one)
    mutes_changed = Signal()  # mutes or "tell me when it's back" changed
    notices_changed = Signal()  # an app notice appeared or cleared (config error, no tray...)

    # ---- requests (views → app)
    check_requested = Signal(str)  # a service name; "" for all of them
    tokens_changed = Signal()  # a token was stored or removed: re-check the probes held on it
    pause_requested = Signal(bool)
    mute_requested = Signal(str, object)  # service, datetime | "until recovered" | None (unmute)
    back_requested = Signal(str, bool)  # "tell me when it's back": on / off
    open_url_requested = Signal(str)
    show_main_requested = Signal()
    show_history_requested = Signal()
    show_settings_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.statuses: dict[str, SourceStatus] = {}
        self.offline = False
        self.offline_since: datetime | None = None  # when the current offline spell began
        self.paused = False
        self.config: Config | None = None  # the config in use: the views and LiveConfig read it
        # where mutes live (the notifier's policy state): read when a menu is built, not copied
        self.mute_source: Callable[[], tuple[Mapping[str, Any], frozenset[str]]] | None = None
        self.notices: dict[str, str] = {}
        self.started = False  # the engine runs (before that every service is "checking…")
        self.config_changed.connect(self._store_config)

    # ---- publishing (called by the app; engine callbacks land here)

    def publish_status(self, status: SourceStatus) -> None:
        name = status.watch.name
        if self.config is not None and name not in self.statuses:
            return  # a poll that was under way when its watch was removed
        self.statuses[name] = status
        self.status_changed.emit(status)

    def publish_event(self, event: Event) -> None:
        if event.kind in ("offline", "online"):
            self.set_offline(event.kind == "offline", event.time)
        self.event_received.emit(event)

    def set_offline(self, offline: bool, since: datetime | None = None) -> None:
        if offline != self.offline:
            self.offline = offline
            self.offline_since = since if offline else None
            self.offline_changed.emit(offline)

    def set_paused(self, paused: bool) -> None:
        if paused != self.paused:
            self.paused = paused
            self.paused_changed.emit(paused)

    def set_notice(self, key: str, text: str | None) -> None:
        """Show (``text``) or clear (None) one notice about the app itself."""
        if text:
            if self.notices.get(key) == text:
                return
            self.notices[key] = text
        elif self.notices.pop(key, None) is None:
            return
        self.notices_changed.emit()

    # ---- reading

    def mute_state(self) -> tuple[Mapping[str, Any], frozenset[str]]:
        """(service -> muted until: a datetime or "until recovered", "tell me when it's back"
        services), as the notifier knows them now."""
        return self.mute_source() if self.mute_source else ({}, frozenset())

    def on_view_change(self, slot: Callable[..., object]) -> None:
        """Call ``slot`` whenever anything a view of the services shows may have changed."""
        for signal in (
            self.status_changed,
            self.offline_changed,
            self.paused_changed,
            self.config_changed,
            self.mutes_changed,
            self.notices_changed,
        ):
            signal.connect(slot)

    def services(self) -> list[SourceStatus]:
        """Every watched service in config order (placeholders until it is first checked)."""
        return list(self.statuses.values())

    def _store_config(self, config: Config) -> None:
        """Keep the config, and a 'checking…' placeholder for each watch not yet reported."""
        from trayapp.core.status import SourceStatus
        from trayapp.core.tracker import SourceState

        self.config = config
        old = self.statuses
        self.statuses = {
            w.name: old.get(w.name) or SourceStatus(w, SourceState(), None, None, 0, None)
            for w in config.watches
        }
