"""What a detection found (``Detection``), what a format's rule looks at (``Where``), and the order
in which the formats are asked.

The detectors (``detect`` for known hosts and payloads, ``sniff_html`` for hosted pages' markers
and feed links) know no format by name: they ask each format's ``DETECT`` rules in ``ORDER``,
first answer wins. A format module is imported when detection first asks it, never on the
tray's start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from trayapp import formats
from trayapp.formats import FormatRules

# The order in which formats are asked about a URL, a payload or a page (first answer wins):
# the most specific shapes first, so that a format another one's payload imitates (incident.io
# and Instatus serve Statuspage-like JSON) answers before the one imitated; feeds last.
ORDER: tuple[str, ...] = (
    "incidentio",
    "instatus",
    "betterstack",
    "statuspage",
    "cstate",
    "statusio",
    "cachet",
    "slack",
    "heroku",
    "aws",
    "gcp",
    "uptimekuma",
    "gatus",
    "apple",
    "salesforce",
    "alertmanager",
    "azure",
    "feed",
)
# The order in which discovery asks a page's origin for the formats' APIs (FORMATS.md §15: the
# order that works in practice, most common first).
PROBE_ORDER: tuple[str, ...] = (
    "statuspage",
    "instatus",
    "betterstack",
    "cstate",
    "incidentio",
    "cachet",
    "uptimekuma",
    "gatus",
    "alertmanager",
)

T = TypeVar("T")


def rules(format: str) -> FormatRules:
    """The detection rules format ``format`` declares (its module is imported on first use)."""
    declared: FormatRules = formats.module(format).DETECT
    return declared


def each(rule: Callable[[FormatRules], T | None]) -> Iterator[tuple[str, T]]:
    """``(format, rule)`` for each format in ``ORDER`` that has the rule ``rule`` picks out."""
    for name in ORDER:
        found = rule(rules(name))
        if found is not None:
            yield name, found


@cache
def probe_paths() -> tuple[str, ...]:
    """The formats' API paths in ``PROBE_ORDER``, each once."""
    paths = (path for name in PROBE_ORDER for path in rules(name).probe_paths)
    return tuple(dict.fromkeys(paths))


@dataclass(frozen=True, slots=True)
class Detection:
    """A format, the URL to poll for it, the human page, and why we think so."""

    format: str
    endpoint: str
    page_url: str
    evidence: str
    params: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` output and for storing a watch."""
        return {
            "format": self.format,
            "endpoint": self.endpoint,
            "page_url": self.page_url,
            "evidence": self.evidence,
            "params": dict(self.params),
        }


@dataclass(frozen=True, slots=True)
class Where:
    """The URL a rule looks at (and the content type a body came with), read once, and the
    ways a rule answers from it: rules stay pure functions of a payload and a ``Where``, and a
    format module needs this module only for its types (the tray imports it only to detect)."""

    url: str
    content_type: str = ""

    @property
    def host(self) -> str:
        return host(self.url)

    @property
    def site(self) -> str:
        """The host without a leading ``www.`` (how the known hosts are named)."""
        name = self.host
        return name[4:] if name.startswith("www.") else name

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def origin(self) -> str:
        return origin(self.url)

    def api(self, format: str, evidence: str, endpoint: str | None = None) -> Detection:
        """The URL itself (or ``endpoint``) is the API to poll; the page is the site's front."""
        return Detection(format, endpoint or self.url, self.origin + "/", evidence)

    def found(
        self,
        format: str,
        endpoint: str,
        page_url: str,
        evidence: str,
        params: tuple[tuple[str, str], ...] = (),
    ) -> Detection:
        """A detection with its own endpoint and page (a known host's)."""
        return Detection(format, endpoint, page_url, evidence, params)

    def default_endpoint(self, format: str) -> str:
        return default_endpoint(format, self.url)


# --------------------------------------------------------------------------- URLs


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, the base every format's DEFAULT_PATH hangs off."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def host(url: str) -> str:
    """Lower-case host name of ``url`` without port ('' when there is none)."""
    return (urlsplit(url).hostname or "").lower()


def default_endpoint(format: str, url: str) -> str:
    """The endpoint a format polls for the page at ``url``: the one its rules derive from the
    page (``endpoint_below``), else its DEFAULT_PATH below the page's origin."""
    below = rules(format).endpoint_below
    special = below(url) if below is not None else None
    return special or formats.endpoint(format, origin(url))


def looks_like_html(body: bytes, content_type: str = "") -> bool:
    """HTML by its content type or its first tag (servers often label everything text/html)."""
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return True
    data_like = (b"{", b"[", b"<?xml", b"<rss", b"<feed", b"<rdf")
    return "html" in content_type.lower() and not head.startswith(data_like)


def page_text(body: bytes) -> str:
    """HTML as text for marker searches (markers are ASCII, so a wrong charset cannot hide them)."""
    return body.decode("utf-8", errors="replace")
