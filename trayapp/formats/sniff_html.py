"""Which hosted status platform an HTML page is, from its markers, and the feeds it links.

A page shows several independent signs of its platform (links, CSS classes, page data); two
are needed, so one renamed class or one passing mention of a vendor does not decide.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from trayapp.formats.detection import (
    AZURE_HOSTS,
    Detection,
    default_endpoint,
    host,
    looks_like_html,
    page_text,
)

# --------------------------------------------------------------------------- HTML pages

FEED_TYPES = ("application/rss+xml", "application/atom+xml")
MARKERS_NEEDED = 2  # platform markers an HTML page must show; one could be a mere mention


@dataclass(frozen=True, slots=True)
class Marker:
    """One sign of a hosting platform in a page's HTML, with the words used in ``evidence``."""

    label: str
    pattern: re.Pattern[str]


def _marker(label: str, pattern: str) -> Marker:
    return Marker(label, re.compile(pattern, re.IGNORECASE))


# Several independent markers per platform, so that one renamed CSS class or one passing mention
# of a vendor does not decide (stts broke three times on incident.io markup changes).
PLATFORM_MARKERS: Mapping[str, tuple[Marker, ...]] = {
    "incidentio": (
        _marker("links to incident.io", r"https?://(?:[\w-]+\.)*incident\.io\b"),
        _marker("incident.io logo storage", r"incident-io-status-page-logos"),
        _marker("incident.io page data", r"ongoing_incidents|component_impacts|status_page_id"),
        _marker(
            "incident.io status icons",
            r"text-icon-(?:operational|degraded-performance|partial-outage|full-outage|under-maintenance)",
        ),
    ),
    "instatus": (
        _marker("links to instatus.com", r"https?://(?:[\w-]+\.)*instatus\.com\b"),
        _marker("'Powered by Instatus'", r"Powered by(?:\s|<!--.*?-->)*Instatus"),
        _marker("Instatus skin class", r"\bskin-instatus\b"),
        _marker("Instatus page data", r"\bactive(?:Incidents|Maintenances)\b"),
        _marker(
            "Instatus status words",
            r"\b(?:HASISSUES|UNDERMAINTENANCE|DEGRADEDPERFORMANCE|PARTIALOUTAGE|MAJOROUTAGE)\b",
        ),
    ),
    "betterstack": (
        _marker(
            "Better Stack assets", r"https?://(?:[\w-]+\.)*(?:betterstack|betteruptime)\.com\b"
        ),
        _marker(
            "Better Stack status-page bundle", r"packs/(?:css|js)/status_page|assets/status_pages"
        ),
        _marker(
            "Better Stack status classes",
            r"text-statuspage-(?:green|yellow|red|blue)|status-page__overview",
        ),
        _marker("Better Stack logo", r"betterstack-logo|Better (?:Stack|Uptime)\b"),
    ),
    "statuspage": (
        _marker("Statuspage CDN", r"dka575ofm4ao0\.cloudfront\.net"),
        _marker("statuspage.io host", r"(?<![\w-])statuspage\.io\b|\.statuspage\.io\b"),
        _marker("Statuspage customer assets", r"\bstspg[\w-]*"),
        _marker("'Powered by Atlassian Statuspage'", r"atlassian\.com/software/statuspage"),
        _marker(
            "Statuspage layout classes",
            r"layout-content status\b|page-status status-(?:none|minor|major|critical|maintenance)",
        ),
    ),
    "statusio": (
        _marker("status.io assets", r"(?<![\w.-])(?:(?:cdn|api|www)\.)?status\.io\b"),
        _marker("status.io page id", r"statuspage_?id\W{1,6}[0-9a-f]{24}\b"),
        _marker("status.io page feed", r"/pages/[0-9a-f]{24}/(?:rss|atom|feed)"),
    ),
}
STATUSIO_PAGE_ID = (
    re.compile(r"statuspage_?id\W{1,6}([0-9a-f]{24})\b", re.IGNORECASE),
    re.compile(r"api\.status\.io/1\.0/status/([0-9a-f]{24})\b", re.IGNORECASE),
    re.compile(r"/pages/([0-9a-f]{24})/(?:rss|atom|feed)", re.IGNORECASE),
)
PLATFORM_TITLES = {
    "incidentio": "incident.io",
    "instatus": "Instatus",
    "betterstack": "Better Stack",
    "statuspage": "Atlassian Statuspage",
    "statusio": "status.io",
}


def platform_markers(text: str) -> dict[str, list[str]]:
    """For each platform, the labels of the markers found in ``text``."""
    return {
        name: [m.label for m in markers if m.pattern.search(text)]
        for name, markers in PLATFORM_MARKERS.items()
    }


def sniff_page(body: bytes, url: str) -> Detection | None:
    """The hosted platform behind an HTML page, from at least two of its markers."""
    if not body.strip() or not looks_like_html(body, "text/html"):
        return None
    text = page_text(body)
    found = platform_markers(text)
    ranked = sorted(
        (name for name, labels in found.items() if len(labels) >= MARKERS_NEEDED),
        key=lambda name: -len(found[name]),  # stable: ties keep PLATFORM_MARKERS order
    )
    for name in ranked:
        evidence = f"HTML page with {PLATFORM_TITLES[name]} markers: {', '.join(found[name])}"
        if name == "statusio":
            page_id = statusio_page_id(text)
            if page_id is None:
                continue
            endpoint = f"https://api.status.io/1.0/status/{page_id}"
            return Detection(name, endpoint, url, f"{evidence} (page id {page_id})")
        return Detection(name, default_endpoint(name, url), url, evidence)
    return None


def statusio_page_id(text: str) -> str | None:
    """The 24-hex status.io page id a status.io page embeds (script variable, API URL or feed)."""
    for pattern in STATUSIO_PAGE_ID:
        match = pattern.search(text)
        if match:
            return match.group(1).lower()
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
    """A feed found through a page's ``<link rel="alternate">`` (Azure's feed reads as azure)."""
    format = "azure" if host(feed_url) in AZURE_HOSTS else "feed"
    return Detection(format, feed_url, page_url, f"the page links a feed: {feed_url}")
