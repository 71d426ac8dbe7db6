"""The tray icon and its menu, drawn from the hub's state.

One icon shows the worst state of all watched services (``summary.overall``), and the tooltip
says in words what is wrong. The menu is rebuilt from the hub every time it is about to show,
so durations and "checked 2 min ago" are never stale; every action in it emits a hub request,
so the tray never reaches into the engine. When no tray host exists yet (autostart before the
panel, GNOME without the AppIndicator extension) the icon is created as soon as one appears:
Qt decides between its D-Bus (StatusNotifierItem) and XEmbed backends when the icon is created.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QPixmapCache
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from trayapp.core import summary
from trayapp.core.model import Incident, Severity
from trayapp.core.summary import TrayState
from trayapp.ui import icons
from trayapp.ui.hub import NOTICE_CONFIG, NOTICE_START, Hub

if TYPE_CHECKING:
    from PySide6.QtCore import QEvent

    from trayapp.core.status import SourceStatus

UNTIL_RECOVERED = "until recovered"  # same value as notify_policy.UNTIL_RECOVERED (no import)
MUTE_CHOICES: tuple[tuple[str, timedelta | None], ...] = (
    ("Mute for 1 h", timedelta(hours=1)),
    ("Mute for 4 h", timedelta(hours=4)),
    ("Mute for 8 h", timedelta(hours=8)),
    ("Mute until it recovers", None),
)
UPDATE_WIDTH = 64  # characters per line of an incident's latest update in the menu
UPDATE_LINES = 3
EVIDENCE_LINES = 3  # menu lines per probe's evidence (its reason is one short line)
FIRST_LINE_NAMED = 1  # services named in the menu's first line before "+N more"
RETRY_FIRST = 1.0  # seconds before the first retry to find a tray host, doubling...
RETRY_MAX = 30.0  # ...up to this
# Qt caches the pixmaps it renders for the tray host and keeps a flush timer running while the
# cache holds any: emptied this long after the icon or menu changed, the idle app sleeps.
PIXMAP_CACHE_GRACE_MS = 5_000
STALE_SLACK_MS = 50  # the stale timer fires just after the moment (stale is "later than")


def label(text: str) -> str:
    """Menu text shown literally: '&' is a mnemonic marker in Qt menus."""
    return text.replace("&", "&&")


def dbus_label(text: str) -> str:
    """The Qt text whose D-Bus export shows what ``text`` shows in a Qt menu.

    Qt's dbusmenu exporter (QDBusMenuItem::convertMnemonic) turns the first '&' into '_' and
    passes every '_' on as it is, but the tray host (GTK, GNOME's AppIndicator) reads '_' as a
    mnemonic marker and '__' as a literal '_'. So: '_' doubled; the first '&' doubled (it goes
    out as "_&", a literal '&'), any later one single (Qt leaves it alone).
    """
    plain = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
    return plain.replace("_", "__").replace("&", "&&", 1)


def exports_dbus_menu() -> bool:
    """Whether Qt shows our (shown) tray icon as a StatusNotifierItem with a D-Bus menu. On
    Linux/BSD (X11, Wayland) Qt takes D-Bus when a StatusNotifierWatcher is on the session bus
    and otherwise embeds a window of its own in an XEmbed tray, a ``QSystemTrayIconSys``
    widget: asking which one Qt made, rather than asking the bus again, spares the idle tray
    the QtDBus bindings (0.6 MiB)."""
    if QGuiApplication.platformName() not in ("xcb", "wayland"):
        return False
    return not any(w.inherits("QSystemTrayIconSys") for w in QApplication.topLevelWidgets())


def for_dbus(menu: QMenu) -> None:
    """Rewrite every label of ``menu`` and its submenus with ``dbus_label``."""
    for action in menu.actions():
        if action.text():
            action.setText(dbus_label(action.text()))
        if isinstance(sub := action.menu(), QMenu):
            for_dbus(sub)


def clock(moment: datetime, now: datetime) -> str:
    """'14:02' today, '3 May 14:02' on another day, in local time."""
    local = moment.astimezone()
    if local.date() == now.astimezone().date():
        return local.strftime("%H:%M")
    return f"{local.day} {local:%b %H:%M}"


def mute_text(until: Any, now: datetime) -> str | None:
    """'Muted until 15:04' / 'Muted until it recovers'; None when not (or no longer) muted."""
    if until == UNTIL_RECOVERED:
        return "Muted until it recovers"
    if isinstance(until, datetime) and until > now:
        return f"Muted until {clock(until, now)}"
    return None


def _heading(menu: QMenu, text: str) -> QAction:
    action = menu.addAction(label(text))
    action.setEnabled(False)
    return action


def _note(menu: QMenu, text: str, icon_state: TrayState | None = None) -> QAction:
    """A line of information: disabled, so it reads as text, not as a command."""
    action = _heading(menu, text)
    if icon_state is not None:
        action.setIcon(icons.icon_for(icon_state))
    return action


def _incident_lines(incident: Incident, now: datetime) -> list[str]:
    lines = []
    if incident.latest_update:
        wrapped = textwrap.wrap(incident.latest_update, UPDATE_WIDTH)
        if len(wrapped) > UPDATE_LINES:
            wrapped = [*wrapped[: UPDATE_LINES - 1], wrapped[UPDATE_LINES - 1].rstrip(".") + "…"]
        lines += [f"    {line}" for line in wrapped]
    when = incident.updated or incident.started
    status = incident.status.replace("_", " ")
    lines.append(f"    {status}" + (f" · updated {clock(when, now)}" if when else ""))
    return lines


def fill_service_menu(menu: QMenu, status: SourceStatus, hub: Hub, now: datetime) -> None:
    """One service's submenu: when it was checked, what is affected, its open incidents, and
    what the user can do about it. Shared by the tray and the status window."""
    name = status.watch.name
    mutes, back_watch = hub.mute_state()
    for text in (
        summary.verdict_line(status),
        summary.alternatives_line(status, hub.statuses, now),
    ):
        for line in textwrap.wrap(text or "", UPDATE_WIDTH):
            _note(menu, line)
    for text in summary.probe_lines(status, now):  # the evidence: what each check found
        for line in textwrap.wrap(text, UPDATE_WIDTH, subsequent_indent="    ")[:EVIDENCE_LINES]:
            _note(menu, line)
    _note(menu, summary.last_checked_text(status, now))
    if muted := mute_text(mutes.get(name), now):
        _note(menu, muted)
    if name in back_watch:
        _note(menu, "You will be told when it is back")
    reading = status.reading
    if reading is not None:
        affected = [c for c in reading.components if c.severity is not Severity.OPERATIONAL]
        if affected:
            menu.addSeparator()
            _heading(menu, "Affected components")
            page = status.watch.page_url
            for component in affected:
                text = f"{component.name}{summary.DASH}{component.severity.label}"
                action = menu.addAction(
                    icons.icon_for(TrayState.of(component.severity)), label(text)
                )
                if page:  # enabled, so its icon keeps its colour; a click shows the details
                    action.triggered.connect(lambda *_, u=page: hub.open_url_requested.emit(u))
                else:
                    action.setEnabled(False)
        for title, incidents in (
            ("Open incidents", reading.open_incidents),
            ("Maintenance", reading.active_maintenances),
        ):
            if not incidents:
                continue
            menu.addSeparator()
            _heading(menu, title)
            for incident in incidents:
                url = incident.url or status.watch.page_url
                action = menu.addAction(label(incident.title))
                action.setIcon(icons.icon_for(TrayState.of(incident.severity)))
                if url:
                    action.setToolTip(url)
                    action.triggered.connect(lambda *_, u=url: hub.open_url_requested.emit(u))
                else:
                    action.setEnabled(False)
                for line in _incident_lines(incident, now):
                    _note(menu, line)
    menu.addSeparator()
    page = status.watch.page_url
    if page:
        action = menu.addAction("Open status page")
        action.triggered.connect(lambda *_, u=page: hub.open_url_requested.emit(u))
    action = menu.addAction("Check now")
    action.setEnabled(not hub.paused)
    action.triggered.connect(lambda *_, n=name: hub.check_requested.emit(n))
    menu.addSeparator()
    if name in mutes and mute_text(mutes[name], now):
        action = menu.addAction("Unmute")
        action.triggered.connect(lambda *_, n=name: hub.mute_requested.emit(n, None))
    else:
        for text, span in MUTE_CHOICES:
            action = menu.addAction(text)
            action.triggered.connect(lambda *_, n=name, s=span: _mute(hub, n, s))
    back = menu.addAction("Tell me when it's back")
    back.setCheckable(True)
    back.setChecked(name in back_watch)
    back.setEnabled(name in back_watch or status.severity.is_problem or status.state.unreadable)
    back.toggled.connect(lambda on, n=name: hub.back_requested.emit(n, on))


def _mute(hub: Hub, name: str, span: timedelta | None) -> None:
    until = UNTIL_RECOVERED if span is None else datetime.now(UTC) + span
    hub.mute_requested.emit(name, until)


OTHER = "Other"  # the heading of services without a category, when others have one


def grouped(statuses: list[SourceStatus]) -> list[tuple[str | None, list[SourceStatus]]]:
    """Services by category in order of first appearance, those without one last (under
    "Other"); one group (None: no heading) if all share one."""
    groups: dict[str | None, list[SourceStatus]] = {}
    for status in statuses:
        groups.setdefault(status.watch.category or None, []).append(status)
    if len(groups) <= 1:
        return [(None, statuses)]
    rest = groups.pop(None, [])
    return [*groups.items(), *([(OTHER, rest)] if rest else [])]


def row_label(status: SourceStatus, hub: Hub, now: datetime) -> str:
    """A service's row: its state and for how long, and whether it is muted."""
    text = summary.row_text(status, now)
    mutes, _ = hub.mute_state()
    if mute_text(mutes.get(status.watch.name), now):
        text += " (muted)"
    return text


def state_of(hub: Hub, now: datetime | None = None) -> TrayState:
    return summary.overall(
        hub.statuses,
        offline=hub.offline,
        paused=hub.paused,
        now=now or datetime.now(UTC),
        offline_since=hub.offline_since,
    )


def tooltip_of(hub: Hub, now: datetime, max_named: int = summary.MAX_NAMED) -> str:
    """What is wrong, in words; before the engine runs, that it is starting."""
    if not hub.started:
        return hub.notices.get(NOTICE_START, "trayapp: starting…")
    if NOTICE_CONFIG in hub.notices and not hub.statuses:
        return "trayapp: the config file has an error"
    return summary.tooltip(
        hub.statuses,
        offline=hub.offline,
        paused=hub.paused,
        now=now,
        max_named=max_named,
        offline_since=hub.offline_since,
    )


class Tray(QObject):
    """The icon (once a tray host exists) and its context menu."""

    appeared = Signal()  # the icon is in a tray (also after starting without one)

    def __init__(
        self, hub: Hub, icon: QSystemTrayIcon | None = None, parent: QObject | None = None
    ) -> None:
        """``icon``: one already shown (the cached start-up icon), to adopt."""
        super().__init__(parent)
        self.hub = hub
        self.icon: QSystemTrayIcon | None = None
        self.menu = _Menu(self.palette_changed)
        self.menu.aboutToShow.connect(self.rebuild_menu)
        self.state = TrayState.UNKNOWN
        self._shown: tuple[TrayState | None, str] = (None, "")  # icon state and tooltip set
        self._menu_key: object = None  # what the menu showed when it was last built
        self._submenus: list[QMenu] = []
        self._clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._refresh = _single_shot(self, 0, self.refresh)  # coalesces bursts of updates
        self._retry = _single_shot(self, 0, self._retry_show)
        self._stale = _single_shot(self, 0, self.refresh)  # the next service to turn stale
        self._retry_delay = RETRY_FIRST
        hub.on_view_change(self._refresh.start)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self.palette_changed)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):  # icons are painted for the screens' scales
            app.screenAdded.connect(self.palette_changed)
            app.screenRemoved.connect(self.palette_changed)
        if icon is not None:
            self._adopt(icon, full=False)

    # ---- the icon

    def show(self) -> bool:
        """Show the icon if a tray host exists; False (and nothing created) otherwise."""
        if self.icon is not None:
            return True
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return False
        self.state = state_of(self.hub, self._clock())
        started = self.hub.started
        shown = icons.icon_for(self.state) if started else icons.quick_icon(self.state)
        icon = QSystemTrayIcon(shown)
        icon.setToolTip(tooltip_of(self.hub, self._clock()))
        self._adopt(icon, full=started)  # the menu first: D-Bus hosts look it up on registering
        icon.show()
        return True

    def _adopt(self, icon: QSystemTrayIcon, full: bool) -> None:
        """Take ``icon`` as ours; unless it is ``full``, it carries a few sizes only, and the
        next refresh sets the full one."""
        icon.setParent(self)
        icon.setContextMenu(self.menu)
        icon.activated.connect(self._activated)
        self.icon = icon
        self._shown = (self.state if full else None, icon.toolTip())

    def keep_trying(self) -> None:
        """Retry ``show`` with capped backoff until a tray host appears (then emit appeared)."""
        self._retry_delay = RETRY_FIRST
        self._retry.start(int(self._retry_delay * 1000))

    def hide(self) -> None:
        self._retry.stop()
        if self.icon is not None:
            self.icon.hide()

    @property
    def visible(self) -> bool:
        return self.icon is not None and self.icon.isVisible()

    def refresh(self) -> None:
        """Repaint the icon and tooltip when they change, and rebuild the menu when what it
        shows changed: a D-Bus tray host fetches the icon, tooltip or menu again on every
        change signal, so nothing is sent after a poll that changed nothing."""
        now = self._clock()
        self.state = state_of(self.hub, now)
        if self.icon is None:
            return
        self._arm_stale(now)
        icon_state, tip = self._shown
        changed = self.state != icon_state
        if changed:
            self.icon.setIcon(icons.icon_for(self.state))
        text = tooltip_of(self.hub, self._clock())
        if text != tip:
            self.icon.setToolTip(text)
        self._shown = (self.state, text)
        if menu_key(self.hub, now) != self._menu_key and not self.menu.isVisible():
            self.rebuild_menu()  # keeps the menu current for D-Bus hosts that cache it
            changed = True
        if changed:
            QTimer.singleShot(PIXMAP_CACHE_GRACE_MS, QPixmapCache.clear)

    def _arm_stale(self, now: datetime) -> None:
        """One single-shot timer at the moment the next service turns stale, so the icon,
        tooltip and menu say so then, not at the next redraw. A poll in time re-arms it later:
        it never fires between polls of a service that is read."""
        at = summary.next_stale_at(self.hub.statuses.values(), now)
        if at is None:
            self._stale.stop()
            return
        self._stale.start(int((at - now).total_seconds() * 1000) + STALE_SLACK_MS)

    def palette_changed(self) -> None:
        icons.clear_cache()
        self._shown = (None, self._shown[1])
        self.refresh()

    def _retry_show(self) -> None:
        if self.show():
            self.appeared.emit()
            return
        self._retry_delay = min(self._retry_delay * 2, RETRY_MAX)
        self._retry.start(int(self._retry_delay * 1000))

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        Reason = QSystemTrayIcon.ActivationReason
        if reason in (Reason.Trigger, Reason.DoubleClick):
            self.hub.show_main_requested.emit()
        elif reason == Reason.MiddleClick:
            self.hub.check_requested.emit("")

    # ---- the menu

    def rebuild_menu(self) -> None:
        now = self._clock()
        self._menu_key = menu_key(self.hub, now)
        build_menu(self.menu, self.hub, now, self._submenus)
        if self.visible and exports_dbus_menu():  # the labels the tray host is sent
            for_dbus(self.menu)


