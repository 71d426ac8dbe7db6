"""The one HTTP edge of the core: a shared client and a size-capped GET with plain-word errors.

Everything that talks to the network (``trayapp check``, detection, the engine, probes) goes
through here: timeouts, the size cap, TLS verification and the User-Agent are the same everywhere.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import httpx
import truststore

from trayapp import __version__

USER_AGENT = f"trayapp/{__version__} (+status tray; polite polling)"
MAX_BYTES = 5 * 1024 * 1024  # the biggest real status payload (GCP incidents) is ~1.3 MB
MAX_REDIRECTS = 5

ErrorKind = Literal[
    "timeout", "connect", "dns", "tls", "too_large", "scheme", "redirects", "protocol", "http"
]


@dataclass(frozen=True, slots=True)
class Response:
    url: str
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    elapsed: float  # seconds, request start to last byte

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


class FetchError(Exception):
    """A request that got no usable answer; ``kind`` says why in one word, the message in words."""

    def __init__(self, kind: ErrorKind, message: str, *, connected: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        self.connected = connected  # True when the server was reached (e.g. a read timeout)


def make_client(
    *, timeout: float = 10.0, connect_timeout: float = 5.0, max_connections: int = 20
) -> httpx.AsyncClient:
    """The shared client: system trust store, bounded pool, redirects followed within limits."""
    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return httpx.AsyncClient(
        verify=context,
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=10),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": USER_AGENT, "Accept": "application/json, */*;q=0.5"},
        trust_env=False,
    )


async def get(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = MAX_BYTES,
) -> Response:
    """GET ``url`` and read at most ``max_bytes``; raise FetchError for anything without a reply.

    Any HTTP status is returned (the caller decides what a 503 or 304 means); only transport
    problems, oversized bodies and bad redirects raise.
    """
    if urlsplit_scheme(url) not in ("http", "https"):
        raise FetchError("scheme", f"only http and https URLs are polled, not {url!r}")
    started = time.monotonic()
    try:
        async with client.stream("GET", url, headers=dict(headers or {})) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(
                    "too_large",
                    f"response of {int(declared):,} bytes is over the {max_bytes:,}-byte cap",
                    connected=True,
                )
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(
                        "too_large", f"response is over the {max_bytes:,}-byte cap", connected=True
                    )
                chunks.append(chunk)
            return Response(
                url=str(response.url),
                status=response.status_code,
                headers={k.lower(): v for k, v in response.headers.items()},
                body=b"".join(chunks),
                elapsed=time.monotonic() - started,
            )
    except httpx.TooManyRedirects as exc:
        raise FetchError(
            "redirects", "too many redirects (a redirect loop?)", connected=True
        ) from exc
    except httpx.UnsupportedProtocol as exc:
        raise FetchError(
            "scheme", f"redirected to a URL that is not http(s): {exc}", connected=True
        ) from exc
    except httpx.ConnectTimeout as exc:
        raise FetchError("timeout", "timed out connecting") from exc
    except httpx.TimeoutException as exc:
        raise FetchError("timeout", "timed out waiting for the response", connected=True) from exc
    except httpx.ConnectError as exc:
        raise classify_connect_error(exc) from exc
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise FetchError(
            "protocol",
            f"connection broken mid-response ({exc or type(exc).__name__})",
            connected=True,
        ) from exc
    except httpx.HTTPError as exc:
        raise FetchError("http", f"{type(exc).__name__}: {exc}") from exc


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
