"""Attack: a gzip bomb (a small body that inflates to gigabytes). The size cap held, but httpx
inflated each network read whole: 64 kB of gzip became 64 MB in memory before the cap looked.

Held: the body is inflated in steps no larger than what the cap still allows, so memory stays
near the cap; honest gzip and deflate (zlib-wrapped or raw) bodies still decode.
"""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
import zlib

import pytest

from tests.attacks.hostile_servers import GUARD, Act, HostileServer, gzip_bomb, loopback_only_client
from trayapp.core.model import Severity, Watch
from trayapp.demo import payloads
from trayapp.engine.poll import check_once
from trayapp.errors import FetchError
from trayapp.net import fetch

CAP = 1024 * 1024


async def test_a_gzip_bomb_is_refused_without_inflating_it() -> None:
    with HostileServer({"/bomb": gzip_bomb(256 * 1024 * 1024)}) as server:
        async with fetch.make_client(timeout=20.0) as client, asyncio.timeout(GUARD):
            tracemalloc.start()
            try:
                with pytest.raises(FetchError) as caught:
                    await fetch.get(client, server.url("/bomb"), max_bytes=CAP)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    assert caught.value.kind == "too_large"
    assert peak < 8 * CAP, f"{peak:,} bytes allocated for a {CAP:,}-byte cap"


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
        ("identity", lambda data: data),
    ],
)
async def test_honest_encodings_still_decode(encoding: str, encode: object) -> None:
    body = b'{"ok": true}' * 10_000
    act = Act(200, encode(body), {"Content-Encoding": encoding})  # type: ignore[operator]
    with HostileServer({"/": act}) as server:
        async with loopback_only_client() as client, asyncio.timeout(GUARD):
            response = await fetch.get(client, server.url("/"))
    assert response.body == body


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
async def test_a_page_of_110k_components_is_refused_at_the_cap(encoding: str) -> None:
    names = {f"Component {i:06d}": Severity.OPERATIONAL for i in range(110_000)}
    page = payloads.statuspage_summary("Huge", names)
    body = gzip.compress(page) if encoding == "gzip" else page
    act = Act(200, body, {"Content-Encoding": encoding, "Content-Type": "application/json"})
    with HostileServer({"/api/v2/summary.json": act}) as server:
        async with loopback_only_client() as client, asyncio.timeout(GUARD):
            watch = Watch("Huge", server.url("/api/v2/summary.json"), "statuspage")
            reading = await check_once(client, watch)
    assert reading.severity is Severity.UNKNOWN
    assert "over the 5,242,880-byte cap" in (reading.error or "")
