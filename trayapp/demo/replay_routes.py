"""What the replay server serves: replies and timelines of them, the request a route sees, what it
counted, and the HTTP date and validator rules it answers by."""

from __future__ import annotations

import hashlib
import logging
import math
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Literal

log = logging.getLogger(__name__)


HOST = "127.0.0.1"


CHUNK = 64 * 1024  # write size for streamed bodies: huge ones never exist in memory whole


MAX_HITS = 10_000  # recent requests kept in Stats.hits


MAX_REQUEST_BODY = 1024 * 1024


JOIN_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class Reply:
    """What the server answers on one path: a normal response or a scripted failure.

    ``delay`` waits before the headers. ``etag=True`` derives a strong ETag from the body, a
    string is sent verbatim. ``redirect`` sets Location (status 302 unless a 3xx is given).
    Fault modes: ``reset`` closes the socket with a TCP RST and no answer; ``truncate=N``
    declares the whole body but sends only its first N bytes, then closes; ``huge=N`` streams
    N bytes of junk (the body repeated); ``chunked`` sends without Content-Length; ``hang``
    never answers until the client leaves or the server stops.
    """

    status: int = 200
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = "application/json"
    delay: float = 0.0
    etag: bool | str = False
    last_modified: datetime | str | None = None
    retry_after: float | datetime | str | None = None
    redirect: str | None = None
    reset: bool = False
    truncate: int | None = None
    huge: int | None = None
    chunked: bool = False
    hang: bool = False

    @property
    def payload(self) -> bytes:
        return self.body.encode() if isinstance(self.body, str) else self.body

    def etag_for(self, payload: bytes) -> str | None:
        """The ETag header value, if any (``payload`` passed in so it is encoded once)."""
        if self.etag is True:
            return '"' + hashlib.sha1(payload).hexdigest()[:20] + '"'
        return self.etag or None


@dataclass(frozen=True, slots=True)
class Request:
    """What a callable route sees of the request it answers."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    step: int  # timeline step in force; -1 before the first step or without a timeline
    count: int  # 1 for the first request to this path, 2 for the next, ... (never reset)


Route = Reply | Callable[[Request], Reply]


Routes = Mapping[str, Route]


Step = tuple[float, Routes]  # (offset in timeline seconds, routes that change at that offset)


Fault = Literal["reset", "hang", "gone", "aborted", "truncated"]


def in_turn(*replies: Reply) -> Callable[[Request], Reply]:
    """A route answering the n-th request with the n-th reply, the last one thereafter."""
    if not replies:
        raise ValueError("in_turn needs at least one reply")
    return lambda request: replies[min(request.count, len(replies)) - 1]


def merge_timelines(*timelines: Sequence[Step]) -> list[Step]:
    """One timeline from several (e.g. one per service): steps sorted, equal offsets combined.

    Steps are cumulative (a step only lists the paths that change), so merging is a union.
    """
    merged: dict[float, dict[str, Route]] = {}
    for timeline in timelines:
        for offset, routes in timeline:
            merged.setdefault(float(offset), {}).update(routes)
    return sorted(merged.items(), key=lambda step: step[0])


def refused_url(path: str = "/") -> str:
    """A loopback URL nothing listens on (a port just released), for 'connection refused'."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    return f"http://{HOST}:{port}{path}"


@dataclass(frozen=True, slots=True)
class Hit:
    """One request as served: when (time.monotonic()), what, and how it was answered."""

    time: float
    method: str
    path: str
    step: int
    conditional: bool  # the request carried If-None-Match or If-Modified-Since
    status: int | None  # None when no status line was sent (reset, hang, client gone)
    fault: Fault | None
    bytes_sent: int


@dataclass(frozen=True, slots=True)
class Stats:
    """A snapshot of what the server has served since start (or ``reset_stats``).

    ``faults`` counts reset, hang, truncated, gone (client left during a delay) and aborted
    (client left mid-answer). ``bytes_sent`` counts everything written: headers and bodies.
    """

    requests: int = 0
    connections: int = 0
    bytes_sent: int = 0
    not_modified: int = 0
    by_path: Mapping[str, int] = field(default_factory=dict)
    by_status: Mapping[int, int] = field(default_factory=dict)
    faults: Mapping[str, int] = field(default_factory=dict)
    hits: tuple[Hit, ...] = ()

    @property
    def not_modified_share(self) -> float:
        """Fraction of requests answered 304 (0.0 when nothing was requested)."""
        return self.not_modified / self.requests if self.requests else 0.0

    @property
    def bytes_per_request(self) -> float:
        return self.bytes_sent / self.requests if self.requests else 0.0


def _compile(
    static: Mapping[str, Route], steps: Sequence[Step]
) -> tuple[list[float], list[dict[str, Route]]]:
    """Offsets and, per step, the full route table in force (static + all steps so far)."""
    offsets: list[float] = []
    tables: list[dict[str, Route]] = []
    table = dict(static)
    for offset, routes in steps:
        if offsets and offset < offsets[-1]:
            raise ValueError(f"timeline offsets must not decrease ({offset} after {offsets[-1]})")
        table = {**table, **routes}
        offsets.append(float(offset))
        tables.append(table)
    return offsets, tables


def _lookup(tables: Sequence[Mapping[str, Route]], path: str, query: str) -> Route | None:
    keys = (f"{path}?{query}", path) if query else (path,)
    for table in tables:
        for key in keys:
            route = table.get(key)  # one lookup: set_route may change a table meanwhile
            if route is not None:
                return route
    return None


def _not_found(request: Request) -> Reply:
    return Reply(404, f"no route for {request.path}\n", content_type="text/plain; charset=utf-8")


def _resolve(route: Route | None, request: Request) -> Reply:
    """The reply for ``request``: a callable's failure becomes a 500 rather than a dead thread."""
    if route is None:
        return _not_found(request)
    if isinstance(route, Reply):
        return route
    try:
        return route(request)
    except Exception as exc:
        log.exception("replay route for %s failed", request.path)
        return Reply(500, f"route failed: {exc!r}\n", content_type="text/plain; charset=utf-8")


def http_date(value: datetime | str) -> str:
    """An HTTP date (RFC 9110 IMF-fixdate); strings pass through untouched."""
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value.astimezone(UTC), usegmt=True)


def _retry_after(value: float | datetime | str) -> str:
    if isinstance(value, int | float):
        return str(math.ceil(value))
    return http_date(value)


def _parse_date(value: datetime | str) -> datetime | None:
    if isinstance(value, str):
        try:
            value = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def not_modified(
    headers: Mapping[str, str], etag: str | None, last_modified: datetime | str | None
) -> bool:
    """Whether validators in ``headers`` (lower-case names) match: If-None-Match wins (RFC 9110)."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if etag is None:
            return False
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    since = headers.get("if-modified-since")
    if since is None or last_modified is None:
        return False
    modified, since_date = _parse_date(last_modified), _parse_date(since)
    if modified is None or since_date is None:
        return False
    return modified.replace(microsecond=0) <= since_date
