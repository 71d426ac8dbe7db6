"""Tracker: a pure state machine from one source's readings to the events worth recording.

``step(state, service, reading, now, config)`` returns the next frozen state and the events the
reading caused. No I/O, no clock: the engine passes ``now`` and keeps one ``SourceState`` per watch.

Rules, and why:

- **First reading.** A readable first reading is adopted at once (nothing to confirm against) and
  announced as a ``status`` event with ``previous=None``, so the log knows the starting state. The
  incidents and maintenances already open then are announced as ``incident_opened``: the log needs
  a row for them, even though they started before we looked (``Incident.started`` says when).
  An unreadable first reading is confirmed like any other (see below), with ``previous=None``.
- **Resuming.** ``resume`` builds the state a new run starts from: the log's last known severity
  and open incidents. The first reading then adopts its severity silently when it is the same,
  and writes the change once, marked "seen at start", when it changed while the app was closed;
  incidents still open and unchanged are not written again. An unreadable page that was already
  unreadable is not written again either.
- **Confirmation.** A change of the confirmed severity needs ``confirm_worse`` consecutive readings
  worse than it (or ``confirm_better`` better than it); the new severity is the latest of those
  readings, so degraded-then-major confirms as major. A reading equal to the confirmed severity,
  or on the other side of it, restarts the count. One outlier therefore never flips anything when
  the count is 2 or more; 1 makes changes immediate.
- **Unreadable.** ``confirm_worse`` unknown readings in a row confirm ``unknown`` and emit one
  ``unreadable`` event (message: the reason). Unknown readings neither count toward nor reset a
  pending readable change (a dying page that alternates 503 and "major outage" still confirms
  the outage), while any readable reading restarts the unknown count. Back to readable takes
  ``confirm_better`` readable readings in a row and emits a ``status`` event with
  ``previous=UNKNOWN``, even if the severity is the one from before: never a recovery, even if
  the source was in trouble before and is fine now, since we cannot know what happened in
  between. The notifier relies on that.
- **Incidents** are diffed on every readable reading, never on an unreadable one (missing data
  must not resolve anything), against the open incidents and maintenances of the last readable
  reading, keyed by id: new id -> ``incident_opened``; changed status or latest update ->
  ``incident_updated``; gone from the open set -> ``incident_resolved``, carrying the payload's
  closed copy if it still lists it, else the last known copy with ``open=False``. Incident
  events are not confirmed: a page that names an incident has said something definite.
- **Flapping.** Each confirmed change (to or from ``unknown`` included) is timed; when
  ``flap_threshold`` of them fall within ``flap_window``, one ``flapping`` event replaces the
  change that crossed the threshold, and ``status``/``unreadable`` events are held back until the
  confirmed severity has not changed for ``settle``. Then one ``stable`` event gives the settled
  severity, with ``previous`` = the last severity announced before flapping, or ``unknown`` if the
  source was unreadable at any point of the episode (again: never a recovery through unreadable).
  Flapping faster than confirmation can follow (a page alternating major/operational at every
  poll never confirms anything) is caught on the raw readings: ``2 * flap_threshold`` changes
  from one reading to the next within ``flap_window`` start the same episode, and it settles
  only once the readings, too, have held still for ``settle``.

Within one step the severity event (if any) comes first, then incident events in payload order,
then resolutions in the order the incidents were first seen.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from trayapp.core.model import Event, EventKind, Incident, Reading, Severity

UNKNOWN = Severity.UNKNOWN


@dataclass(frozen=True, slots=True)
class TrackerConfig:
    """How cautious the tracker is. Defaults suit polling every one to five minutes."""

    confirm_worse: int = 2  # readings in a row before a worse (or unreadable) state counts
    confirm_better: int = 2  # readings in a row before a better (or readable again) state counts
    flap_threshold: int = 4  # confirmed changes within flap_window that mean "flapping"
    flap_window: timedelta = timedelta(minutes=30)
    settle: timedelta = timedelta(minutes=15)  # quiet time before a flapping source is "stable"

    def __post_init__(self) -> None:
        if self.confirm_worse < 1 or self.confirm_better < 1:
            raise ValueError("confirmation counts must be at least 1")
        if self.flap_threshold < 2:
            raise ValueError("flap_threshold must be at least 2")
        if self.flap_window <= timedelta(0) or self.settle < timedelta(0):
            raise ValueError("flap_window must be positive and settle not negative")


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the tracker remembers about one source between readings.

    ``confirmed`` is None before the first confirmed reading and ``UNKNOWN`` while the source is
    confirmed unreadable. ``pending``/``pending_count`` is the candidate change being confirmed.
    ``incidents`` are the open incidents and maintenances of the last readable reading.
    """

    confirmed: Severity | None = None
    since: datetime | None = None  # when the confirmed severity last changed
    last_readable: Severity | None = None  # latest confirmed severity other than unknown
    pending: Severity | None = None
    pending_count: int = 0
    incidents: tuple[Incident, ...] = ()
    changes: tuple[datetime, ...] = ()  # times of confirmed changes within the flap window
    flapping: bool = False
    flap_from: Severity | None = None  # last announced severity before flapping began
    last_raw: Severity | None = None  # the latest reading's severity, confirmed or not
    flips: tuple[datetime, ...] = ()  # times the raw severity changed, within the flap window
    last_flip: datetime | None = None
    last_reading: datetime | None = None
    last_success: datetime | None = None  # last readable reading
    last_error: str | None = None  # why the latest reading failed; None when it read fine
    resumed: bool = False  # started from the log's last known state (see ``resume``)
    resumed_from: Severity | None = None  # that state's severity, until the first confirmation

    @property
    def display_severity(self) -> Severity:
        """What to show now: the confirmed severity, ``unknown`` before any is confirmed."""
        return UNKNOWN if self.confirmed is None else self.confirmed

    def duration(self, now: datetime) -> timedelta | None:
        """How long the displayed severity has held at ``now`` (None before the first one)."""
        return None if self.since is None else max(now - self.since, timedelta(0))

    @property
    def unreadable(self) -> bool:
        return self.confirmed is UNKNOWN


