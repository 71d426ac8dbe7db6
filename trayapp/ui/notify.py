"""Notification backends, and the Qt driver that feeds tracker events through the policy.

``DesktopNotifierBackend`` uses desktop-notifier: native on Linux (org.freedesktop.Notifications
over D-Bus, urgency as the spec's byte hint), macOS and Windows. ``TrayMessageBackend`` uses
``QSystemTrayIcon.showMessage``: the fallback where desktop-notifier cannot work (no notification
server, an unbundled macOS app). Qt sends urgency with the wrong D-Bus type, so servers show
every tray message as normal; that is why it is only the fallback.

desktop-notifier swallows its own failures (it logs and returns), so ``DesktopNotifierBackend``
checks the dispatch callback and raises ``NotifyError`` when nothing was dispatched;
``FallbackNotifier`` then tries the tray. Neither backend creates or raises a window: a
notification never steals focus. Clicking one opens the service's status page. A native
notification replaces the earlier ones about the same services (the recovery takes the outage's
place), and those still shown are withdrawn when the app quits.

desktop-notifier is asyncio-based: it must run inside the app's qasync loop (PySide6's own
QtAsyncio cannot open the D-Bus socket and fails silently).
"""

from __future__ import annotations

import asyncio
import logging
import math
import platform
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QSystemTrayIcon

from trayapp.core import notify_policy as policy
from trayapp.core.model import Event
from trayapp.core.notify_wording import Context, Notification

log = logging.getLogger(__name__)

APP_NAME = "trayapp"
SEND_TIMEOUT = 10.0  # seconds; a hung notification server must not hold notifications forever


class NotifyError(RuntimeError):
    """The backend could not hand the notification to the platform."""


class Notifier(Protocol):
    async def send(self, n: Notification) -> None: ...

    async def withdraw_all(self) -> None: ...


def open_url(url: str) -> None:
    """Open ``url`` in the user's browser (the browser, not us, takes focus: the user clicked)."""
    if not QDesktopServices.openUrl(QUrl(url)):
        log.warning("could not open %s", url)


# freedesktop icon-naming-spec names; every icon theme has them
_LINUX_ICONS = {"low": "dialog-information", "normal": "dialog-warning", "critical": "dialog-error"}


class DesktopNotifierBackend:
    """Native notifications through desktop-notifier.

    ``app_icon`` is the app's icon file. Without one, a Linux notification shows the icon
    theme's information/warning/error icon for its urgency (desktop-notifier's default would be
    its Python logo).
    """

    def __init__(
        self,
        app_name: str = APP_NAME,
        on_open: Callable[[str], None] = open_url,
        app_icon: Path | None = None,
        timeout: float = SEND_TIMEOUT,
    ) -> None:
        from desktop_notifier import DesktopNotifier, Icon

        icon = Icon(path=app_icon) if app_icon else None
        self._notifier = DesktopNotifier(app_name=app_name, app_icon=icon)
        self._on_open = on_open
        self._timeout = timeout
        linux = platform.system() == "Linux"
        self._icons = _LINUX_ICONS if linux and icon is None else {}
        # freedesktop servers read the body as markup: '&' or '<' in a name must stay text
        self._escape = linux
        self._shown: dict[str, frozenset[str]] = {}  # notification still shown -> its services

    async def send(self, n: Notification) -> None:
        """Show ``n`` in place of the earlier notifications about the same services (a critical
        outage would otherwise stay on screen after the recovery), then remember it. A group's
        message that also names other services stays."""
        services = frozenset(n.services)
        for earlier, named in list(self._shown.items()):
            if named and named <= services:
                await self._withdraw(earlier)
        self._shown[await self._show(n)] = services

    async def withdraw_all(self) -> None:
        """Take back every notification still shown: once the app is gone, none of them can be
        kept true (a recovery would never replace them)."""
        for identifier in list(self._shown):
            await self._withdraw(identifier)

    async def _withdraw(self, identifier: str) -> None:
        del self._shown[identifier]
        try:
            await asyncio.wait_for(self._notifier.clear(identifier), self._timeout)
        except Exception as exc:  # already dismissed by the user, or a server that is gone
            log.debug("could not withdraw notification %s: %s", identifier, exc)

    async def _show(self, n: Notification) -> str:
        import html  # here, not at idle: html.entities is 0.3 MiB of tables

        from desktop_notifier import Icon, Urgency

        urgency = {"low": Urgency.Low, "normal": Urgency.Normal, "critical": Urgency.Critical}
        dispatched = False

        def mark() -> None:
            nonlocal dispatched
            dispatched = True

        url = n.url
        try:
            identifier = await asyncio.wait_for(
                self._notifier.send(
                    title=n.title,
                    message=html.escape(n.body, quote=False) if self._escape else n.body,
                    urgency=urgency[n.urgency],
                    icon=Icon(name=self._icons[n.urgency]) if self._icons else None,
                    on_clicked=(lambda: self._on_open(url)) if url else None,
                    on_dispatched=mark,
                ),
                self._timeout,
            )
        except TimeoutError as exc:
            raise NotifyError("the notification server did not answer") from exc
        if not dispatched:  # desktop-notifier logged why and returned
            raise NotifyError("desktop-notifier could not deliver the notification")
        return identifier


