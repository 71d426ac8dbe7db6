"""Finding a catalog service by typing: ranking, typos, hosts, filters, categories, and when a
match is clear enough for `watch add` to take without asking."""

from __future__ import annotations

import pytest

from trayapp.store import catalog_search
from trayapp.store.catalog import CatalogEntry


def names(query: str, n: int = 3) -> list[str]:
    return [m.entry.name for m in catalog_search.search(query, limit=n)]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("stripe", "Stripe"),
        ("strpe", "Stripe"),  # a typo
        ("icloud mail", "Apple iCloud Mail"),  # words of a longer name
        ("ICLOUD   Mail", "Apple iCloud Mail"),
        ("claude", "Anthropic (Claude)"),  # an alias
        ("githubstatus.com", "GitHub"),  # a host
        ("sns", "Amazon Simple Notification Service"),  # a filter: the AWS service id
        ("vercl", "Vercel"),
        ("github status", "GitHub"),  # filler words a user adds
        ("stripe status page", "Stripe"),
        ("status", "Status.io"),  # unless they are all there is
    ],
)
def test_best_match_first(query: str, first: str) -> None:
    assert names(query)[0] == first


def test_prefix_lists_every_service_it_begins() -> None:
    found = names("git", 10)
    assert found[:2] == ["GitHub", "GitLab"]  # hand-checked and short first among equals
    assert "DigitalOcean" not in found  # three letters inside a word are chance


def test_a_typo_lists_the_close_guesses_only() -> None:
    assert names("strpe", 10) == ["Stripe"]  # not twenty App Stores ('store' is close-ish)


def test_category_words_find_the_category() -> None:
    matches = catalog_search.search("payments")
    assert any(m.why == "category" and m.entry.name == "Stripe" for m in matches)


def test_nothing_for_junk_or_empty() -> None:
    assert catalog_search.search("zzqqxxj") == []
    assert catalog_search.search("  ") == []


@pytest.mark.parametrize(
    ("query", "taken"),
    [("icloud mail", "Apple iCloud Mail"), ("strpe", "Stripe"), ("github", "GitHub")],
)
def test_a_clear_match_is_taken(query: str, taken: str) -> None:
    best, _ = catalog_search.best(query)
    assert best is not None and best.entry.name == taken


def test_an_ambiguous_query_offers_candidates() -> None:
    best, candidates = catalog_search.best("git")
    assert best is None
    assert [m.entry.name for m in candidates][:2] == ["GitHub", "GitLab"]


def test_searching_given_entries_only() -> None:
    own = [
        CatalogEntry(
            "a", "Alpha Mail", "Email", "https://a.test", "statuspage", "https://a.test/x"
        ),
        CatalogEntry("b", "Beta", "Email", "https://mail.b.test", "statuspage", "https://b.test/x"),
    ]
    assert [m.entry.id for m in catalog_search.search("mail", own)] == ["a", "b"]
    assert catalog_search.search("mail", own)[1].why == "host"
