"""Every user setting, declared once: key, type, default, bounds and help text in one field.

``[polling]`` and ``[notifications]`` are the two sections of the config file that hold
settings rather than watches. Each is a frozen dataclass whose fields carry a ``Setting`` in
their metadata, so the key (the field's name), the type (its annotation), the default, the
bounds and the sentence that explains it are written in one place, and everything else reads
them from there: the config reader (what is accepted, the error for what is not), the README's
settings tables (a test compares them), the Settings window (ranges, suffixes), the engine
(which copies the polling fields it shares by name) and the notification policy (which reads
``NotificationSettings`` itself, under the same names). Adding a setting is one field here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import Field, dataclass, field, fields
from datetime import time
from typing import Any, Literal

from trayapp.core.model import Severity
from trayapp.urls import PUBLIC_FLOOR

Kind = Literal["number", "interval", "integer", "boolean", "urls", "quiet_hours", "severity"]

MAX_INTERVAL = 86_400.0
MAX_BYTES = 5 * 1024 * 1024  # the biggest real status payload (GCP incidents) is ~1.3 MB
# Connectivity witness: tiny, highly available endpoints of three unrelated operators.
REFERENCE_URLS = (
    "https://www.gstatic.com/generate_204",
    "https://www.cloudflare.com/cdn-cgi/trace",
    "https://detectportal.firefox.com/success.txt",
)
# The states a notification may start at (operational and unknown are never a threshold).
NOTIFY_LEVELS = tuple(s for s in Severity if s not in (Severity.OPERATIONAL, Severity.UNKNOWN))


@dataclass(frozen=True, slots=True)
class Setting:
    """What one setting accepts and means; ``shown`` is its default as the README writes it."""

    kind: Kind
    help: str
    low: float | None = None
    high: float | None = None
    shown: str | None = None  # the README's default column, when str(default) is not it


def setting(default: Any, kind: Kind, help: str, **bounds: Any) -> Any:
    """A dataclass field with its declaration in the metadata (typed ``Any`` as ``field`` is)."""
    return field(default=default, metadata={"setting": Setting(kind, help, **bounds)})


def declared(settings: type) -> Iterator[tuple[Field[Any], Setting]]:
    """The fields of a settings class with their declarations, in file order."""
    for f in fields(settings):
        yield f, f.metadata["setting"]


@dataclass(frozen=True, slots=True)
class PollingSettings:
    """How often and how carefully sources are polled (seconds, counts, bytes)."""

    interval: float = setting(
        120.0, "interval", "seconds between checks of a healthy source", high=MAX_INTERVAL
    )
    problem_interval: float = setting(
        60.0,
        "interval",
        "seconds between checks while a source has a problem (and between a failing probe's runs)",
        high=MAX_INTERVAL,
    )
    min_public_interval: float = setting(
        PUBLIC_FLOOR,
        "number",
        "floor for any public host (it can only be raised)",
        low=PUBLIC_FLOOR,
        high=MAX_INTERVAL,
    )
    jitter: float = setting(
        0.2,
        "number",
        "± fraction of the interval (0 to 0.5), so checks never line up",
        low=0,
        high=0.5,  # more would let two polls come back to back
    )
    confirm_worse: int = setting(
        2, "integer", "readings in a row before a worse state is believed (1 to 20)", low=1, high=20
    )
    confirm_better: int = setting(
        2,
        "integer",
        "readings in a row before a better state is believed (1 to 20)",
        low=1,
        high=20,
    )
    timeout: float = setting(
        10.0,
        "number",
        "seconds for the whole of a request, however slowly it arrives (1 to 120)",
        low=1,
        high=120,
    )
    max_bytes: int = setting(
        MAX_BYTES,
        "integer",
        "largest payload read (64 KiB to 100 MiB)",
        low=64 * 1024,
        high=100 * 1024 * 1024,
    )
    reference_urls: tuple[str, ...] = setting(
        REFERENCE_URLS,
        "urls",
        'checked when nothing answers, to tell "you are offline" from "they are down"',
        shown="three small public endpoints",
    )


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    """When a change becomes a desktop notification."""

    enabled: bool = setting(
        True, "boolean", "false: no desktop notifications at all (the icon still changes)"
    )
    quiet_hours: tuple[time, time] | None = setting(
        None,
        "quiet_hours",
        '`"22:00-07:00"`: no notifications in that span (it may cross midnight); `""` for none',
        shown="none",
    )
    group_window: float = setting(
        30.0,
        "number",
        "seconds: changes this close together make one notification (0 to 3600)",
        low=0,
        high=3600,
    )
    min_severity: Severity = setting(  # noqa: RUF009 (a field, as dataclasses.field is)
        Severity.DEGRADED,
        "severity",
        "the least severe state that notifies: " + ", ".join(f"`{s.value}`" for s in NOTIFY_LEVELS),
        shown="`degraded`",
    )
    on_recovery: bool = setting(True, "boolean", "notify when a service is back")
    on_maintenance: bool = setting(False, "boolean", "notify when a maintenance starts")


@dataclass(frozen=True, slots=True)
class LogSettings:
    """How long the incident log keeps what it recorded (older rows are deleted daily)."""

    keep_days: int = setting(
        365,
        "integer",
        "the incident log deletes, once a day, events, resolved incidents and states older than "
        "this (1 to 36600); open incidents are kept, and the latest state of each service and "
        "component",
        low=1,
        high=100 * 366,  # a century is "keep everything"
    )


SECTIONS: dict[str, type] = {
    "polling": PollingSettings,
    "notifications": NotificationSettings,
    "log": LogSettings,
}


def readme_default(f: Field[Any], decl: Setting) -> str:
    """The default as the README's table writes it: ``120``, ``0.2``, ``true``."""
    if decl.shown is not None:
        return decl.shown
    value = f.default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
