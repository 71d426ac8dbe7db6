"""Which status format a URL or a fetched payload speaks, and which endpoint to poll (no I/O).

Detection works on evidence only: a known host, the shape of a JSON or XML payload, or the
markers a hosted status platform leaves in its HTML. Each answer carries a one-line ``evidence``
so a user can see why a page was read as one format and not another. The network side (which
URLs to fetch, in which order) lives in ``trayapp.discovery``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from trayapp import formats
from trayapp.formats import apple
from trayapp.formats.common import FormatError, load_xml

ATOM_NS = "{http://www.w3.org/2005/Atom}"
FEED_TYPES = ("application/rss+xml", "application/atom+xml")
MARKERS_NEEDED = 2  # platform markers an HTML page must show; one could be a mere mention


@dataclass(frozen=True, slots=True)
class Detection:
    """A format, the URL to poll for it, the human page, and why we think so."""

    format: str
    endpoint: str
    page_url: str
    evidence: str
    params: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` output and for storing a watch."""
        return {
            "format": self.format,
            "endpoint": self.endpoint,
            "page_url": self.page_url,
            "evidence": self.evidence,
            "params": dict(self.params),
        }


# --------------------------------------------------------------------------- URLs


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, the base every format's DEFAULT_PATH hangs off."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def host(url: str) -> str:
    """Lower-case host name of ``url`` without port ('' when there is none)."""
    return (urlsplit(url).hostname or "").lower()


def default_endpoint(format: str, url: str) -> str:
    """The endpoint a format polls below the page at ``url`` (its origin + DEFAULT_PATH).

    incident.io pages hosted on statuspage.incident.io live under a subpath, and their data
    source is ``/proxy/<subpath>`` rather than ``/proxy/<host>``.
    """
    parts = urlsplit(url)
    if format == "incidentio" and host(url) == "statuspage.incident.io":
        subpath = parts.path.strip("/").split("/")[0]
        if subpath and subpath != "proxy":
            return urlunsplit((parts.scheme, parts.netloc, f"/proxy/{subpath}", "", ""))
    return formats.endpoint(format, origin(url))


# --------------------------------------------------------------------------- known hosts

AZURE_HOSTS = frozenset(
    {"azure.status.microsoft", "rssfeed.azure.status.microsoft", "status.azure.com"}
)
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
        return _sniff_json(data, url, content_type)
    return _sniff_feed(body, url)


def looks_like_html(body: bytes, content_type: str = "") -> bool:
    """HTML by its content type or its first tag (servers often label everything text/html)."""
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return True
    data_like = (b"{", b"[", b"<?xml", b"<rss", b"<feed", b"<rdf")
    return "html" in content_type.lower() and not head.startswith(data_like)


def _json(body: bytes) -> Any:
    """Parsed JSON (or JSONP, as Apple serves) or None; json.loads on bytes also handles UTF-16
    (AWS) and a UTF-8 BOM."""
    if body.lstrip().startswith(apple.JSONP_PREFIX):
        body = apple.unwrap(body)
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _sniff_json(data: Any, url: str, content_type: str) -> Detection | None:
    for rule in JSON_RULES:
        found = rule(data, url, content_type)
        if found is not None:
            return found
    return None


def _api(format: str, url: str, evidence: str, endpoint: str | None = None) -> Detection:
    """A detection whose endpoint is the API URL itself; the page is the site's front door."""
    return Detection(format, endpoint or url, origin(url) + "/", evidence)


def _dict(value: Any, key: str) -> dict[str, Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, dict) else {}


