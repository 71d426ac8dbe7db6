"""The words and the one state the tray shows: pure functions of the engine's snapshots.

No Qt here, so the CLI and the tests can use the same words as the tray. Everything is read at a
glance, so the texts are short: the tooltip names what is wrong (worst first) and counts the rest;
a menu row says one service's state and how long it has held.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum

from trayapp.engine import SourceStatus
from trayapp.model import Severity, worst

Statuses = Mapping[str, SourceStatus] | Iterable[SourceStatus]

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

    @property
    def label(self) -> str:
        """Human words: 'partial outage'."""
        return self.value.replace("_", " ")

    @classmethod
    def of(cls, severity: Severity) -> TrayState:
        return cls(severity.value)


def overall(statuses: Statuses, *, offline: bool, paused: bool) -> TrayState:
    """The icon's state: paused wins, then offline, then the worst known severity.

    Unknown only when nothing is known: one unreadable page among healthy ones must not grey out
    the whole icon (the tooltip still names it), nor hide a real outage elsewhere.
    """
    if paused:
        return TrayState.PAUSED
    if offline:
        return TrayState.OFFLINE
    severities = (status.severity for status in _values(statuses))
    return TrayState.of(worst(severities, default=Severity.UNKNOWN))


def tooltip(
    statuses: Statuses,
    *,
    offline: bool,
    paused: bool,
    now: datetime,
    limit: int = TOOLTIP_LIMIT,
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
        return "You are offline" + (f"{DASH}last checked {_when(last, now)}" if last else "")
    if not values:
        return "No services watched"
    pending = [s for s in values if not _checked(s)]
    if len(pending) == len(values):
        return f"Checking {_count(len(values), 'service')}…"
    checked = [s for s in values if _checked(s)]
    problems = _worst_first(s for s in checked if s.severity.rank > 0)
    unknown = [s for s in checked if s.severity is Severity.UNKNOWN]
    ok = sum(1 for s in checked if s.severity is Severity.OPERATIONAL)
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
    return _fit(named, counts, limit)


def row_text(status: SourceStatus, now: datetime, *, reason_limit: int = REASON_LIMIT) -> str:
    """One menu row: 'OpenAI — partial outage for 25 min', 'GitHub — operational',
    'Gemini — unknown: HTTP 503 from the status page'."""
    name = status.watch.name
    state = status.state
    if not _checked(status):
        return f"{name}{DASH}checking…"
    severity = status.severity
    if severity is Severity.UNKNOWN:
        reason = state.last_error
        return f"{name}{DASH}unknown" + (f": {_shorten(reason, reason_limit)}" if reason else "")
    text = f"{name}{DASH}{severity.label}"
    if state.flapping:
        return f"{text}, flapping"  # "for 3 min" would be misleading: it keeps changing
    duration = state.duration(now)
    if severity is Severity.OPERATIONAL or duration is None:
        return text
    return f"{text} for {_span(duration)}"


def last_checked_text(status: SourceStatus, now: datetime) -> str:
    """When the data shown was fetched: 'checked 2 min ago', or after a failed check
    'last success 1 h ago' (the menu shows this under each service)."""
    state = status.state
    checked = status.last_checked or state.last_reading
    if checked is None:
        return "not checked yet"
    if status.failures == 0 and state.last_error is None:
        return f"checked {_ago(now - checked)}"
    if state.last_success is None:
        return "no successful check yet"
    return f"last success {_ago(now - state.last_success)}"


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


def _fit(named: list[SourceStatus], counts: list[str], limit: int) -> str:
    """Name as many services as fit in ``limit`` (at most MAX_NAMED), then '+N more'."""
    text = ", ".join(counts)
    for shown in range(min(MAX_NAMED, len(named)), 0, -1):
        parts = [f"{s.watch.name}: {s.severity.label}" for s in named[:shown]]
        if len(named) > shown:
            parts.append(f"+{len(named) - shown} more")
        text = SEP.join(filter(None, [", ".join(parts), ", ".join(counts)]))
        if len(text) <= limit:
            return text
    return _shorten(text, limit)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _span(delta: timedelta) -> str:
    """A duration after 'for': like ``ago`` but '<1 min' instead of 'just now'."""
    text = ago(delta)
    return "<1 min" if text == "just now" else text


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


def _shorten(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
