"""The Azure status RSS feed: an empty channel means healthy, every item is a live problem.

Azure's feed lists only current issues, and its items carry no severity, lifecycle or components
(title, description, link, pubDate, guid only), so each item reads as an open incident of
unstated impact: ``degraded``. An empty channel is an explicit all-clear.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from trayapp.core.model import Incident, Reading, Severity
from trayapp.formats import FormatRules, ParseContext
from trayapp.formats.common import plain_text, rollup
from trayapp.formats.feed import Entry, load_feed

if TYPE_CHECKING:  # detection is imported when it runs, never on the tray's start
    from xml.etree.ElementTree import Element

    from trayapp.formats.detection import Detection, Where

TITLE = "Azure status feed"
DEFAULT_PATH = "/en-us/status/feed/"
FORMAT = "azure"


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read the Azure status RSS (RSS or Atom accepted; an HTML page is a FormatError)."""
    feed = load_feed(body)
    return rollup(
        format=FORMAT,
        indicator=Severity.OPERATIONAL,  # no <item> at all is Azure's "all good"
        incidents=[item_incident(entry) for entry in feed.entries],
        page_name=feed.title or None,
    )


def item_incident(entry: Entry) -> Incident:
    return Incident(
        id=entry.id,
        title=entry.title or "(untitled)",
        status="active",
        open=True,
        severity=Severity.DEGRADED,
        url=entry.link,
        started=entry.published,
        updated=entry.time,
        latest_update=plain_text(entry.html) or None,
    )


# --------------------------------------------------------------------------- detection

HOSTS = frozenset({"azure.status.microsoft", "rssfeed.azure.status.microsoft", "status.azure.com"})
FEED = "https://azure.status.microsoft/en-us/status/feed/"


def _known_host(where: Where) -> Detection | None:
    if where.site not in HOSTS:
        return None
    feed = where.url if re.search(r"/status/feed/?$", where.path) else FEED
    return where.found(
        FORMAT,
        feed,
        "https://azure.status.microsoft/en-us/status",
        f"{where.site} is Azure's status site; polling its RSS feed (no item means healthy)",
    )


def _sniff_xml(root: Element, where: Where) -> Detection | None:
    if root.tag != "rss" and not root.tag.endswith("}RDF"):
        return None
    title = root.findtext("channel/title") or ""
    if where.host in HOSTS or title.strip().lower() == "azure status":
        return where.api(FORMAT, "Azure status RSS feed")
    return None


def _linked_feed(url: str) -> bool:
    """A feed a page links on Azure's own hosts is Azure's."""
    return (urlsplit(url).hostname or "").lower() in HOSTS


DETECT = FormatRules(
    endpoint_shape=r"[^/]+/([a-z]{2}-[a-z]{2}/)?status/feed/?",
    known_host=_known_host,
    sniff_xml=_sniff_xml,
    linked_feed=_linked_feed,
)
