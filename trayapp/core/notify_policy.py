"""Notification policy: a pure function from tracker events to the few notifications worth sending.

No Qt, no I/O, no clock: the caller passes ``now`` and keeps one frozen ``PolicyState``.
``decide`` files an event into a group buffer; ``flush`` turns the buffer into at most one
notification once the group window (``settings.user.group_window``) has passed since the
group's first event; the UI schedules one single-shot timer at ``next_deadline(state)``
(nothing ticks). ``decide`` also flushes a group whose deadline has already passed before
filing the new event.

Rules, and why (a status tray that cries wolf gets muted for good):

- **Only state changes count**, measured against what the user was last *told* (``told``), not
  against the previous reading: a service that goes major → unreadable → major says nothing new.
  Several changes of one service within a window collapse into the net change; a blip that ends
  where it started says nothing at all.
- **Start-up** (``previous=None``): what is already down when the app starts (or a watch is
  added) goes into one summary notification for the first group window ("Already so when
  trayapp started"), and is then told like any outage, so its recovery is announced. Fine or
  unreadable services at start-up say nothing (a fine page read after the user's own checks
  found an outage does not end it). The checks may find an outage before the page's first read
  (a ``verdict`` event with ``previous=None``): it is told the same way.
- **Silent kinds:** ``unreadable``, ``flapping`` (it also drops the service's buffered change)
  and ``offline``/``online`` never notify: unknown is not an outage, and an offline spell is the
  user's network, which the icon shows. The ``stable`` event that ends flapping counts like a
  status change: the settled state is news again.
- **Problem** = a known severity at or above ``min_severity``. A problem the user has not been
  told of notifies (urgency: major outage → critical, otherwise normal); a better problem than
  the one told notifies as "improving" (low).
- **Recovery** (out of problem territory) notifies only if the user was told of the outage, and
  never when the net change passed through ``unknown`` (``previous=UNKNOWN``): we cannot know
  what happened in between (the tracker's rule). Either way ``told`` is cleared.
- **Yours** (the user's key, quota or settings, from the service's own checks): one
  notification ("Your OpenAI key was rejected", with the fix), at normal urgency, not repeated
  until the service's verdict has been something else. It is not a recovery: a told outage
  stays told (only an expected answer ends it), and nothing says "back".
- **Tell me when it's back** fires once when the service is out of problem territory, then
  clears itself. It says how long the service was down (since the problem began), at
  normal urgency: the user asked for it. It passes mutes and quiet hours (the user asked for
  exactly this message) and also fires after an unreadable spell: it answers "is it usable
  now?", not "did it recover?", and its text says the page was unreadable for a while.
- **Mutes** (until a time, or ``UNTIL_RECOVERED``) and **quiet hours** suppress everything else,
  recoveries included; a suppressed problem is not "told", so its recovery stays silent too.
  ``UNTIL_RECOVERED`` mutes end at the recovery. ``enabled=False`` suppresses everything, and
  the bookkeeping still runs, so switching back on never announces stale news.
- **Maintenance** notifies (low) only with ``on_maintenance``; recoveries only with
  ``on_recovery`` (both are ``[notifications]`` keys, named as in the config file).
- **Incident updates** on an outage the user was told of notify (low) with
  ``notify_incident_updates``, at most one per service per ``update_interval`` (an outage
  notification counts as one), and not when the same group already reports the service.
- **Grouping:** every item of a window goes into one notification; its urgency is the highest
  and a click opens the most urgent service's page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from typing import Final, Literal, TypeVar

from trayapp.core.model import Event, Incident, IncidentKind, Severity
from trayapp.core.notify_wording import Context, Item, Notification, NotificationKind, compose
from trayapp.core.settings import NotificationSettings

UNKNOWN = Severity.UNKNOWN
UNTIL_RECOVERED: Final = "until recovered"

MuteUntil = datetime | Literal["until recovered"]

_V = TypeVar("_V")


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """What the policy follows: the user's ``[notifications]`` settings as declared (and named)
    in ``trayapp.core.settings``, plus what the app, not the config file, decides."""

    user: NotificationSettings = field(default_factory=NotificationSettings)
    notify_incident_updates: bool = True
    update_interval: timedelta = timedelta(minutes=10)  # per service, for incident updates
    timezone: tzinfo | None = None  # zone of quiet_hours; None: the system's local zone

    def __post_init__(self) -> None:
        if not self.user.min_severity.is_problem:
            raise ValueError("min_severity must be degraded, partial_outage or major_outage")
        if self.user.group_window < 0 or self.update_interval < timedelta(0):
            raise ValueError("group_window and update_interval must not be negative")


@dataclass(frozen=True, slots=True)
class _Change:
    """One service's buffered net severity change within the current group window."""

    service: str
    first_previous: Severity  # the severity before the window's first change
    severity: Severity  # the latest
    via_unknown: bool  # some step of it came from unknown
    components: tuple[str, ...] = ()
    note: str = ""  # the verdict in words, when the user's own checks made the change
    since: datetime | None = None  # when the window's first change happened
    startup: bool = False  # the state found at start-up (previous=None)


