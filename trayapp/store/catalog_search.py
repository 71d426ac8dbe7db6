"""Finding a catalog service by typing: ranked, typo-tolerant search over names, aliases, hosts,
filters and categories ('strpe' finds Stripe, 'icloud mail' finds Apple iCloud Mail).

Pure functions over ``catalog.all_entries()``. The scorer is small on purpose (difflib for
typos, cheap bounds first), so the whole catalog is searched on every keystroke.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from trayapp.store import catalog
from trayapp.store.catalog import CatalogEntry

TYPO_CUTOFF = 0.75  # difflib ratio from which a word counts as a mistyped one ('strpe'/'stripe')
CLEAR_LEAD = 10  # points by which the best match must lead to be taken without asking
MIN_TAKEN = 45  # the least score a match needs to be taken without asking
TYPO_MARGIN = 10  # a typo guess trailing the best match by more is noise ('strpe' ~ 'store')
MIN_INNER = 4  # letters a query needs to match inside a word ('git' is not in DigitalOcean)
_WORD = re.compile(r"[a-z0-9]+")
_FILLER = frozenset({"status", "page", "statuspage"})  # 'github status' means GitHub
_DULL_LABELS = frozenset({"www", "status", "com", "io", "net", "org", "api", "statuspage"})


@dataclass(frozen=True, slots=True)
class Match:
    entry: CatalogEntry
    score: float
    why: str  # what matched: 'name', 'alias', 'host', 'filter', 'category' or 'typo'


@dataclass(frozen=True, slots=True)
class _Indexed:
    """An entry's searchable words, computed once per entry."""

    entry: CatalogEntry
    names: tuple[tuple[str, tuple[str, ...]], ...]  # (joined words, words) for name, aliases, id
    host_words: tuple[str, ...]  # labels of its hosts (less www, status, com...)
    filter_words: tuple[str, ...]  # words of its params (an AWS service id, an Apple service)
    hosts: tuple[str, ...]
    category: str


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def query_words(query: str) -> list[str]:
    """The query's words less filler ('status', 'page'), unless that is all there is."""
    found = words(query)
    return [w for w in found if w not in _FILLER] or found


def index(entry: CatalogEntry) -> _Indexed:
    names: list[tuple[str, tuple[str, ...]]] = []
    for text in (entry.name, *entry.aliases, entry.id):
        found = tuple(words(text))
        if found and all(found != n for _, n in names):
            names.append((" ".join(found), found))
    hosts = tuple(
        dict.fromkeys(
            (urlsplit(url).hostname or "").lower().removeprefix("www.")
            for url in (entry.page, entry.endpoint)
        )
    )
    labels = dict.fromkeys(w for h in hosts for w in h.split(".") if w and w not in _DULL_LABELS)
    params = dict.fromkeys(w for _, value in entry.params for w in words(value))
    return _Indexed(
        entry, tuple(names), tuple(labels), tuple(params), hosts, entry.category.lower()
    )


@cache
def _catalog_index() -> tuple[_Indexed, ...]:
    return tuple(index(e) for e in catalog.all_entries())


def score(item: _Indexed, query: str) -> Match | None:
    """How well an entry answers ``query`` (higher is better), or None when it does not."""
    tokens = query_words(query)
    if not tokens:
        return None
    wanted = " ".join(tokens)
    typed = query.strip().lower()
    best = (0.0, "")
    for rank, (name, name_words) in enumerate(item.names):
        why = "name" if rank == 0 else "alias"
        if name == wanted:
            points = 100.0
        elif name.startswith(wanted):
            points = 92.0
        elif all(any(w.startswith(t) for w in name_words) for t in tokens):
            points = 85.0 - 0.5 * (len(name_words) - len(tokens))
        elif len(wanted) >= MIN_INNER and wanted in name:
            points = 70.0
        else:
            continue
        if points > best[0]:
            best = (points, why)
    if best[0] < 70:
        named = [w for _, ws in item.names for w in ws]
        with_hosts = named + list(item.host_words)
        if all(any(w.startswith(t) for w in with_hosts) for t in tokens):
            best = max(best, (65.0, "host"))
        elif all(
            any(w.startswith(t) for w in with_hosts + list(item.filter_words)) for t in tokens
        ):
            best = max(best, (65.0, "filter"))
        elif "." in typed and any(typed in h for h in item.hosts):  # 'githubstatus.com'
            best = max(best, (65.0, "host"))
    if best[0] < 40 and (
        item.category == wanted or (len(wanted) >= 3 and item.category.startswith(wanted))
    ):
        best = (40.0, "category")
    if best[0] == 0:
        ratio = max(typo_ratio(tokens, ws) for _, ws in item.names) if item.names else 0.0
        if ratio >= TYPO_CUTOFF:
            best = (20 + 50 * (ratio - TYPO_CUTOFF) / (1 - TYPO_CUTOFF), "typo")
    if best[0] == 0:
        return None
    bonus = 1.0 if item.entry.verified else 0.0  # hand-checked first among equals
    return Match(item.entry, best[0] + bonus, best[1])


def typo_ratio(tokens: Sequence[str], name_words: Sequence[str]) -> float:
    """Mean over the query's words of the best difflib ratio against any of the name's words
    (cheap upper bounds first: most words are nowhere near)."""
    if not name_words:
        return 0.0
    total = 0.0
    for token in tokens:
        matcher = difflib.SequenceMatcher(None, "", token)  # seq2 is the one difflib indexes
        best = 0.0
        for word in name_words:
            matcher.set_seq1(word)
            if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
                best = max(best, matcher.ratio())
        total += best
    return total / len(tokens)


def search(
    query: str, entries: Iterable[CatalogEntry] | None = None, limit: int | None = None
) -> list[Match]:
    """Entries matching ``query``, best first (ties: shorter name, then alphabetical)."""
    pool = _catalog_index() if entries is None else tuple(index(e) for e in entries)
    found = [m for item in pool if (m := score(item, query)) is not None]
    found.sort(key=lambda m: (-m.score, len(m.entry.name), m.entry.name.lower()))
    if found:
        floor = found[0].score - TYPO_MARGIN
        found = [m for m in found if m.why != "typo" or m.score >= floor]
    return found[:limit] if limit is not None else found


def best(
    query: str, entries: Iterable[CatalogEntry] | None = None
) -> tuple[Match | None, list[Match]]:
    """The match ``query`` clearly means (an exact name, or a clear lead), else None; and the
    closest candidates, to offer when none is clear."""
    matches = search(query, entries, limit=8)
    if not matches:
        return None, []
    top = matches[0]
    runner = matches[1].score if len(matches) > 1 else 0.0
    clear = top.score - runner >= CLEAR_LEAD and top.why != "category"
    if top.score >= 99 or (top.score >= MIN_TAKEN and clear):
        return top, matches
    return None, matches