SEEN_AT_START = " (seen at start)"


def resume(
    severity: Severity | None, since: datetime | None, incidents: tuple[Incident, ...]
) -> SourceState:
    """The state a new run starts from when the log knows the service: nothing is confirmed by
    this run yet, but the first reading is compared with what the log last said."""
    return SourceState(
        incidents=incidents,
        resumed=True,
        resumed_from=severity,
        since=since if severity is not None else None,
    )


def step(
    state: SourceState,
    service: str,
    reading: Reading,
    now: datetime,
    config: TrackerConfig | None = None,
) -> tuple[SourceState, list[Event]]:
    """Fold one reading into ``state``; return the new state and the events it caused."""
    config = config or TrackerConfig()
    readable = reading.severity is not UNKNOWN
    state = replace(
        state,
        last_reading=now,
        last_success=now if readable else state.last_success,
        last_error=None if readable else (reading.error or "could not be read"),
    )
    resuming = state.resumed and readable
    state, events = _track_flips(state, service, reading, now, config)
    if not events:
        state, events = _track_severity(state, service, reading, now, config)
    if readable:
        opened, state = _diff_incidents(state, service, reading, now)
        events += opened
    if resuming:  # what changed while the app was closed, written once
        state = replace(state, resumed=False, resumed_from=None)
        events = [replace(e, message=e.message + SEEN_AT_START) for e in events]
    return state, events


def _track_flips(
    state: SourceState, service: str, reading: Reading, now: datetime, config: TrackerConfig
) -> tuple[SourceState, list[Event]]:
    """Count changes between consecutive raw readings; start flapping when they come too often."""
    new, last = reading.severity, state.last_raw
    state = replace(state, last_raw=new)
    if last is None or new is last:
        return state, []
    flips = _recent((*state.flips, now), now, config.flap_window)
    state = replace(state, flips=flips, last_flip=now)
    if state.flapping or state.confirmed is None or len(flips) < 2 * config.flap_threshold:
        return state, []
    current = state.confirmed
    state = replace(state, flapping=True, flap_from=current)
    message = (
        f"Flapping: readings changed {len(flips)} times in {_span(config.flap_window)}"
        f" (now {new.label})"
    )
    return state, [_severity_event(now, service, "flapping", current, current, message, reading)]


