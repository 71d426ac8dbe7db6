"""Find the status format behind a URL over the network: the I/O edge of ``trayapp.formats.detect``.

Order (FORMATS.md §15), sequential and polite, stopping at the first answer that fits:

1. a known host decides without any request;
2. the URL itself: an API payload or feed is its own endpoint, and an HTML page with clear
   platform markers names its platform (its endpoint is then checked with one request);
3. API probing below the page's origin, in the order that works in practice;
4. a feed the page advertises with ``<link rel="alternate">``.

An API that answers beats HTML guessing: a marker detection whose endpoint answers as some
other format takes that answer. Only an HTML page (a status page for people) is answered by its
site's API: a URL that answers 404 or something unreadable (truncated JSON) is never silently
swapped for another; the error names the API that does answer, as a hint.

The whole detection has one deadline (``DETECTION_BUDGET`` times the per-request one): a slow
site cannot hold a check, a detection or an engine slot for longer.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

import httpx

from trayapp import formats
from trayapp.errors import DetectionError, FetchError
from trayapp.formats import ParseContext, detect, detection, sniff_html
from trayapp.formats.detection import Detection
from trayapp.net.fetch import DEFAULT_DEADLINE, MAX_BYTES, Response, get

PROBE_MAX_BYTES = 1024 * 1024  # a probe reads a summary, never a history dump
# API paths below the origin as the formats declare them, in detection.PROBE_ORDER
PROBES: tuple[str, ...] = detection.probe_paths()
# failures that say the host cannot be reached at all: asking it more questions is pointless
UNREACHABLE = frozenset({"dns", "connect", "tls", "timeout", "url"})
DETECTION_BUDGET = 3  # a whole detection takes at most this many per-request deadlines


@dataclass
class _Session:
    """One discovery run: the client, what was fetched (each URL at most once) and the outcomes."""

    client: httpx.AsyncClient
    answers: dict[str, Response | None] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)  # URL -> "HTTP 404", "timed out ..."
    unreachable: bool = False

    @property
    def tried(self) -> tuple[str, ...]:
        """Every request made, with its outcome, in order (for a user who wants to know why)."""
        return tuple(f"GET {url}: {outcome}" for url, outcome in self.outcomes.items())

    async def fetch(self, url: str, max_bytes: int = PROBE_MAX_BYTES) -> Response | None:
        """A 2xx response for ``url``, or None (the reason is kept in ``tried``)."""
        if url in self.answers:
            return self.answers[url]
        answer: Response | None = None
        try:
            response = await get(self.client, url, max_bytes=max_bytes)
        except FetchError as exc:
            self.outcomes[url] = str(exc)
            self.unreachable = exc.kind in UNREACHABLE
        else:
            self.outcomes[url] = f"HTTP {response.status}"
            if 200 <= response.status < 300:
                answer = response
        self.answers[url] = answer
        return answer


async def discover(
    client: httpx.AsyncClient, url: str, *, deadline: float | None = None
) -> Detection:
    """The format and endpoint for ``url``; raises DetectionError when nothing fits or when
    it takes longer than ``deadline`` seconds (default: DETECTION_BUDGET client timeouts)."""
    if not is_http_url(url):
        raise DetectionError(f"not an http(s) URL: {url!r}")
    known = detect.known_host(url)
    if known is not None:
        return known
    if deadline is None:
        deadline = DETECTION_BUDGET * (client.timeout.read or DEFAULT_DEADLINE)
    session = _Session(client)
    try:
        async with asyncio.timeout(deadline):
            return await _discover(session, url)
    except TimeoutError:
        reached = any(o.startswith("HTTP") for o in session.outcomes.values())
        raise DetectionError(
            f"detection at {url} took longer than {deadline:g} s", session.tried, reached=reached
        ) from None


async def _discover(session: _Session, url: str) -> Detection:
    page = await session.fetch(url, max_bytes=MAX_BYTES)
    if page is None and session.unreachable:
        raise DetectionError(
            f"could not reach {url}: {session.outcomes[url]}", session.tried, reached=False
        )
    page_url = page.url if page is not None else url
    found = await _from_page(session, page) if page is not None else None
    if found is None and not session.unreachable:
        found = await _probe(session, page_url, page)
    if found is None and page is not None:
        found = await _from_feed_links(session, page)
    if found is None:
        raise DetectionError(_nothing_fits(url, page), session.tried)
    return found


def is_http_url(url: str) -> bool:
    """An absolute http(s) URL with a host (what discovery and polling accept)."""
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False


async def _from_page(session: _Session, page: Response) -> Detection | None:
    """The URL's own answer: an API payload or feed, or an HTML page with platform markers."""
    found = _payload(page) or sniff_html.sniff_page(page.body, page.url)
    return await _settle(session, found, page) if found is not None else None


