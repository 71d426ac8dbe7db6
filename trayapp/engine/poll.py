"""Turning one HTTP answer for one watch into a Reading, shared by ``trayapp check`` and the engine.

``interpret`` is pure: status code, body and headers in, Reading out. ``check_once`` is the
one-shot I/O wrapper around it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from http import HTTPStatus

import httpx

from trayapp import formats
from trayapp.core.model import Reading, Watch
from trayapp.errors import FetchError
from trayapp.formats.common import rollup
from trayapp.net.fetch import MAX_BYTES, Response, get

log = logging.getLogger(__name__)
TokenLookup = Callable[[str], str | None]


def interpret(watch: Watch, response: Response) -> Reading:
    """Read a fetched payload as the watch's format, applying its component filter.

    A non-2xx answer from a status page makes the source unreadable (its own API may be fine:
    a status page being down says nothing certain about the service it describes).
    """
    if not 200 <= response.status < 300:
        try:
            phrase = HTTPStatus(response.status).phrase
        except ValueError:
            phrase = "unexpected status"
        return Reading.unknown(
            watch.format, f"status page answered HTTP {response.status} {phrase}"
        )
    ctx = formats.ParseContext(
        url=response.url, content_type=response.content_type, params=watch.param_map
    )
    return restrict(formats.read(watch.format, response.body, ctx), watch.components)


def restrict(reading: Reading, components: tuple[str, ...]) -> Reading:
    """Keep only the named components (and the incidents touching them); recompute severity.

    The page indicator is dropped: it speaks for the whole page, not for the parts we watch.
    An incident that names no components is kept, since we cannot tell it does not concern us.
    """
    if not components or reading.error is not None:
        return reading
    wanted = {c.casefold() for c in components}
    kept = tuple(c for c in reading.components if c.name.casefold() in wanted)
    incidents = tuple(
        i
        for i in reading.incidents
        if not i.components or wanted & {c.casefold() for c in i.components}
    )
    if not kept:
        return Reading.unknown(
            reading.format,
            f"none of the watched components ({', '.join(components)}) is on the page",
        )
    return rollup(
        format=reading.format, components=kept, incidents=incidents, page_name=reading.page_name
    )


async def bearer(watch: Watch, lookup: TokenLookup | None) -> dict[str, str]:
    """The Authorization header of a watch whose status API wants a token (``token = "NAME"``
    on a url watch). The secret comes from ``lookup`` (the engine's ``TokenCache``), never a
    log; a missing or locked keyring polls without it (the server's 401 then says why)."""
    if watch.token is None or lookup is None:
        return {}
    try:
        secret = await asyncio.to_thread(lookup, watch.token)
    except Exception as exc:  # a locked or absent keyring: never the secret in the log
        log.warning("no token for %s: %s", watch.name, type(exc).__name__)
        return {}
    return {"Authorization": f"Bearer {secret}"} if secret else {}


async def check_once(
    client: httpx.AsyncClient, watch: Watch, *, max_bytes: int = MAX_BYTES
) -> Reading:
    """Fetch and read ``watch`` once; transport failures become an unknown Reading."""
    reading, _reached = await check_reached(client, watch, max_bytes=max_bytes)
    return reading


async def check_reached(
    client: httpx.AsyncClient,
    watch: Watch,
    token_lookup: TokenLookup | None = None,
    *,
    max_bytes: int = MAX_BYTES,
) -> tuple[Reading, bool]:
    """``check_once``, and whether the server was reached at all (False after a DNS, connect
    or TLS failure: when no source is reached, the user may be the one offline)."""
    now = datetime.now(UTC)
    headers = await bearer(watch, token_lookup)
    try:
        response = await get(client, watch.url, headers=headers, max_bytes=max_bytes)
    except FetchError as exc:
        return replace(Reading.unknown(watch.format, str(exc)), fetched_at=now), exc.connected
    return replace(interpret(watch, response), fetched_at=now), True
