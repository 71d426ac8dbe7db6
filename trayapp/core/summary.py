"""The words and the one state the tray shows: pure functions of the engine's snapshots.

No Qt here, so the CLI and the tests can use the same words as the tray. Everything is read at a
glance, so the texts are short: the tooltip names what is wrong (worst first) and counts the rest;
a menu row says one service's state and how long it has held.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, TypeAlias

from trayapp.core.model import Severity, worst

if TYPE_CHECKING:  # the tray imports this module before its icon shows: nothing more up front
    from trayapp.core import verdict
    from trayapp.core.status import SourceStatus

Statuses: TypeAlias = "Mapping[str, SourceStatus] | Iterable[SourceStatus]"

SEP = " · "  # between the named services and the counts in the tooltip
DASH = " — "  # between a service's name and its state in a menu row
TOOLTIP_LIMIT = 127  # Windows cuts tray tooltips at 127 characters
MAX_NAMED = 3  # services named in the tooltip before "+N more"
REASON_LIMIT = 60  # characters of an error reason in a menu row


class TrayState(StrEnum):
    """What the single tray icon shows: a severity, or a state of the app itself.

    The first six values equal ``Severity`` values, so ``TrayState.of(severity)`` is a lookup.
    """

    OPERATIONAL = "operational"
    MAINTENANCE = "maintenance"
    DEGRADED = "degraded"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    UNKNOWN = "unknown"
    OFFLINE = "offline"
    PAUSED = "paused"
    YOURS = "yours"  # the user's key, quota or settings: not green, not an outage

    @property
    def label(self) -> str:
        """Human words: 'partial outage'."""
        return self.value.replace("_", " ")

    @classmethod
    def of(cls, severity: Severity) -> TrayState:
        return cls(severity.value)


def overall(
    statuses: Statuses,
    *,
    offline: bool,
    paused: bool,
    now: datetime | None = None,
    offline_since: datetime | None = None,
) -> TrayState:
    """The icon's state: paused wins, then offline, then the worst known severity, then
    "yours" (a check held on the user's side, when nothing worse is going on).

    Offline gives way to a problem of a service that still answers (``answering``: a host on
    this machine or the LAN needs no internet). Unknown only when nothing is known: one
    unreadable page among healthy ones must not grey out the whole icon (the tooltip still names
    it), nor hide a real outage elsewhere. A stale service (see ``is_stale``) counts as unknown,
    not as its old colour.
    """
    if paused:
        return TrayState.PAUSED
    if offline:
        problems = [s.severity for s in answering(statuses, offline_since) if s.severity.is_problem]
        return TrayState.of(worst(problems)) if problems else TrayState.OFFLINE
    values = [s for s in _values(statuses) if now is None or not is_stale(s, now)]
    found = worst((status.severity for status in values), default=Severity.UNKNOWN)
    if not found.is_problem and any(needs_you(s) for s in values):
        return TrayState.YOURS
    return TrayState.of(found)


def answering(statuses: Statuses, offline_since: datetime | None) -> list[SourceStatus]:
    """The services whose own state holds while offline: their server answered since the
    spell began, or they need no internet (``local``: their failures are their own)."""
    if offline_since is None:
        return []
    return [
        s
        for s in _values(statuses)
        if (s.reachable or s.local)
        and s.last_checked is not None
        and s.last_checked >= offline_since
    ]


def needs_you(status: SourceStatus) -> bool:
    """The service's own checks are held on the user's side (key, quota, settings)."""
    active = status.active_verdict
    return active is not None and active.kind == "yours"


def row_state(status: SourceStatus, now: datetime) -> TrayState:
    """A service row's glyph: its severity; "yours" for a check held on the user's side (when
    nothing worse is going on); unknown while it is stale."""
    if is_stale(status, now):
        return TrayState.UNKNOWN
    if needs_you(status) and not status.severity.is_problem:
        return TrayState.YOURS
    return TrayState.of(status.severity)


STALE_FLOOR = timedelta(minutes=1)  # never stale sooner than this (1 s demo polls)


def last_read(status: SourceStatus) -> datetime | None:
    """When the service was last read: its page, or an answer to one of its probes."""
    times = [status.state.last_success] + [
        p.last_at for p in status.probes if p.last is not None and p.last.connected
    ]
    known = [t for t in times if t is not None]
    return max(known) if known else None


def stale_at(status: SourceStatus) -> datetime | None:
    """When the service turns stale unless read again: more than twice its interval after its
    last read (jitter included, and at least a minute). None: it never was read."""
    read = last_read(status)
    if read is None or status.interval is None:
        return None
    return read + max(timedelta(seconds=2.4 * status.interval), STALE_FLOOR)


def is_stale(status: SourceStatus, now: datetime) -> bool:
    """Not read since ``stale_at``: what it showed then says little now, so it shows its age
    instead of its old colour."""
    at = stale_at(status)
    return at is not None and now > at


def next_stale_at(statuses: Iterable[SourceStatus], now: datetime) -> datetime | None:
    """The next moment one of ``statuses`` turns stale (for one timer; nothing ticks)."""
    coming = [at for s in statuses if (at := stale_at(s)) is not None and at >= now]
    return min(coming, default=None)


def tooltip(
    statuses: Statuses,
    *,
    offline: bool,
    paused: bool,
    now: datetime,
    limit: int = TOOLTIP_LIMIT,
    max_named: int = MAX_NAMED,
    offline_since: datetime | None = None,
) -> str:
    """What is wrong, in words: 'OpenAI: partial outage · 2 services OK, 1 unknown'.

    Problems (maintenance included) are named worst first; unreadable services are named only
    when nothing worse is going on, otherwise counted. Times are shown in ``now``'s time zone.
    """
    values = _values(statuses)
    if paused:
        return "Paused"
    if offline:
        last = max((t for s in values if (t := s.state.last_success)), default=None)
        text = "You are offline" + (f"{DASH}last checked {_when(last, now)}" if last else "")
        local = _worst_first(s for s in answering(values, offline_since) if s.severity.is_problem)
        return _fit(local, [text], limit, now, max_named) if local else text
    if not values:
        return "No services watched"
    pending = [s for s in values if not _checked(s)]
    if len(pending) == len(values):
        return f"Checking {_count(len(values), 'service')}…"
    checked = [s for s in values if _checked(s)]
    stale = [s for s in checked if is_stale(s, now)]
    fresh = [s for s in checked if s not in stale]
    problems = _worst_first(s for s in fresh if s.severity.rank > 0)
    problems += sorted((s for s in fresh if needs_you(s)), key=_name_key)
    unknown = [s for s in fresh if s.severity is Severity.UNKNOWN and not needs_you(s)] + stale
    ok = sum(1 for s in fresh if s.severity is Severity.OPERATIONAL)
    if not problems and not unknown:
        if len(values) == 1:
            return f"{values[0].watch.name}: operational"
        if not pending:
            return f"All {len(values)} services operational"
    named = problems or sorted(unknown, key=_name_key)
    counts = [f"{_count(ok, 'service')} OK"] if ok else []
    if problems and unknown:
        counts.append(f"{len(unknown)} unknown")
    if pending:
        counts.append(f"{len(pending)} checking…")
    return _fit(named, counts, limit, now, max_named)


def row_text(status: SourceStatus, now: datetime, *, reason_limit: int = REASON_LIMIT) -> str:
    """One menu row: 'OpenAI — partial outage for 25 min', 'GitHub — operational',
    'Gemini — unknown: HTTP 503 from the status page', 'OpenAI — major outage (not on its
    status page yet) for 4 min'."""
    name = status.watch.name
    state = status.state
    if not _checked(status):
        return f"{name}{DASH}checking…"
    if is_stale(status, now):
        return f"{name}{DASH}{stale_text(status, now)}"
    severity = status.severity
    if needs_you(status) and not severity.is_problem:
        return f"{name}{DASH}{state_label(status)}"
    if severity is Severity.UNKNOWN:
        reason = state.last_error
        return f"{name}{DASH}unknown" + (f": {shorten(reason, reason_limit)}" if reason else "")
    text = f"{name}{DASH}{state_label(status)}"
    if state.flapping:
        return f"{text}, flapping"  # "for 3 min" would be misleading: it keeps changing
    duration = state_duration(status, now)
    if severity is Severity.OPERATIONAL or duration is None:
        return text
    return f"{text} for {span(duration)}"