class TrayMessageBackend:
    """``QSystemTrayIcon.showMessage``: a balloon, or a D-Bus notification under an SNI host."""

    ICONS = {  # noqa: RUF012 - a lookup table, never mutated
        "low": QSystemTrayIcon.MessageIcon.Information,
        "normal": QSystemTrayIcon.MessageIcon.Warning,
        "critical": QSystemTrayIcon.MessageIcon.Critical,
    }

    def __init__(
        self, tray: QSystemTrayIcon, on_open: Callable[[str], None] = open_url, msecs: int = 10_000
    ) -> None:
        self._tray = tray
        self._on_open = on_open
        self._msecs = msecs
        self._url: str | None = None
        tray.messageClicked.connect(self._clicked)

    async def send(self, n: Notification) -> None:
        if not self._tray.isVisible():
            raise NotifyError("the tray icon is not shown, so it cannot show messages")
        self._url = n.url  # Qt reports clicks on the latest message only
        self._tray.showMessage(n.title, n.body, self.ICONS[n.urgency], self._msecs)

    async def withdraw_all(self) -> None:
        """Nothing to take back: a tray message times out on its own."""

    def _clicked(self) -> None:
        if self._url:
            self._on_open(self._url)


class FallbackNotifier:
    """Try ``primary``; when it fails, send through ``fallback`` (tried again every time, so a
    notification server that starts after the app is used as soon as it is there)."""

    def __init__(self, primary: Notifier, fallback: Notifier) -> None:
        self.primary = primary
        self.fallback = fallback

    async def send(self, n: Notification) -> None:
        try:
            await self.primary.send(n)
        except NotifyError as exc:
            log.info("native notification failed (%s); using the tray instead", exc)
            await self.fallback.send(n)

    async def withdraw_all(self) -> None:
        await self.primary.withdraw_all()
        await self.fallback.withdraw_all()


def choose_backend(
    tray: QSystemTrayIcon | None, on_open: Callable[[str], None] = open_url
) -> Notifier:
    """desktop-notifier where the platform has a native backend, the tray as its fallback;
    chosen, and desktop-notifier and its D-Bus stack imported, at the first notification."""
    return DeferredNotifier(lambda: _backend(tray, on_open))


def _backend(tray: QSystemTrayIcon | None, on_open: Callable[[str], None]) -> Notifier:
    from desktop_notifier.backends.dummy import DummyNotificationCenter
    from desktop_notifier.main import get_backend_class

    tray_ok = tray is not None and QSystemTrayIcon.supportsMessages()
    if get_backend_class() is DummyNotificationCenter and tray is not None and tray_ok:
        return TrayMessageBackend(tray, on_open)  # e.g. macOS outside an app bundle
    native = DesktopNotifierBackend(on_open=on_open)
    if tray is None or not tray_ok:
        return native
    return FallbackNotifier(native, TrayMessageBackend(tray, on_open))


class DeferredNotifier:
    """A notifier made on first use: most days bring no notification, and desktop-notifier with
    its D-Bus stack (dbus-fast, bidict, ...) is about 50 modules an idle tray does not need."""

    def __init__(self, make: Callable[[], Notifier]) -> None:
        self._make = make
        self.backend: Notifier | None = None

    async def send(self, n: Notification) -> None:
        if self.backend is None:
            self.backend = self._make()
        await self.backend.send(n)

    async def withdraw_all(self) -> None:
        if self.backend is not None:
            await self.backend.withdraw_all()


class NotificationCenter(QObject):
    """Feeds events through the pure policy and sends what it returns.

    One single-shot timer stands at the policy's next deadline (nothing ticks). Sending runs as
    asyncio tasks on the running (qasync) loop; a failure is logged, never raised into Qt.
    """

    def __init__(
        self,
        notifier: Notifier,
        settings: policy.NotifySettings | None = None,
        context: Callable[[], Context] = Context,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        parent: QObject | None = None,
        on_sent: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._on_sent = on_sent  # after each send, sent or not (the app gives memory back)
        self.notifier = notifier
        self.settings = settings or policy.NotifySettings()
        self.state = policy.PolicyState()
        self._context = context
        self._clock = clock
        self._tasks: set[asyncio.Task[None]] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.flush)

    def handle_event(self, event: Event) -> None:
        self.state, out = policy.decide(
            self.state, event, self._clock(), self.settings, self._context()
        )
        self._dispatch(out)

    def flush(self) -> None:
        self.state, out = policy.flush(self.state, self._clock(), self.settings, self._context())
        self._dispatch(out)

    def mute(self, service: str, until: policy.MuteUntil) -> None:
        self.state = policy.mute(self.state, service, until)

    def unmute(self, service: str) -> None:
        self.state = policy.unmute(self.state, service)

    def tell_when_back(self, service: str) -> None:
        self.state = policy.tell_when_back(self.state, service)

    def is_muted(self, service: str) -> bool:
        return policy.is_muted(self.state, service, self._clock())

    async def drain(self) -> None:
        """Wait for the sends under way (for shutdown and tests)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def withdraw_all(self) -> None:
        """At quit: take back what is still shown (after ``drain``)."""
        try:
            await self.notifier.withdraw_all()
        except Exception:
            log.warning("could not withdraw the notifications", exc_info=True)

    def _dispatch(self, notifications: list[Notification]) -> None:
        for n in notifications:
            task = asyncio.ensure_future(self._send(n))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._schedule()

    def _schedule(self) -> None:
        deadline = policy.next_deadline(self.state)
        if deadline is None:
            self._timer.stop()
            return
        delay = (deadline - self._clock()).total_seconds()
        self._timer.start(max(0, math.ceil(delay * 1000)))  # a restart moves the single timer

    async def _send(self, n: Notification) -> None:
        try:
            await self.notifier.send(n)
        except Exception:  # a notification is never worth crashing or stalling the app
            log.warning("could not show notification %r", n.title, exc_info=True)
        if self._on_sent is not None:
            self._on_sent()
