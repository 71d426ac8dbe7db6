"""The one HTTP edge of the core: a shared client and one request function, bounded in every way.

Everything that talks to the network (``trayapp check``, detection, the engine, probes, the
connectivity witness) goes through ``request``: one total deadline per request (httpx's timeouts
restart with every byte, so a server dripping one byte a second would otherwise hold a request
for ever), the size cap, TLS verification, the User-Agent, redirects followed here (at most 5,
only http(s), never to a link-local or private address unless the URL asked for is on one, and a
credential dropped for good once a redirect leaves the origin) and plain-word errors.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import httpx
import truststore

from trayapp import __version__
from trayapp.errors import FetchError

USER_AGENT = f"trayapp/{__version__} (+status tray; polite polling)"
MAX_BYTES = 5 * 1024 * 1024  # the biggest real status payload (GCP incidents) is ~1.3 MB
MAX_REDIRECTS = 5
DEFAULT_DEADLINE = 10.0  # seconds for a whole request when neither caller nor client says
WITNESS_DEADLINE = 4.0  # a reference host that takes longer does not prove the network works


@dataclass(frozen=True, slots=True)
class Response:
    url: str
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    elapsed: float  # seconds, request start to last byte
    sent_secret: bool = False  # the final request carried the caller's secret headers

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def make_client(
    *, timeout: float = DEFAULT_DEADLINE, connect_timeout: float = 5.0, max_connections: int = 20
) -> httpx.AsyncClient:
    """The shared client: system trust store, bounded pool; redirects are followed by
    ``request``, not by httpx (each hop is checked first). ``timeout`` is also the default
    total deadline of a request made with this client."""
    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return httpx.AsyncClient(
        verify=context,
        timeout=httpx.Timeout(timeout, connect=min(connect_timeout, timeout)),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=10),
        follow_redirects=False,
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "application/json, */*;q=0.5",
            "Accept-Encoding": "gzip, deflate",  # what ``_read`` decodes, in bounded steps
        },
        trust_env=False,
    )


async def get(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = MAX_BYTES,
    deadline: float | None = None,
) -> Response:
    """GET ``url``: ``request`` with the common arguments."""
    return await request(
        client, "GET", url, headers=headers, max_bytes=max_bytes, deadline=deadline
    )


async def request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    secret_headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
    max_bytes: int = MAX_BYTES,
    deadline: float | None = None,
) -> Response:
    """Send one request and read at most ``max_bytes`` of the answer, all within ``deadline``
    seconds (default: the client's timeout); raise FetchError for anything without a reply.

    Any HTTP status is returned (the caller decides what a 503 or 304 means); only transport
    problems, oversized bodies, bad redirects and the deadline raise. ``secret_headers`` go only
    to the origin of ``url``: once a redirect leaves it they are dropped for good, and their
    values never appear in an error.
    """
    if deadline is None:
        deadline = client.timeout.read or DEFAULT_DEADLINE
    progress = _Progress()
    try:
        async with asyncio.timeout(deadline):
            return await _follow(
                client, method, url, dict(headers or {}), dict(secret_headers or {}),
                content, max_bytes, progress,
            )  # fmt: skip
    except TimeoutError:
        raise FetchError(
            "timeout",
            f"no complete answer within {deadline:g} s" + progress.stage(),
            connected=progress.connected,
        ) from None
    except httpx.UnsupportedProtocol as exc:
        raise FetchError("scheme", f"not an http(s) URL: {exc}", connected=True) from exc
    except httpx.InvalidURL as exc:
        raise FetchError("url", f"invalid URL ({exc})") from exc
    except httpx.PoolTimeout as exc:  # our own pool was full: says nothing about them
        raise FetchError("pool", "no free connection in the client's pool") from exc
    except httpx.ConnectTimeout as exc:
        raise FetchError("timeout", "timed out connecting") from exc
    except httpx.TimeoutException as exc:
        raise FetchError("timeout", "timed out waiting for the response", connected=True) from exc
    except httpx.ConnectError as exc:
        raise classify_connect_error(exc) from exc
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        detail = type(exc).__name__ if secret_headers else str(exc) or type(exc).__name__
        raise FetchError(
            "protocol", f"connection broken mid-response ({detail})", connected=True
        ) from exc
    except httpx.HTTPError as exc:  # with a secret, no str(exc): a bad header quotes its value
        detail = type(exc).__name__ if secret_headers else f"{type(exc).__name__}: {exc}"
        raise FetchError("http", f"the request failed ({detail})") from exc


class _Progress:
    """How far a request got, from httpx's trace events: whether a connection was made (a
    deadline hit while connecting says nothing about the server) and the last stage seen."""

    def __init__(self) -> None:
        self.connected = False
        self.last = ""

    async def trace(self, name: str, info: Mapping[str, Any]) -> None:
        self.last = name
        if name.startswith(("http11.", "http2.")) or name == "connection.connect_tcp.complete":
            self.connected = True

    def stage(self) -> str:
        if not self.connected:
            return " (while connecting)"
        if "receive_response_body" in self.last:
            return " (the body kept trickling in)"
        return " (the server accepted the connection but did not answer in time)"


async def _follow(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    headers: dict[str, str],
    secret: dict[str, str],
    content: bytes | None,
    max_bytes: int,
    progress: _Progress,
) -> Response:
    started = time.monotonic()
    origin = _origin(url)
    first_kinds: frozenset[str] | None = None
    cross_origin = False
    if content is not None:
        headers.setdefault("Content-Type", "application/json")
    for hop in range(MAX_REDIRECTS + 1):
        if urlsplit_scheme(url) not in ("http", "https"):
            if hop == 0:
                raise FetchError("scheme", f"only http and https URLs are polled, not {url!r}")
            raise FetchError("scheme", "redirected to a URL that is not http(s)", connected=True)
        sent = headers if cross_origin else {**headers, **secret}
        built = client.build_request(
            method, url, headers=sent, content=content, extensions={"trace": progress.trace}
        )
        response = await client.send(built, stream=True, follow_redirects=False)
        try:
            location = response.headers.get("location")
            if response.is_redirect and location:
                target = urljoin(url, location)
                if first_kinds is None:
                    first_kinds = await address_kinds(url)
                await _check_redirect(first_kinds, target)
                if response.status_code == 303 or (
                    response.status_code in (301, 302) and method == "POST"
                ):
                    method, content = "GET", None
                    headers.pop("Content-Type", None)
                url = target
                cross_origin = cross_origin or _origin(url) != origin
                continue
            body = await _read(response, max_bytes)
        finally:
            await response.aclose()
        return Response(
            url=str(response.url),
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=body,
            elapsed=time.monotonic() - started,
            sent_secret=bool(secret) and not cross_origin,
        )
    raise FetchError(
        "redirects", f"more than {MAX_REDIRECTS} redirects (a redirect loop?)", connected=True
    )


async def _read(response: httpx.Response, max_bytes: int) -> bytes:
    """The body, decoded, refused as soon as it passes ``max_bytes``. Decoding is done here in
    bounded steps: httpx inflates each network read whole, so 64 kB of a gzip bomb became
    64 MB in memory before any cap could look at it."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            "too_large",
            f"response of {int(declared):,} bytes is over the {max_bytes:,}-byte cap",
            connected=True,
        )
    inflater = _Inflater(response.headers.get("content-encoding", ""))
    chunks: list[bytes] = []
    size = 0
    async for raw in response.aiter_raw():
        for chunk in inflater(raw, max_bytes - size + 1):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(
                    "too_large", f"response is over the {max_bytes:,}-byte cap", connected=True
                )
            chunks.append(chunk)
    return b"".join(chunks)


