"""Which status format a URL or a fetched payload speaks, and which endpoint to poll (no I/O).

Detection works on evidence only: a known host, the shape of a JSON or XML payload, or the
markers a hosted status platform leaves in its HTML. Each answer carries a one-line ``evidence``
so a user can see why a page was read as one format and not another. The network side (which
URLs to fetch, in which order) lives in ``trayapp.engine.discovery``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from trayapp.formats import apple
from trayapp.formats.detection import (
    AZURE_HOSTS,
    Detection,
    host,
    looks_like_html,
)
from trayapp.formats.sniff_html import feed_link, sniff_page
from trayapp.formats.sniff_json import read_json, sniff_feed

# --------------------------------------------------------------------------- known hosts

AZURE_FEED = "https://azure.status.microsoft/en-us/status/feed/"
AWS_CURRENT = "https://health.aws.amazon.com/public/currentevents"
AWS_RSS = re.compile(
    r"/rss/(?P<service>[a-z0-9]+(?:-[a-z0-9]+)*?)-(?P<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)\.rss$"
)
STATUSIO_API = re.compile(r"^/1\.0/status/(?P<id>[0-9a-f]{24})/?$", re.IGNORECASE)


def known_host(url: str) -> Detection | None:
    """Providers with their own one-off format, recognised from the URL alone (no request)."""
    name = host(url)
    if name.startswith("www.") and name != "www.google.com":
        name = name[4:]
    path = urlsplit(url).path
    for rule in KNOWN_HOSTS:
        found = rule(name, path, url)
        if found is not None:
            return found
    return None


def _slack(name: str, path: str, url: str) -> Detection | None:
    if name not in ("slack-status.com", "status.slack.com"):
        return None
    return Detection(
        "slack",
        "https://slack-status.com/api/v2.0.0/current",
        "https://slack-status.com/",
        f"{name} is Slack's own status site; its JSON API is /api/v2.0.0/current",
    )


def _heroku(name: str, path: str, url: str) -> Detection | None:
    if name != "status.heroku.com":
        return None
    return Detection(
        "heroku",
        "https://status.heroku.com/api/v4/current-status",
        "https://status.heroku.com/",
        "status.heroku.com is Heroku's own status site; its JSON API is /api/v4/current-status",
    )


def _aws(name: str, path: str, url: str) -> Detection | None:
    if name not in ("health.aws.amazon.com", "status.aws.amazon.com"):
        return None
    page = "https://health.aws.amazon.com/health/status"
    feed = AWS_RSS.search(path)
    if feed and feed["service"] != "all":
        return Detection(
            "aws",
            AWS_CURRENT,
            page,
            f"AWS Health Dashboard feed for {feed['service']} in {feed['region']}: polling the "
            "current-events API filtered to that service and region",
            (("service", feed["service"]), ("region", feed["region"])),
        )
    return Detection(
        "aws", AWS_CURRENT, page, f"{name} is the AWS Health Dashboard; polling its current events"
    )


def _gcp(name: str, path: str, url: str) -> Detection | None:
    if name == "status.cloud.google.com":
        return Detection(
            "gcp",
            "https://status.cloud.google.com/incidents.json",
            "https://status.cloud.google.com/",
            "status.cloud.google.com is the Google Cloud dashboard; polling its incidents.json",
        )
    if name in ("google.com", "www.google.com") and path.startswith("/appsstatus"):
        return Detection(
            "gcp",
            "https://www.google.com/appsstatus/dashboard/incidents.json",
            "https://www.google.com/appsstatus/dashboard/",
            "google.com/appsstatus is the Google Workspace dashboard (same schema as Google Cloud)",
        )
    return None


def _azure(name: str, path: str, url: str) -> Detection | None:
    if name not in AZURE_HOSTS:
        return None
    feed = url if re.search(r"/status/feed/?$", path) else AZURE_FEED
    return Detection(
        "azure",
        feed,
        "https://azure.status.microsoft/en-us/status",
        f"{name} is Azure's status site; polling its RSS feed (no item means healthy)",
    )


def _statusio_api(name: str, path: str, url: str) -> Detection | None:
    if name != "api.status.io":
        return None
    match = STATUSIO_API.match(path)
    if match is None:
        return None
    return Detection("statusio", url, url, f"status.io public API for page {match['id']}")


APPLE_CONSUMER = "https://www.apple.com/support/systemstatus/data/system_status_en_US.js"
APPLE_DEVELOPER = "https://www.apple.com/support/systemstatus/data/developer/system_status_en_US.js"
SALESFORCE_PREVIEW = "https://api.status.salesforce.com/v1/instances/status/preview"


def _apple(name: str, path: str, url: str) -> Detection | None:
    if name == "developer.apple.com" and path.startswith("/system-status"):
        return Detection(
            "apple",
            APPLE_DEVELOPER,
            "https://developer.apple.com/system-status/",
            "developer.apple.com/system-status is Apple's developer system status (JSONP data)",
        )
    if name != "apple.com" or not path.startswith("/support/systemstatus"):
        return None
    if path.startswith("/support/systemstatus/data/"):
        return Detection(
            "apple", url, "https://www.apple.com/support/systemstatus/", "Apple system status data"
        )
    return Detection(
        "apple",
        APPLE_CONSUMER,
        "https://www.apple.com/support/systemstatus/",
        "apple.com/support/systemstatus is Apple's system status (JSONP data)",
    )


def _salesforce(name: str, path: str, url: str) -> Detection | None:
    if name == "api.status.salesforce.com" and path.startswith("/v1/instances"):
        return Detection(
            "salesforce", url, "https://status.salesforce.com/", "Salesforce Trust status API"
        )
    if name not in ("status.salesforce.com", "trust.salesforce.com", "api.status.salesforce.com"):
        return None
    return Detection(
        "salesforce",
        SALESFORCE_PREVIEW,
        "https://status.salesforce.com/",
        f"{name} is Salesforce Trust; polling its instances status API",
    )


KNOWN_HOSTS: tuple[Callable[[str, str, str], Detection | None], ...] = (
    _slack,
    _heroku,
    _aws,
    _gcp,
    _azure,
    _statusio_api,
    _apple,
    _salesforce,
)


# --------------------------------------------------------------------------- payload sniffing


def sniff(body: bytes, url: str, content_type: str = "") -> Detection | None:
    """Recognise a fetched body: an API payload or feed, else an HTML page's platform or feed."""
    return sniff_payload(body, url, content_type) or sniff_page(body, url) or feed_link(body, url)


def sniff_payload(body: bytes, url: str, content_type: str = "") -> Detection | None:
    """A machine-readable payload (JSON or RSS/Atom) that is itself the endpoint to poll."""
    if not body.strip():
        return None
    if looks_like_html(body, content_type):
        return None
    data = _json(body)
    if data is not None:
        return read_json(data, url, content_type)
    return sniff_feed(body, url)


def _json(body: bytes) -> Any:
    """Parsed JSON (or JSONP, as Apple serves) or None; json.loads on bytes also handles UTF-16
    (AWS) and a UTF-8 BOM."""
    if body.lstrip().startswith(apple.JSONP_PREFIX):
        body = apple.unwrap(body)
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None
