"""One verdict per service, from its status page, its probes and the connectivity witness.

Pure: the engine passes what it knows, ``decide`` says what to show. In order of precedence:

1. offline (the witness fails): "you are offline", never an outage;
2. your checks confirm an outage: "outage, confirmed by the status page" when the page reports a
   problem (or maintenance; "(it says partial outage)" when it admits less than the checks see,
   and the worse of the two shows), else "outage seen by your checks, not yet acknowledged by
   the status page (since 14:02)" ("the status page is not read yet" before its first read);
3. a probe held on your side: "your key was rejected" / "quota or spend limit reached" /
   what to fix (the page's own problem, if any, is named first). A state of its own: its
   severity is the page's problem if any, else unknown (never green: nobody knows whether the
   API works for you), and an outage it interrupts is not over;
4. the page's own problem: "major outage, reported by the status page";
5. probes slow: "degraded (slow: p50 2.3 s)";
6. "operational" when the page or a probe says so, else "status unknown".

``follow_acknowledgement`` turns successive verdicts into the incident log's acknowledgement
rows: when the checks saw an outage first (T0) and the page admitted it later (T1), the lag
is T1 - T0 (negative when the page was first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Literal

from trayapp.core.model import Severity

if TYPE_CHECKING:
    from trayapp.probes.state import ProbeState

VerdictKind = Literal[
    "operational",
    "maintenance",
    "degraded",
    "outage_reported",  # the page reports a problem; your checks (if any) pass
    "outage_confirmed",  # your checks and the page agree
    "outage_unacknowledged",  # your checks see an outage the page does not admit
    "yours",  # a probe is held on your side: key, quota or settings
    "offline",
    "unknown",
]

_ACKNOWLEDGING = (
    Severity.MAINTENANCE,
    Severity.DEGRADED,
    Severity.PARTIAL_OUTAGE,
    Severity.MAJOR_OUTAGE,
)
_YOURS_TEXT = {
    "auth": "your key was rejected",
    "token_missing": "no token is stored for your checks",
    "quota": "quota or spend limit reached",
    "request": "your check's request was refused: fix its settings",
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to say about one service now. ``severity`` drives the tray icon; ``fix`` says what
    to do when the kind is "yours"; ``probes_down_since`` / ``page_ack_since`` feed
    ``follow_acknowledgement``."""

    kind: VerdictKind
    text: str
    severity: Severity
    since: datetime | None = None
    fix: str | None = None
    probes_down_since: datetime | None = None  # T0: when your checks first saw the outage
    page_ack_since: datetime | None = None  # when the page began reporting a problem


def decide(
    page_severity: Severity | None,
    page_since: datetime | None,
    probe_states: Sequence[ProbeState],
    offline: bool,
    now: datetime,
    *,
    tz: tzinfo | None = None,
    page_admitted: bool = False,
) -> Verdict:
    """The verdict for one service. ``page_severity`` is the tracker's confirmed severity (None
    before the first reading), ``page_since`` when it took hold; ``tz`` formats "since 14:02"
    (default: the local zone). ``page_admitted``: the page already acknowledged the outage the
    checks are following (pages often call an outage resolved before the checks pass)."""
    page = page_severity or Severity.UNKNOWN
    acknowledged = page in _ACKNOWLEDGING
    ack_since = page_since if acknowledged else None
    if offline:
        return Verdict("offline", "you are offline", Severity.UNKNOWN)

    down = [s for s in probe_states if s.health == "down"]
    if down:
        first = min((s.down_since or s.since or now) for s in down)
        severity = Severity.MAJOR_OUTAGE if len(down) == len(probe_states) else (
            Severity.PARTIAL_OUTAGE
        )  # fmt: skip
        if acknowledged:
            return _confirmed(page, severity, first, ack_since)
        if page_admitted and page is Severity.OPERATIONAL:
            return Verdict(
                "outage_confirmed",
                "your checks still fail; the status page calls it resolved",
                severity,
                since=first,
                probes_down_since=first,
            )
        if page_severity is None:
            text = "outage seen by your checks; the status page is not read yet"
        elif page is Severity.UNKNOWN:
            text = "outage seen by your checks; the status page cannot be read"
        else:
            text = "outage seen by your checks, not yet acknowledged by the status page"
        return Verdict(
            "outage_unacknowledged",
            f"{text} (since {_clock(first, now, tz)})",
            severity,
            since=first,
            probes_down_since=first,
        )

    held = [s for s in probe_states if s.health == "yours"]
    if held:
        state = held[0]
        words = yours_text(state.paused_cause)
        if page.is_problem:
            words = f"{page.label}, reported by the status page; {words}"
        return Verdict(
            "yours",
            words,
            page if page.is_problem else Severity.UNKNOWN,
            since=page_since if page.is_problem else None,
            fix=state.paused_fix,
            page_ack_since=ack_since,
        )

    if page.is_problem:
        kind: VerdictKind = "degraded" if page is Severity.DEGRADED else "outage_reported"
        passing = any(s.health in ("ok", "degraded") for s in probe_states)
        return Verdict(
            kind,
            f"{page.label}, reported by the status page"
            + ("; your own checks pass" if passing else ""),
            page,
            since=page_since,
            page_ack_since=ack_since,
        )
    if page is Severity.MAINTENANCE:
        return Verdict(
            "maintenance", "maintenance, announced by the status page", page, since=page_since
        )

    slow = [s for s in probe_states if s.health == "degraded"]
    if slow:
        p50 = max(s.p50 or 0.0 for s in slow)
        return Verdict("degraded", f"degraded (slow: p50 {p50 / 1000:.1f} s)", Severity.DEGRADED)

    passing = any(s.health == "ok" for s in probe_states)
    if page is Severity.OPERATIONAL:
        return Verdict("operational", "operational", page, since=page_since)
    if passing:
        page_words = "cannot be read" if page_severity is not None else "is not read yet"
        return Verdict(
            "operational",
            f"operational (your checks pass; the status page {page_words})",
            Severity.OPERATIONAL,
        )
    return Verdict("unknown", "status unknown", Severity.UNKNOWN)