class _Inflater:
    """Decodes the Content-Encodings the client accepts (gzip, deflate, none), never yielding
    more than ``limit`` bytes at a time."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding.strip().lower()
        if self.encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise FetchError(
                "protocol",
                f"the server sent an encoding that was not asked for ({self.encoding[:20]})",
                connected=True,
            )
        gzip = "gzip" in self.encoding
        self.zlib = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)
        self.first = True

    def __call__(self, data: bytes, limit: int) -> Iterator[bytes]:
        if self.encoding in ("", "identity"):
            yield data
            return
        while data:
            try:
                out = self.zlib.decompress(data, max(limit, 1))
            except zlib.error as exc:
                if not (self.first and self.encoding == "deflate"):
                    raise FetchError(
                        "protocol", f"the body does not decode ({exc})", connected=True
                    ) from exc
                self.zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, no zlib header
                self.first = False
                continue
            self.first = False
            yield out
            data = self.zlib.unconsumed_tail


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port


# --------------------------------------------------------------------------- redirect targets

AddressKind = Literal["loopback", "link-local", "private", "public"]
INTERNAL: frozenset[str] = frozenset({"loopback", "link-local", "private"})


def address_kind(address: str) -> AddressKind:
    """Which kind of network an IP address is on (cloud metadata lives on link-local)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback or ip.is_unspecified:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    return "public" if ip.is_global else "private"