def state_duration(status: SourceStatus, now: datetime) -> timedelta | None:
    """How long the state shown has held: since the service's own checks saw an outage when
    they have a say, else since the page's state took hold (None before the first)."""
    active = status.active_verdict
    if active is not None and active.since is not None:
        return max(now - active.since, timedelta(0))
    return status.state.duration(now)


def verdict_line(status: SourceStatus) -> str | None:
    """The service's verdict in a sentence, when its own checks have a say and it tells more
    than the row: 'Outage seen by your checks, not yet acknowledged by the status page (since
    14:02).', 'Your key was rejected: store a new one with trayapp secret set openai.'"""
    from trayapp.core import verdict

    active = status.active_verdict
    if active is None or active.text == "operational":
        return None
    return verdict.sentence(active)


def stale_text(status: SourceStatus, now: datetime) -> str:
    """'stale: last read 12 min ago'."""
    read = last_read(status)
    return "stale: not read yet" if read is None else f"stale: last read {_ago(now - read)}"


def probe_lines(status: SourceStatus, now: datetime) -> list[str]:
    """Evidence, one line per probe: what it last found, how long ago, and when it runs next:
    'list models → HTTP 503, overloaded_error, 20 s ago; next check in 40 s'."""
    lines = []
    for spec, state in zip(status.probe_specs, status.probes, strict=False):
        title = spec.label or spec.name
        if state.last is None or state.last_at is None:
            lines.append(f"{title} → not run yet")
            continue
        text = f"{title} → {state.last.reason}, {_seconds_ago(now - state.last_at)}"
        if state.next_at is not None:
            wait = state.next_at - now
            text += "; next check " + (
                "due now" if wait <= timedelta(0) else f"in {_seconds(wait)}"
            )
        lines.append(text)
    return lines


