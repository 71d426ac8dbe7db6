"""What a watch would read as before it is saved: the Settings window's previews.

A preview is a detection (for a pasted URL) and one read, made through the one HTTP edge
(``trayapp.net.fetch``) with the caller's client and limits; ``Engine.detect_preview`` and
``Engine.check_preview`` run these inside the engine's slots. The answer is plain data: the
window turns it into words.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import httpx

from trayapp.core.model import Reading, Watch
from trayapp.engine import discovery, poll


@dataclass(frozen=True, slots=True)
class Preview:
    """What a watch would read as: shown before it is saved. ``watch`` has no component filter."""

    watch: Watch
    reading: Reading
    evidence: str = ""  # how detection found the format ("" for a known watch)

    @property
    def components(self) -> list[str]:
        return list(dict.fromkeys(c.name for c in self.reading.components))


async def detect(
    client: httpx.AsyncClient, url: str, *, deadline: float, max_bytes: int
) -> Preview:
    """Find the format behind ``url`` (within ``deadline`` seconds) and read it once; raises
    DetectionError when nothing fits."""
    found = await discovery.discover(client, url, deadline=deadline)
    watch = Watch(
        name=default_name(found.page_url),
        url=found.endpoint,
        format=found.format,
        page_url=found.page_url,
        params=found.params,
    )
    return await check(client, watch, max_bytes=max_bytes, evidence=found.evidence)


async def check(
    client: httpx.AsyncClient, watch: Watch, *, max_bytes: int, evidence: str = ""
) -> Preview:
    """Read ``watch`` once, every component included (the filter is what the user picks); a
    failure is the reading's error, never an exception."""
    watch = replace(watch, components=())
    return Preview(watch, await poll.check_once(client, watch, max_bytes=max_bytes), evidence)


def default_name(page_url: str) -> str:
    """A detected watch's name until the page names itself: its host, without 'www.'."""
    return (urlsplit(page_url).hostname or page_url).removeprefix("www.")
