"""The engine's wait arithmetic (``trayapp.engine.timing``), pure: floors, interval, jitter,
backoff and a server's ``Retry-After``, for the values a config may hand it and those it
should never (nan, inf, negative)."""

from __future__ import annotations

import math
import random

import pytest

from trayapp.core.model import Watch
from trayapp.engine import timing
from trayapp.engine.settings import MAX_DELAY, MAX_JITTER, EngineSettings
from trayapp.urls import LOOPBACK_FLOOR, PUBLIC_FLOOR

PUBLIC = Watch(name="Public", url="https://status.example.com/api", format="statuspage")
LOCAL = Watch(name="Local", url="http://127.0.0.1:9/api", format="statuspage")
NAN = float("nan")


class Draw(random.Random):
    """Every draw at one end of its range: the bounds are what is checked."""

    def __init__(self, high: bool) -> None:
        super().__init__(0)
        self.high = high

    def uniform(self, a: float, b: float) -> float:
        return b if self.high else a


LOW, HIGH = Draw(high=False), Draw(high=True)


def test_a_public_host_never_goes_below_its_floor_whatever_the_settings_say() -> None:
    for value in (0.0, -5.0, NAN, -math.inf, 1.0):
        settings = EngineSettings(min_public_interval=value)
        assert timing.floor(settings, PUBLIC) == PUBLIC_FLOOR
    assert timing.floor(EngineSettings(min_public_interval=90.0), PUBLIC) == 90.0
    assert timing.floor(EngineSettings(min_public_interval=math.inf), PUBLIC) == MAX_DELAY


def test_a_loopback_floor_may_be_compressed_but_nan_falls_back() -> None:
    assert timing.floor(EngineSettings(min_loopback_interval=0.05), LOCAL) == 0.05
    assert timing.floor(EngineSettings(min_loopback_interval=NAN), LOCAL) == LOOPBACK_FLOOR
    assert timing.floor(EngineSettings(min_loopback_interval=-1.0), LOCAL) > 0
    assert timing.probe_floor(EngineSettings(min_loopback_interval=0.05), LOCAL.url) == 0.05
    assert timing.probe_floor(EngineSettings(), PUBLIC.url) is None  # the probe's own floor


def test_the_base_interval_is_the_watch_s_own_then_shorter_while_in_trouble() -> None:
    settings = EngineSettings(interval=120.0, problem_interval=60.0, min_public_interval=30.0)
    assert timing.base_interval(settings, PUBLIC, problem=False) == 120.0
    assert timing.base_interval(settings, PUBLIC, problem=True) == 60.0
    own = Watch(name="Own", url=PUBLIC.url, format="statuspage", interval=300.0)
    assert timing.base_interval(settings, own, problem=False) == 300.0
    slow_problems = EngineSettings(interval=120.0, problem_interval=600.0)
    assert timing.base_interval(slow_problems, PUBLIC, problem=True) == 120.0  # never longer
    too_fast = Watch(name="Fast", url=PUBLIC.url, format="statuspage", interval=1.0)
    assert timing.base_interval(settings, too_fast, problem=True) == PUBLIC_FLOOR


def test_jitter_spreads_both_ways_and_is_capped() -> None:
    settings = EngineSettings(jitter=0.2)
    assert timing.jittered(settings, 100.0, LOW) == pytest.approx(80.0)
    assert timing.jittered(settings, 100.0, HIGH) == pytest.approx(120.0)
    for wild in (NAN, 1e9, -1.0):
        spread = timing.jitter(EngineSettings(jitter=wild))
        assert 0.0 <= spread <= MAX_JITTER


def test_backoff_is_never_sooner_than_a_poll_nor_past_its_cap() -> None:
    settings = EngineSettings(backoff_cap=900.0)
    for failures in range(1, 12):
        assert timing.backoff(settings, 120.0, failures, LOW) >= 120.0
        assert timing.backoff(settings, 120.0, failures, HIGH) <= 900.0
    assert timing.backoff(settings, 120.0, 30, LOW) >= 450.0  # capped: at least half the cap
    below_base = EngineSettings(backoff_cap=10.0)  # a cap under the interval: the interval
    assert timing.backoff(below_base, 120.0, 5, HIGH) == 120.0


def test_a_poll_s_asked_delay_is_raised_to_the_jittered_floor() -> None:
    settings = EngineSettings(jitter=0.2)
    assert timing.at_least_floor(settings, PUBLIC, 1.0, 120.0) == pytest.approx(24.0)
    assert timing.at_least_floor(settings, PUBLIC, 200.0, 120.0) == 200.0
    assert timing.at_least_floor(settings, PUBLIC, NAN, 120.0) == 120.0
    assert timing.at_least_floor(settings, PUBLIC, math.inf, 120.0) == MAX_DELAY


def test_retry_after_is_obeyed_up_to_its_cap_and_never_cuts_a_wait_short() -> None:
    settings = EngineSettings(jitter=0.2, backoff_cap=900.0, retry_after_cap=3600.0)
    # a good answer: the jittered interval, lengthened by a longer Retry-After
    assert timing.after_answer(settings, 120.0, 0, None, HIGH) == pytest.approx(144.0)
    assert timing.after_answer(settings, 120.0, 0, 300.0, HIGH) == 300.0
    assert timing.after_answer(settings, 120.0, 0, 5.0, LOW) == pytest.approx(96.0)
    # a failed one: the backoff, lengthened by a longer Retry-After, which is capped
    assert timing.after_answer(settings, 120.0, 1, None, LOW) == 120.0
    assert timing.after_answer(settings, 120.0, 1, 5.0, LOW) == 120.0
    assert timing.after_answer(settings, 120.0, 1, 7200.0, LOW) == 3600.0
    assert timing.after_answer(settings, 120.0, 1, NAN, LOW) == 120.0