def alternatives(statuses: Statuses, now: datetime | None = None) -> dict[str, list[str]]:
    """For each service with a category, the other services of that category working now
    (a stale one is not known to work)."""
    values = _values(statuses)
    return {
        s.watch.name: [
            other.watch.name
            for other in values
            if other is not s
            and other.watch.category == s.watch.category
            and other.severity is Severity.OPERATIONAL
            and (now is None or not is_stale(other, now))
        ]
        for s in values
        if s.watch.category
    }


def alternatives_line(
    status: SourceStatus, statuses: Statuses, now: datetime | None = None
) -> str | None:
    """For a service in trouble, what else in its category works: 'Up now: Claude, Gemini'."""
    if not status.severity.is_problem and not needs_you(status):
        return None
    names = alternatives(statuses, now).get(status.watch.name)
    return f"Up now: {', '.join(names)}" if names else None


ADMIT_GRACE = timedelta(hours=1)  # how long after an outage a page may still admit it (verdict)


@dataclass(frozen=True, slots=True)
class PageLag:
    """A provider's acknowledgement record: how many of the outages its checks saw the status
    page admitted, how late (median and worst), and how many it never admitted. Numbers only
    from the log, in words, never a grade."""

    outages: int  # outages the checks saw
    admitted: int  # ... that the page acknowledged (so far)
    median: timedelta | None  # of the lags of those admitted; negative: the page was first
    worst: timedelta | None
    never: int = 0  # ended more than ADMIT_GRACE ago and never admitted

    @property
    def pending(self) -> int:
        """Outages not admitted yet that the page may still admit (ongoing, or just ended)."""
        return self.outages - self.admitted - self.never

    @classmethod
    def of(
        cls, records: Sequence[verdict.Acknowledgement], now: datetime | None = None
    ) -> PageLag | None:
        import statistics

        if not records:
            return None
        lags = [r.lag for r in records if r.lag is not None]
        median = timedelta(seconds=statistics.median(x.total_seconds() for x in lags)) if (
            lags
        ) else None  # fmt: skip
        never = sum(1 for r in records if admission_words(r, now) == NEVER_ADMITTED)
        return cls(len(records), len(lags), median, max(lags) if lags else None, never)

    def short(self) -> str:
        """'Your checks saw 3 outages: page admitted 2 · median 13 s later · worst 4 min later ·
        1 never admitted', 'Your checks saw 1 outage: page admitted it 13 s later'."""
        head = f"Your checks saw {_count(self.outages, 'outage')}: page "
        if self.outages == 1:
            return head + self._single()
        parts = [f"admitted {self.admitted}"]
        if self.median is not None and self.worst is not None:
            parts.append(f"median {lag_words(self.median)}")
            if self.admitted > 1:
                parts.append(f"worst {lag_words(self.worst)}")
        return head + SEP.join(parts + self._unadmitted())

    def sentence(self) -> str:
        """'Your checks saw 3 outages; the page admitted 2 (median 13 s later, worst 4 min
        later); 1 never admitted.'"""
        head = f"Your checks saw {_count(self.outages, 'outage')}; the page "
        if self.outages == 1:
            return f"{head}{self._single()}."
        admitted = f"admitted {self.admitted}"
        if self.median is not None and self.worst is not None:
            if self.admitted == 1:
                admitted += f" ({lag_words(self.median)})"
            else:
                admitted += f" (median {lag_words(self.median)}, worst {lag_words(self.worst)})"
        return head + "; ".join([admitted, *self._unadmitted()]) + "."

    def _single(self) -> str:
        if self.median is not None:
            return f"admitted it {lag_words(self.median)}"
        return "never admitted it" if self.never else "has not admitted it yet"

    def _unadmitted(self) -> list[str]:
        parts = [f"{self.never} never admitted"] if self.never else []
        return parts + ([f"{self.pending} not admitted yet"] if self.pending else [])


