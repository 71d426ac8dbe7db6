"""Build resources/catalog-more.toml from the public service lists (services.tsv).

    python tools/build_catalog.py [--tsv ../shared/catalog/services.tsv] [--out FILE]

Re-runnable: the same TSV gives the same file, byte for byte. Rules (issue #12):
- only rows in a format trayapp reads, whose endpoint has the shape that format declares
  (trayapp/formats/endpoint_shapes.py); a row without an endpoint URL gets the one its page implies;
- the hand-checked entries of resources/catalog.toml win: a row polling what one of them polls
  is dropped;
- rows are de-duplicated by endpoint and filter; for a page with a JSON API, its feed is dropped;
  the names of merged rows become aliases;
- every entry gets an id, a category from catalog.CATEGORIES, its source and `verified = false`.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trayapp import formats  # noqa: E402
from trayapp.errors import UnknownFormat  # noqa: E402
from trayapp.formats import detect, detection, endpoint_shapes  # noqa: E402
from trayapp.store import catalog  # noqa: E402

DEFAULT_TSV = ROOT.parent / "shared" / "catalog" / "services.tsv"
DEFAULT_OUT = ROOT / "resources" / "catalog-more.toml"
SOURCE_ORDER = ("inket/stts", "instatushq/out", "StatusGator", "lwindolf/multi-status", "ivbeg")
LICENCES = {
    "inket/stts": "MIT",
    "instatushq/out": "MIT",
    "lwindolf/multi-status": "MIT; its data called public domain",
    "StatusGator/status-page-aggregator": "MIT",
    "ivbeg/awesome-status-pages": "MIT",
}
AWS_REGION = re.compile(r"-(?:[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)$")

# First match wins; matched against the lower-case name and page host (see `mentions`). Order
# matters: a specific word ("mail") before a broad one ("cloud").
CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "AI APIs",
        (
            "openai",
            "anthropic",
            "claude",
            "gemini",
            "mistral",
            "cohere",
            "groq",
            "hugging",
            "replicate",
            "perplexity",
            "elevenlabs",
            "deepgram",
            "assemblyai",
            "stability",
            "midjourney",
            "ai",
            "clarifai",
            "llm",
            "gpt",
        ),
    ),
    (
        "Payments",
        (
            "pay",
            "stripe",
            "braintree",
            "adyen",
            "checkout",
            "billing",
            "recurly",
            "chargebee",
            "paddle",
            "square",
            "klarna",
            "wise",
            "plaid",
            "coinbase",
            "crypto",
            "bank",
            "invoice",
        ),
    ),
    (
        "Email",
        (
            "mail",
            "sendgrid",
            "postmark",
            "mailgun",
            "sparkpost",
            "sendinblue",
            "brevo",
            "smtp",
            "newsletter",
        ),
    ),
    (
        "Communication",
        (
            "slack",
            "discord",
            "zoom",
            "teams",
            "chat",
            "twilio",
            "vonage",
            "intercom",
            "message",
            "messaging",
            "sms",
            "voice",
            "video",
            "meet",
            "webex",
            "ringcentral",
            "telegram",
            "whatsapp",
            "facetime",
            "call",
            "pusher",
            "ably",
            "sinch",
            "talk",
            "conferenc",
            "zendesk",
            "helpdesk",
            "support",
            "freshdesk",
            "crisp",
        ),
    ),
    (
        "CDN & DNS",
        (
            "cdn",
            "dns",
            "cloudflare",
            "fastly",
            "akamai",
            "bunny",
            "edge",
            "domain",
            "registrar",
            "route 53",
            "cloudfront",
            "imgix",
        ),
    ),
    (
        "Monitoring",
        (
            "monitor",
            "datadog",
            "sentry",
            "new relic",
            "newrelic",
            "pagerduty",
            "opsgenie",
            "grafana",
            "logging",
            "logs",
            "log",
            "honeycomb",
            "uptime",
            "apm",
            "metrics",
            "alert",
            "bugsnag",
            "rollbar",
            "papertrail",
            "loggly",
            "splunk",
            "elastic",
            "observ",
        ),
    ),
    (
        "Identity & security",
        (
            "auth",
            "okta",
            "login",
            "identity",
            "sso",
            "password",
            "1password",
            "lastpass",
            "bitwarden",
            "security",
            "secure",
            "vpn",
            "firewall",
            "certificate",
            "keychain",
            "duo",
            "snyk",
            "crowdstrike",
            "key management",
            "secret",
            "iam",
            "clerk",
        ),
    ),
    (
        "Databases",
        (
            "database",
            "sql",
            "mongo",
            "redis",
            "postgres",
            "mysql",
            "dynamodb",
            "firestore",
            "bigtable",
            "spanner",
            "cassandra",
            "supabase",
            "planetscale",
            "neon",
            "cockroach",
            "fauna",
            "elasticache",
            "rds",
            "aurora",
            "algolia",
            "search",
            "cache",
            "memorystore",
            "datastore",
            "bigquery",
            "snowflake",
        ),
    ),
    (
        "Storage",
        (
            "storage",
            "s3",
            "drive",
            "dropbox",
            "box",
            "backup",
            "file",
            "disk",
            "glacier",
            "photos",
            "wasabi",
            "backblaze",
            "archive",
            "bucket",
        ),
    ),
    (
        "Developer tools",
        (
            "git",
            "npm",
            "pypi",
            "docker",
            "registry",
            "ci",
            "build",
            "deploy",
            "circleci",
            "travis",
            "jenkins",
            "bitbucket",
            "jira",
            "confluence",
            "atlassian",
            "code",
            "developer",
            "sdk",
            "api",
            "package",
            "artifact",
            "testflight",
            "xcode",
            "expo",
            "postman",
            "linear",
            "figma",
            "sketch",
            "vercel",
            "netlify",
            "heroku",
            "render",
            "fly.io",
            "railway",
            "pipeline",
            "repo",
            "sandbox",
            "terraform",
            "hashicorp",
            "launchdarkly",
        ),
    ),
    (
        "Productivity",
        (
            "notion",
            "calendar",
            "docs",
            "office",
            "microsoft 365",
            "workspace",
            "trello",
            "asana",
            "monday",
            "clickup",
            "airtable",
            "evernote",
            "todo",
            "notes",
            "sheets",
            "slides",
            "forms",
            "miro",
            "salesforce",
            "hubspot",
            "crm",
            "marketing",
            "analytics",
            "tableau",
            "sales",
            "service cloud",
            "commerce",
            "shopify",
            "cloud",
            "icloud",
            "contacts",
            "reminders",
        ),
    ),
    (
        "Media & entertainment",
        (
            "music",
            "tv",
            "stream",
            "game",
            "gaming",
            "store",
            "books",
            "podcast",
            "arcade",
            "spotify",
            "netflix",
            "twitch",
            "steam",
            "playstation",
            "xbox",
            "radio",
            "news",
            "maps",
            "siri",
            "social",
            "reddit",
            "twitter",
        ),
    ),
)
CLOUD_FORMATS = frozenset({"aws", "gcp", "azure"})


@dataclass
class Row:
    """One usable TSV row: what would be polled and where it came from."""

    name: str
    page: str
    format: str
    endpoint: str
    params: tuple[tuple[str, str], ...]
    source: str
    aliases: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return (normal(self.endpoint), self.params)


def normal(url: str) -> str:
    """An endpoint as a dedupe key: no scheme, lower-case host, no trailing slash."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{(parts.hostname or '').lower()}{parts.path.rstrip('/')}{query}"