def _first(value: Any) -> dict[str, Any]:
    """The first element of a JSON array when it is an object, else {}."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return {}


INSTATUS_PAGE = re.compile(r"^(?:UP|HASISSUES|UNDERMAINTENANCE|(?:ALL|SOME|ONE)[A-Z]+)$")
STATUSPAGE_KEYS = ("status", "components", "incidents", "incident", "scheduled_maintenances")


def _incidentio_proxy(data: Any, url: str, content_type: str) -> Detection | None:
    summary = _dict(data, "summary")
    if not ({"ongoing_incidents", "structure"} & summary.keys()):
        return None
    return _api("incidentio", url, "incident.io page data: 'summary' with ongoing incidents")


def _instatus(data: Any, url: str, content_type: str) -> Detection | None:
    status = _dict(data, "page").get("status")
    if isinstance(status, str) and INSTATUS_PAGE.match(status):
        return _api("instatus", url, f"Instatus JSON (page.status {status})")
    return None


def _statuspage(data: Any, url: str, content_type: str) -> Detection | None:
    page = _dict(data, "page")
    if not page or not any(k in data for k in STATUSPAGE_KEYS):
        return None
    traits = incidentio_traits(data)
    if "time_zone" in page or not traits:
        return _api("statuspage", url, "Atlassian Statuspage JSON (page, status/components)")
    return Detection(
        "incidentio",
        default_endpoint("incidentio", url),
        origin(url) + "/",
        f"Statuspage-compatible JSON served by incident.io ({', '.join(traits)})",
    )


ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def incidentio_traits(data: Mapping[str, Any]) -> list[str]:
    """What tells incident.io's Statuspage-compatible API from Statuspage itself.

    Missing ``page.time_zone`` alone is not enough (Statuspage's own documentation example lacks
    it); incident.io also uses ULID ids and sends ``null`` where Statuspage sends ``[]``.
    """
    if "time_zone" in _dict(data, "page"):
        return []
    traits = ["no page.time_zone"]
    ids = [_dict(data, "page").get("id")]
    ids += [c.get("id") for c in data.get("components") or [] if isinstance(c, dict)]
    if any(isinstance(i, str) and ULID.match(i) for i in ids):
        traits.append("ULID ids")
    if any(k in data and data[k] is None for k in ("incidents", "scheduled_maintenances")):
        traits.append("null lists")
    return traits if len(traits) > 1 else []


def _betterstack(data: Any, url: str, content_type: str) -> Detection | None:
    if _dict(data, "data").get("type") != "status_page":
        return None
    return _api("betterstack", url, "Better Stack JSON:API document (data.type status_page)")


def _cstate(data: Any, url: str, content_type: str) -> Detection | None:
    if not isinstance(data, dict) or "cStateVersion" not in data:
        return None
    return _api("cstate", url, f"cState index.json (cStateVersion {data['cStateVersion']})")


def _statusio(data: Any, url: str, content_type: str) -> Detection | None:
    if "status_overall" not in _dict(data, "result"):
        return None
    return _api("statusio", url, "status.io API answer (result.status_overall)")


CACHET_COMPONENT_KEYS = frozenset({"enabled", "group_id", "status_name", "link", "order"})
CACHET_GROUP_KEYS = frozenset({"enabled_components", "lowest_human_status", "collapsed"})


def _cachet(data: Any, url: str, content_type: str) -> Detection | None:
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        return None
    if "pagination" not in _dict(data, "meta"):
        return None
    item = _first(data["data"])
    if CACHET_GROUP_KEYS & item.keys():
        endpoint = default_endpoint("cachet", url)
        return _api("cachet", url, "Cachet component groups (data/meta pagination)", endpoint)
    if "status" in item and "name" in item and CACHET_COMPONENT_KEYS & item.keys():
        return _api("cachet", url, "Cachet components (data/meta pagination)")
    if not data["data"] and urlsplit(url).path.rstrip("/").endswith("/api/v1/components"):
        return _api("cachet", url, "Cachet components endpoint (empty, paginated)")
    return None


def _slack_json(data: Any, url: str, content_type: str) -> Detection | None:
    if not isinstance(data, dict) or not isinstance(data.get("active_incidents"), list):
        return None
    return _api("slack", url, "Slack status API (active_incidents)")


def _heroku_json(data: Any, url: str, content_type: str) -> Detection | None:
    system = _first(data.get("status")) if isinstance(data, dict) else {}
    if "system" not in system:
        return None
    return _api("heroku", url, "Heroku status API (status[].system)")


def _aws_json(data: Any, url: str, content_type: str) -> Detection | None:
    if isinstance(data, dict) and isinstance(data.get("archive"), list) and "current" in data:
        return _api("aws", url, "legacy AWS status data.json (archive/current)")
    if not isinstance(data, list):
        return None
    event = _first(data)
    if "arn" in event or "event_log" in event or {"region_name", "service"} <= event.keys():
        return _api("aws", url, "AWS Health current events (list of events)")
    if not data and "utf-16" in content_type.lower():
        return _api("aws", url, "empty UTF-16 event list: the AWS Health current events API")
    return None


def _gcp_json(data: Any, url: str, content_type: str) -> Detection | None:
    incident = _first(data)
    if not ({"status_impact", "external_desc", "most_recent_update"} & incident.keys()):
        return None
    return _api("gcp", url, "Google Cloud/Workspace incidents.json (status_impact)")


def _uptimekuma(data: Any, url: str, content_type: str) -> Detection | None:
    if not isinstance(data, dict):
        return None
    slug = _dict(data, "config").get("slug")
    if slug and isinstance(data.get("publicGroupList"), list):
        # the page config names monitors but holds no state: the heartbeat API does
        heartbeat = f"{origin(url)}/api/status-page/heartbeat/{quote(str(slug), safe='')}"
        evidence = "Uptime Kuma status page API (config + publicGroupList)"
        return _api("uptimekuma", url, evidence, heartbeat)
    if isinstance(data.get("heartbeatList"), dict):
        return _api("uptimekuma", url, "Uptime Kuma heartbeat API (heartbeatList)")
    return None


def _gatus(data: Any, url: str, content_type: str) -> Detection | None:
    item = _first(data) if isinstance(data, list) else data if isinstance(data, dict) else {}
    if not ({"key", "results"} <= item.keys() and isinstance(item["results"], list)):
        return None
    parts = urlsplit(url)
    # a probe asks for one endpoint (pageSize=1); the watch wants them all
    endpoint = (
        urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        if "pageSize" in parts.query
        else url
    )
    return _api("gatus", url, "Gatus endpoint statuses (key + results)", endpoint)


def _apple_json(data: Any, url: str, content_type: str) -> Detection | None:
    service = _first(data.get("services")) if isinstance(data, dict) else {}
    if not ({"serviceName", "events"} <= service.keys()):
        return None
    return _api("apple", url, "Apple system status data (services[].serviceName + events)")


def _salesforce_json(data: Any, url: str, content_type: str) -> Detection | None:
    if not ({"key", "status", "Products", "Incidents"} <= _first(data).keys()):
        return None
    return _api("salesforce", url, "Salesforce Trust instances (key, status, Products, Incidents)")


ALERTMANAGER_PATH = re.compile(r"/api/v2/alerts(?:/groups)?/?$")


def _alertmanager_json(data: Any, url: str, content_type: str) -> Detection | None:
    if not isinstance(data, list):
        return None
    item = _first(data)
    alert = _first(item.get("alerts")) if "alerts" in item and "receiver" in item else item
    if "fingerprint" in alert and "state" in _dict(alert, "status"):
        return _api("alertmanager", url, "Alertmanager API v2 alerts (fingerprint + status.state)")
    if not data and ALERTMANAGER_PATH.search(urlsplit(url).path):
        return _api("alertmanager", url, "empty alert list at Alertmanager's /api/v2/alerts")
    return None


JSON_RULES: tuple[Callable[[Any, str, str], Detection | None], ...] = (
    _incidentio_proxy,
    _instatus,
    _statuspage,
    _betterstack,
    _cstate,
    _statusio,
    _cachet,
    _slack_json,
    _heroku_json,
    _aws_json,
    _gcp_json,
    _uptimekuma,
    _gatus,
    _apple_json,
    _salesforce_json,
    _alertmanager_json,
)


def _sniff_feed(body: bytes, url: str) -> Detection | None:
    try:
        root = load_xml(body)
    except FormatError:
        return None
    if root.tag == "rss" or root.tag.endswith("}RDF"):
        title = root.findtext("channel/title") or ""
        if host(url) in AZURE_HOSTS or title.strip().lower() == "azure status":
            return _api("azure", url, "Azure status RSS feed")
        return _api("feed", url, f"RSS feed{_titled(title)}")
    if root.tag == f"{ATOM_NS}feed":
        return _api("feed", url, f"Atom feed{_titled(root.findtext(f'{ATOM_NS}title') or '')}")
    return None


def _titled(title: str) -> str:
    title = " ".join(title.split())
    return f" '{title[:60]}'" if title else ""


# --------------------------------------------------------------------------- HTML pages


@dataclass(frozen=True, slots=True)
class Marker:
    """One sign of a hosting platform in a page's HTML, with the words used in ``evidence``."""

    label: str
    pattern: re.Pattern[str]


