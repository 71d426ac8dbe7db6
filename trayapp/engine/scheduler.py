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
- a connectivity witness is consulted only when a source that needs the internet fails to
  connect: if the reference hosts fail too (or, with none configured, every source fails at once)
  the verdict is "you are offline" instead of a page of false outages; a service on this machine
  or the LAN (``local_services``, see ``urls.needs_internet``) keeps its own state, failures
  included;
- after a sleep/resume, failures in the first seconds are not held against anyone.

Nothing ticks: between polls every task sleeps until its own deadline. Readings go through the
pure tracker; the engine hands out events and per-source snapshots through callbacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from trayapp import formats
from trayapp.core import tracker, verdict
from trayapp.core.model import Event, Reading, Severity, Watch
from trayapp.core.status import SourceStatus
from trayapp.core.verdict import sentence as verdict_sentence
from trayapp.engine import poll
from trayapp.engine.settings import (
    MAX_DELAY,
    MAX_JITTER,
    MIN_DELAY,
    ONLINE_SPREAD,
    EngineSettings,
    EngineStats,
    bounded,
)
from trayapp.engine.sources import (
    EventCallback,
    StatusCallback,
    _Source,
    _wrong_source,
    redetected_note,
)
from trayapp.errors import FetchError
from trayapp.net import fetch
from trayapp.net.backoff import backoff_delay
from trayapp.net.retry_after import parse_retry_after
from trayapp.probes import classify, run
from trayapp.probes import spec as probe
from trayapp.probes import state as probe_state
from trayapp.urls import LOOPBACK_FLOOR, PUBLIC_FLOOR, is_loopback

if TYPE_CHECKING:  # detection is imported when a source first needs it, never on start
    from trayapp.formats.detection import Detection

log = logging.getLogger(__name__)


