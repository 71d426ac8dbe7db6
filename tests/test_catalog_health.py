"""The shipped catalog is sound: every entry parses and has its format's endpoint shape, ids and
aliases are unique, categories come from the fixed list, every generated entry points only at
hosts its source row names, and the generator re-creates the committed file byte for byte."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support import REPO, SHARED_FIXTURES
from trayapp import formats
from trayapp.errors import CatalogError
from trayapp.formats import detect, endpoint_shapes
from trayapp.store import catalog
from trayapp.store.catalog import CatalogEntry

TSV = SHARED_FIXTURES.parent / "catalog" / "services.tsv"
needs_tsv = pytest.mark.skipif(not TSV.is_file(), reason="../shared/catalog not present")
ENTRIES = catalog.all_entries()


def test_at_least_a_thousand_readable_entries() -> None:
    assert len(ENTRIES) >= 1000
    assert all(e.format in formats.FORMAT_NAMES for e in ENTRIES)
    assert catalog.entries() == ENTRIES[: len(catalog.entries())]  # hand-checked first


def test_every_endpoint_has_its_formats_shape() -> None:
    wrong = [
        (e.id, e.format, e.endpoint)
        for e in ENTRIES
        if not endpoint_shapes.fits(e.format, e.endpoint)
    ]
    assert wrong == []


def test_ids_and_aliases_are_unique() -> None:
    words = Counter(w for e in ENTRIES for w in dict.fromkeys((e.id, *e.aliases)))
    assert [w for w, n in words.items() if n > 1] == []
    names = {e.name.lower(): e.id for e in ENTRIES}
    clashes = [a for e in ENTRIES for a in e.aliases if names.get(a, e.id) != e.id]
    assert clashes == []


def test_categories_are_from_the_fixed_list() -> None:
    assert {e.category for e in ENTRIES} <= set(catalog.CATEGORIES)
    assert len({e.category for e in ENTRIES}) >= 10  # a useful spread, not one bucket


def test_generated_entries_are_unverified_and_name_their_source() -> None:
    generated = ENTRIES[len(catalog.entries()) :]
    assert generated and all(not e.verified and e.source for e in generated)
    assert {e.format for e in generated} >= {"apple", "salesforce", "statuspage", "aws", "gcp"}


def test_the_shape_table_covers_every_format() -> None:
    assert all(endpoint_shapes.shape(name).pattern for name in formats.FORMAT_NAMES)
    assert not endpoint_shapes.fits("statuspage", "https://example.com/index.html")
    assert not endpoint_shapes.fits("apple", "ftp://www.apple.com/support/systemstatus/data/x.js")


def test_a_malformed_category_is_refused() -> None:
    text = '[[service]]\nid = "x"\nname = "X"\ncategory = "Stuff"\npage = "https://x.test"\n'
    text += 'format = "statuspage"\nendpoint = "https://x.test/api/v2/summary.json"\n'
    with pytest.raises(CatalogError, match="category 'Stuff'"):
        catalog.parse(text)


def _rows() -> dict[str, list[dict[str, str]]]:
    by_source: dict[str, list[dict[str, str]]] = defaultdict(list)
    with TSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            by_source[row["source"].strip()].append(row)
    return by_source


def _host(url: str) -> str:
    return (urlsplit(url.strip()).hostname or "").lower()


def _allowed_hosts(row: dict[str, str]) -> set[str]:
    """The hosts a row names: its page, its endpoint, and the API its page's host is known for."""
    page = row["status_page_url"].strip()
    hosts = {_host(page), _host(row["endpoint"])}
    known = detect.known_host(page) if page.startswith("http") else None
    if known is not None:
        hosts |= {_host(known.endpoint), _host(known.page_url)}
    return hosts - {""}


@needs_tsv
def test_no_generated_entry_points_outside_its_source_row() -> None:
    rows = _rows()
    outside = []
    for entry in ENTRIES[len(catalog.entries()) :]:
        assert entry.source in rows, entry.id
        names = {entry.name.lower(), *entry.aliases}
        mine = [r for r in rows[entry.source] if " ".join(r["name"].split()).lower() in names]
        hosts = set().union(*(_allowed_hosts(r) for r in mine)) if mine else set()
        if not mine or not {_host(entry.page), _host(entry.endpoint)} <= hosts:
            outside.append(entry.id)
    assert outside == []


