"""``trayapp watch catalog [SEARCH]`` and the name lookup behind ``trayapp watch add NAME``.

The whole catalog (hand-checked and generated entries) is read here, on demand: commands that do
not search it never load it.
"""

from __future__ import annotations

import json
import sys

from trayapp.store import catalog, catalog_search
from trayapp.store.catalog import CatalogEntry

SHOWN = 25  # rows a terminal search shows (--json gives them all)


def show(query: str, *, as_json: bool) -> int:
    """Print the catalog, or the entries matching ``query`` best first; exit 1 when none match."""
    if query.strip():
        entries = [m.entry for m in catalog_search.search(query)]
    else:
        entries = list(catalog.all_entries())
    if as_json:
        print(json.dumps([as_row(e) for e in entries], indent=2, ensure_ascii=False))
        return 0 if entries or not query.strip() else 1
    if not entries:
        print(f"No catalog service matches {query!r}. `trayapp watch add URL` takes any page.")
        return 1
    shown = entries[:SHOWN] if query.strip() else entries
    table = [("ID", "NAME", "CATEGORY", "FORMAT", "DEFAULT")] + [
        (e.id, e.name, e.category, e.format, "yes" if e.default else "") for e in shown
    ]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        print("  ".join([*cells, row[4]]).rstrip())
    if len(shown) < len(entries):
        print(f"... and {len(entries) - len(shown)} more (--json lists them all)")
    print("\nAdd one with `trayapp watch add ID`. DEFAULT: watched while you have no config file.")
    return 0


def as_row(entry: CatalogEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "name": entry.name,
        "category": entry.category,
        "format": entry.format,
        "default": entry.default,
        "page": entry.page,
        "endpoint": entry.endpoint,
        "params": dict(entry.params),
        "aliases": list(entry.aliases),
        "verified": entry.verified,
        "source": entry.source,
    }


def resolve(target: str) -> tuple[CatalogEntry | None, bool]:
    """The entry ``target`` names or clearly means, and whether the name was ambiguous (then
    the candidates have been printed on stderr and the caller exits 2). A mistyped name is not
    taken: the caller says 'did you mean', as for any unknown name."""
    exact = catalog.find(target)
    if exact is not None:
        return exact, False
    if "://" in target:
        return None, False
    taken, candidates = catalog_search.best(target)
    if candidates and candidates[0].why == "typo":
        return None, False  # a guess at a typo is offered ('did you mean'), never taken
    if taken is not None:
        print(f"Taking {taken.entry.name} ({taken.entry.id}) for {target!r}.")
        return taken.entry, False
    strong = [m for m in candidates if m.why != "category"]
    if not strong or _looks_like_host(target):
        return None, False
    print(f"trayapp: {target!r} could mean several services:", file=sys.stderr)
    for match in strong:
        print(f"  {match.entry.id:32} {match.entry.name}", file=sys.stderr)
    print("Run `trayapp watch add ID` with one of these ids.", file=sys.stderr)
    return None, True


def _looks_like_host(target: str) -> bool:
    head = target.strip().split("/")[0]
    return "." in head and " " not in head