@dataclass(frozen=True, slots=True)
class _Update:
    """The latest incident update of one service within the current group window."""

    service: str
    text: str


@dataclass(frozen=True, slots=True)
class _Yours:
    """The service's own checks are held on the user's side; ``text`` says what to do."""

    service: str
    text: str


@dataclass(frozen=True, slots=True)
class PolicyState:
    """What the policy remembers between events. Mappings are never mutated, only replaced."""

    mutes: Mapping[str, MuteUntil] = field(default_factory=dict)
    told: Mapping[str, Severity] = field(default_factory=dict)  # outages the user was told of
    down_since: Mapping[str, datetime] = field(default_factory=dict)  # problems, since when
    yours: frozenset[str] = frozenset()  # services whose "yours" the user was told of
    by_checks: frozenset[str] = frozenset()  # told outages that the user's own checks found
    back_watch: frozenset[str] = frozenset()  # "tell me when it's back"
    incidents: Mapping[str, tuple[Incident, ...]] = field(default_factory=dict)  # open ones
    last_update: Mapping[str, datetime] = field(default_factory=dict)  # rate limit of updates
    pending: tuple[_Change | _Update | _Yours, ...] = ()
    pending_until: datetime | None = None  # when the buffered group is due

    @property
    def told_outage(self) -> frozenset[str]:
        return frozenset(self.told)


# ---------------------------------------------------------------------------- user commands


def mute(state: PolicyState, service: str, until: MuteUntil) -> PolicyState:
    """Silence ``service`` until a time, or ``UNTIL_RECOVERED``."""
    return replace(state, mutes={**state.mutes, service: until})


def unmute(state: PolicyState, service: str) -> PolicyState:
    return replace(state, mutes=_without(state.mutes, service))


def is_muted(state: PolicyState, service: str, now: datetime) -> bool:
    until = state.mutes.get(service)
    if until is None:
        return False
    return until == UNTIL_RECOVERED or now < until


def tell_when_back(state: PolicyState, service: str) -> PolicyState:
    """Notify once when ``service`` is no longer a problem, even if muted or in quiet hours."""
    return replace(state, back_watch=state.back_watch | {service})


def cancel_when_back(state: PolicyState, service: str) -> PolicyState:
    return replace(state, back_watch=state.back_watch - {service})


def forget(state: PolicyState, service: str) -> PolicyState:
    """Drop everything about ``service`` (its watch was removed)."""
    return replace(
        state,
        mutes=_without(state.mutes, service),
        told=_without(state.told, service),
        down_since=_without(state.down_since, service),
        yours=state.yours - {service},
        by_checks=state.by_checks - {service},
        back_watch=state.back_watch - {service},
        incidents=_without(state.incidents, service),
        last_update=_without(state.last_update, service),
        pending=tuple(p for p in state.pending if p.service != service),
    )


def next_deadline(state: PolicyState) -> datetime | None:
    """When ``flush`` has something to emit; None while nothing is buffered."""
    return state.pending_until


def in_quiet_hours(now: datetime, settings: NotifySettings) -> bool:
    """Whether ``now`` falls in the quiet hours, read on the local wall clock."""
    if settings.user.quiet_hours is None:
        return False
    start, end = settings.user.quiet_hours
    if now.tzinfo is not None:
        now = now.astimezone(settings.timezone)  # None: the system's local zone
    t = now.time().replace(tzinfo=None)
    if start == end:
        return False  # an empty span, not 24 hours: "quiet all day" is enabled=False
    if start < end:
        return start <= t < end
    return t >= start or t < end  # wraps midnight


