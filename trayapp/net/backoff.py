"""Backoff after failures, shared by page polls and probes: never a retry storm, by construction.

Below the cap the wait is full jitter over [base, base·2ⁿ] (clients spread out at once, never
sooner than a normal poll). At the cap it is equal jitter over [cap/2, cap]: every wait is at
least half the cap, so however the draws fall a source failing for ever makes at most
``3600 / (cap / 2)`` requests per hour in the long run (8/h for the 900 s default), and clients
still spread over half the cap. Full jitter at the cap averaged cap/2 only by luck of the draws.
"""

from __future__ import annotations

import random


def backoff_delay(base: float, failures: int, cap: float, rng: random.Random) -> float:
    """Seconds to wait after ``failures`` consecutive failures (``base``: the normal interval)."""
    upper = base * 2 ** min(max(failures, 1), 16)
    if upper < cap or base >= cap:
        return rng.uniform(base, max(base, min(upper, cap)))
    return rng.uniform(max(base, cap / 2), cap)