def menu_key(hub: Hub, now: datetime) -> object:
    """Everything the menu shows except relative times (those are redrawn when it opens)."""
    mutes, back_watch = hub.mute_state()
    services = tuple(
        (name, s.severity, s.state.flapping, s.state.last_error, s.reading, s.watch, probes, stale)
        for name, s in hub.statuses.items()
        for probes in [
            tuple((p.health, p.last and (p.last.cause, p.last.status)) for p in s.probes)
        ]
        for stale in [summary.is_stale(s, now)]
    )
    notices = tuple(sorted(hub.notices))
    return (hub.started, hub.paused, hub.offline, notices, services, dict(mutes), back_watch)


def build_menu(menu: QMenu, hub: Hub, now: datetime, submenus: list[QMenu]) -> None:
    """Fill ``menu`` from the hub: a header, a row per service, then the global actions.

    ``submenus`` holds the previous build's submenus, which are deleted here (QMenu.clear()
    leaves submenus alive).
    """
    menu.clear()
    for old in submenus:
        old.deleteLater()
    submenus.clear()
    _note(menu, tooltip_of(hub, now, FIRST_LINE_NAMED))  # short: submenus open beside it
    if NOTICE_CONFIG in hub.notices and hub.config is not None and hub.config.path:
        action = menu.addAction("Open the config file")
        path = str(hub.config.path)
        action.triggered.connect(lambda *_, p=path: hub.open_url_requested.emit(p))
    menu.addSeparator()
    services = hub.services()
    if not services and hub.started:
        _note(menu, "No services watched: add some in Settings…")
    for category, statuses in grouped(services):
        if category:
            _heading(menu, category)
        for status in statuses:
            sub = QMenu(label(row_label(status, hub, now)), menu)
            sub.setIcon(icons.icon_for(summary.row_state(status, now)))
            fill_service_menu(sub, status, hub, now)
            menu.addMenu(sub)
            submenus.append(sub)
    menu.addSeparator()
    main = menu.addAction("Status window…")
    main.triggered.connect(hub.show_main_requested)
    check = menu.addAction("Check all now")
    check.setEnabled(hub.started and not hub.paused and bool(services))
    check.triggered.connect(lambda *_: hub.check_requested.emit(""))
    pause = menu.addAction("Pause all")
    pause.setCheckable(True)
    pause.setChecked(hub.paused)
    pause.toggled.connect(hub.pause_requested)
    menu.addSeparator()
    menu.addAction("History…").triggered.connect(hub.show_history_requested)
    menu.addAction("Settings…").triggered.connect(hub.show_settings_requested)
    menu.addSeparator()
    menu.addAction("Quit").triggered.connect(hub.quit_requested)


class _Menu(QMenu):
    """The tray menu; as a widget it hears of palette and theme changes (light/dark panel),
    which the icon must follow. (An application-wide event filter would cost a Python call
    for every event the app handles.)"""

    def __init__(self, on_palette: Callable[[], None]) -> None:
        super().__init__()
        self._on_palette = on_palette

    def changeEvent(self, event: QEvent) -> None:
        from PySide6.QtCore import QEvent  # its 180-member enum is built on first use

        super().changeEvent(event)
        kinds = (
            QEvent.Type.PaletteChange,
            QEvent.Type.ApplicationPaletteChange,
            QEvent.Type.ThemeChange,
        )
        if event.type() in kinds:
            QTimer.singleShot(0, self._on_palette)  # after every widget has the new palette


def _single_shot(parent: QObject, msec: int, slot: Callable[[], None]) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(msec)
    timer.timeout.connect(slot)
    return timer