def page_key(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}"


def source_rank(source: str) -> int:
    return next((i for i, s in enumerate(SOURCE_ORDER) if source.startswith(s)), len(SOURCE_ORDER))


def read_rows(tsv: Path) -> Iterator[Row]:
    with tsv.open(newline="", encoding="utf-8") as handle:
        for raw in csv.DictReader(handle, delimiter="\t"):
            row = usable(raw)
            if row is not None:
                yield row


def usable(raw: dict[str, str]) -> Row | None:
    """The row as a Row trayapp can poll, or None (format not read, no endpoint, bad shape)."""
    fmt = raw["format"].strip()
    page = raw["status_page_url"].strip()
    name = " ".join(raw["name"].split())
    if fmt not in formats.FORMAT_NAMES or not name or not page.startswith("http"):
        return None
    params = row_params(fmt, raw["params"].strip())
    if params is None:
        return None
    endpoint = raw["endpoint"].strip()
    if not endpoint.startswith("http") or " " in endpoint:
        implied = implied_endpoint(fmt, page)
        if implied is None:
            return None
        endpoint = implied
    if not endpoint_shapes.fits(fmt, endpoint):
        return None
    if name.islower():
        name = name[:1].upper() + name[1:]
    row = Row(name, page, fmt, endpoint, params, raw["source"].strip())
    if fmt == "apple" and params:  # "Apple iCloud Mail" is also found as "icloud mail"
        row.aliases.append(dict(params)["service"])
    return row