# ---------------------------------------------------------------------------- events


def decide(
    state: PolicyState,
    event: Event,
    now: datetime,
    settings: NotifySettings,
    context: Context | None = None,
) -> tuple[PolicyState, list[Notification]]:
    """File ``event``; returns the new state and what an overdue group produced (usually [])."""
    state, out = flush(state, now, settings, context)
    state = _file(state, event, settings)
    if state.pending and state.pending_until is None:
        state = replace(state, pending_until=now + timedelta(seconds=settings.user.group_window))
    return state, out


def _file(state: PolicyState, event: Event, settings: NotifySettings) -> PolicyState:
    service = event.service
    if not service:  # offline/online: the user's network, shown by the icon
        return state
    match event.kind:
        case "status" | "stable":
            if event.previous is None:  # start-up: a summary of what is already down
                if event.severity is UNKNOWN:
                    return state
                if _is_problem(event.severity, settings):
                    return _buffer_change(state, event)
                if service in state.by_checks:  # the page is fine; the checks' outage is not over
                    return state
                return replace(state, told=_without(state.told, service))  # stale news
            if event.severity is UNKNOWN:  # "stable but unreadable"
                return state
            return _buffer_change(state, event)
        case "verdict" if event.severity is not UNKNOWN:
            # the user's own checks see an outage (or its end) before the page admits it;
            # previous=None: they saw it before the page's first read (a start-up problem)
            if event.previous is None and not _is_problem(event.severity, settings):
                return state
            state = replace(state, yours=state.yours - {service})
            return _buffer_change(state, event)
        case "yours":  # the user's key, quota or settings: not an outage, not a recovery
            if service in state.yours:
                return state
            item = _Yours(service, event.message)
            return replace(state, pending=(*_drop(state.pending, service, _Yours), item))
        case "flapping":
            return replace(state, pending=_drop(state.pending, service, _Change))
        case "incident_opened" | "incident_updated" | "incident_resolved" if event.incident:
            incident = event.incident
            known = tuple(i for i in state.incidents.get(service, ()) if i.id != incident.id)
            if event.kind != "incident_resolved":
                known = (*known, incident)
            incidents = _without(state.incidents, service)
            state = replace(state, incidents={**incidents, service: known} if known else incidents)
            if event.kind == "incident_updated" and incident.kind == "incident":
                text = incident.latest_update or event.message or incident.title
                pending = (*_drop(state.pending, service, _Update), _Update(service, text))
                state = replace(state, pending=pending)
            return state
    return state  # unreadable and anything new: silent


def _buffer_change(state: PolicyState, event: Event) -> PolicyState:
    startup = event.previous is None
    old = next(
        (p for p in state.pending if isinstance(p, _Change) and p.service == event.service), None
    )
    if event.kind == "verdict" and old is not None and old.severity is event.severity:
        return state  # the page's own change, which carries the components, said it already
    change = _Change(
        service=event.service,
        first_previous=old.first_previous if old else (event.previous or UNKNOWN),
        severity=event.severity,
        via_unknown=(old.via_unknown if old else False) or event.previous is UNKNOWN,
        components=event.components or (old.components if old else ()),
        note=event.message if event.kind == "verdict" else "",
        since=old.since if old else event.time,
        startup=(old.startup if old else False) or startup,
    )
    return replace(state, pending=(*_drop(state.pending, event.service, _Change), change))


# ---------------------------------------------------------------------------- flushing


def flush(
    state: PolicyState,
    now: datetime,
    settings: NotifySettings,
    context: Context | None = None,
) -> tuple[PolicyState, list[Notification]]:
    """Emit the buffered group once its deadline has passed; otherwise change nothing."""
    if state.pending_until is None or now < state.pending_until:
        return state, []
    pending = state.pending
    state = _expire_mutes(replace(state, pending=(), pending_until=None), now)
    quiet = not settings.user.enabled or in_quiet_hours(now, settings)
    items: list[Item] = []
    for change in (p for p in pending if isinstance(p, _Change)):
        state, item = _judge(state, change, now, settings, quiet)
        if item is not None:
            items.append(item)
    for held in (p for p in pending if isinstance(p, _Yours)):
        if held.service in state.yours:
            continue
        if not quiet and not is_muted(state, held.service, now):
            state = replace(state, yours=state.yours | {held.service})
            items.append(Item(held.service, "yours", UNKNOWN, text=held.text))
    reported = {i.service for i in items}
    for update in (p for p in pending if isinstance(p, _Update)):
        state, item = _judge_update(state, update, now, settings, quiet, reported)
        if item is not None:
            items.append(item)
    return state, compose(items, context or Context())


