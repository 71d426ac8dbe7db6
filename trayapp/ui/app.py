"""The tray application: Qt, the single-instance socket, the icon first, then the engine.

Start-up order is what makes the icon appear fast. Before it shows, only Qt, the paths and the
single-instance check are imported, and the icon shown is the "starting" icon the previous run
cached as PNG files (painting needs Qt's enum tables, which PySide builds slowly; a first run
paints). The Qt loop then runs at once, so the tray host gets its answers, while a short-lived
thread imports the tray, engine, network and notification stack. ``start`` then joins asyncio
to the running Qt loop (qasync), loads config and incident log, and starts the engine; its
callbacks land in the Qt thread and publish straight to the hub. The UI thread never waits on
the network.

Quitting (menu, SIGTERM/SIGINT, a ``quit`` command on the socket) stops the engine, waits for
its tasks and for notifications under way, closes the log, and only then stops the loop: no
task or thread is left behind.

TrayApp holds the order and the parts; its helpers live beside it: ``qt_setup`` (display check,
QApplication), ``early_icon``, ``warm_up`` (the import thread), ``live_config`` (the config
file), ``windows`` and ``commands`` (what the single-instance socket answers).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from trayapp import memory
from trayapp.errors import IncidentLogError
from trayapp.store import paths, secrets
from trayapp.ui import commands, early_icon
from trayapp.ui.hub import NOTICE_LOG, NOTICE_START, NOTICE_TRAY, Hub
from trayapp.ui.qt_setup import activation, application, no_display
from trayapp.ui.single_instance import Claim, InstanceServer, server_name
from trayapp.ui.warm_up import WarmUp
from trayapp.ui.windows import Windows

if TYPE_CHECKING:
    import asyncio
    from datetime import timedelta

    from trayapp.core.model import Event
    from trayapp.core.notify_policy import NotifySettings
    from trayapp.core.notify_wording import Context
    from trayapp.core.settings import NotificationSettings
    from trayapp.core.status import SourceStatus
    from trayapp.engine.monitor import Monitor
    from trayapp.engine.settings import EngineSettings
    from trayapp.store.config_values import Config
    from trayapp.store.incident_log import IncidentLog
    from trayapp.ui.live_config import LiveConfig
    from trayapp.ui.notify import NotificationCenter
    from trayapp.ui.tray import Tray

log = logging.getLogger(__name__)

ALREADY_RUNNING = "trayapp is already running: its window was brought up."
RELEASE_AFTER_MS = 2000  # memory is given back once this long has passed without a new status
RESOLVER_THREADS = 4  # the loop's executor runs getaddrinfo only; its threads end when done
NO_TRAY_TEXT = (
    "No system tray was found, so trayapp shows its status in this window. On GNOME, install "
    "the “AppIndicator and KStatusNotifierItem Support” extension: the icon appears as soon as "
    "a tray is there. Closing this window keeps trayapp running (start it again to bring the "
    "window back); Quit ends it."
)


@dataclass(frozen=True, slots=True)
class TrayOptions:
    """What a caller other than the plain ``trayapp`` may change (the demo compresses time).

    ``on_ready`` runs once every service has been checked for the first time; if it returns a
    number of seconds, it runs again after that long. ``on_quit`` runs during shutdown, after
    the engine has stopped.
    """

    engine_settings: EngineSettings | None = None
    update_interval: timedelta | None = None  # incident updates: at most one per service per...
    title: str | None = None  # shown in the status window's title
    on_ready: Callable[[], float | None] | None = None
    on_quit: Callable[[], None] | None = None


def run_tray(argv: Sequence[str] | None = None, options: TrayOptions | None = None) -> int:
    """Run the tray until the user quits; 0 also when another instance took the request."""
    if missing := no_display():
        print(missing, file=sys.stderr)
        return 1
    app = application(argv)
    server = InstanceServer(server_name(paths.data_dir()))
    if server.hand_over("show", activation()):
        print(ALREADY_RUNNING, file=sys.stderr)
        return 0
    controller = TrayApp(app, server, options or TrayOptions())
    controller.early_icon = early_icon.show()
    if controller.early_icon is None:  # no tray: open the window now
        controller.build()
    controller.warm_up()
    return controller.run_loop()


def notify_settings(
    settings: NotificationSettings, update_interval: timedelta | None = None
) -> NotifySettings:
    """The notifier's settings: the config's [notifications] section as it is, and the
    incident-update interval when the caller (the demo) chose one."""
    from trayapp.core.notify_policy import NotifySettings

    if update_interval is None:
        return NotifySettings(settings)
    return NotifySettings(settings, update_interval=update_interval)


class TrayApp(QObject):
    """Owns the engine, the notifier, the windows and the quit path; serves the hub's requests."""

    def __init__(self, app: QApplication, server: InstanceServer, options: TrayOptions) -> None:
        super().__init__()
        self.app = app
        self.hub = hub = Hub()
        self.tray: Tray | None = None  # see build()
        self.early_icon: QSystemTrayIcon | None = None
        self.server = server
        self.options = options
        self.exit_code = 0
        self._profile_lock: object | None = None  # held (never used) while the engine may run
        self.loop: asyncio.AbstractEventLoop | None = None
        self.monitor: Monitor | None = None
        self.center: NotificationCenter | None = None
        self.incident_log: IncidentLog | None = None
        self.live_config: LiveConfig | None = None  # see start()
        self._engine_task: asyncio.Task[None] | None = None
        self.windows = Windows(
            hub,
            lambda: self.incident_log,
            options.title,
            engine=lambda: None if self.monitor is None else self.monitor.engine,
        )
        self._stopping = False
        self._ready_fired = False
        self._ready_timer: QTimer | None = None
        self._claim: Claim | None = None
        self._warm = WarmUp(self)  # made here, so that it lives in the Qt thread
        self._release_timer = QTimer(self)  # after a poll round: see _status
        self._release_timer.setSingleShot(True)
        self._release_timer.setInterval(RELEASE_AFTER_MS)
        self._release_timer.timeout.connect(memory.release)
        server.handler = self.command
        hub.check_requested.connect(self.check_now)
        hub.tokens_changed.connect(self.tokens_changed)
        hub.pause_requested.connect(self.set_paused)
        hub.mute_requested.connect(self.mute)
        hub.back_requested.connect(self.tell_when_back)
        hub.open_url_requested.connect(self.open_url)
        hub.config_changed.connect(self._apply_config)
        hub.show_main_requested.connect(lambda: self.windows.show("main"))
        hub.show_history_requested.connect(lambda: self.windows.show("history"))
        hub.show_settings_requested.connect(lambda: self.windows.show("settings"))
        hub.quit_requested.connect(self.quit)
        hub.status_changed.connect(self._status)

    def build(self) -> None:
        """Create the tray (adopting the early icon, if one is shown), or the window when there
        is no tray. Runs at once when there is no tray, else once the warm-up imported it."""
        if self.tray is not None:
            return
        from trayapp.ui.tray import Tray

        self.tray = Tray(self.hub, self.early_icon)
        self.tray.appeared.connect(self._tray_appeared)
        if not self.tray.show():
            self.no_tray()

    # ------------------------------------------------------------------ the loop

    def warm_up(self) -> None:
        """Import the engine, network and notification stack in a short-lived thread while
        the Qt loop answers the tray host; ``start`` then runs in the Qt thread."""
        self._warm.start(listen=self._listen, then=self.start)

    def _listen(self) -> None:
        """Take the single-instance socket; if a launch at the same moment won it, hand our
        request to that one and leave."""
        if self._stopping or self._claim is not None:
            return
        self._claim = self.server.listen()
        if self._claim is Claim.TAKEN:
            self.server.hand_over("show", activation())
            print(ALREADY_RUNNING, file=sys.stderr)
            self.quit()

    def _lock_profile(self) -> bool:
        """One engine per profile: with `trayapp watch` running on it, say so and leave (1).
        Another tray never gets here: the single-instance socket sent it away already."""
        from trayapp.store import profile_lock

        try:
            self._profile_lock = profile_lock.acquire(paths.data_dir(ensure=True), "the tray")
        except (profile_lock.ProfileBusy, OSError) as exc:
            message = str(exc)
            if isinstance(exc, OSError):
                message = f"cannot use {exc.filename}: {exc.strerror or exc}"
            print(f"trayapp: {message}", file=sys.stderr)
            self.exit_code = 1
            self.quit()
            return False
        return True

    def run_loop(self) -> int:
        """Run the Qt loop until ``quit`` ends it; asyncio joins it in ``start`` (qasync)."""
        self.app.exec()
        self._warm.join()
        loop = self.loop
        if loop is None:
            return self.exit_code
        try:
            if not self._stopping:  # the loop ended without us (e.g. the session quit the app)
                self._stopping = True
                loop.stop()  # so that it can run once more, for the shutdown
                loop.run_until_complete(self._shutdown(stop_loop=False))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            import asyncio

            asyncio.set_event_loop(None)
            loop.close()
        return self.exit_code

    def _install_signal_handlers(self, loop: asyncio.AbstractEventLoop) -> None:
        import contextlib
        import signal

        for number in (signal.SIGTERM, signal.SIGINT):
            # not on Windows, nor outside the main thread: there the default handlers stay
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(number, self.quit)

    # ------------------------------------------------------------------ starting

    def start(self) -> None:
        """Join asyncio to the running Qt loop, load config and log, start the engine and the
        notifier (after ``warm_up`` imported them). If that fails, say so in the tooltip and
        the window rather than show "starting…" for ever."""
        if self._stopping:
            return
        self.build()
        try:
            self._start()
        except Exception as exc:
            log.exception("trayapp could not start")
            self.hub.set_notice(NOTICE_START, f"trayapp could not start: {exc}")
            if self.tray is not None:
                self.tray.refresh()
            self.windows.show("main")

    def _start(self) -> None:
        tray = self.tray
        assert tray is not None
        import asyncio

        from trayapp.engine.executor import ShortLivedExecutor
        from trayapp.engine.monitor import Monitor
        from trayapp.ui import notify
        from trayapp.ui.live_config import LiveConfig
        from trayapp.ui.loop import QuietEventLoop

        logging.basicConfig(level=logging.WARNING, format="trayapp: %(levelname)s: %(message)s")
        self._warm.join()
        self._listen()
        if self._stopping or not self._lock_profile():
            return
        loop = QuietEventLoop(self.app, already_running=True)
        loop.set_default_executor(ShortLivedExecutor(RESOLVER_THREADS))
        asyncio.set_event_loop(loop)
        self.loop = loop
        self._install_signal_handlers(loop)

        self.live_config = live = LiveConfig(self.hub, self)
        cfg = live.load()
        self.incident_log = self._open_log()
        self.hub.config_changed.emit(cfg)
        monitor = Monitor(  # tokens are read in a child process: the tray never loads keyring
            cfg,
            self.incident_log,
            settings=self.options.engine_settings,
            token_lookup=secrets.get_secret_apart,
        )
        monitor.event_listeners.append(self.hub.publish_event)
        monitor.status_listeners.append(self.hub.publish_status)
        monitor.problem_listeners.append(self._log_write_problem)
        self.monitor = monitor
        center = notify.NotificationCenter(
            notify.choose_backend(tray.icon),
            settings=notify_settings(cfg.notifications, self.options.update_interval),
            context=self._context,
            parent=self,
            on_sent=self._release_timer.start,  # the first one imports desktop-notifier
        )
        self.center = center
        self.hub.mute_source = lambda: (center.state.mutes, center.state.back_watch)
        self.hub.event_received.connect(self._event)
        live.watch()
        self._engine_task = loop.create_task(monitor.run(), name="engine")
        self._engine_task.add_done_callback(self._engine_ended)
        self.hub.started = True
        memory.release()
        tray.refresh()
        self.windows.refresh_main()
        if tray.icon is not None:
            from trayapp.ui import icons

            screen = self.app.primaryScreen()
            early_icon.save(icons.is_dark_panel(), screen.devicePixelRatio() if screen else 1.0)

    def _open_log(self) -> IncidentLog | None:
        import sqlite3

        from trayapp.store import incident_log

        try:
            opened = incident_log.open(paths.database_file(ensure=True))
        except (OSError, sqlite3.Error, IncidentLogError) as exc:
            self.hub.set_notice(NOTICE_LOG, f"The incident log cannot be used ({exc}).")
            return None
        if opened.notice:
            self.hub.set_notice(NOTICE_LOG, opened.notice)
        return opened

    def _log_write_problem(self, problem: str | None) -> None:
        """'The incident log cannot be written: disk full' until a retry succeeds."""
        from trayapp.ui.hub import NOTICE_LOG_WRITE

        text = f"{problem[:1].upper()}{problem[1:]}; nothing is lost, retrying." if problem else ""
        self.hub.set_notice(NOTICE_LOG_WRITE, text or None)
        if self.tray is not None:
            self.tray.refresh()

    def _engine_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None and not self._stopping:
            log.error("the engine stopped", exc_info=task.exception())

    # ------------------------------------------------------------------ config

    def _apply_config(self, cfg: Config) -> None:
        """Whoever emitted config_changed (a reload, the settings window): put it to work."""
        if self.monitor is not None and cfg != self.monitor.config:  # equal: nothing to do
            self.monitor.apply(cfg)
        if self.center is not None:
            from trayapp.core import notify_policy

            self.center.settings = notify_settings(cfg.notifications, self.options.update_interval)
            kept = {w.name for w in cfg.watches}
            for name in set(self.center.state.mutes) | self.center.state.back_watch:
                if name not in kept:
                    self.center.state = notify_policy.forget(self.center.state, name)

    # ------------------------------------------------------------------ engine → hub

    def _event(self, event: Event) -> None:
        if self.center is not None:
            self.center.handle_event(event)
            self.hub.mutes_changed.emit()  # a recovery may have ended a mute

    def _status(self, _status: SourceStatus) -> None:
        """A source was read: give memory back once the round's readings are in (each new
        one restarts the timer), and tell ``on_ready`` when every service was checked."""
        self._release_timer.start()
        if self._ready_fired or self.options.on_ready is None:
            return
        if self.hub.statuses and all(s.last_checked for s in self.hub.statuses.values()):
            self._ready_fired = True
            self._call_on_ready()

    def _call_on_ready(self) -> None:
        assert self.options.on_ready is not None
        again = self.options.on_ready()
        if again is not None and not self._stopping:
            self._ready_timer = QTimer(self)
            self._ready_timer.setSingleShot(True)
            self._ready_timer.timeout.connect(self._call_on_ready)
            self._ready_timer.start(max(0, int(again * 1000)))

    def _context(self) -> Context:
        from datetime import UTC, datetime

        from trayapp.core.notify_wording import Context
        from trayapp.core.summary import alternatives

        urls = {n: s.watch.page_url for n, s in self.hub.statuses.items() if s.watch.page_url}
        now = datetime.now(UTC)
        return Context(urls=urls, alternatives=alternatives(self.hub.statuses, now))

    # ------------------------------------------------------------------ hub requests

    def check_now(self, name: str) -> None:
        if self.monitor is not None:
            self.monitor.engine.check_now(name or None)

    def tokens_changed(self) -> None:
        if self.monitor is not None:
            self.monitor.engine.tokens_changed()

    def set_paused(self, paused: bool) -> None:
        if self.monitor is not None:
            self.monitor.engine.set_paused(paused)
            self.hub.set_paused(paused)
        else:
            self.hub.paused_changed.emit(self.hub.paused)  # undo the view's toggle

    def mute(self, name: str, until: Any) -> None:
        if self.center is None:
            return
        if until is None:
            self.center.unmute(name)
        else:
            self.center.mute(name, until)
        self.hub.mutes_changed.emit()

    def tell_when_back(self, name: str, on: bool) -> None:
        if self.center is None:
            return
        if on:
            self.center.tell_when_back(name)
        else:
            from trayapp.core import notify_policy

            self.center.state = notify_policy.cancel_when_back(self.center.state, name)
        self.hub.mutes_changed.emit()

    def open_url(self, target: str) -> None:
        url = QUrl(target) if "://" in target else QUrl.fromLocalFile(target)
        if not QDesktopServices.openUrl(url):
            log.warning("could not open %s", target)

    # ------------------------------------------------------------------ windows

    def no_tray(self) -> None:
        """No tray host: say so, live in the window, and keep looking for a tray."""
        self.hub.set_notice(NOTICE_TRAY, NO_TRAY_TEXT)
        self.windows.show("main")
        assert self.tray is not None
        self.tray.keep_trying()

    def _tray_appeared(self) -> None:
        self.hub.set_notice(NOTICE_TRAY, None)
        if self.center is not None and self.tray is not None:
            from trayapp.ui import notify

            self.center.notifier = notify.choose_backend(self.tray.icon)

    # ------------------------------------------------------------------ commands (socket)

    def command(self, name: str, argument: Any) -> str:
        """Serve the single-instance socket (``trayapp.ui.commands``)."""
        return commands.answer(self, name, argument)

    # ------------------------------------------------------------------ quitting

    def quit(self) -> None:
        """Stop everything in order, then the loop (safe to call twice, or from a signal)."""
        if self._stopping:
            return
        self._stopping = True
        if self.loop is None:  # before the engine started: nothing runs yet but Qt
            self._hide_icon()
            self.server.close()
            self.app.quit()
            return
        self.loop.create_task(self._shutdown(), name="shutdown")

    def _hide_icon(self) -> None:
        if self.tray is not None:
            self.tray.hide()
        elif self.early_icon is not None:
            self.early_icon.hide()

    async def _shutdown(self, stop_loop: bool = True) -> None:
        import asyncio

        try:
            if self._ready_timer is not None:
                self._ready_timer.stop()
            self._release_timer.stop()
            if self.monitor is not None:
                self.monitor.stop()
            if self._engine_task is not None:
                await asyncio.gather(self._engine_task, return_exceptions=True)
            if self.center is not None:
                await self.center.drain()
                await self.center.withdraw_all()
            if self.incident_log is not None:
                self.incident_log.close()
                self.incident_log = None
            if self.options.on_quit is not None:
                self.options.on_quit()
            self.windows.close_all()
            self._hide_icon()
            self.server.close()
            await _cancel_others()
        except Exception:
            log.exception("error while quitting")
            self.exit_code = 1
        finally:
            if stop_loop and self.loop is not None:
                self.loop.stop()


async def _cancel_others() -> None:
    """Cancel and await any task still running (a library's helper), so none is destroyed
    pending when the loop closes."""
    import asyncio

    current = asyncio.current_task()
    others = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    for task in others:
        task.cancel()
    if others:
        await asyncio.gather(*others, return_exceptions=True)