NEVER_ADMITTED = "never admitted"


def admission_words(ack: verdict.Acknowledgement, now: datetime | None = None) -> str:
    """'admitted 13 s later', 'admitted 4 min later', 'never admitted' (over for ADMIT_GRACE at
    ``now`` and not admitted), 'not admitted yet'."""
    if ack.lag is not None:
        return f"admitted {lag_words(ack.lag)}"
    ended = ack.probe_up_at
    if ended is not None and now is not None and now - ended >= ADMIT_GRACE:
        return NEVER_ADMITTED
    return "not admitted yet"


def lag_words(lag: timedelta) -> str:
    """To the second under an hour: '13 s later', '4 min later', '4 min 10 s later', '1 h 5 min
    later', '20 s earlier' (the page was first), 'at the same time' (within half a second)."""
    seconds = round(lag.total_seconds())
    if seconds == 0:
        return "at the same time"
    size = abs(seconds)
    if size >= 3600:
        words = span(timedelta(seconds=size))
    else:
        minutes, rest = divmod(size, 60)
        words = " ".join(
            filter(None, [f"{minutes} min" if minutes else "", f"{rest} s" if rest else ""])
        )
    return f"{words} later" if seconds > 0 else f"{words} earlier"


def last_checked_text(status: SourceStatus, now: datetime) -> str:
    """When the data shown was fetched: 'checked 2 min ago', or after a failed check
    'last success 1 h ago' (the menu shows this under each service)."""
    state = status.state
    checked = status.last_checked or state.last_reading
    page = "status page " if status.probes else ""  # the probes have their own lines
    if checked is None:
        return f"{page}not checked yet"
    if status.failures == 0 and state.last_error is None:
        return f"{page}checked {_ago(now - checked)}"
    why = f": {_short(state.last_error)}" if state.last_error else ""
    if state.last_success is None:
        return f"no successful check yet{why}"
    return f"last success {_ago(now - state.last_success)}" + (f"; last try{why}" if why else "")