def _marker(label: str, pattern: str) -> Marker:
    return Marker(label, re.compile(pattern, re.IGNORECASE))


# Several independent markers per platform, so that one renamed CSS class or one passing mention
# of a vendor does not decide (stts broke three times on incident.io markup changes).
PLATFORM_MARKERS: Mapping[str, tuple[Marker, ...]] = {
    "incidentio": (
        _marker("links to incident.io", r"https?://(?:[\w-]+\.)*incident\.io\b"),
        _marker("incident.io logo storage", r"incident-io-status-page-logos"),
        _marker("incident.io page data", r"ongoing_incidents|component_impacts|status_page_id"),
        _marker(
            "incident.io status icons",
            r"text-icon-(?:operational|degraded-performance|partial-outage|full-outage|under-maintenance)",
        ),
    ),
    "instatus": (
        _marker("links to instatus.com", r"https?://(?:[\w-]+\.)*instatus\.com\b"),
        _marker("'Powered by Instatus'", r"Powered by(?:\s|<!--.*?-->)*Instatus"),
        _marker("Instatus skin class", r"\bskin-instatus\b"),
        _marker("Instatus page data", r"\bactive(?:Incidents|Maintenances)\b"),
        _marker(
            "Instatus status words",
            r"\b(?:HASISSUES|UNDERMAINTENANCE|DEGRADEDPERFORMANCE|PARTIALOUTAGE|MAJOROUTAGE)\b",
        ),
    ),
    "betterstack": (
        _marker(
            "Better Stack assets", r"https?://(?:[\w-]+\.)*(?:betterstack|betteruptime)\.com\b"
        ),
        _marker(
            "Better Stack status-page bundle", r"packs/(?:css|js)/status_page|assets/status_pages"
        ),
        _marker(
            "Better Stack status classes",
            r"text-statuspage-(?:green|yellow|red|blue)|status-page__overview",
        ),
        _marker("Better Stack logo", r"betterstack-logo|Better (?:Stack|Uptime)\b"),
    ),
    "statuspage": (
        _marker("Statuspage CDN", r"dka575ofm4ao0\.cloudfront\.net"),
        _marker("statuspage.io host", r"(?<![\w-])statuspage\.io\b|\.statuspage\.io\b"),
        _marker("Statuspage customer assets", r"\bstspg[\w-]*"),
        _marker("'Powered by Atlassian Statuspage'", r"atlassian\.com/software/statuspage"),
        _marker(
            "Statuspage layout classes",
            r"layout-content status\b|page-status status-(?:none|minor|major|critical|maintenance)",
        ),
    ),
    "statusio": (
        _marker("status.io assets", r"(?<![\w.-])(?:(?:cdn|api|www)\.)?status\.io\b"),
        _marker("status.io page id", r"statuspage_?id\W{1,6}[0-9a-f]{24}\b"),
        _marker("status.io page feed", r"/pages/[0-9a-f]{24}/(?:rss|atom|feed)"),
    ),
}
STATUSIO_PAGE_ID = (
    re.compile(r"statuspage_?id\W{1,6}([0-9a-f]{24})\b", re.IGNORECASE),
    re.compile(r"api\.status\.io/1\.0/status/([0-9a-f]{24})\b", re.IGNORECASE),
    re.compile(r"/pages/([0-9a-f]{24})/(?:rss|atom|feed)", re.IGNORECASE),
)
PLATFORM_TITLES = {
    "incidentio": "incident.io",
    "instatus": "Instatus",
    "betterstack": "Better Stack",
    "statuspage": "Atlassian Statuspage",
    "statusio": "status.io",
}


