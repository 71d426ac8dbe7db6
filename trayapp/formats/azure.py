"""The Azure status RSS feed: an empty channel means healthy, every item is a live problem.

Azure's feed lists only current issues, and its items carry no severity, lifecycle or components
(title, description, link, pubDate, guid only), so each item reads as an open incident of
unstated impact: ``degraded``. An empty channel is an explicit all-clear.
"""

from __future__ import annotations

from trayapp.core.model import Incident, Reading, Severity
from trayapp.formats import ParseContext
from trayapp.formats.common import plain_text, rollup
from trayapp.formats.feed import Entry, load_feed

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