def _track_severity(
    state: SourceState, service: str, reading: Reading, now: datetime, config: TrackerConfig
) -> tuple[SourceState, list[Event]]:
    """Confirm (or not) a severity change; end a flapping episode that has settled."""
    new = reading.severity
    if state.confirmed is None and new is not UNKNOWN:
        before = state.resumed_from
        unchanged = before is new and state.since is not None
        adopted = replace(
            state,
            confirmed=new,
            last_readable=new,
            since=state.since if unchanged else now,
            pending=None,
            pending_count=0,
        )
        if unchanged:
            return adopted, []
        if before is None:
            message = f"Status: {new.label}"
        elif before is UNKNOWN:
            message = f"Readable again: {new.label}"
        else:
            message = f"{before.label} → {new.label}"
        return adopted, [_severity_event(now, service, "status", new, before, message, reading)]

    state = _count(state, new)
    worse = _is_worse(state.confirmed, state.pending)
    needed = config.confirm_worse if worse else config.confirm_better
    if state.pending is None or state.pending_count < needed:
        return _maybe_settle(state, service, reading, now, config)

    previous, current, last_readable = state.confirmed, state.pending, state.last_readable
    changes = () if previous is None else _recent((*state.changes, now), now, config.flap_window)
    state = replace(
        state,
        confirmed=current,
        since=now,
        pending=None,
        pending_count=0,
        last_readable=last_readable if current is UNKNOWN else current,
        changes=changes,
    )
    return _announce(state, previous, last_readable, service, reading, now, config)


def _announce(
    state: SourceState,
    previous: Severity | None,
    last_readable: Severity | None,
    service: str,
    reading: Reading,
    now: datetime,
    config: TrackerConfig,
) -> tuple[SourceState, list[Event]]:
    """The event for a just-confirmed change (none while flapping), and the flap bookkeeping."""
    current = state.display_severity
    if previous is None:  # first confirmation, necessarily of unreadable: not a change
        resumed_from = state.resumed_from
        state = replace(state, resumed=False, resumed_from=None)
        if resumed_from is UNKNOWN:  # unreadable when the app closed, and still: nothing new
            return state, []
        return state, [_unreadable_event(now, service, resumed_from, reading)]
    if state.flapping:
        taint = UNKNOWN if current is UNKNOWN else state.flap_from
        return replace(state, flap_from=taint), []
    if len(state.changes) >= config.flap_threshold:
        state = replace(state, flapping=True, flap_from=UNKNOWN if current is UNKNOWN else previous)
        message = f"Flapping: {len(state.changes)} changes in {_span(config.flap_window)}"
        return state, [
            _severity_event(now, service, "flapping", current, previous, message, reading)
        ]
    if current is UNKNOWN:
        return state, [_unreadable_event(now, service, previous, reading)]
    if previous is UNKNOWN:
        message = f"Readable again: {current.label}"
        if last_readable is not None and last_readable is not current:
            message += f" (was {last_readable.label} before it became unreadable)"
        return state, [_severity_event(now, service, "status", current, previous, message, reading)]
    message = f"{previous.label} → {current.label}"
    return state, [_severity_event(now, service, "status", current, previous, message, reading)]


def _count(state: SourceState, new: Severity) -> SourceState:
    """Update the pending candidate with one reading (no confirmation decided here)."""
    current = state.confirmed
    if new is current:
        return replace(state, pending=None, pending_count=0)
    if new is UNKNOWN:
        if state.pending is UNKNOWN:
            return replace(state, pending_count=state.pending_count + 1)
        if state.pending is None or current is None:
            return replace(state, pending=UNKNOWN, pending_count=1)
        return state  # an unknown reading neither helps nor spoils a pending readable change
    if state.pending is not None and _same_direction(current, state.pending, new):
        return replace(state, pending=new, pending_count=state.pending_count + 1)
    return replace(state, pending=new, pending_count=1)


