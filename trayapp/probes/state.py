"""A probe's state over time: results in a row before a verdict is believed, 'yours' held and re-
checked, the delay until the next run."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from trayapp.net.backoff import backoff_delay
from trayapp.probes.classify import ProbeResult
from trayapp.probes.spec import (
    LATENCY_SAMPLES,
    MIN_SLOW_SAMPLES,
    PROBLEM_INTERVAL,
    YOURS_RECHECK,
    Cause,
    Health,
    ProbeSpec,
)

if TYPE_CHECKING:
    pass


@dataclass(frozen=True, slots=True)
class ProbeState:
    """What one probe's results add up to. Pure data; ``probe_step`` makes the next one.

    ``down`` is the confirmed state (None before the first). ``down_since`` is the time of the
    first failing result of the confirmed outage: when your checks first saw it. ``paused``
    means a confirmed "yours" (key, quota, settings): held, and re-checked on a slow cadence;
    an outage it interrupts stays open (only an expected answer ends one).
    """

    down: bool | None = None
    since: datetime | None = None  # when ``down`` last changed
    down_since: datetime | None = None
    pending: Literal["up", "down", "yours"] | None = None
    pending_count: int = 0
    pending_since: datetime | None = None
    pending_signature: str | None = None  # the "yours" answer being confirmed (custom probes)
    latencies: tuple[float, ...] = ()  # recent successful latencies, ms, newest last
    slow_ms: int | None = None
    failures: int = 0  # unsuccessful results in a row (for backoff)
    retry_after: float | None = None
    paused: bool = False
    paused_reason: str | None = None
    paused_fix: str | None = None
    paused_cause: Cause | None = None
    paused_for: str | None = field(default=None, repr=False)  # fingerprint of token + settings
    last: ProbeResult | None = None
    last_at: datetime | None = None
    next_at: datetime | None = None  # when the next run is due (set by the scheduler)

    @property
    def p50(self) -> float | None:
        """Median latency of recent successful results (ms), None before any."""
        import statistics  # with decimal and fractions: not for a tray without probes

        return statistics.median(self.latencies) if self.latencies else None

    @property
    def slow(self) -> bool:
        p50 = self.p50
        return (
            p50 is not None
            and self.slow_ms is not None
            and len(self.latencies) >= MIN_SLOW_SAMPLES
            and p50 > self.slow_ms
        )

    @property
    def health(self) -> Health:
        if self.paused:
            return "yours"
        if self.down is None:
            return "unknown"
        if self.down:
            return "down"
        return "degraded" if self.slow else "ok"

    @property
    def in_outage(self) -> bool:
        """Down, or a change of state being confirmed: look again every problem interval."""
        return bool(self.down) or self.pending in ("up", "down")


def probe_step(
    state: ProbeState,
    result: ProbeResult,
    now: datetime,
    confirm: int = 2,
    *,
    fingerprint: str | None = None,
) -> ProbeState:
    """Fold one result into ``state``.

    Like the tracker: the first success is adopted at once; "down" and "yours" need ``confirm``
    results in a row (a custom probe's "yours" the same answer each time), and so does recovery.
    Neutral results (offline, unverified, rate limited) neither count nor reset. A confirmed
    "yours" holds the probe (``paused``) for ``fingerprint``; any other answer ends the hold.
    An outage ends only with expected answers: a "yours" after it keeps ``down``.
    """
    if confirm < 1:
        raise ValueError("confirm must be at least 1")
    state = replace(state, last=result, last_at=now, slow_ms=result.slow_ms or state.slow_ms)
    if result.succeeded:
        latencies = state.latencies
        if result.latency_ms is not None:
            latencies = (*latencies, result.latency_ms)[-LATENCY_SAMPLES:]
        state = replace(_unpause(state), failures=0, retry_after=None, latencies=latencies)
        if state.down is None:
            return _settle(state, down=False, now=now)
        if not state.down:
            return _clear_pending(state)
        return _count(state, "up", now, confirm)
    state = replace(state, failures=state.failures + 1, retry_after=result.retry_after)
    if result.neutral:
        return state
    if result.verdict == "yours":
        if state.paused:
            return state
        if state.pending == "yours" and state.pending_signature != result.signature:
            state = _clear_pending(state)  # a different answer: not "the same on each try"
        state = replace(_count(state, "yours", now, confirm), pending_signature=result.signature)
        if state.pending == "yours" and state.pending_count >= confirm:
            return replace(
                _clear_pending(state),
                paused=True,
                paused_reason=result.reason,
                paused_fix=result.fix,
                paused_cause=result.cause,
                paused_for=fingerprint,
            )
        return state
    state = _unpause(state)
    if state.down:
        return _clear_pending(state)
    return _count(state, "down", now, confirm)


def _count(
    state: ProbeState, kind: Literal["up", "down", "yours"], now: datetime, confirm: int
) -> ProbeState:
    if state.pending == kind:
        state = replace(state, pending_count=state.pending_count + 1)
    else:
        state = replace(state, pending=kind, pending_count=1, pending_since=now)
    if kind == "yours" or state.pending_count < confirm:
        return state
    return _settle(state, down=kind == "down", now=now)


def _settle(state: ProbeState, *, down: bool, now: datetime) -> ProbeState:
    first = state.pending_since or now
    return replace(_clear_pending(state), down=down, since=now, down_since=first if down else None)


def _clear_pending(state: ProbeState) -> ProbeState:
    return replace(state, pending=None, pending_count=0, pending_since=None, pending_signature=None)


def _unpause(state: ProbeState) -> ProbeState:
    if not state.paused:
        return state
    return replace(
        state,
        paused=False,
        paused_reason=None,
        paused_fix=None,
        paused_cause=None,
        paused_for=None,
    )


def resume_if_changed(state: ProbeState, current_fingerprint: str) -> ProbeState:
    """A held "yours" is dropped once the token or the settings changed (the next result
    decides again); the rest of the state (an open outage) is kept."""
    if state.paused and state.paused_for != current_fingerprint:
        return replace(_unpause(state), failures=0)
    return state


def next_delay(
    spec: ProbeSpec,
    state: ProbeState,
    rng: random.Random,
    *,
    floor: float | None = None,
    problem_interval: float = PROBLEM_INTERVAL,
    jitter: float = 0.2,
    quick_retries: int = 2,
    cap: float = 3600.0,
    retry_after_cap: float = 6 * 3600.0,
    yours_recheck: float = YOURS_RECHECK,
) -> float:
    """Seconds until the probe runs again.

    Healthy: the interval ±jitter. In outage (or confirming a change): every
    ``problem_interval`` (jittered below it, never above), so a recovery is seen within one.
    After a first failure, up to ``quick_retries`` retries come sooner (uniform over
    [floor, 2·floor]) to confirm or clear it. Rate limited (429), or failures that confirm
    nothing (unverified): exponential backoff up to ``cap`` (``backoff_delay``). A held "yours":
    every ``yours_recheck``. Retry-After is honoured (clamped to ``retry_after_cap``). Never
    below ``floor`` (the spec's floor unless a caller passes one, e.g. a loopback test server):
    never a tight loop.
    """
    low = spec.floor if floor is None else floor
    base = max(spec.interval, low)
    limited = state.last is not None and state.last.cause == "rate_limit"
    if state.paused:
        delay = max(yours_recheck, base)
    elif state.failures == 0 and not state.in_outage:
        delay = base * rng.uniform(1 - jitter, 1 + jitter)
    elif state.in_outage and not limited:
        often = min(problem_interval, base)  # jittered below it (never below the floor)
        delay = often * rng.uniform(1 - jitter, 1 - jitter / 4)
    elif state.failures <= quick_retries and not limited:
        delay = rng.uniform(low, min(2 * low, base))
    else:
        delay = backoff_delay(base, state.failures - quick_retries, cap, rng)
    if state.retry_after:
        delay = max(delay, min(state.retry_after, retry_after_cap))
    return max(delay, low)