async def _settle(
    session: _Session, found: Detection, answered: Response, depth: int = 2
) -> Detection:
    """Check an endpoint that has not answered yet; an API that answers wins over a guess.

    When the derived endpoint is silent, the URL that did answer is polled instead if the format's
    parser reads it (incident.io's Statuspage-compatible API: less detail than ``/proxy/<host>``,
    but a reading); otherwise the derived endpoint stays, marked as not confirmed.
    """
    if depth == 0 or _same_resource(found.endpoint, answered.url):
        return found
    response = await session.fetch(found.endpoint)
    answer = _payload(response)
    if response is not None and answer is not None:
        merged = replace(
            answer,
            page_url=found.page_url,
            evidence=f"{found.evidence}; {found.endpoint} answered: {answer.evidence}",
            params=found.params or answer.params,
        )
        return await _settle(session, merged, response, depth - 1)
    reason = session.outcomes.get(found.endpoint, "no answer")
    if response is not None:
        reason = "not a status payload"
    # an HTML page is never the fallback: pages are for finding endpoints, not for scraping
    if not detection.looks_like_html(answered.body, answered.content_type) and readable(
        found.format, answered
    ):
        return replace(
            found,
            endpoint=answered.url,
            evidence=f"{found.evidence}; {found.endpoint} did not answer ({reason}), "
            f"polling {answered.url} instead",
        )
    return replace(found, evidence=f"{found.evidence}; endpoint not confirmed ({reason})")


def readable(format: str, response: Response) -> bool:
    """Whether the format's parser gets a reading (not 'unknown') out of ``response``."""
    ctx = ParseContext(url=response.url, content_type=response.content_type)
    return formats.read(format, response.body, ctx).error is None


def _payload(response: Response | None) -> Detection | None:
    """What a fetched answer is as an API payload or feed (HTML pages do not count here)."""
    if response is None:
        return None
    return detect.sniff_payload(response.body, response.url, response.content_type)


def _same_resource(a: str, b: str) -> bool:
    """Same scheme, host and path (a query such as Gatus' pageSize does not make a new endpoint)."""
    return urlsplit(a)[:3] == urlsplit(b)[:3]


async def _probe(session: _Session, page_url: str, page: Response | None) -> Detection | None:
    """Ask the page's origin for each known API in turn; the first that fits wins. Only an
    HTML page (or the site's root) is answered by its site's API: for a URL that did not
    answer or answered something unreadable, an API that does not hang off that URL (as one named
    by its /status/<slug> path does) is named in the error, never polled in its place."""
    for_people = page is not None and detection.looks_like_html(page.body, page.content_type)
    for_people = for_people or urlsplit(page_url).path in ("", "/")  # the root is the site
    base = detection.origin(page_url)
    own = set(probe_paths(page_url)) - set(probe_paths(base + "/"))  # from the URL's path
    for path in probe_paths(page_url):
        if session.unreachable:
            return None
        response = await session.fetch(base + path)
        found = _payload(response)
        if response is None or found is None:
            continue
        found = await _settle(session, found, response)
        if not for_people and path not in own:
            raise DetectionError(_not_this_url(session, page_url, page, found), session.tried)
        return replace(found, page_url=page_url, evidence=f"{path} answered: {found.evidence}")
    return None


def _not_this_url(session: _Session, url: str, page: Response | None, elsewhere: Detection) -> str:
    """Why ``url`` itself is unreadable, with the API its site does answer as a hint."""
    what = session.outcomes.get(url, "no answer") if page is None else _unreadable(page)
    return (
        f"{url} gave no status payload ({what}); its site answers at {elsewhere.endpoint} "
        f"({elsewhere.format}): check that URL instead"
    )


def _unreadable(page: Response) -> str:
    """A few words on an answer that is neither a page nor a payload."""
    if page.body.lstrip()[:1] in (b"{", b"["):
        try:
            json.loads(page.body)
        except ValueError:
            return "invalid JSON, truncated?"
    return "not a status payload this app reads"


def probe_paths(page_url: str) -> list[str]:
    """The probe paths for a page, with ``{host}`` (the page's host[:port]) and ``{slug}`` (of a
    /status/<slug> page; a path that needs one is left out without it) filled in."""
    parts = urlsplit(page_url)
    segments = [s for s in parts.path.split("/") if s]
    slug = segments[1] if len(segments) >= 2 and segments[0] == "status" else None
    paths = []
    for path in PROBES:
        if "{slug}" in path and slug is None:
            continue
        paths.append(path.format(host=parts.netloc, slug=slug))
    return paths


async def _from_feed_links(session: _Session, page: Response) -> Detection | None:
    """The first advertised feed that answers as one (in a format that reads linked feeds)."""
    for link in sniff_html.feed_links(page.body, page.url):
        answer = _payload(await session.fetch(link))
        if answer is not None and detection.rules(answer.format).linked_feed is not None:
            return replace(
                answer,
                endpoint=link,
                page_url=page.url,
                evidence=f"the page links a feed: {answer.evidence} at {link}",
            )
        if session.unreachable:
            break
    return None


def _nothing_fits(url: str, page: Response | None) -> str:
    """One plain sentence on why no format fits."""
    if page is None:
        what = "the URL itself gave no usable answer"
    elif sniff_html.feed_links(page.body, page.url):
        what = "the page shows no status-platform markers and its feed links did not answer"
    elif detection.looks_like_html(page.body, page.content_type):
        what = "the page is HTML without status-platform markers or feed links"
    else:
        what = f"its answer is {_unreadable(page)}"
    return f"no known status format at {url}: {what}, and none of the usual API paths answered"