@needs_tsv
def test_the_generator_recreates_the_committed_file(tmp_path: Path) -> None:
    out = tmp_path / "catalog-more.toml"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "tools" / "build_catalog.py"),
            "--tsv",
            str(TSV),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    committed = REPO / "resources" / "catalog-more.toml"
    assert out.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")


def entry(**fields: str) -> CatalogEntry:
    base = dict(id="x", name="X", category="Other", page="https://x.test", format="statuspage")
    return CatalogEntry(**(base | fields), endpoint="https://x.test/api/v2/summary.json")


def test_config_fields_write_generated_entries_whole() -> None:
    assert entry().config_fields() == {"service": "x"}
    unverified = CatalogEntry(
        id="y",
        name="Y",
        category="Other",
        page="https://y.test",
        format="apple",
        endpoint="https://www.apple.com/support/systemstatus/data/system_status_en_US.js",
        params=(("service", "Y"),),
        verified=False,
    )
    assert unverified.config_fields() == {
        "url": unverified.endpoint,
        "format": "apple",
        "page": "https://y.test",
        "params": {"service": "Y"},
        "name": "Y",
        "category": None,  # 'Other' groups nothing alike: no alternatives
        "verified": False,
    }
    assert replace(unverified, category="Cloud").config_fields()["category"] == "Cloud"


def test_loading_a_config_never_reads_the_generated_catalog(tmp_path: Path) -> None:
    """What the tray's start does with the catalog: the defaults, hand-checked services by id
    (with probes), and generated ones written out whole; the big file stays unread."""
    code = f"""
import sys
from pathlib import Path
opened = []
sys.addaudithook(lambda event, args: event == "open" and opened.append(str(args[0])))
from trayapp.store import catalog
from trayapp.store import config
from trayapp.store import config_values
from trayapp.store import config_edits
config_values.default_config()
path = Path({str(tmp_path / "config.toml")!r})
fields = catalog.parse(Path({str(REPO / "resources" / "catalog-more.toml")!r}).read_text())
opened.clear()
path.write_text('[[watch]]\\nservice = "openai"\\ntoken = "k"\\n')
config_edits.add_watch(path, **next(e for e in fields if e.format == "apple").config_fields())
assert [w.format for w in config.load(path).watches] == ["incidentio", "apple"]
assert catalog.all_entries.cache_info().currsize == 0, "the whole catalog was read"
assert not [p for p in opened if p.endswith("catalog-more.toml")], opened
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@pytest.mark.parametrize(
    ("name", "page", "expected"),
    [
        ("Airbase", "https://status.airbase.com", "Other"),  # "ai" is a word, not a prefix
        ("Sendbird (Mumbai)", "https://status.sendbird.com", "Other"),
        ("Urban Airship", "https://status.urbanairship.com", "Other"),
        ("Mastodon.social", "https://status.mastodon.social", "Media & entertainment"),
        ("NS1 Connect", "https://status.ai-apps-comms.ibm.com", "Other"),  # a host label
        ("Clarifai", "https://status.clarifai.com", "AI APIs"),
        ("Acme AI", "https://status.acme.com", "AI APIs"),
        ("Acme", "https://status.acme.ai", "AI APIs"),
        ("GitBook", "https://status.gitbook.com", "Developer tools"),
    ],
)
def test_generated_categories_match_words_not_letters(name: str, page: str, expected: str) -> None:
    """A category decides which services are offered as alternatives: "Airbase" or "Akamai"
    next to OpenAI would mislead exactly when it matters."""
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import build_catalog
    finally:
        sys.path.remove(str(REPO / "tools"))
    row = build_catalog.Row(name, page, "statuspage", f"{page}/api/v2/summary.json", (), "t")
    assert build_catalog.category(row) == expected