AcknowledgementCallback = Callable[[verdict.Acknowledgement], None]
TokenLookup = Callable[[str], str | None]
Resume = Callable[[str], tracker.SourceState]  # a source's starting state (see tracker.resume)


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
        self.settings = settings or EngineSettings()
        self._watches = list(watches)
        self._probes = {name: tuple(specs) for name, specs in (probes or {}).items()}
        self._token_lookup = token_lookup
        self._on_event = on_event or (lambda event: None)
        self._on_status = on_status or (lambda status: None)
        self._on_ack = on_acknowledgement or (lambda ack: None)
        self._resume = resume or (lambda name: tracker.SourceState())
        self._client = client
        self._own_client = client is None
        self._rng = rng or random.Random()
        self._sources: dict[str, _Source] = {}
        self._stop = asyncio.Event()
        self._unpaused = asyncio.Event()
        self._unpaused.set()
        self._global: asyncio.Semaphore | None = None
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._offline = False
        self._witness_lock = asyncio.Lock()
        self._witness_at = -1e9
        self._witness_ok = True
        self._offline_task: asyncio.Task[None] | None = None
        self._grace_until = 0.0
        self.stats = EngineStats()

    # ------------------------------------------------------------------ commands (UI → engine)

    @property
    def offline(self) -> bool:
        return self._offline

    @property
    def paused(self) -> bool:
        return not self._unpaused.is_set()

    def statuses(self) -> dict[str, SourceStatus]:
        return {name: self._snapshot(src) for name, src in self._sources.items()}

    def stop(self) -> None:
        self._stop.set()

    def check_now(self, name: str | None = None) -> None:
        """Poll one source (or all) and run its probes now, failing ones included: the user
        asked, once (a held "yours" is re-checked too)."""
        for src in self._selected(name):
            self._wake(src, None)
            for wake in src.probe_wakes:
                wake.set()

    def tokens_changed(self) -> None:
        """A token was stored or removed: re-check the probes held on the user's side now."""
        self._wake_probes(lambda state: state.paused)

    def _wake_probes(self, which: Callable[[probe_state.ProbeState], bool]) -> None:
        for src in self._sources.values():
            for state, wake in zip(src.probe_states, src.probe_wakes, strict=True):
                if which(state):
                    wake.set()

    def set_paused(self, paused: bool) -> None:
        if paused:
            self._unpaused.clear()
        else:
            self._unpaused.set()

    def network_changed(self) -> None:
        """The OS says the network changed: recheck connectivity and failing sources soon."""
        self._witness_at = -1e9
        for src in self._sources.values():
            if src.transport_failed or self._offline:
                self._wake(src, self._rng.uniform(0.5, 3.0))

    def resumed_from_sleep(self) -> None:
        """After a resume the network needs a moment: poll after a grace period, ignore failures
        until then."""
        grace = self.settings.resume_grace
        self._grace_until = time.monotonic() + grace
        self._witness_at = -1e9
        log.info("resumed from sleep: polling again in %.0f s", grace)
        for src in self._sources.values():
            self._wake(src, grace + self._rng.uniform(0, 3.0))

    def set_watches(
        self,
        watches: Iterable[Watch],
        probes: Mapping[str, Sequence[probe.ProbeSpec]] | None = None,
    ) -> None:
        """Replace the watched set; unchanged sources keep their state and schedule."""
        self._watches = list(watches)
        if probes is not None:
            self._probes = {name: tuple(specs) for name, specs in probes.items()}
        if self._global is None:  # not running yet
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
        self._global = asyncio.Semaphore(self.settings.max_concurrency)
        if self._client is None:
            self._client = fetch.make_client(
                timeout=self.settings.timeout,
                connect_timeout=self.settings.connect_timeout,
                max_connections=self.settings.max_concurrency * 2,
            )
        try:
            for watch in self._watches:
                self._start_source(watch)
            await self._stop.wait()
        finally:
            tasks = [t for s in self._sources.values() for t in (s.task, *s.probe_tasks) if t]
            if self._offline_task:
                tasks.append(self._offline_task)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self._own_client:
                await self._client.aclose()
                self._client = None

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
            loop.create_task(self._run_probe(src, i), name=f"probe {watch.name}: {spec.name}")
            for i, spec in enumerate(specs)
        ]

    async def _run_source(self, src: _Source) -> None:
        delay = self._rng.uniform(0, self.settings.first_round_spread)
        while True:
            await self._sleep(src, delay)
            await self._unpaused.wait()
            try:
                delay = self._next_poll(src, await self._poll(src))
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
                self._detect_resume(wall, mono)
                return
            if src.reschedule is None:
                return
            delay, src.reschedule = src.reschedule, None

    def _wake(self, src: _Source, delay: float | None) -> None:
        src.reschedule = delay
        src.wake.set()

    def _detect_resume(self, wall: float, mono: float) -> None:
        """The monotonic clock stops during suspend, the wall clock does not: a gap means resume."""
        gap = (time.time() - wall) - (time.monotonic() - mono)
        if gap > 30 and time.monotonic() > self._grace_until:
            self.resumed_from_sleep()

    # ------------------------------------------------------------------ one poll

    async def _poll(self, src: _Source) -> float:
        assert self._client is not None and self._global is not None
        if src.watch.format == formats.AUTO and not await self._detect(src):
            return self._backoff(src)
        watch = src.watch
        headers = {}
        if src.reading is not None:
            if src.etag:
                headers["If-None-Match"] = src.etag
            if src.last_modified:
                headers["If-Modified-Since"] = src.last_modified
        headers |= await poll.bearer(watch, self._token_lookup)
        host = urlsplit(watch.url).netloc
        per_host = self._hosts.setdefault(host, asyncio.Semaphore(self.settings.per_host))
        now = datetime.now(UTC)
        async with self._global, per_host:  # the deadline runs inside: a slot is held no longer
            self.stats.requests += 1
            try:
                response = await fetch.get(
                    self._client,
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
        if self._offline and await self._connectivity():
            # with reference hosts, only they end an offline spell: a page on this machine or
            # the LAN answering says nothing about the internet (the witness is cached)
            self._set_offline(False, now)

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
            delay = max(self._backoff(src), min(retry_after or 0.0, self.settings.retry_after_cap))
        else:
            src.failures = 0
            delay = self._interval(src)
            if retry_after:  # e.g. a 200/304 that still asks for patience
                delay = max(delay, min(retry_after, self.settings.retry_after_cap))
        self._feed(src, reading, now)
        return delay

    async def _discover(self, url: str) -> Detection:
        """One detection through the fetch edge, in a global slot, within its total deadline."""
        from trayapp.engine.discovery import DETECTION_BUDGET, discover

        assert self._client is not None and self._global is not None
        async with self._global:
            return await discover(
                self._client, url, deadline=self.settings.timeout * DETECTION_BUDGET
            )

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
        if time.monotonic() < self._grace_until:  # just resumed: the network may not be up yet
            self._publish(src)
            return self._backoff(src)
        if src.transport_failed and not self._local(src):
            network = await self._connectivity()
            if network is not True:
                if network is False:
                    self._set_offline(True, now)
                self._publish(src)
                return self._backoff(src)
            if self._offline:
                self._set_offline(False, now)
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

    # ------------------------------------------------------------------ active probes

    async def _run_probe(self, src: _Source, index: int) -> None:
        """One probe's loop: the same politeness as polling (floor, jitter, Retry-After), every
        ``problem_interval`` while in outage, and a held "yours" re-checked slowly. Woken early
        by Check now, a token change and the network coming back."""
        spec = src.probe_specs[index]
        wake = src.probe_wakes[index]
        floor = self._probe_floor(spec)
        delay = self._rng.uniform(0, self.settings.first_round_spread)
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, delay)):
                    await wake.wait()
            wake.clear()  # after the wait: a wake during the request below is not lost
            await self._unpaused.wait()
            token = await self._token(spec)
            fingerprint = probe.fingerprint(spec, token)
            state = probe_state.resume_if_changed(src.probe_states[index], fingerprint)
            host = urlsplit(spec.url).netloc
            per_host = self._hosts.setdefault(host, asyncio.Semaphore(self.settings.per_host))
            assert self._client is not None and self._global is not None
            async with self._global, per_host:
                self.stats.requests += 1
                result = await run.run_probe(self._client, spec, token)
            unreachable = not result.connected and result.cause == "unreachable"
            if unreachable and not self._local(src):
                result = classify.with_witness(result, await self._connectivity())
            now = datetime.now(UTC)
            state = probe_state.probe_step(
                state,
                result,
                now,
                self.settings.tracker.confirm_worse,
                fingerprint=fingerprint,
            )
            delay = probe_state.next_delay(
                spec,
                state,
                self._rng,
                floor=floor,
                problem_interval=self.settings.problem_interval,
                cap=self.settings.backoff_cap,
                retry_after_cap=self.settings.retry_after_cap,
                yours_recheck=self.settings.yours_recheck,
            )
            delay = bounded(delay, floor or spec.floor, MAX_DELAY)  # nan in a spec: the floor
            src.probe_states[index] = replace(state, next_at=now + timedelta(seconds=delay))
            self._update_verdict(src, now)
            self._publish(src)

    def _probe_floor(self, spec: probe.ProbeSpec) -> float | None:
        """A loopback probe may run as often as a loopback page (tests, the demo)."""
        return self.settings.min_loopback_interval if is_loopback(spec.url) else None

    async def _token(self, spec: probe.ProbeSpec) -> str | None:
        if not spec.token_name or self._token_lookup is None:
            return None
        try:  # the keyring may block (D-Bus, an unlock prompt): never in the event loop
            return await asyncio.to_thread(self._token_lookup, spec.token_name)
        except Exception as exc:  # a locked or missing keyring: the probe reports no token
            log.warning("no token for %s: %s", spec.name, type(exc).__name__)
            return None

    def _update_verdict(self, src: _Source, now: datetime) -> None:
        """Recompute the service's verdict; record how late the page admitted an outage."""
        if not src.probe_specs:
            return
        previous = src.verdict
        followed = src.acknowledgement
        src.verdict = verdict.decide(
            src.state.confirmed,
            src.state.since,
            src.probe_states,
            self._offline and not self._answers(src) and not self._local(src),
            now,
            page_admitted=followed is not None
            and followed.page_ack_at is not None
            and followed.probe_up_at is None,
        )
        incident = next(iter(src.reading.open_incidents), None) if src.reading else None
        src.acknowledgement, write = verdict.follow_acknowledgement(
            src.acknowledgement,
            src.watch.name,
            src.verdict,
            now,
            incident_id=incident.id if incident else None,
        )
        if write is not None:
            self._on_ack(write)
        yours = src.verdict.kind == "yours"
        changed = previous.kind != src.verdict.kind if previous is not None else (
            yours or src.verdict.severity.is_problem  # found before the page's first read
        )  # fmt: skip
        if changed:
            self._emit(
                Event(
                    time=now,
                    service=src.watch.name,
                    kind="yours" if yours else "verdict",
                    severity=src.verdict.severity,
                    previous=previous.severity if previous is not None else None,
                    message=verdict_sentence(src.verdict) if yours else src.verdict.text,
                )
            )

    def _local(self, src: _Source) -> bool:
        """The service needs no internet (``EngineSettings.local_services``)."""
        return src.watch.name in self.settings.local_services

    def _answers(self, src: _Source) -> bool:
        """Whether the service itself answers while the reference hosts fail: its page was
        reached, or a probe got an answer (a host on this machine or the LAN often does)."""
        if src.last_checked is not None and not src.transport_failed:
            return True
        return any(s.last is not None and s.last.connected for s in src.probe_states)

    # ------------------------------------------------------------------ connectivity witness

    async def _connectivity(self) -> bool | None:
        """Ask the witness whether the network works: True, False, or None for "can't tell yet".

        With reference hosts configured, any answer from one proves the network works. Without
        them, every source on two or more hosts failing to connect means offline; while some
        sources have not been tried yet there is no verdict.
        """
        if not self.settings.reference_urls:
            sources = list(self._sources.values())
            hosts = {urlsplit(s.watch.url).netloc for s in sources}
            if len(hosts) < 2 or any(s.last_checked and not s.transport_failed for s in sources):
                return True
            return None if any(s.last_checked is None for s in sources) else False
        async with self._witness_lock:
            if time.monotonic() - self._witness_at < self.settings.witness_cache:
                return self._witness_ok
            self._witness_ok = await self._probe_references()
            self._witness_at = time.monotonic()
            return self._witness_ok

    async def _probe_references(self) -> bool:
        assert self._client is not None
        urls = self.settings.reference_urls
        return bool(await fetch.any_answers(self._client, urls, self.settings.witness_timeout))

    def _set_offline(self, offline: bool, now: datetime) -> None:
        if offline == self._offline:
            return
        self._offline = offline
        for src in self._sources.values():
            self._update_verdict(src, now)
        if offline:
            self._emit(
                Event(
                    time=now,
                    service="",
                    kind="offline",
                    severity=Severity.UNKNOWN,
                    message="You are offline: neither the status pages nor the reference hosts "
                    "answer",
                )
            )
            if self.settings.reference_urls:  # without them, the first page to answer ends it
                self._offline_task = asyncio.get_running_loop().create_task(self._await_online())
        else:
            self._emit(
                Event(
                    time=now,
                    service="",
                    kind="online",
                    severity=Severity.UNKNOWN,
                    message="Back online",
                )
            )
            for src in self._sources.values():
                if src.transport_failed:  # spread out: many clients come back at this moment
                    src.failures = 0
                    self._wake(src, self._rng.uniform(0.2, ONLINE_SPREAD))
            self._wake_probes(
                lambda state: state.paused or (state.last is not None and state.last.neutral)
            )

    async def _await_online(self) -> None:
        """While offline, recheck the reference hosts with capped, jittered backoff."""
        wait = self.settings.offline_recheck
        while self._offline:
            await asyncio.sleep(self._rng.uniform(wait * 0.8, wait * 1.2))
            if not self._offline:
                return
            self._witness_at = -1e9
            if self.settings.reference_urls and await self._probe_references():
                self._set_offline(False, datetime.now(UTC))
                return
            wait = min(wait * 2, self.settings.backoff_cap / 3)

    # ------------------------------------------------------------------ timing

    # Every number below is passed through ``bounded`` although the config checks them too:
    # whatever reaches the engine (nan, inf, negative), no host is polled faster than its floor.

    def _floor(self, watch: Watch) -> float:
        if is_loopback(watch.url):
            value = self.settings.min_loopback_interval  # tests compress it below a second
            return bounded(value, MIN_DELAY, MAX_DELAY, fallback=LOOPBACK_FLOOR)
        return bounded(self.settings.min_public_interval, PUBLIC_FLOOR, MAX_DELAY)

    def _base_interval(self, src: _Source) -> float:
        floor = self._floor(src.watch)
        base = bounded(src.watch.interval or self.settings.interval, floor, MAX_DELAY)
        if src.state.display_severity.is_problem:
            base = min(base, bounded(self.settings.problem_interval, floor, MAX_DELAY))
        return base

    def _jitter(self) -> float:
        return bounded(self.settings.jitter, 0.0, MAX_JITTER)

    def _interval(self, src: _Source) -> float:
        jitter = self._jitter()
        return self._base_interval(src) * self._rng.uniform(1 - jitter, 1 + jitter)

    def _backoff(self, src: _Source) -> float:
        """Never sooner than a normal poll; at most 8/h at the default cap (``backoff_delay``)."""
        base = self._base_interval(src)
        cap = bounded(self.settings.backoff_cap, base, MAX_DELAY)
        return backoff_delay(base, src.failures, cap, self._rng)

    def _next_poll(self, src: _Source, delay: float) -> float:
        """The delay a poll asked for, never shorter than a jittered floor (nan: the interval)."""
        low = self._floor(src.watch) * (1 - self._jitter())
        return bounded(delay, low, MAX_DELAY, fallback=self._base_interval(src))

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
            local=self._local(src),
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