def _short(reason: str, width: int = 60) -> str:
    """A failure's reason on one short line (the tooltip and `trayapp check` give it whole)."""
    import textwrap

    return textwrap.shorten(reason, width, placeholder="…")


def ago(delta: timedelta) -> str:
    """A human duration: 'just now', '4 min', '2 h 5 min', '1 day 3 h', '3 days'."""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return "just now"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    days, hours = divmod(hours, 24)
    if days == 1:
        return "1 day" + (f" {hours} h" if hours else "")
    return f"{days} days"


# ---------------------------------------------------------------------------------- helpers


def _values(statuses: Statuses) -> list[SourceStatus]:
    if isinstance(statuses, Mapping):
        return list(statuses.values())
    return list(statuses)


def _checked(status: SourceStatus) -> bool:
    """Whether the source has been polled at all (before that it is 'checking', not unknown)."""
    return status.last_checked is not None or status.state.last_reading is not None


def _name_key(status: SourceStatus) -> str:
    return status.watch.name.casefold()


def _worst_first(statuses: Iterable[SourceStatus]) -> list[SourceStatus]:
    return sorted(statuses, key=lambda s: (-s.severity.rank, _name_key(s)))


def _fit(
    named: list[SourceStatus],
    counts: list[str],
    limit: int,
    now: datetime,
    max_named: int = MAX_NAMED,
) -> str:
    """Name as many services as fit in ``limit`` (at most ``max_named``), then '+N more'."""
    text = ", ".join(counts)
    for shown in range(min(max_named, len(named)), 0, -1):
        parts = [
            f"{s.watch.name}: {stale_text(s, now) if is_stale(s, now) else state_label(s)}"
            for s in named[:shown]
        ]
        if len(named) > shown:
            parts.append(f"+{len(named) - shown} more")
        text = SEP.join(filter(None, [", ".join(parts), ", ".join(counts)]))
        if len(text) <= limit:
            return text
    return shorten(text, limit)


def state_label(status: SourceStatus) -> str:
    """The severity in words, with what the service's own checks add: 'major outage (not on
    its status page yet)', 'operational (your key was rejected)'."""
    text = status.severity.label
    active = status.active_verdict
    if active is None:
        return text
    if active.kind == "outage_unacknowledged":
        if status.state.display_severity is Severity.UNKNOWN:
            return f"{text} (seen by your checks)"
        return f"{text} (not on its status page yet)"
    if active.kind == "yours":
        from trayapp.core import verdict

        held = next((p for p in status.probes if p.health == "yours"), None)
        words = verdict.yours_text(held.paused_cause if held else None)
        return f"{text} ({words})" if status.severity.is_problem else words
    if active.kind == "degraded" and not status.state.display_severity.is_problem:
        return f"{text} (slow answers)"
    return text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def span(delta: timedelta) -> str:
    """A duration after 'for': like ``ago`` but '<1 min' instead of 'just now'."""
    text = ago(delta)
    return "<1 min" if text == "just now" else text


def _seconds(delta: timedelta) -> str:
    """'40 s' under two minutes, else like ``ago``: probes run every minute in an outage."""
    seconds = max(0, round(delta.total_seconds()))
    return f"{seconds} s" if seconds < 120 else ago(delta)


def _seconds_ago(delta: timedelta) -> str:
    return f"{_seconds(delta)} ago"


def _ago(delta: timedelta) -> str:
    text = ago(delta)
    return text if text == "just now" else f"{text} ago"


def _when(moment: datetime, now: datetime) -> str:
    """'14:02' (in ``now``'s zone) when on the same day as ``now``, else '2 days ago'."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)  # both naive, or naive in now's zone
    elif now.tzinfo is None:
        moment = moment.astimezone().replace(tzinfo=None)  # naive now means local time
    else:
        moment = moment.astimezone(now.tzinfo)
    if moment.date() == now.date() and moment <= now:
        return moment.strftime("%H:%M")
    return _ago(now - moment)


def shorten(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