def implied_endpoint(fmt: str, page: str) -> str | None:
    """The endpoint a page implies: a known host's, else the format's default path (a page with
    a sub-path, e.g. an incident.io sub-page, implies nothing certain)."""
    known = detect.known_host(page)
    if known is not None:
        return known.endpoint if known.format == fmt else None
    if urlsplit(page).path.strip("/") and fmt in ("incidentio", "instatus"):
        return None
    try:
        return detection.default_endpoint(fmt, page)
    except UnknownFormat:
        return None


def row_params(fmt: str, text: str) -> tuple[tuple[str, str], ...] | None:
    """The source's filter as trayapp params; None when trayapp cannot apply it (Azure zones)."""
    if not text:
        return ()
    key, _, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if fmt == "aws" and key == "service":
        prefixes = {AWS_REGION.sub("", v.strip()) for v in value.split(",") if v.strip()}
        if len(prefixes) != 1:
            return None
        return (("service", f"{prefixes.pop()}-"),)  # the id prefix: 'sns-' is not 'ses-'
    if fmt == "aws" and key == "region":
        return (("region", value),)
    if fmt == "gcp" and key == "product":
        return (("product", value),)
    if fmt == "apple" and key == "service":
        return () if value == "*" else (("service", value),)
    if fmt == "salesforce" and key == "location":
        return () if value == "*" else (("location", value),)
    return None


def merge(rows: Iterable[Row], hand: tuple[catalog.CatalogEntry, ...]) -> list[Row]:
    """De-duplicate: the hand-checked entries win, then by endpoint + filter (earlier source
    first), then one entry per page and per name for the single-page formats (a
    JSON API before a feed). A row named as a hand-checked entry is that entry."""
    taken = {(normal(e.endpoint), e.params) for e in hand}
    hand_pages = {page_key(e.page) for e in hand if not e.params}
    hand_names = {word for e in hand for word in (e.name.lower(), e.id, *e.aliases)}
    ordered = sorted(rows, key=lambda r: (r.format == "feed", source_rank(r.source)))
    kept: dict[tuple[str, tuple[tuple[str, str], ...]], Row] = {}
    by_page: dict[str, Row] = {}
    by_name: dict[str, Row] = {}
    for row in ordered:
        if row.key in taken:
            continue
        same = kept.get(row.key)
        if same is None and not row.params and row.format not in CLOUD_FORMATS:
            if page_key(row.page) in hand_pages or row.name.lower() in hand_names:
                continue
            same = by_page.get(page_key(row.page)) or by_name.get(row.name.lower())
        if same is not None:
            if row.name.lower() != same.name.lower():
                same.aliases.append(row.name)
            continue
        kept[row.key] = row
        if not row.params and row.format not in CLOUD_FORMATS:
            by_page[page_key(row.page)] = row
            by_name[row.name.lower()] = row
    return sorted(kept.values(), key=lambda r: (r.name.lower(), r.endpoint))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "service"


# Words too short or too common to find inside another word: "ai" is not in "Airbase" nor in
# "Mumbai", "ci" not in "Cisco", "duo" not in "Duolingo".
WHOLE_WORDS = frozenset({"ai", "ci", "duo", "tv", "log", "box", "iam"})


