"""The polling engine: one asyncio task per watched source, polite by construction.

What makes it polite (a status tray must never join a retry storm):

- each source has its own timer at its own interval, with ±jitter so clients never synchronise;
- conditional requests (ETag / Last-Modified → 304) so an unchanged page costs a few bytes;
- failures back off exponentially with full jitter over [interval, interval·2ⁿ], and equal jitter
  over [cap/2, cap] once capped (``backoff.backoff_delay``: ≤ 8 requests/h at the default cap), and
  ``Retry-After`` / ``retry-after-ms`` are honoured: a 429 or 503 never makes it poll sooner;
- concurrency is bounded overall and per host; each request has one total deadline, run inside
  its slots (a server dripping a byte a second holds them no longer); responses are
  size-capped; only http(s);
- offline is told apart from "service down", and after a sleep/resume failures in the first
  seconds are not held against anyone (``connectivity``).

Nothing ticks: between polls every task sleeps until its own deadline (``timing`` says how
long). Readings go through the pure tracker; the engine hands out events and per-source
snapshots through callbacks. Active probes run beside the polls (``probe_runner``), sharing the
engine's client, slots and settings (``context``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx

from trayapp import formats
from trayapp.core import tracker, verdict
from trayapp.core.model import Event, Reading, Severity, Watch
from trayapp.core.status import SourceStatus
from trayapp.engine import poll, timing
from trayapp.engine.connectivity import Connectivity
from trayapp.engine.context import EngineContext, Slots
from trayapp.engine.poll import TokenLookup
from trayapp.engine.probe_runner import ProbeRunner, next_verdict
from trayapp.engine.settings import ONLINE_SPREAD, EngineSettings, EngineStats
from trayapp.engine.sources import (
    EventCallback,
    StatusCallback,
    _Source,
    _wrong_source,
    redetected_note,
)
from trayapp.engine.tokens import TokenCache
from trayapp.errors import FetchError
from trayapp.net import fetch
from trayapp.net.retry_after import parse_retry_after
from trayapp.probes import spec as probe
from trayapp.probes import state as probe_state

if TYPE_CHECKING:  # detection is imported when a source first needs it, never on start
    from trayapp.engine.preview import Preview
    from trayapp.formats.detection import Detection

log = logging.getLogger(__name__)


AcknowledgementCallback = Callable[[verdict.Acknowledgement], None]
Resume = Callable[[str], tracker.SourceState]  # a source's starting state (see tracker.resume)
OFFLINE_MESSAGE = "You are offline: neither the status pages nor the reference hosts answer"


class Engine:
    """Polls every watch until ``stop()``; see the module docstring for the rules."""

    def __init__(
        self,
        watches: Iterable[Watch],
        settings: EngineSettings | None = None,
        *,
        on_event: EventCallback | None = None,
        on_status: StatusCallback | None = None,
        on_acknowledgement: AcknowledgementCallback | None = None,
        probes: Mapping[str, Sequence[probe.ProbeSpec]] | None = None,
        token_lookup: TokenLookup | None = None,
        client: httpx.AsyncClient | None = None,
        rng: random.Random | None = None,
        resume: Resume | None = None,
    ) -> None:
        self._context = EngineContext(
            settings=settings or EngineSettings(), rng=rng or random.Random(), client=client
        )
        self._context.unpaused.set()
        self._watches = list(watches)
        self._probes = {name: tuple(specs) for name, specs in (probes or {}).items()}
        self._tokens = TokenCache(token_lookup) if token_lookup is not None else None
        self._on_event = on_event or (lambda event: None)
        self._on_status = on_status or (lambda status: None)
        self._on_ack = on_acknowledgement or (lambda ack: None)
        self._resume = resume or (lambda name: tracker.SourceState())
        self._own_client = client is None
        self._sources: dict[str, _Source] = {}
        self._stop = asyncio.Event()
        self._connectivity = Connectivity(self._context, self._sources, self._offline_changed)
        self._probe_runner = ProbeRunner(
            self._context, self._connectivity, self._tokens, self._probed
        )

    @property
    def settings(self) -> EngineSettings:
        """Every timing the engine uses; replacing it (a config reload) takes effect at each
        source's next poll."""
        return self._context.settings

    @settings.setter
    def settings(self, settings: EngineSettings) -> None:
        self._context.settings = settings

    @property
    def stats(self) -> EngineStats:
        return self._context.stats

    # ------------------------------------------------------------------ commands (UI → engine)

    @property
    def offline(self) -> bool:
        return self._connectivity.offline

    @property
    def paused(self) -> bool:
        return not self._context.unpaused.is_set()

    def statuses(self) -> dict[str, SourceStatus]:
        return {name: self._snapshot(src) for name, src in self._sources.items()}

    def stop(self) -> None:
        self._stop.set()

    def check_now(self, name: str | None = None) -> None:
        """Poll one source (or all) and run its probes now, failing ones included: the user
        asked, once (a held "yours" is re-checked too), with the tokens read afresh."""
        self._forget_tokens()
        for src in self._selected(name):
            self._wake(src, None)
            for wake in src.probe_wakes:
                wake.set()

    def tokens_changed(self) -> None:
        """A token was stored or removed: re-check the probes held on the user's side now."""
        self._forget_tokens()
        self._wake_probes(lambda state: state.paused)

    def _forget_tokens(self) -> None:
        if self._tokens is not None:
            self._tokens.forget()

    def _wake_probes(self, which: Callable[[probe_state.ProbeState], bool]) -> None:
        for src in self._sources.values():
            for state, wake in zip(src.probe_states, src.probe_wakes, strict=True):
                if which(state):
                    wake.set()

    def set_paused(self, paused: bool) -> None:
        if paused:
            self._context.unpaused.clear()
        else:
            self._context.unpaused.set()

    def network_changed(self) -> None:
        """The OS says the network changed: recheck connectivity and failing sources soon."""
        self._connectivity.forget()
        for src in self._sources.values():
            if src.transport_failed or self.offline:
                self._wake(src, self._context.rng.uniform(0.5, 3.0))

    def resumed_from_sleep(self) -> None:
        """After a resume the network needs a moment: poll after a grace period, ignore failures
        until then."""
        grace = self.settings.resume_grace
        self._connectivity.begin_grace(grace)
        log.info("resumed from sleep: polling again in %.0f s", grace)
        for src in self._sources.values():
            self._wake(src, grace + self._context.rng.uniform(0, 3.0))

    def set_watches(
        self,
        watches: Iterable[Watch],
        probes: Mapping[str, Sequence[probe.ProbeSpec]] | None = None,
    ) -> None:
        """Replace the watched set; unchanged sources keep their state and schedule."""
        self._watches = list(watches)
        if probes is not None:
            self._probes = {name: tuple(specs) for name, specs in probes.items()}
        if self._context.slots is None:  # not running yet
            return
        wanted = {w.name: w for w in self._watches}
        for name in list(self._sources):
            src = self._sources[name]
            changed = src.probe_specs != self._probes.get(name, ())
            if name not in wanted or wanted[name] != src.configured or changed:
                for task in (src.task, *src.probe_tasks):
                    if task:
                        task.cancel()
                del self._sources[name]
        for name, watch in wanted.items():
            if name not in self._sources:
                self._start_source(watch)

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> None:
        """Poll until ``stop()``; then cancel every task and close the client it opened."""
        context, settings = self._context, self.settings
        context.slots = Slots(settings.max_concurrency, settings.per_host)
        if context.client is None:
            context.client = self._new_client()
        try:
            for watch in self._watches:
                self._start_source(watch)
            await self._stop.wait()
        finally:
            tasks = [t for s in self._sources.values() for t in (s.task, *s.probe_tasks) if t]
            if self._connectivity.recheck:
                tasks.append(self._connectivity.recheck)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self._own_client:
                await context.client.aclose()
                context.client = None

    def _new_client(self) -> httpx.AsyncClient:
        return fetch.make_client(
            timeout=self.settings.timeout,
            connect_timeout=self.settings.connect_timeout,
            max_connections=self.settings.max_concurrency * 2,
        )

    # ------------------------------------------------------------------ previews (UI → engine)

    async def detect_preview(self, url: str) -> Preview:
        """What ``url`` would read as, before it is watched: detected and read once within the
        engine's deadlines and size cap, in a global slot (as the engine's own detection)."""
        from trayapp.engine import preview
        from trayapp.engine.discovery import DETECTION_BUDGET

        async with self._lease() as client:
            return await preview.detect(
                client,
                url,
                deadline=self.settings.timeout * DETECTION_BUDGET,
                max_bytes=self.settings.max_bytes,
            )

    async def check_preview(self, watch: Watch) -> Preview:
        """What ``watch`` reads as now, every component included, in a global and a per-host
        slot (as a poll); a failure is the preview's reading, never an exception."""
        from trayapp.engine import preview

        async with self._lease(watch.url) as client:
            return await preview.check(client, watch, max_bytes=self.settings.max_bytes)

    @contextlib.asynccontextmanager
    async def _lease(self, url: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
        """The running engine's client inside its slots (``url``'s host's too, when given); when
        it is not running (before ``run``, or a Settings window on its own), a client of its own
        for this one use."""
        client, slots = self._context.client, self._context.slots
        if client is None or slots is None:
            async with self._new_client() as own:
                yield own
            return
        async with slots.overall, slots.host(url) if url else contextlib.nullcontext():
            yield client

    def _start_source(self, watch: Watch) -> None:
        specs = self._probes.get(watch.name, ())
        src = _Source(
            configured=watch,
            watch=watch,
            probe_specs=specs,
            state=self._resume(watch.name),
            verify=not watch.verified,
        )
        src.probe_states = [probe_state.ProbeState(slow_ms=spec.slow_ms) for spec in specs]
        src.probe_wakes = [asyncio.Event() for _ in specs]
        self._sources[watch.name] = src
        loop = asyncio.get_running_loop()
        src.task = loop.create_task(self._run_source(src), name=f"poll {watch.name}")
        src.probe_tasks = [
            loop.create_task(
                self._probe_runner.run(src, i), name=f"probe {watch.name}: {spec.name}"
            )
            for i, spec in enumerate(specs)
        ]

    async def _run_source(self, src: _Source) -> None:
        delay = self._context.rng.uniform(0, self.settings.first_round_spread)
        while True:
            await self._sleep(src, delay)
            await self._context.unpaused.wait()
            try:
                asked = await self._poll(src)  # may detect another url for src.watch
                delay = timing.at_least_floor(
                    self.settings, src.watch, asked, self._base_interval(src)
                )
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not silently end this source's polling
                log.exception("polling %s failed unexpectedly", src.watch.name)
                src.failures += 1
                delay = self._backoff(src)
            src.next_delay = delay

    async def _sleep(self, src: _Source, delay: float) -> None:
        """Sleep ``delay`` seconds or until woken; a wake may carry a new delay instead."""
        while True:
            src.wake.clear()
            wall, mono = time.time(), time.monotonic()
            try:
                async with asyncio.timeout(max(0.0, delay)):
                    await src.wake.wait()
            except TimeoutError:
                if self._connectivity.slept_since(wall, mono):
                    self.resumed_from_sleep()
                return
            if src.reschedule is None:
                return
            delay, src.reschedule = src.reschedule, None

    def _wake(self, src: _Source, delay: float | None) -> None:
        src.reschedule = delay
        src.wake.set()

    # ------------------------------------------------------------------ one poll

    async def _poll(self, src: _Source) -> float:
        if src.watch.format == formats.AUTO and not await self._detect(src):
            return self._backoff(src)
        watch = src.watch
        headers = {}
        if src.reading is not None:
            if src.etag:
                headers["If-None-Match"] = src.etag
            if src.last_modified:
                headers["If-Modified-Since"] = src.last_modified
        headers |= await poll.bearer(watch, self._tokens)
        client, slots = self._context.running()
        now = datetime.now(UTC)
        # the deadline runs inside the slots: a slot is held no longer
        async with slots.overall, slots.host(watch.url):
            self.stats.requests += 1
            try:
                response = await fetch.get(
                    client,
                    watch.url,
                    headers=headers,
                    max_bytes=self.settings.max_bytes,
                    deadline=self.settings.timeout,
                )
            except FetchError as exc:
                failure: FetchError | None = exc
            else:
                failure = None
        if failure is not None:  # the witness is asked after the slots are given back
            return await self._failed(src, failure, now)
        self.stats.bytes += len(response.body)
        src.transport_failed = False
        src.last_checked = now
        if self.offline and await self._connectivity.network_works():
            # with reference hosts, only they end an offline spell: a page on this machine or
            # the LAN answering says nothing about the internet (the witness is cached)
            self._connectivity.set_offline(False, now)

        if response.status == 304 and src.reading is not None:
            self.stats.not_modified += 1
            reading = replace(src.reading, fetched_at=now)
        else:
            reading = replace(poll.interpret(watch, response), fetched_at=now)
            if 200 <= response.status < 300 and reading.error is None:
                src.etag = response.headers.get("etag")
                src.last_modified = response.headers.get("last-modified")
            if src.verify and (reading.error is None or _wrong_source(response.status, reading)):
                src.verify = False  # read, or re-detected once: never a loop
                if reading.error is not None:
                    failed = await self._redetect(src, reading)
                    if failed is None:
                        return await self._poll(src)  # the detected endpoint, read at once
                    reading = failed

        retry_after = parse_retry_after(dict(response.headers), now)
        if response.status == 429 or response.status >= 500:
            src.failures += 1
            self.stats.failures += 1
        else:
            src.failures = 0
        base = self._base_interval(src)
        delay = timing.after_answer(
            self.settings, base, src.failures, retry_after, self._context.rng
        )
        self._feed(src, reading, now)
        return delay

    async def _discover(self, url: str) -> Detection:
        """One detection through the fetch edge, in a global slot, within its total deadline."""
        from trayapp.engine.discovery import DETECTION_BUDGET, discover

        client, slots = self._context.running()
        async with slots.overall:
            return await discover(client, url, deadline=self.settings.timeout * DETECTION_BUDGET)

    async def _redetect(self, src: _Source, reading: Reading) -> Reading | None:
        """An unverified catalog entry's answer could not be read: detect its page once. None
        when detection found another way to read it (``src.watch`` now says which), else the
        reading as it was (``src.undetected`` says what detection found)."""
        from trayapp.errors import DetectionError

        before = src.watch
        try:
            found = await self._discover(before.page_url or before.url)
        except DetectionError as exc:
            src.undetected = f"Detection found no other way to read it: {exc}"
            return reading
        if (found.format, found.endpoint) == (before.format, before.url):
            return reading  # detection agrees with the catalog: this answer is just unreadable
        params = dict(found.params)
        if found.format == before.format:  # the catalog's filters still mean something
            params |= before.param_map
        src.watch = replace(
            before, url=found.endpoint, format=found.format, params=tuple(params.items())
        )
        log.info("%s: the catalog's %s was unreadable; detected %s at %s", before.name,
                 before.format, found.format, found.endpoint)  # fmt: skip
        return None

    async def _detect(self, src: _Source) -> bool:
        """Find the format of an "auto" watch once; a failure reads unknown and backs off."""
        from trayapp.errors import DetectionError

        now = datetime.now(UTC)
        url = src.watch.page_url or src.watch.url
        try:
            found = await self._discover(url)
        except DetectionError as exc:
            src.failures += 1
            src.last_checked = now
            reason = f"could not detect the status format: {exc}"
            self._feed(src, replace(Reading.unknown("", reason), fetched_at=now), now)
            return False
        params = dict(found.params) | src.watch.param_map
        src.watch = replace(
            src.watch, url=found.endpoint, format=found.format, params=tuple(params.items())
        )
        log.info("%s: detected %s at %s", src.watch.name, found.format, found.endpoint)
        return True

    async def _failed(self, src: _Source, exc: FetchError, now: datetime) -> float:
        src.failures += 1
        src.last_checked = now
        src.transport_failed = not exc.connected
        self.stats.failures += 1
        if self._connectivity.in_grace():  # just resumed: the network may not be up yet
            self._publish(src)
            return self._backoff(src)
        if src.transport_failed and not self._connectivity.is_local(src):
            network = await self._connectivity.network_works()
            if network is not True:
                if network is False:
                    self._connectivity.set_offline(True, now)
                self._publish(src)
                return self._backoff(src)
            if self.offline:
                self._connectivity.set_offline(False, now)
        self._feed(src, replace(Reading.unknown(src.watch.format, str(exc)), fetched_at=now), now)
        return self._backoff(src)

    def _feed(self, src: _Source, reading: Reading, now: datetime) -> None:
        src.state, events = tracker.step(
            src.state, src.watch.name, reading, now, self.settings.tracker
        )
        if reading.error is None:
            src.reading = reading
        for event in events:
            self._emit(event)
        self._update_verdict(src, now)
        self._publish(src)

    # ------------------------------------------------------------------ timing (see ``timing``)

    def _base_interval(self, src: _Source) -> float:
        problem = src.state.display_severity.is_problem
        return timing.base_interval(self.settings, src.watch, problem=problem)

    def _backoff(self, src: _Source) -> float:
        return timing.backoff(
            self.settings, self._base_interval(src), src.failures, self._context.rng
        )

    # ------------------------------------------------------------------ probes and offline

    def _probed(self, src: _Source, now: datetime) -> None:
        """A probe of ``src`` ran: its verdict may have changed."""
        self._update_verdict(src, now)
        self._publish(src)

    def _update_verdict(self, src: _Source, now: datetime) -> None:
        offline = self._connectivity.held_offline(src)
        write, event = next_verdict(src, now, offline=offline)
        if write is not None:
            self._on_ack(write)
        if event is not None:
            self._emit(event)

    def _offline_changed(self, offline: bool, now: datetime) -> None:
        """The machine went offline or came back: every verdict may change; say it once, and
        when back, re-poll what failed meanwhile, spread out (many clients come back now)."""
        for src in self._sources.values():
            self._update_verdict(src, now)
        if offline:
            self._emit(Event(now, "", "offline", Severity.UNKNOWN, message=OFFLINE_MESSAGE))
            return
        self._emit(Event(now, "", "online", Severity.UNKNOWN, message="Back online"))
        for src in self._sources.values():
            if src.transport_failed:
                src.failures = 0
                self._wake(src, self._context.rng.uniform(0.2, ONLINE_SPREAD))
        self._wake_probes(
            lambda state: state.paused or (state.last is not None and state.last.neutral)
        )

    # ------------------------------------------------------------------ output

    def _selected(self, name: str | None) -> list[_Source]:
        if name is None:
            return list(self._sources.values())
        return [self._sources[name]] if name in self._sources else []

    def _snapshot(self, src: _Source) -> SourceStatus:
        return SourceStatus(
            watch=src.watch,
            state=src.state,
            reading=src.reading,
            last_checked=src.last_checked,
            failures=src.failures,
            next_check_in=src.next_delay,
            probes=tuple(src.probe_states),
            verdict=src.verdict,
            probe_specs=src.probe_specs,
            interval=self._base_interval(src),
            reachable=not src.transport_failed,
            note=redetected_note(src.configured, src.watch) if src.reading else src.undetected,
            local=self._connectivity.is_local(src),
        )

    def _publish(self, src: _Source) -> None:
        try:
            self._on_status(self._snapshot(src))
        except Exception:
            log.exception("status callback failed")

    def _emit(self, event: Event) -> None:
        try:
            self._on_event(event)
        except Exception:
            log.exception("event callback failed")