def _same_direction(current: Severity | None, pending: Severity, new: Severity) -> bool:
    """Whether ``new`` continues the pending change away from ``current``."""
    if pending is UNKNOWN:
        return False
    if current is UNKNOWN:
        return True  # any readable reading counts toward "readable again"
    assert current is not None
    return (pending.rank > current.rank) == (new.rank > current.rank)


def _is_worse(current: Severity | None, pending: Severity | None) -> bool:
    """Whether confirming ``pending`` is a change for the worse (unreadable counts as worse)."""
    if pending is None or current is None or pending is UNKNOWN:
        return True
    if current is UNKNOWN:
        return False
    return pending.rank > current.rank


def _maybe_settle(
    state: SourceState, service: str, reading: Reading, now: datetime, config: TrackerConfig
) -> tuple[SourceState, list[Event]]:
    """End a flapping episode once the confirmed severity has held for ``settle``."""
    if not state.flapping or state.since is None or now - state.since < config.settle:
        return state, []
    if state.last_flip is not None and now - state.last_flip < config.settle:
        return state, []  # confirmed severity steady, but the readings still alternate
    current = state.display_severity
    previous = state.flap_from
    state = replace(state, flapping=False, flap_from=None, changes=(), flips=())
    message = f"Stable at {current.label} after flapping"
    if current is UNKNOWN:
        message = f"Stable but unreadable after flapping: {reading.error or 'could not be read'}"
    return state, [_severity_event(now, service, "stable", current, previous, message, reading)]


def _recent(times: tuple[datetime, ...], now: datetime, window: timedelta) -> tuple[datetime, ...]:
    return tuple(t for t in times if now - t < window)


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60 or minutes % 60:
        return f"{minutes} min"
    return f"{minutes // 60} h"


def affected(reading: Reading) -> tuple[str, ...]:
    """Names of the reading's components that are not plainly operational (unknown excluded)."""
    return tuple(c.name for c in reading.components if c.severity.rank > 0)


def _severity_event(
    now: datetime,
    service: str,
    kind: EventKind,
    severity: Severity,
    previous: Severity | None,
    message: str,
    reading: Reading,
) -> Event:
    return Event(
        time=now,
        service=service,
        kind=kind,
        severity=severity,
        previous=previous,
        message=message,
        components=affected(reading),
    )


def _unreadable_event(
    now: datetime, service: str, previous: Severity | None, reading: Reading
) -> Event:
    reason = reading.error or "could not be read"
    return Event(now, service, "unreadable", UNKNOWN, previous, reason)


_WORDS: dict[str, tuple[str, str, str]] = {
    "incident": ("Incident opened", "Incident updated", "Incident resolved"),
    "maintenance": ("Maintenance started", "Maintenance updated", "Maintenance ended"),
}


def _diff_incidents(
    state: SourceState, service: str, reading: Reading, now: datetime
) -> tuple[list[Event], SourceState]:
    """Incident events between the last readable reading's open set and this one's."""
    before = {i.id: i for i in state.incidents}
    listed = {i.id: i for i in reading.incidents}
    now_open = tuple({i.id: i for i in reading.incidents if i.open}.values())
    severity = state.display_severity
    events: list[Event] = []

    def emit(kind: EventKind, which: int, incident: Incident) -> None:
        message = f"{_WORDS[incident.kind][which]}: {incident.title}"
        if kind == "incident_updated":
            message += f" ({incident.status.replace('_', ' ')})"
        events.append(
            Event(now, service, kind, severity, None, message, incident, incident.components)
        )

    for incident in now_open:
        old = before.get(incident.id)
        if old is None:
            emit("incident_opened", 0, incident)
        elif (old.status, old.latest_update) != (incident.status, incident.latest_update):
            emit("incident_updated", 1, incident)
    open_ids = {i.id for i in now_open}
    for old in state.incidents:
        if old.id not in open_ids:
            closed = listed.get(old.id)
            emit("incident_resolved", 2, closed if closed is not None else replace(old, open=False))
    return events, replace(state, incidents=now_open)
