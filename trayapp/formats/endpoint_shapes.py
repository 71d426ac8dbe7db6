"""The URL shapes each format's endpoints take: what a catalog entry's endpoint must look like.

Used by the catalog generator to refuse a row whose endpoint cannot be what its format reads, and
by the catalog health test. A shape is matched against ``host + path`` (lower-case, no query).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

SHAPES: Mapping[str, str] = {
    "statuspage": r"[^/]+/api/v[12]/(summary|status)\.json",
    "incidentio": r"[^/]+/proxy/[^/]+(/[^/]+)?",
    "instatus": r"[^/]+(/v3)?/summary\.json",
    "statusio": r"api\.status\.io/1\.0/status/[0-9a-f]{24}",
    "cachet": r"[^/]+/api/v1/components(/groups)?",
    "betterstack": r"[^/]+/index\.json",
    "slack": r"slack-status\.com/api/v2\.0\.0/current",
    "heroku": r"status\.heroku\.com/api/v4/current-status",
    "gcp": r"[^/]+(/appsstatus/dashboard)?/incidents\.json",
    "aws": r"(health|status)\.aws\.amazon\.com/(public/currentevents|data\.json)",
    "azure": r"[^/]+/([a-z]{2}-[a-z]{2}/)?status/feed/?",
    "feed": r"[^/]+/.*(rss|atom|feed|xml).*",
    "uptimekuma": r"[^/]+/api/status-page/(heartbeat/)?[^/]+",
    "gatus": r"[^/]+/api/v1/endpoints/statuses",
    "cstate": r"[^/]+/index\.json",
    "apple": (
        r"www\.apple\.com/support/systemstatus/data/(developer/)?system_status_[a-z]{2}_[a-z]{2}\.js"
    ),
    "salesforce": r"api\.status\.salesforce\.com/v1/(instances|instancealiases)/.*status.*",
    "alertmanager": r"[^/]+/(.*/)?api/v2/alerts(/groups)?",
}
_COMPILED = {name: re.compile(shape) for name, shape in SHAPES.items()}


def fits(format: str, url: str) -> bool:
    """Whether ``url`` (http or https) has a shape ``format`` is known to serve."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    pattern = _COMPILED.get(format)
    where = f"{parts.hostname}{parts.path}".lower()
    return pattern is not None and pattern.fullmatch(where) is not None
