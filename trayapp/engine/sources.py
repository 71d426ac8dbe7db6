"""What the engine keeps per watched source between polls, and the callbacks it reports through."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from trayapp import formats
from trayapp.core import tracker
from trayapp.core.model import Event, Reading, Watch
from trayapp.core.status import SourceStatus
from trayapp.core.verdict import Acknowledgement, Verdict
from trayapp.probes import spec as probe
from trayapp.probes import state as probe_state

if TYPE_CHECKING:  # detection is imported when a source first needs it, never on start
    pass


@dataclass(slots=True)
class _Source:
    configured: Watch  # as the user configured it (format may be "auto")
    watch: Watch  # as polled: the format and endpoint detected for an "auto" watch
    state: tracker.SourceState = field(default_factory=tracker.SourceState)
    reading: Reading | None = None  # last readable reading
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    transport_failed: bool = False  # the latest poll could not reach the server
    last_checked: datetime | None = None
    next_delay: float | None = None
    reschedule: float | None = None  # a new delay requested while sleeping (None: poll now)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    probe_specs: tuple[probe.ProbeSpec, ...] = ()
    probe_states: list[probe_state.ProbeState] = field(default_factory=list)
    probe_tasks: list[asyncio.Task[None]] = field(default_factory=list)
    probe_wakes: list[asyncio.Event] = field(default_factory=list)
    verdict: Verdict | None = None
    acknowledgement: Acknowledgement | None = None
    verify: bool = False  # an unverified catalog entry: its first unreadable answer re-detects
    undetected: str | None = None  # why that detection found nothing (for the details)


def _wrong_source(status: int, reading: Reading) -> bool:
    """The answer says the catalog's endpoint or format is wrong (unparsable or wrong-shaped
    2xx, a 4xx) rather than that the server is in trouble (5xx, 429: try again later)."""
    if reading.error is None:
        return False
    return 200 <= status < 300 or (400 <= status < 500 and status not in (408, 429))


def redetected_note(configured: Watch, polled: Watch) -> str | None:
    """What the details say when detection, not the catalog, found how to read a service."""
    if configured.format == formats.AUTO:
        return None
    if polled.format != configured.format:
        return f"Read as {polled.format} (the catalog said {configured.format})"
    if polled.url != configured.url:
        return f"Read from {polled.url} (the catalog said {configured.url})"
    return None


EventCallback = Callable[[Event], None]


StatusCallback = Callable[[SourceStatus], None]
