"""What the engine's parts share: its settings, the HTTP client and its request slots, the pause
gate, the random draws and the counters. The Engine owns one and hands it to its collaborators
(connectivity, probe runner), so a settings reload reaches them all at once."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from trayapp.engine.settings import EngineSettings, EngineStats


class Slots:
    """Bounded concurrency: at most ``total`` requests at once overall and ``per_host`` per host.

    A request holds ``overall`` and ``host(url)`` together (``async with slots.overall,
    slots.host(url):``) and runs its total deadline inside them.
    """

    def __init__(self, total: int, per_host: int) -> None:
        self.overall = asyncio.Semaphore(total)
        self._per_host = per_host
        self._hosts: dict[str, asyncio.Semaphore] = {}

    def host(self, url: str) -> asyncio.Semaphore:
        """The slots of ``url``'s host (host and port), made at its first request."""
        host = urlsplit(url).netloc
        return self._hosts.setdefault(host, asyncio.Semaphore(self._per_host))


@dataclass(slots=True)
class EngineContext:
    """The state every part of a running engine reads; ``client`` and ``slots`` are set by
    ``Engine.run`` (None before it starts), ``settings`` is replaced on a config reload."""

    settings: EngineSettings
    rng: random.Random
    stats: EngineStats = field(default_factory=EngineStats)
    unpaused: asyncio.Event = field(default_factory=asyncio.Event)
    client: httpx.AsyncClient | None = None
    slots: Slots | None = None

    def running(self) -> tuple[httpx.AsyncClient, Slots]:
        """The client and slots of the running engine (a poll or probe only runs inside it)."""
        assert self.client is not None and self.slots is not None, "the engine is not running"
        return self.client, self.slots
