"""Which hosted status platform an HTML page is, from its markers, and the feeds it links.

A page shows several independent signs of its platform (links, CSS classes, page data); two
are needed, so one renamed class or one passing mention of a vendor does not decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from trayapp import formats
from trayapp.formats.detection import (
    Detection,
    default_endpoint,
    each,
    looks_like_html,
    page_text,
    rules,
)

# --------------------------------------------------------------------------- HTML pages

FEED_TYPES = ("application/rss+xml", "application/atom+xml")
MARKERS_NEEDED = 2  # platform markers an HTML page must show; one could be a mere mention


@dataclass(frozen=True, slots=True)
class Marker:
    """One sign of a hosting platform in a page's HTML, with the words used in ``evidence``."""

    label: str
    pattern: re.Pattern[str]


@cache
def markers(format: str) -> tuple[Marker, ...]:
    """The HTML markers a format declares, compiled (case-insensitive) on first use.

    Each platform declares several independent ones, so that one renamed CSS class or one passing
    mention of a vendor does not decide (stts broke three times on incident.io markup changes).
    """
    declared = rules(format).html_markers
    return tuple(Marker(label, re.compile(pattern, re.IGNORECASE)) for label, pattern in declared)


def platform_markers(text: str) -> dict[str, list[str]]:
    """For each platform (in ``ORDER``), the labels of its markers found in ``text``."""
    return {
        name: [m.label for m in markers(name) if m.pattern.search(text)]
        for name, _ in each(lambda declared: declared.html_markers or None)
    }


def sniff_page(body: bytes, url: str) -> Detection | None:
    """The hosted platform behind an HTML page, from at least two of its markers."""
    if not body.strip() or not looks_like_html(body, "text/html"):
        return None
    text = page_text(body)
    found = platform_markers(text)
    ranked = sorted(
        (name for name, labels in found.items() if len(labels) >= MARKERS_NEEDED),
        key=lambda name: -len(found[name]),  # stable: ties keep ORDER
    )
    for name in ranked:
        title = formats.module(name).TITLE
        evidence = f"HTML page with {title} markers: {', '.join(found[name])}"
        page_api = rules(name).page_api
        if page_api is None:
            return Detection(name, default_endpoint(name, url), url, evidence)
        named = page_api(text)  # the page must name its API, else it is not this platform's
        if named is not None:
            endpoint, note = named
            return Detection(name, endpoint, url, f"{evidence} ({note})")
    return None


class _FeedLinks(HTMLParser):
    """Collects ``<link rel="alternate" type="application/rss+xml|atom+xml" href>`` in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "").strip() for k, v in attrs}
        if tag == "base" and values.get("href") and self.base is None:
            self.base = values["href"]
        if tag != "link" or not values.get("href"):
            return
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES:
            self.hrefs.append(values["href"])


def feed_links(body: bytes, url: str) -> list[str]:
    """Absolute http(s) URLs of the feeds an HTML page advertises, in document order."""
    if not looks_like_html(body, "text/html"):
        return []
    parser = _FeedLinks()
    try:
        parser.feed(page_text(body))
        parser.close()
    except AssertionError:  # very malformed markup; keep what was collected
        pass
    base = urljoin(url, parser.base) if parser.base else url
    links = [urljoin(base, href) for href in parser.hrefs]
    return [link for link in dict.fromkeys(links) if urlsplit(link).scheme in ("http", "https")]


def feed_link(body: bytes, url: str) -> Detection | None:
    """The page's first advertised RSS/Atom feed as a ``feed`` detection."""
    links = feed_links(body, url)
    if not links:
        return None
    return feed_detection(links[0], url)


def feed_detection(feed_url: str, page_url: str) -> Detection:
    """A feed found through a page's ``<link rel="alternate">``: the first format in ``ORDER``
    that reads the feed at that URL (a provider's own feed format before plain RSS/Atom)."""
    format = next(name for name, reads in each(lambda r: r.linked_feed) if reads(feed_url))
    return Detection(format, feed_url, page_url, f"the page links a feed: {feed_url}")