def yours_text(cause: str | None) -> str:
    """What a check held on the user's side says: 'your key was rejected'."""
    return _YOURS_TEXT.get(cause or "", "your check needs attention")


def sentence(verdict: Verdict) -> str:
    """The verdict as a sentence, with the fix when there is one: 'Your key was rejected:
    store a new one with `trayapp secret set openai`.'"""
    text = verdict.text[:1].upper() + verdict.text[1:]
    return f"{text}: {verdict.fix}" if verdict.fix else f"{text}."


def _confirmed(
    page: Severity, checks: Severity, first: datetime, ack_since: datetime | None
) -> Verdict:
    """The checks fail and the page admits a problem: the worse of the two shows, and the
    words say what the page admits when it admits less."""
    severity: Severity
    if page is Severity.MAINTENANCE:
        text, severity = "down for maintenance, announced by the status page", page
    else:
        text = "outage, confirmed by the status page"
        severity = page if page.rank >= checks.rank else checks
        if page.rank < checks.rank:
            text += f" (it says {page.label})"
    return Verdict(
        "outage_confirmed",
        text,
        severity,
        since=min(first, ack_since) if ack_since else first,
        probes_down_since=first,
        page_ack_since=ack_since,
    )


def _clock(moment: datetime, now: datetime, tz: tzinfo | None) -> str:
    """14:02 today; Mon 14:02 within a week; 3 May 14:02 before that (local time)."""
    local, today = moment.astimezone(tz), now.astimezone(tz)
    if local.date() == today.date():
        return local.strftime("%H:%M")
    if timedelta(0) <= today - local < timedelta(days=6):
        return local.strftime("%a %H:%M")
    return f"{local.day} {local.strftime('%b %H:%M')}"


# --------------------------------------------------------------------------- acknowledgement lag


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """One outage your checks saw: when (T0), when they saw it end, and when the status page
    admitted it (None: not yet, or never). A row of the incident log's acknowledgements table."""

    service: str
    probe_down_at: datetime
    probe_up_at: datetime | None = None
    page_ack_at: datetime | None = None
    incident_id: str | None = None

    @property
    def lag(self) -> timedelta | None:
        """How long the page took to admit it (negative: the page was first)."""
        if self.page_ack_at is None:
            return None
        return acknowledgement_lag(self.probe_down_at, self.page_ack_at)

    def to_json_row(self) -> dict[str, Any]:
        lag = self.lag
        return {
            "service": self.service,
            "probe_down_at": self.probe_down_at.isoformat(),
            "probe_up_at": self.probe_up_at.isoformat() if self.probe_up_at else None,
            "page_ack_at": self.page_ack_at.isoformat() if self.page_ack_at else None,
            "incident_id": self.incident_id,
            "lag_seconds": None if lag is None else lag.total_seconds(),
        }


def acknowledgement_lag(probe_down_at: datetime, page_ack_at: datetime) -> timedelta:
    """T1 - T0: how long after your checks saw the outage the status page admitted it."""
    return page_ack_at - probe_down_at


def follow_acknowledgement(
    current: Acknowledgement | None,
    service: str,
    verdict: Verdict,
    now: datetime,
    *,
    incident_id: str | None = None,
    grace: timedelta = timedelta(hours=1),
) -> tuple[Acknowledgement | None, Acknowledgement | None]:
    """Follow one service's outage as seen by its checks; call after every ``decide``.

    Returns (keep, write): the record to pass back next time (None when there is nothing to
    follow) and the record to upsert into the incident log now (None: nothing changed). A record
    opens when the checks confirm an outage, takes the page's acknowledgement when it comes
    (even up to ``grace`` after the checks recovered: pages are often late), and ends when the
    checks have recovered and the page acknowledged or the grace ran out.
    """
    down_at = verdict.probes_down_since
    record = current
    ended = record.probe_up_at if record is not None else None
    if ended is not None and down_at is not None and down_at > ended:
        record = None  # a new outage began after the last one ended
    if record is None:
        if down_at is None:
            return None, None
        opened = Acknowledgement(
            service,
            probe_down_at=down_at,
            page_ack_at=verdict.page_ack_since,
            incident_id=incident_id if verdict.page_ack_since else None,
        )
        return opened, opened

    updated = record
    if updated.page_ack_at is None and verdict.page_ack_since is not None:
        updated = replace(updated, page_ack_at=verdict.page_ack_since, incident_id=incident_id)
    if updated.probe_up_at is None and down_at is None:
        updated = replace(updated, probe_up_at=now)
    finished = updated.probe_up_at is not None and (
        updated.page_ack_at is not None or now - updated.probe_up_at >= grace
    )
    keep = None if finished else updated
    return keep, (updated if updated != current else None)
