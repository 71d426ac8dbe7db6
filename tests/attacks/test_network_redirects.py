"""Attack: a status page redirects to 169.254.169.254 (the cloud metadata service) or into the
LAN, and the app followed it.

Held: a redirect to a link-local or private address (or to loopback) is refused before any
connection is made, unless the URL asked for is on that kind of address itself; the source
reads unknown with the reason. Only loopback is ever connected to here: the refusal is proven
by its kind (a connection attempt would end as a timeout or a connect error instead).
"""

from __future__ import annotations

import asyncio

import pytest

from tests.attacks.hostile_servers import GUARD, Act, HostileServer, loopback_only_client, redirect
from trayapp.core.model import Severity, Watch
from trayapp.demo import payloads
from trayapp.engine.poll import check_once
from trayapp.errors import FetchError
from trayapp.net import fetch
from trayapp.probes.run import run_probe
from trayapp.probes.spec import ProbeSpec

TARGETS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/",
    "http://10.0.0.1/admin",
    "http://192.168.1.1/",
    "http://[::ffff:169.254.169.254]/",
]
OK = Act(
    200,
    payloads.statuspage_summary("Lab", {"API": Severity.OPERATIONAL}),
    {"Content-Type": "application/json"},
)


@pytest.mark.parametrize("target", TARGETS)
async def test_a_redirect_off_loopback_to_an_internal_address_is_refused(target: str) -> None:
    with HostileServer({"/": redirect(target)}) as server:
        async with loopback_only_client() as client, asyncio.timeout(GUARD):
            with pytest.raises(FetchError) as caught:
                await fetch.get(client, server.url("/"))
    assert caught.value.kind == "redirect_refused", str(caught.value)
    assert "refused a redirect to" in str(caught.value)


async def test_a_probe_is_refused_the_same_redirect() -> None:
    with HostileServer({"/v1": redirect(TARGETS[0], 307)}) as server:
        async with loopback_only_client() as client, asyncio.timeout(GUARD):
            result = await run_probe(client, ProbeSpec(name="p", url=server.url("/v1")), None)
    assert result.verdict == "theirs" and "refused a redirect to 169.254.169.254" in result.reason


async def test_check_reads_unknown_with_the_reason() -> None:
    with HostileServer({"/s.json": redirect(TARGETS[0])}) as server:
        async with loopback_only_client() as client, asyncio.timeout(GUARD):
            reading = await check_once(client, Watch("s", server.url("/s.json"), "statuspage"))
    assert reading.severity is Severity.UNKNOWN
    assert "refused a redirect to 169.254.169.254, a link-local address" in (reading.error or "")


async def test_a_redirect_within_its_own_kind_is_followed() -> None:
    with (
        HostileServer({"/ok": OK}) as target,
        HostileServer({"/": redirect(target.url("/ok"))}) as server,
    ):
        async with fetch.make_client(timeout=5.0) as client, asyncio.timeout(GUARD):
            response = await fetch.get(client, server.url("/"))
    assert response.status == 200 and response.url == target.url("/ok")


@pytest.mark.parametrize(
    ("first", "target", "allowed"),
    [
        ({"public"}, "http://169.254.169.254/", False),
        ({"public"}, "http://10.1.2.3/", False),
        ({"public"}, "http://127.0.0.1/", False),
        ({"public"}, "http://[fe80::1%25eth0]/", False),
        ({"private"}, "http://10.1.2.3/", True),  # a LAN page may redirect within the LAN
        ({"private"}, "http://169.254.169.254/", False),
        ({"link-local"}, "http://169.254.1.1/", True),
        ({"loopback"}, "http://127.0.0.2/", True),
        ({"loopback"}, "http://8.8.8.8/", True),  # to a public address: nothing to protect
    ],
)
async def test_the_redirect_rule(first: set[str], target: str, allowed: bool) -> None:
    check = fetch._check_redirect(frozenset(first), target)
    if allowed:
        await check
    else:
        with pytest.raises(FetchError):
            await check