def mentions(text: str, keyword: str) -> bool:
    """Whether ``keyword`` stands in ``text``: a whole word for the short or ambiguous ones, the
    start of a word for the others ("git" in "GitBook", never "todo" in "Mastodon"), and a
    phrase ("new relic") as a run of whole words."""
    words = re.findall(r"[a-z0-9]+", text)
    if " " in keyword:
        return f" {keyword} " in f" {' '.join(words)} "
    if keyword in WHOLE_WORDS:
        return keyword in words
    return any(word.startswith(keyword) for word in words)


def category(row: Row) -> str:
    """By the name's words first, then the page host's (less its 'status' and 'www' labels);
    an ``.ai`` domain is an AI service."""
    if row.format in CLOUD_FORMATS:
        return "Cloud"
    host = (urlsplit(row.page).hostname or "").lower()
    labels = [p for p in host.split(".")[:-1] if p not in ("status", "www", "statuspage")]
    for where, skip in ((row.name.lower(), frozenset()), (" ".join(labels), WHOLE_WORDS)):
        for name, words in CATEGORY_WORDS:  # a host's "ai-apps" or "ci" labels say too little
            if any(mentions(where, word) for word in words if word not in skip):
                return name
    return "AI APIs" if host.endswith(".ai") else "Other"


def render(rows: list[Row], hand: tuple[catalog.CatalogEntry, ...], tsv_name: str) -> str:
    """The TOML text. Ids first (every name is someone's before it is anyone's alias), then
    aliases that are nobody's id, name or earlier alias."""
    used = {word for e in hand for word in (e.id, e.name.lower(), *e.aliases)}
    used |= {row.name.lower() for row in rows}
    ids = []
    for row in rows:
        ident = slug(row.name)
        if ident in used and ident != row.name.lower():
            ident = f"{ident}-{slug(urlsplit(row.page).hostname or row.format)}"
        base, n = ident, 2
        while (ident in used and ident != row.name.lower()) or ident in ids:
            ident, n = f"{base}-{n}", n + 1
        used.add(ident)
        ids.append(ident)
    blocks = [header(tsv_name, len(rows))]
    for ident, row in zip(ids, rows, strict=True):
        aliases = []
        for alias in dict.fromkeys(a.lower() for a in row.aliases):
            if alias not in used:
                used.add(alias)
                aliases.append(alias)
        lines = ["[[service]]", f"id = {toml(ident)}", f"name = {toml(row.name)}"]
        if aliases:
            lines.append(f"aliases = [{', '.join(toml(a) for a in aliases)}]")
        lines += [
            f"category = {toml(category(row))}",
            f"page = {toml(row.page)}",
            f"format = {toml(row.format)}",
            f"endpoint = {toml(row.endpoint)}",
        ]
        if row.params:
            inner = ", ".join(f"{k} = {toml(v)}" for k, v in row.params)
            lines.append(f"params = {{ {inner} }}")
        lines += [f"source = {toml(row.source)}", "verified = false"]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def toml(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def header(tsv_name: str, count: int) -> str:
    licences = "\n".join(f"#   {repo}: {licence}" for repo, licence in LICENCES.items())
    return f"""\
# GENERATED by tools/build_catalog.py from {tsv_name}: do not edit by hand, re-run the tool.
#
# {count} services beyond the hand-checked ones in catalog.toml (which win over any row here).
# Each entry's endpoint and filter come from public lists of status pages; none was fetched to
# build this file, so every entry is `verified = false`: `trayapp detect PAGE` re-checks one.
# Names and URLs are facts; `source` names the list (repository@commit:path) each entry comes
# from. The lists and their licences (see also NOTICE):
{licences}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tsv", type=Path, default=DEFAULT_TSV)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    hand = catalog.entries()
    rows = merge(read_rows(args.tsv), hand)
    args.out.write_text(render(rows, hand, args.tsv.name), encoding="utf-8")
    print(f"{len(rows)} entries written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
