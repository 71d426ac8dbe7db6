"""Offline told apart from "service down", and the grace after a resume from sleep.

The witness is consulted only when a source that needs the internet fails to connect: if the
reference hosts fail too (or, with none configured, every source fails at once) the machine is
offline, and the engine says so once instead of a page of false outages. A service on this
machine or the LAN (``local_services``, see ``urls.needs_internet``) keeps its own state,
failures included. After a sleep/resume the network needs a moment: failures in the first
seconds are not held against anyone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import urlsplit

from trayapp.engine.context import EngineContext
from trayapp.engine.sources import _Source
from trayapp.net import fetch

SLEEP_GAP = 30.0  # seconds the wall clock ran ahead of the monotonic one: the machine slept

OfflineChanged = Callable[[bool, datetime], None]  # (offline, when): the engine tells everyone


class Connectivity:
    """Whether this machine is online, owned by the Engine: the cached witness, the offline
    state and its recheck task, and the grace after a resume. ``sources`` is the engine's
    live map of watched sources (read, never changed here); ``on_change`` is called when the
    machine goes offline or comes back."""

    def __init__(
        self, context: EngineContext, sources: Mapping[str, _Source], on_change: OfflineChanged
    ) -> None:
        self._context = context
        self._sources = sources
        self._on_change = on_change
        self._offline = False
        self._lock = asyncio.Lock()
        self._checked_at = -1e9  # monotonic time of the last reference check
        self._works = True  # its answer, reused for ``witness_cache`` seconds
        self._grace_until = 0.0
        self.recheck: asyncio.Task[None] | None = None  # while offline: waits for the network

    @property
    def offline(self) -> bool:
        return self._offline

    def is_local(self, src: _Source) -> bool:
        """The service needs no internet (``EngineSettings.local_services``)."""
        return src.watch.name in self._context.settings.local_services

    def held_offline(self, src: _Source) -> bool:
        """The service's failures are the network's: offline, it needs the internet, and it
        does not answer by itself."""
        return self._offline and not _answers(src) and not self.is_local(src)

    def forget(self) -> None:
        """The network may have changed: the next failure asks the reference hosts again."""
        self._checked_at = -1e9

    # ------------------------------------------------------------------ resume from sleep

    def begin_grace(self, seconds: float) -> None:
        """Just resumed: failures for ``seconds`` are not held against anyone."""
        self._grace_until = time.monotonic() + seconds
        self.forget()

    def in_grace(self) -> bool:
        return time.monotonic() < self._grace_until

    def slept_since(self, wall: float, mono: float) -> bool:
        """The monotonic clock stops during suspend, the wall clock does not: a gap since
        (``wall``, ``mono``) means a resume (one not already in its grace)."""
        gap = (time.time() - wall) - (time.monotonic() - mono)
        return gap > SLEEP_GAP and not self.in_grace()

    # ------------------------------------------------------------------ the witness

    async def network_works(self) -> bool | None:
        """Ask the witness whether the network works: True, False, or None for "can't tell yet".

        With reference hosts configured, any answer from one proves the network works. Without
        them, every source on two or more hosts failing to connect means offline; while some
        sources have not been tried yet there is no verdict.
        """
        settings = self._context.settings
        if not settings.reference_urls:
            sources = list(self._sources.values())
            hosts = {urlsplit(s.watch.url).netloc for s in sources}
            if len(hosts) < 2 or any(s.last_checked and not s.transport_failed for s in sources):
                return True
            return None if any(s.last_checked is None for s in sources) else False
        async with self._lock:
            if time.monotonic() - self._checked_at < settings.witness_cache:
                return self._works
            self._works = await self._references_answer()
            self._checked_at = time.monotonic()
            return self._works

    async def _references_answer(self) -> bool:
        client, _slots = self._context.running()
        settings = self._context.settings
        return bool(
            await fetch.any_answers(client, settings.reference_urls, settings.witness_timeout)
        )

    # ------------------------------------------------------------------ the offline state

    def set_offline(self, offline: bool, now: datetime) -> None:
        """Record the machine's state; a change is told through ``on_change``, and going
        offline with reference hosts starts the recheck (without them, the first page to
        answer ends it)."""
        if offline == self._offline:
            return
        self._offline = offline
        self._on_change(offline, now)
        if offline and self._context.settings.reference_urls:
            self.recheck = asyncio.get_running_loop().create_task(self._await_online())

    async def _await_online(self) -> None:
        """While offline, recheck the reference hosts with capped, jittered backoff."""
        wait = self._context.settings.offline_recheck
        while self._offline:
            await asyncio.sleep(self._context.rng.uniform(wait * 0.8, wait * 1.2))
            if not self._offline:
                return
            self.forget()
            if self._context.settings.reference_urls and await self._references_answer():
                self.set_offline(False, datetime.now(UTC))
                return
            wait = min(wait * 2, self._context.settings.backoff_cap / 3)


def _answers(src: _Source) -> bool:
    """Whether the service itself answers while the reference hosts fail: its page was
    reached, or a probe got an answer (a host on this machine or the LAN often does)."""
    if src.last_checked is not None and not src.transport_failed:
        return True
    return any(s.last is not None and s.last.connected for s in src.probe_states)
