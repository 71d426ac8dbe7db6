"""Every timing and bound the engine uses (``EngineSettings``), so tests and the demo can compress
hours into seconds; and the counters benchmarks read."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from trayapp.core import tracker
from trayapp.core.settings import PollingSettings, declared
from trayapp.net import fetch
from trayapp.probes import spec as probe
from trayapp.urls import LOOPBACK_FLOOR

# the user's polling settings are declared once; the engine's defaults are theirs
_POLLING = PollingSettings()

MAX_DELAY = 6 * 3600.0  # seconds: the longest wait between two polls (a clamped Retry-After)
MAX_JITTER = next(d.high for f, d in declared(PollingSettings) if f.name == "jitter") or 0.5
MIN_DELAY = 0.01  # seconds: the shortest loopback floor even a test may set


def bounded(value: float, low: float, high: float, *, fallback: float | None = None) -> float:
    """``value`` clamped to [low, high] (so inf gives ``high``); nan gives ``fallback`` or ``low``.

    ``max(nan, 30)`` is nan and ``nan < 30`` is false, so a plain comparison lets nan through.
    """
    if math.isnan(value):
        value = low if fallback is None or math.isnan(fallback) else fallback
    return min(max(value, low), high)


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """Every timing the engine uses, so tests and demos can compress hours into seconds."""

    interval: float = _POLLING.interval  # seconds between polls of a healthy source
    problem_interval: float = _POLLING.problem_interval  # while a source is degraded or worse
    min_public_interval: float = _POLLING.min_public_interval  # floor for any public host
    min_loopback_interval: float = LOOPBACK_FLOOR  # floor for 127.0.0.0/8, ::1, localhost
    jitter: float = _POLLING.jitter
    backoff_cap: float = 900.0  # 15 min
    retry_after_cap: float = 6 * 3600.0  # a server asking for more is clamped, not obeyed forever
    max_concurrency: int = 10
    per_host: int = 2
    timeout: float = _POLLING.timeout
    connect_timeout: float = 5.0
    max_bytes: int = _POLLING.max_bytes
    reference_urls: tuple[str, ...] = _POLLING.reference_urls
    # watches needing no internet (Config.local_services): their failures are their own, never
    # "offline", and they keep their own state while the reference hosts fail
    local_services: frozenset[str] = frozenset()
    witness_timeout: float = fetch.WITNESS_DEADLINE
    witness_cache: float = 15.0  # seconds a witness verdict is reused by other failing sources
    offline_recheck: float = 15.0  # first recheck of connectivity while offline (then backs off)
    yours_recheck: float = probe.YOURS_RECHECK  # a probe held on the user's side: 30 min
    resume_grace: float = 10.0  # after a resume, polls wait this long and failures don't count
    first_round_spread: float = 2.0  # the first polls are spread over this many seconds
    tracker: tracker.TrackerConfig = field(default_factory=tracker.TrackerConfig)


@dataclass(slots=True)
class EngineStats:
    """Counters for benchmarks and for tests that assert "no retry storm"."""

    requests: int = 0
    not_modified: int = 0
    bytes: int = 0
    failures: int = 0


ONLINE_SPREAD = 5.0  # seconds over which sources that failed while offline are re-polled
