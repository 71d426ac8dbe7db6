"""How long a source waits before its next poll: floors, interval, jitter, backoff. Pure.

Every number passes through ``bounded`` although the config checks them too: whatever reaches
the engine (nan, inf, negative), no host is polled faster than its floor.
"""

from __future__ import annotations

import random

from trayapp.core.model import Watch
from trayapp.engine.settings import MAX_DELAY, MAX_JITTER, MIN_DELAY, EngineSettings, bounded
from trayapp.net.backoff import backoff_delay
from trayapp.urls import LOOPBACK_FLOOR, PUBLIC_FLOOR, is_loopback


def floor(settings: EngineSettings, watch: Watch) -> float:
    """The shortest wait between two polls of ``watch``'s host; a loopback page may go lower."""
    if is_loopback(watch.url):
        value = settings.min_loopback_interval  # tests compress it below a second
        return bounded(value, MIN_DELAY, MAX_DELAY, fallback=LOOPBACK_FLOOR)
    return bounded(settings.min_public_interval, PUBLIC_FLOOR, MAX_DELAY)


def probe_floor(settings: EngineSettings, url: str) -> float | None:
    """A loopback probe may run as often as a loopback page (tests, the demo); None: the
    probe's own floor."""
    return settings.min_loopback_interval if is_loopback(url) else None


def base_interval(settings: EngineSettings, watch: Watch, *, problem: bool) -> float:
    """The unjittered wait after a good poll: the watch's interval (or the default), shorter
    while the source shows a problem, never below the floor."""
    low = floor(settings, watch)
    base = bounded(watch.interval or settings.interval, low, MAX_DELAY)
    if problem:
        base = min(base, bounded(settings.problem_interval, low, MAX_DELAY))
    return base


def jitter(settings: EngineSettings) -> float:
    """The ± fraction a wait is spread by, so clients never synchronise."""
    return bounded(settings.jitter, 0.0, MAX_JITTER)


def jittered(settings: EngineSettings, base: float, rng: random.Random) -> float:
    """``base`` spread by ±jitter: the wait after a good poll."""
    spread = jitter(settings)
    return base * rng.uniform(1 - spread, 1 + spread)


def backoff(settings: EngineSettings, base: float, failures: int, rng: random.Random) -> float:
    """The wait after ``failures`` failures in a row: never sooner than a normal poll; at most
    8/h at the default cap (``backoff_delay``)."""
    cap = bounded(settings.backoff_cap, base, MAX_DELAY)
    return backoff_delay(base, failures, cap, rng)


def at_least_floor(settings: EngineSettings, watch: Watch, delay: float, base: float) -> float:
    """The delay a poll asked for, never shorter than a jittered floor (nan: ``base``)."""
    low = floor(settings, watch) * (1 - jitter(settings))
    return bounded(delay, low, MAX_DELAY, fallback=base)


def after_answer(
    settings: EngineSettings,
    base: float,
    failures: int,
    retry_after: float | None,
    rng: random.Random,
) -> float:
    """The wait after an answer: backoff while it failed (``failures`` > 0, a 429 or 5xx),
    else the jittered interval; a ``Retry-After`` (clamped) is never cut short either way."""
    delay = backoff(settings, base, failures, rng) if failures else jittered(settings, base, rng)
    if retry_after:  # e.g. a 200/304 that still asks for patience
        delay = max(delay, min(retry_after, settings.retry_after_cap))
    return delay
