"""argparse ``type=`` validators shared by the commands: a bad number is a usage error (exit 2)
with a message that says what is allowed, before any file or network is touched."""

from __future__ import annotations

import argparse
import math

MAX_TIMEOUT = 120.0  # seconds: the same ceiling as [polling] timeout and probe timeouts


def positive_int(text: str) -> int:
    """A whole number of 1 or more."""
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of 1 or more, not {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, not {text}")
    return value


def positive_seconds(text: str) -> float:
    """A finite number of seconds above 0."""
    return _seconds(text, None)


def timeout_seconds(text: str) -> float:
    """Seconds above 0 and at most MAX_TIMEOUT."""
    return _seconds(text, MAX_TIMEOUT)


def add_timeout_argument(parser: argparse.ArgumentParser) -> None:
    """``--timeout S``: one total deadline per request (check and detect say it alike)."""
    parser.add_argument(
        "--timeout",
        type=timeout_seconds,
        default=10.0,
        metavar="S",
        help="seconds for the whole of each request (a detection: 3 times that in all), "
        f"above 0 and at most {MAX_TIMEOUT:g} (default 10)",
    )


def _seconds(text: str, high: float | None) -> float:
    allowed = "above 0" + (f" and at most {high:g}" if high is not None else "")
    try:
        value = float(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds {allowed}, not {text!r}") from None
    if not math.isfinite(value) or value <= 0 or (high is not None and value > high):
        raise argparse.ArgumentTypeError(f"expected seconds {allowed}, not {text}")
    return value
