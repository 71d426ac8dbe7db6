"""The headless app: config → engine → incident log, with listeners for events and snapshots.

The tray and ``trayapp watch`` both run one Monitor, so what the terminal shows and what the
tray shows come from the same code. Data flows one way: the engine produces events and
snapshots, the log stores them, listeners (UI, notifier, terminal printer) receive them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from trayapp.core.model import Event
from trayapp.core.settings import PollingSettings, declared
from trayapp.core.status import SourceStatus
from trayapp.core.tracker import SourceState, TrackerConfig, resume
from trayapp.core.verdict import Acknowledgement
from trayapp.engine.poll import TokenLookup
from trayapp.engine.scheduler import Engine
from trayapp.engine.settings import EngineSettings
from trayapp.probes.spec import ProbeSpec
from trayapp.store import incident_log, log_retention, secrets
from trayapp.store.config_values import Config
from trayapp.store.log_writer import LogWriter

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = timedelta(minutes=1)  # the least time between two heartbeats without a poll
HEARTBEAT_GAP = 3 * HEARTBEAT_EVERY  # silence longer than this: asleep, not watching
BEAT_WRITES_EVERY = 10.0  # seconds: polls closer together than this share one heartbeat row


def engine_settings(polling: PollingSettings, base: EngineSettings | None = None) -> EngineSettings:
    """The engine's settings from the user's polling section (other timings keep ``base``)."""
    base = base or EngineSettings()
    values = {f.name: getattr(polling, f.name) for f, _ in declared(PollingSettings)}

    def named(kind: Any) -> dict[str, Any]:  # the declared settings that ``kind`` has a field for
        return {k: v for k, v in values.items() if k in {f.name for f in fields(kind)}}

    return replace(
        base, **named(EngineSettings), tracker=replace(base.tracker, **named(TrackerConfig))
    )


def config_settings(config: Config, base: EngineSettings | None = None) -> EngineSettings:
    """``engine_settings`` plus what the whole config decides: the services needing no internet."""
    return replace(engine_settings(config.polling, base), local_services=config.local_services())


class Monitor:
    """Runs the engine for a config and records what it sees in the incident log.

    ``log`` may be None (e.g. a read-only demo); listeners are plain callables and are called in
    the engine's event loop thread. ``token_lookup`` reads a keyring entry: in this process by
    default; the tray passes ``secrets.get_secret_apart`` so it never loads the keyring itself.
    """

    def __init__(
        self,
        config: Config,
        log_: incident_log.IncidentLog | None,
        *,
        settings: EngineSettings | None = None,
        client: httpx.AsyncClient | None = None,
        token_lookup: TokenLookup = secrets.get_secret,
    ) -> None:
        self.config = config
        self.log = log_
        self.event_listeners: list[Callable[[Event], None]] = []
        self.status_listeners: list[Callable[[SourceStatus], None]] = []
        self.engine = Engine(
            config.watches,
            config_settings(config, settings),
            on_event=self._on_event,
            on_status=self._on_status,
            on_acknowledgement=self._on_acknowledgement,
            probes=_probes(config),
            token_lookup=token_lookup,
            client=client,
            resume=self._resume,
        )
        self._logged_readings: dict[str, datetime] = {}
        self._last_prune: datetime | None = None
        # told "the incident log cannot be written: disk full" while writes fail, then None
        self.problem_listeners: list[Callable[[str | None], None]] = []
        self.writer = None if log_ is None else LogWriter(log_, self._log_problem)
        self._beat_timer: asyncio.TimerHandle | None = None
        self._last_beat = -BEAT_WRITES_EVERY
        if log_ is not None:  # a longer silence is a sleep: that time was not watched
            log_.heartbeat_gap = HEARTBEAT_GAP
            log_.local_services = self.engine.settings.local_services

    async def run(self) -> None:
        """Run the engine until stopped; the watched span ends with the run (a clean quit) or at
        its last heartbeat (a crash)."""
        self._arm_beat()
        try:
            await self.engine.run()
        finally:
            if self._beat_timer is not None:
                self._beat_timer.cancel()
                self._beat_timer = None
            self._heartbeat(end=True)

    def beat_period(self) -> float:
        """Seconds a running app may go without a heartbeat: the slowest healthy poll, jitter
        included, plus the longest its answer may take (a poll's delay counts from the end of
        the one before). Heartbeats ride on the polls, so an idle app never wakes just to say it
        runs; a timer beats only when no poll came in that time (all backing off, offline)."""
        settings = self.engine.settings
        slowest = max(
            (watch.interval or settings.interval for watch in self.config.watches),
            default=settings.interval,
        )
        poll = slowest * (1 + settings.jitter) + settings.timeout
        return max(HEARTBEAT_EVERY.total_seconds(), poll)

    def _arm_beat(self) -> None:
        """(Re)start the fallback heartbeat one beat period from now; a log is needed for it."""
        if self.log is None:
            return
        if self._beat_timer is not None:
            self._beat_timer.cancel()
        period = self.beat_period()
        # a silence of more than ~2 periods is a sleep or a pause, not time watched
        self.log.heartbeat_gap = max(HEARTBEAT_GAP, timedelta(seconds=2.5 * period))
        self._beat_timer = asyncio.get_running_loop().call_later(period, self._fallback_beat)

    def _fallback_beat(self) -> None:
        self._beat_timer = None
        if self.engine.paused:  # paused is not watched; the first poll after it beats again
            return
        self._beat()
        self._arm_beat()

    def _beat(self) -> None:
        now = time.monotonic()
        if now - self._last_beat >= min(BEAT_WRITES_EVERY, self.beat_period() / 4):
            self._last_beat = now
            self._heartbeat()

    def _heartbeat(self, *, end: bool = False) -> None:
        if self.writer is None:
            return
        now = datetime.now(UTC)
        if end:
            self.writer.append(lambda log_: log_.end_run(now))
        else:  # only the latest heartbeat matters while the disk is full
            self.writer.replace("heartbeat", lambda log_: log_.heartbeat(now))

    def _resume(self, name: str) -> SourceState:
        """Where a source starts: the log's last known state, so nothing unchanged is written
        again (see tracker.resume)."""
        if self.log is None:
            return SourceState()
        try:
            known = self.log.last_known(name)
        except Exception:
            log.exception("could not read the last known state of %s", name)
            return SourceState()
        return SourceState() if known is None else resume(*known)

    def stop(self) -> None:
        self.engine.stop()

    def apply(self, config: Config) -> None:
        """Take a new config (watches and polling) without restarting unchanged sources."""
        self.config = config
        self.engine.settings = config_settings(config, self.engine.settings)
        if self.log is not None:
            self.log.local_services = self.engine.settings.local_services
        self.engine.set_watches(config.watches, _probes(config))

    def _on_event(self, event: Event) -> None:
        if self.writer is not None:
            self.writer.append(lambda log_: log_.record([event]))
        for listener in list(self.event_listeners):
            listener(event)

    def _on_acknowledgement(self, ack: Acknowledgement) -> None:
        if self.writer is not None:
            now = datetime.now(UTC)
            self.writer.append(lambda log_: log_.record_acknowledgement(ack, now))

    def _on_status(self, status: SourceStatus) -> None:
        if self.writer is not None:
            self._record_status(status, self.writer)
            self._beat()
            self._arm_beat()
        for listener in list(self.status_listeners):
            listener(status)

    def _record_status(self, status: SourceStatus, writer: LogWriter) -> None:
        now = datetime.now(UTC)
        reading = status.reading
        name = status.watch.name
        fetched = reading.fetched_at if reading is not None else None
        if (
            reading is not None
            and fetched is not None
            and self._logged_readings.get(name) != fetched
        ):
            self._logged_readings[name] = fetched
            read = reading  # (narrowed, for the lambda)
            writer.replace(
                ("components", name), lambda log_: log_.record_components(name, read, now)
            )
        else:
            writer.flush()  # a write that failed is retried at every poll
        if self._last_prune is None or now - self._last_prune >= log_retention.PRUNE_EVERY:
            keep = self.config.log.keep_days
            writer.replace("prune", lambda log_: log_.prune(keep, now))
            self._last_prune = now

    def _log_problem(self, problem: str | None) -> None:
        for listener in list(self.problem_listeners):
            listener(problem)


def _probes(config: Config) -> dict[str, list[ProbeSpec]]:
    by_watch: dict[str, list[ProbeSpec]] = {}
    for name, spec in config.probes:
        by_watch.setdefault(name, []).append(spec)
    return by_watch