async def address_kinds(url: str) -> frozenset[str]:
    """The kinds of every address ``url``'s host has (a name is resolved; an empty set when it
    does not resolve: connecting will then fail with its own reason)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        return frozenset()
    try:
        return frozenset({address_kind(host)})
    except ValueError:
        pass
    if host == "localhost" or host.endswith(".localhost"):
        return frozenset({"loopback"})
    try:
        port = parts.port or 443
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError):
        return frozenset()
    return frozenset(address_kind(str(info[4][0])) for info in infos)


async def _check_redirect(first: frozenset[str], target: str) -> None:
    """Refuse, before connecting, a redirect to an internal kind of address (link-local,
    private, loopback) that the URL asked for is not on itself: a public page must not steer
    the app to the cloud metadata service or the LAN."""
    kinds = await address_kinds(target)
    refused = sorted((kinds & INTERNAL) - first)
    if refused:
        host = urlsplit(target).hostname or target
        raise FetchError(
            "redirect_refused",
            f"refused a redirect to {host}, a {refused[0]} address, from a URL that is not on one",
            connected=True,
        )


# --------------------------------------------------------------------------- witness


async def any_answers(
    client: httpx.AsyncClient, urls: Sequence[str], deadline: float = WITNESS_DEADLINE
) -> bool | None:
    """The connectivity witness: any HTTP answer from one of ``urls`` proves the network
    works. None without URLs (no way to tell)."""
    if not urls:
        return None

    async def answers(url: str) -> bool:
        try:
            await get(client, url, max_bytes=64 * 1024, deadline=deadline)
        except FetchError:
            return False
        return True

    return any(await asyncio.gather(*(answers(u) for u in urls)))


def classify_connect_error(exc: httpx.ConnectError) -> FetchError:
    """Tell DNS and TLS failures from a refused connection: they mean different things to a user.

    httpx wraps the OS error (sometimes as "All connection attempts failed"), so the whole
    exception chain is searched for the real cause.
    """
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    text = " | ".join(str(e) for e in chain).lower()
    if any(isinstance(e, socket.gaierror) for e in chain) or any(s in text for s in _DNS_WORDS):
        return FetchError("dns", f"could not resolve the host name ({exc})")
    if any(isinstance(e, ssl.SSLError) for e in chain) or "certificate" in text or "ssl" in text:
        return FetchError("tls", f"TLS handshake failed ({_last_words(chain)})")
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return FetchError("connect", "connection refused")
    return FetchError("connect", f"could not connect ({exc or 'no route'})")


_DNS_WORDS = (
    "name or service not known",
    "nodename nor servname",
    "temporary failure in name resolution",
    "getaddrinfo failed",
    "no address associated",
)


def _last_words(chain: list[BaseException]) -> str:
    return str(chain[-1]) or type(chain[-1]).__name__


def urlsplit_scheme(url: str) -> str:
    return url.split(":", 1)[0].lower() if ":" in url else ""