def _judge(
    state: PolicyState, change: _Change, now: datetime, settings: NotifySettings, quiet: bool
) -> tuple[PolicyState, Item | None]:
    """Classify one net change and update what the user knows."""
    service, severity = change.service, change.severity
    if severity is change.first_previous:
        return state, None
    silent = quiet or is_muted(state, service, now)
    told = state.told.get(service)
    if _is_problem(severity, settings):
        state = replace(state, down_since={service: change.since or now, **state.down_since})
        if told is severity or silent:
            return state, None
        improving = told is not None and severity.rank < told.rank
        by_checks = state.by_checks | {service} if change.note else state.by_checks - {service}
        state = replace(
            state,
            told={**state.told, service: severity},
            last_update={**state.last_update, service: now},
            by_checks=by_checks,
        )
        kind: NotificationKind = "improving" if improving else "problem"
        before = told if improving else change.first_previous
        text = _latest_title(state, service, "incident") or _sentence(change.note)
        item = Item(service, kind, severity, before, text, change.components)
        return state, replace(item, startup=change.startup and not improving)

    # out of problem territory: the outage (if any) is over for the user's purposes
    began = state.down_since.get(service)
    down_for = (change.since or now) - began if began is not None else None
    state = replace(
        state,
        told=_without(state.told, service),
        by_checks=state.by_checks - {service},
        down_since=_without(state.down_since, service),
        last_update=_without(state.last_update, service),
    )
    if state.mutes.get(service) == UNTIL_RECOVERED:
        state = unmute(state, service)
    if service in state.back_watch:
        state = cancel_when_back(state, service)
        if not settings.user.enabled:
            return state, None
        item = Item(service, "back", severity, told, via_unknown=change.via_unknown)
        return state, replace(item, down_for=down_for)
    if silent:
        return state, None
    if told is not None and not change.via_unknown and settings.user.on_recovery:
        return state, Item(service, "recovered", severity, told, down_for=down_for)
    if (
        severity is Severity.MAINTENANCE
        and settings.user.on_maintenance
        and change.first_previous is not Severity.MAINTENANCE
    ):
        title = _latest_title(state, service, "maintenance")
        return state, Item(service, "maintenance", severity, text=title)
    return state, None


def _sentence(text: str) -> str:
    """'outage seen by your checks' → 'Outage seen by your checks.' ('' stays '')."""
    text = text.strip()
    if not text:
        return ""
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def _judge_update(
    state: PolicyState,
    update: _Update,
    now: datetime,
    settings: NotifySettings,
    quiet: bool,
    reported: set[str],
) -> tuple[PolicyState, Item | None]:
    service = update.service
    last = state.last_update.get(service)
    if (
        not settings.notify_incident_updates
        or quiet
        or service in reported
        or service not in state.told
        or is_muted(state, service, now)
        or (last is not None and now - last < settings.update_interval)
    ):
        return state, None
    state = replace(state, last_update={**state.last_update, service: now})
    return state, Item(service, "update", state.told[service], text=update.text)


# ---------------------------------------------------------------------------- small helpers


def _is_problem(severity: Severity, settings: NotifySettings) -> bool:
    return severity is not UNKNOWN and severity.rank >= settings.user.min_severity.rank


def _latest_title(state: PolicyState, service: str, kind: IncidentKind) -> str:
    titles = [i.title for i in state.incidents.get(service, ()) if i.kind == kind]
    return titles[-1] if titles else ""


def _expire_mutes(state: PolicyState, now: datetime) -> PolicyState:
    if all(is_muted(state, s, now) for s in state.mutes):
        return state
    return replace(state, mutes={s: u for s, u in state.mutes.items() if is_muted(state, s, now)})


def _without(mapping: Mapping[str, _V], key: str) -> dict[str, _V]:
    return {k: v for k, v in mapping.items() if k != key}


def _drop(
    pending: tuple[_Change | _Update | _Yours, ...], service: str, kind: type
) -> tuple[_Change | _Update | _Yours, ...]:
    return tuple(p for p in pending if not (p.service == service and isinstance(p, kind)))