def page_text(body: bytes) -> str:
    """HTML as text for marker searches (markers are ASCII, so a wrong charset cannot hide them)."""
    return body.decode("utf-8", errors="replace")


def platform_markers(text: str) -> dict[str, list[str]]:
    """For each platform, the labels of the markers found in ``text``."""
    return {
        name: [m.label for m in markers if m.pattern.search(text)]
        for name, markers in PLATFORM_MARKERS.items()
    }


def sniff_page(body: bytes, url: str) -> Detection | None:
    """The hosted platform behind an HTML page, from at least two of its markers."""
    if not body.strip() or not looks_like_html(body, "text/html"):
        return None
    text = page_text(body)
    found = platform_markers(text)
    ranked = sorted(
        (name for name, labels in found.items() if len(labels) >= MARKERS_NEEDED),
        key=lambda name: -len(found[name]),  # stable: ties keep PLATFORM_MARKERS order
    )
    for name in ranked:
        evidence = f"HTML page with {PLATFORM_TITLES[name]} markers: {', '.join(found[name])}"
        if name == "statusio":
            page_id = statusio_page_id(text)
            if page_id is None:
                continue
            endpoint = f"https://api.status.io/1.0/status/{page_id}"
            return Detection(name, endpoint, url, f"{evidence} (page id {page_id})")
        return Detection(name, default_endpoint(name, url), url, evidence)
    return None


