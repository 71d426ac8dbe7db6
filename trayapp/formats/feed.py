"""Generic RSS 2.0 / Atom incident-history feeds (Statuspage, incident.io, Instatus, ...).

A history feed is not a state: each entry is one incident or maintenance, and its state is the
newest lifecycle word in its HTML (Statuspage lists updates newest first as
``<strong>Resolved</strong> - ...``; incident.io writes ``<b>Status: Resolved</b>``).

Rule for what counts as open (EXPECTED.toml: "severity comes from the newest entry"):

* the newest entry (by its last activity: Atom ``updated``, else ``published``/``pubDate``; ties
  and undated feeds by document order) is open when its own newest word says so;
* an older entry is open only if its own words say so AND its last activity lies within
  ``HISTORY_WINDOW`` of the newest entry's, so two concurrent incidents both count while a
  years-old entry that was never closed stays history;
* of several entries sharing one id (Better Stack: "X went down", then "X recovered"), only the
  newest is read: it speaks for the incident;
* an open incident's impact is not stated: ``degraded`` (worse only when incident.io's component
  list states worse); a maintenance in progress or verifying counts as ``maintenance``; a
  maintenance merely ``scheduled`` is upcoming, not open.

The loading helpers (``load_feed``, ``parse_date``) are shared with the
Azure and AWS parsers.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from trayapp.core.model import Incident, IncidentKind, Reading, Severity, worst
from trayapp.errors import FormatError
from trayapp.formats import FormatRules, ParseContext
from trayapp.formats.common import load_xml, parse_time, plain_text, rollup

if TYPE_CHECKING:  # detection is imported when it runs, never on the tray's start
    from trayapp.formats.detection import Detection, Where

TITLE = "RSS / Atom incident feed"
DEFAULT_PATH = "/history.rss"
FORMAT = "feed"

#: How far behind the newest entry an entry may be and still count as concurrently open.
HISTORY_WINDOW = timedelta(days=3)

#: Lifecycle words as feeds print them (lower-cased, "Status:" removed) → canonical status.
WORDS: Mapping[str, str] = {
    "investigating": "investigating",
    "identified": "identified",
    "monitoring": "monitoring",
    "update": "update",
    "resolved": "resolved",
    "postmortem": "postmortem",
    "post-mortem": "postmortem",
    "scheduled": "scheduled",
    "in progress": "in_progress",
    "verifying": "verifying",
    "completed": "completed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    # incident.io maintenance phrasing (its vocabulary with a space instead of an underscore)
    "maintenance scheduled": "scheduled",
    "maintenance in progress": "in_progress",
    "maintenance complete": "completed",
    "maintenance completed": "completed",
}
OPEN_STATUSES = frozenset({"investigating", "identified", "monitoring", "update"})
ACTIVE_MAINTENANCE = frozenset({"in_progress", "verifying"})
MAINTENANCE_WORDS = frozenset({"scheduled", "in_progress", "verifying", "completed"})

#: incident.io lists affected components as ``<li>Name (Degraded performance)</li>``.
COMPONENT_STATES: Mapping[str, Severity] = {
    "operational": Severity.OPERATIONAL,
    "under maintenance": Severity.MAINTENANCE,
    "degraded performance": Severity.DEGRADED,
    "partial outage": Severity.PARTIAL_OUTAGE,
    "full outage": Severity.MAJOR_OUTAGE,
    "major outage": Severity.MAJOR_OUTAGE,
}

_EMPHASIS = re.compile(r"<(strong|b)\b[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_UPDATE_END = re.compile(
    r"</p\s*>|<small\b|<(?:b|strong)\b[^>]*>\s*affected components", re.IGNORECASE
)
_LIST_ITEM = re.compile(r"<li\b[^>]*>(.*?)</li\s*>", re.IGNORECASE | re.DOTALL)
_NAME_STATE = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$", re.DOTALL)
_NS_PREFIX = re.compile(r"<(/?)[\w.-]+:")
_TITLE_RESOLVED = re.compile(r"^\s*\[resolved\]|^\s*resolved\s*[:\-]|\brecovered\b", re.IGNORECASE)
_TITLE_DOWN = re.compile(r"\bwent down\b", re.IGNORECASE)
_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Entry:
    """One RSS item / Atom entry, reduced to what incident feeds use."""

    id: str
    title: str
    link: str | None
    published: datetime | None
    updated: datetime | None
    html: str
    position: int  # document order: 0 is the first entry

    @property
    def time(self) -> datetime | None:
        """Last activity: Atom ``updated`` (a scheduled maintenance's ``published`` is its
        future start), else the publication date."""
        return self.updated or self.published


@dataclass(frozen=True, slots=True)
class Feed:
    title: str
    updated: datetime | None
    entries: tuple[Entry, ...]


def parse(body: bytes, ctx: ParseContext) -> Reading:
    """Read an RSS/Atom incident-history feed; see the module docstring for the open rule."""
    feed = load_feed(body)
    newest = newest_entry(feed.entries)
    latest = latest_per_id(feed.entries)
    incidents = []
    for entry in feed.entries:
        if latest[entry.id] is not entry:
            continue  # superseded by a later entry about the same incident
        words = entry_words(entry)
        if not words and entry is newest:
            raise FormatError(f"newest feed entry {entry.title!r} states no known status word")
        incidents.append(entry_incident(entry, words, current=is_current(entry, newest)))
    return rollup(
        format=FORMAT,
        indicator=Severity.OPERATIONAL,  # a well-formed feed: only open entries make it worse
        incidents=incidents,
        page_name=feed.title or None,
    )


# --- loading -------------------------------------------------------------------------------------


def load_feed(body: bytes) -> Feed:
    """Parse RSS 2.0, RSS 1.0 (RDF) or Atom into a Feed; anything else is a FormatError."""
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:64].lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise FormatError("expected an RSS or Atom feed but got an HTML page")
    root = load_xml(body)
    kind = local_name(root.tag)
    if kind == "rss":
        container = child(root, "channel")
        if container is None:
            raise FormatError("RSS feed without a <channel>")
        items = children(container, "item")
    elif kind == "feed":
        container, items = root, children(root, "entry")
    elif kind == "RDF":
        container = child(root, "channel")
        items = children(root, "item")
    else:
        raise FormatError(f"expected an RSS or Atom feed, got <{kind}>")
    title = element_text(child(container, "title")) if container is not None else ""
    updated = None
    if container is not None:
        updated = parse_date(element_text(child(container, "lastBuildDate", "updated", "pubDate")))
    entries = tuple(read_entry(item, position) for position, item in enumerate(items))
    return Feed(title=_page_title(title), updated=updated, entries=entries)


def read_entry(item: ElementTree.Element, position: int) -> Entry:
    """One <item>/<entry>: namespace-agnostic, lenient about which optional fields exist."""
    title = " ".join(element_text(child(item, "title")).split())
    link = entry_link(item)
    ident = element_text(child(item, "id", "guid")) or link or title or f"entry-{position}"
    published = parse_date(element_text(child(item, "published", "pubDate", "date", "issued")))
    updated = parse_date(element_text(child(item, "updated", "modified")))
    return Entry(
        id=ident,
        title=title,
        link=link,
        published=published,
        updated=updated,
        html=entry_html(child(item, "encoded", "content", "description", "summary")),
        position=position,
    )


def entry_link(item: ElementTree.Element) -> str | None:
    """RSS ``<link>text</link>`` or Atom ``<link rel="alternate" href=...>``."""
    for element in children(item, "link"):
        href = element.get("href")
        if href:
            if element.get("rel", "alternate") == "alternate":
                return href.strip()
        elif element_text(element):
            return element_text(element)
    return None


def entry_html(element: ElementTree.Element | None) -> str:
    """The HTML an entry carries: escaped text (RSS, Atom type=html) or inline XHTML."""
    if element is None:
        return ""
    if len(element):  # Atom type="xhtml": markup as child elements
        markup = "".join(ElementTree.tostring(c, encoding="unicode") for c in element)
        return _NS_PREFIX.sub(r"<\1", (element.text or "") + markup)
    return element.text or ""


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def child(element: ElementTree.Element, *names: str) -> ElementTree.Element | None:
    """The first direct child with one of ``names`` (tried in order), namespace ignored."""
    for name in names:
        for element_child in element:
            if local_name(element_child.tag) == name:
                return element_child
    return None


def children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [c for c in element if isinstance(c.tag, str) and local_name(c.tag) == name]


def element_text(element: ElementTree.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def parse_date(value: str | None) -> datetime | None:
    """RFC 822 (RSS, also Azure's '... 01:09:00 Z') or ISO 8601 (Atom) → aware UTC; else None."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return parse_time(value)
    if parsed.tzinfo is None:  # '-0000' means UTC without a known offset
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _page_title(title: str) -> str:
    title = " ".join(title.split())
    suffix = " - incident history"
    return title[: -len(suffix)] if title.lower().endswith(suffix) else title


# --- text ----------------------------------------------------------------------------------------


# --- lifecycle -----------------------------------------------------------------------------------


def lifecycle_matches(html: str) -> list[tuple[re.Match[str], str]]:
    """Every emphasised lifecycle word in document order (newest first on Statuspage)."""
    found = []
    for match in _EMPHASIS.finditer(html):
        word = unescape(_TAG.sub("", match.group(2))).strip().lower()
        word = " ".join(word.split()).rstrip(":").strip()
        if word.startswith("status:"):
            word = word[len("status:") :].strip()
        word = word.replace("_", " ")
        if word in WORDS:
            found.append((match, WORDS[word]))
    return found


def entry_words(entry: Entry) -> list[str]:
    """The entry's lifecycle words, newest first; the title's convention when the HTML has none
    ('[RESOLVED] ...', Better Stack's 'X went down' / 'X recovered')."""
    words = [word for _, word in lifecycle_matches(entry.html)]
    if words:
        return words
    if _TITLE_RESOLVED.search(entry.title):
        return ["resolved"]
    if _TITLE_DOWN.search(entry.title):
        return ["investigating"]
    return []


def entry_status(words: Sequence[str]) -> str:
    """The newest real state: an 'Update' keeps the state before it (an update to a scheduled
    maintenance is still scheduled); only updates → 'update'; no words → 'unknown'."""
    return next((w for w in words if w != "update"), words[0] if words else "unknown")


def newest_entry(entries: Sequence[Entry]) -> Entry | None:
    """The entry with the latest activity; document order breaks ties and covers undated feeds."""
    if not entries:
        return None
    return max(entries, key=lambda e: (e.time or _EARLIEST, -e.position))


def latest_per_id(entries: Sequence[Entry]) -> dict[str, Entry]:
    """The newest entry of each id: Better Stack posts "X went down" and "X recovered" as two
    items with one guid, and only the later one speaks for the incident."""
    latest: dict[str, Entry] = {}
    for entry in entries:
        seen = latest.get(entry.id)
        if seen is None or newest_entry((seen, entry)) is entry:
            latest[entry.id] = entry
    return latest


def is_current(entry: Entry, newest: Entry | None) -> bool:
    """Whether the entry is recent enough for its own words to keep it open."""
    if newest is None or entry is newest:
        return True
    if entry.time is None or newest.time is None:
        return False
    return newest.time - entry.time <= HISTORY_WINDOW


def entry_incident(entry: Entry, words: Sequence[str], *, current: bool) -> Incident:
    status = entry_status(words)
    kind: IncidentKind = "maintenance" if MAINTENANCE_WORDS.intersection(words) else "incident"
    names, stated = affected_components(entry.html)
    if kind == "maintenance":
        severity = Severity.MAINTENANCE
    elif status == "unknown":
        severity = Severity.UNKNOWN
    else:
        severity = stated if stated.is_problem else Severity.DEGRADED
    own_open = status in (ACTIVE_MAINTENANCE if kind == "maintenance" else OPEN_STATUSES)
    return Incident(
        id=entry.id,
        title=entry.title or "(untitled)",
        status=status,
        open=own_open and current,
        severity=severity,
        kind=kind,
        url=entry.link,
        started=entry.published,
        updated=entry.time,
        latest_update=latest_update(entry.html) or None,
        components=names,
    )


def affected_components(html: str) -> tuple[tuple[str, ...], Severity]:
    """incident.io's ``<li>Name (State)</li>`` list: names and the worst stated state."""
    names: list[str] = []
    states: list[Severity] = []
    for match in _LIST_ITEM.finditer(html):
        found = _NAME_STATE.match(plain_text(match.group(1), limit=10_000))
        if not found:
            continue
        state = COMPONENT_STATES.get(" ".join(found.group(2).lower().split()))
        if state is not None and found.group(1):
            names.append(found.group(1))
            states.append(state)
    return tuple(dict.fromkeys(names)), worst(states)


def latest_update(html: str) -> str:
    """Plain text of the newest update: from the first lifecycle word to the end of its
    paragraph (Statuspage) or to the component list (incident.io); else the whole text."""
    matches = lifecycle_matches(html)
    if not matches:
        return plain_text(html)
    first = matches[0][0]
    ends = [len(html)]
    stop = _UPDATE_END.search(html, first.end())
    if stop is not None:
        ends.append(stop.start())
    if len(matches) > 1:
        ends.append(matches[1][0].start())
    text = plain_text(html[first.end() : min(ends)])
    return text.lstrip(" -\u2013\u2014:").strip() or plain_text(html)


# --------------------------------------------------------------------------- detection

ATOM_NS = "{http://www.w3.org/2005/Atom}"


def _sniff_xml(root: ElementTree.Element, where: Where) -> Detection | None:
    if root.tag == "rss" or root.tag.endswith("}RDF"):
        return where.api(FORMAT, f"RSS feed{_titled(root.findtext('channel/title') or '')}")
    if root.tag == f"{ATOM_NS}feed":
        return where.api(FORMAT, f"Atom feed{_titled(root.findtext(f'{ATOM_NS}title') or '')}")
    return None


def _titled(title: str) -> str:
    title = " ".join(title.split())
    return f" '{title[:60]}'" if title else ""


def _linked_feed(url: str) -> bool:
    """Any feed a page links reads as plain RSS/Atom (a format before this one may claim it)."""
    return True


DETECT = FormatRules(
    endpoint_shape=r"[^/]+/.*(rss|atom|feed|xml).*",
    sniff_xml=_sniff_xml,
    linked_feed=_linked_feed,
)
