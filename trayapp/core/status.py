"""A snapshot of one watched source (``SourceStatus``): what the engine publishes after every poll
and what the tray, the windows and the CLI show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from trayapp.core import tracker
from trayapp.core.model import Reading, Severity, Watch
from trayapp.core.verdict import Verdict
from trayapp.probes import spec as probe
from trayapp.probes import state as probe_state

if TYPE_CHECKING:  # detection is imported when a source first needs it, never on start
    pass


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """A snapshot of one source for the UI and the CLI (published after every poll)."""

    watch: Watch
    state: tracker.SourceState
    reading: Reading | None  # the last readable reading (components, incidents to show)
    last_checked: datetime | None
    failures: int
    next_check_in: float | None  # seconds, when known
    probes: tuple[probe_state.ProbeState, ...] = ()
    verdict: Verdict | None = None  # page + probes + witness, for a watch with probes
    probe_specs: tuple[probe.ProbeSpec, ...] = ()  # what each of ``probes`` runs
    interval: float | None = None  # seconds between polls now (a read older than 2x is stale)
    reachable: bool = True  # its server answered the latest poll (on the LAN, even offline)
    note: str | None = None  # how detection read an unverified catalog entry, or why it could not
    local: bool = False  # needs no internet (urls.needs_internet): its own state while offline

    @property
    def active_verdict(self) -> Verdict | None:
        """The verdict once the probes have a say (before their first result, the page rules)."""
        if self.verdict is not None and any(p.health != "unknown" for p in self.probes):
            return self.verdict
        return None

    @property
    def severity(self) -> Severity:
        """What the tray shows: the verdict once probes have a say, else the page's state."""
        active = self.active_verdict
        return active.severity if active is not None else self.state.display_severity