def statusio_page_id(text: str) -> str | None:
    """The 24-hex status.io page id a status.io page embeds (script variable, API URL or feed)."""
    for pattern in STATUSIO_PAGE_ID:
        match = pattern.search(text)
        if match:
            return match.group(1).lower()
    return None


class _FeedLinks(HTMLParser):
    """Collects ``<link rel="alternate" type="application/rss+xml|atom+xml" href>`` in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "").strip() for k, v in attrs}
        if tag == "base" and values.get("href") and self.base is None:
            self.base = values["href"]
        if tag != "link" or not values.get("href"):
            return
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES:
            self.hrefs.append(values["href"])


def feed_links(body: bytes, url: str) -> list[str]:
    """Absolute http(s) URLs of the feeds an HTML page advertises, in document order."""
    if not looks_like_html(body, "text/html"):
        return []
    parser = _FeedLinks()
    try:
        parser.feed(page_text(body))
        parser.close()
    except AssertionError:  # very malformed markup; keep what was collected
        pass
    base = urljoin(url, parser.base) if parser.base else url
    links = [urljoin(base, href) for href in parser.hrefs]
    return [link for link in dict.fromkeys(links) if urlsplit(link).scheme in ("http", "https")]


def feed_link(body: bytes, url: str) -> Detection | None:
    """The page's first advertised RSS/Atom feed as a ``feed`` detection."""
    links = feed_links(body, url)
    if not links:
        return None
    return feed_detection(links[0], url)


def feed_detection(feed_url: str, page_url: str) -> Detection:
    """A feed found through a page's ``<link rel="alternate">`` (Azure's feed reads as azure)."""
    format = "azure" if host(feed_url) in AZURE_HOSTS else "feed"
    return Detection(format, feed_url, page_url, f"the page links a feed: {feed_url}")
