"""The retry-storm bound is a property of the backoff itself, not of lucky draws."""

from __future__ import annotations

import random
import statistics

from trayapp.net.backoff import backoff_delay

BASE, CAP = 120.0, 900.0  # the engine's default interval and backoff cap


class LowestDraw(random.Random):
    """The unluckiest client: every draw at the bottom of its range."""

    def uniform(self, a: float, b: float) -> float:
        return a


def requests_in(seconds: float, rng: random.Random) -> int:
    """Requests a source failing for ever makes in ``seconds``."""
    elapsed, failures, requests = 0.0, 0, 0
    while elapsed < seconds:
        requests += 1
        failures += 1
        elapsed += backoff_delay(BASE, failures, CAP, rng)
    return requests


def test_at_the_cap_every_wait_is_at_least_half_the_cap_and_waits_still_spread() -> None:
    rng = random.Random(11)
    capped = [backoff_delay(BASE, n, CAP, rng) for n in range(3, 60) for _ in range(200)]
    assert min(capped) >= CAP / 2 and max(capped) <= CAP
    assert max(capped) - min(capped) > CAP / 3  # clients do not synchronise


def test_no_draw_makes_more_than_eight_requests_an_hour_in_the_long_run() -> None:
    hours = 24
    assert requests_in(hours * 3600, LowestDraw()) <= 8 * hours + 3  # + the ramp to the cap


def test_the_first_hour_averages_under_eight_requests() -> None:
    rng = random.Random(5)
    first_hours = [requests_in(3600, rng) for _ in range(2000)]
    assert statistics.mean(first_hours) <= 7.5


def test_below_the_cap_full_jitter_never_sooner_than_a_normal_poll() -> None:
    rng = random.Random(2)
    first = [backoff_delay(BASE, 1, CAP, rng) for _ in range(500)]
    assert min(first) >= BASE and max(first) <= 2 * BASE and max(first) - min(first) > BASE / 2
    assert backoff_delay(1000.0, 5, CAP, rng) == 1000.0  # an interval above the cap is kept
