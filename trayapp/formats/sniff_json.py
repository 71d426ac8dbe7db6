"""Which format a machine-readable payload speaks: one rule per format's JSON shape, and feeds.

Each rule looks for what only its format writes (Statuspage's ``page.time_zone``, incident.io's
ULIDs, Instatus' page status words, ...) and answers with a ``Detection`` and the evidence in
words, or None; ``read_json`` tries them in order, most specific first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from trayapp.errors import FormatError
from trayapp.formats.common import load_xml
from trayapp.formats.detection import AZURE_HOSTS, Detection, api, default_endpoint, host, origin

ATOM_NS = "{http://www.w3.org/2005/Atom}"


def read_json(data: Any, url: str, content_type: str) -> Detection | None:
    for rule in JSON_RULES:
        found = rule(data, url, content_type)
        if found is not None:
            return found
    return None


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
    return api("incidentio", url, "incident.io page data: 'summary' with ongoing incidents")


def _instatus(data: Any, url: str, content_type: str) -> Detection | None:
    status = _dict(data, "page").get("status")
    if isinstance(status, str) and INSTATUS_PAGE.match(status):
        return api("instatus", url, f"Instatus JSON (page.status {status})")
    return None


def _statuspage(data: Any, url: str, content_type: str) -> Detection | None:
    page = _dict(data, "page")
    if not page or not any(k in data for k in STATUSPAGE_KEYS):
        return None
    traits = incidentio_traits(data)
    if "time_zone" in page or not traits:
        return api("statuspage", url, "Atlassian Statuspage JSON (page, status/components)")
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
    return api("betterstack", url, "Better Stack JSON:API document (data.type status_page)")


def _cstate(data: Any, url: str, content_type: str) -> Detection | None:
    if not isinstance(data, dict) or "cStateVersion" not in data:
        return None
    return api("cstate", url, f"cState index.json (cStateVersion {data['cStateVersion']})")


def _statusio(data: Any, url: str, content_type: str) -> Detection | None:
    if "status_overall" not in _dict(data, "result"):
        return None
    return api("statusio", url, "status.io API answer (result.status_overall)")


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
        return api("cachet", url, "Cachet component groups (data/meta pagination)", endpoint)
    if "status" in item and "name" in item and CACHET_COMPONENT_KEYS & item.keys():
        return api("cachet", url, "Cachet components (data/meta pagination)")
    if not data["data"] and urlsplit(url).path.rstrip("/").endswith("/api/v1/components"):
        return api("cachet", url, "Cachet components endpoint (empty, paginated)")
    return None


def _slack_json(data: Any, url: str, content_type: str) -> Detection | None:
    if not isinstance(data, dict) or not isinstance(data.get("active_incidents"), list):
        return None
    return api("slack", url, "Slack status API (active_incidents)")


def _heroku_json(data: Any, url: str, content_type: str) -> Detection | None:
    system = _first(data.get("status")) if isinstance(data, dict) else {}
    if "system" not in system:
        return None
    return api("heroku", url, "Heroku status API (status[].system)")


def _aws_json(data: Any, url: str, content_type: str) -> Detection | None:
    if isinstance(data, dict) and isinstance(data.get("archive"), list) and "current" in data:
        return api("aws", url, "legacy AWS status data.json (archive/current)")
    if not isinstance(data, list):
        return None
    event = _first(data)
    if "arn" in event or "event_log" in event or {"region_name", "service"} <= event.keys():
        return api("aws", url, "AWS Health current events (list of events)")
    if not data and "utf-16" in content_type.lower():
        return api("aws", url, "empty UTF-16 event list: the AWS Health current events API")
    return None


def _gcp_json(data: Any, url: str, content_type: str) -> Detection | None:
    incident = _first(data)
    if not ({"status_impact", "external_desc", "most_recent_update"} & incident.keys()):
        return None
    return api("gcp", url, "Google Cloud/Workspace incidents.json (status_impact)")


def _uptimekuma(data: Any, url: str, content_type: str) -> Detection | None:
    if not isinstance(data, dict):
        return None
    slug = _dict(data, "config").get("slug")
    if slug and isinstance(data.get("publicGroupList"), list):
        # the page config names monitors but holds no state: the heartbeat API does
        heartbeat = f"{origin(url)}/api/status-page/heartbeat/{quote(str(slug), safe='')}"
        evidence = "Uptime Kuma status page API (config + publicGroupList)"
        return api("uptimekuma", url, evidence, heartbeat)
    if isinstance(data.get("heartbeatList"), dict):
        return api("uptimekuma", url, "Uptime Kuma heartbeat API (heartbeatList)")
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
    return api("gatus", url, "Gatus endpoint statuses (key + results)", endpoint)


def _apple_json(data: Any, url: str, content_type: str) -> Detection | None:
    service = _first(data.get("services")) if isinstance(data, dict) else {}
    if not ({"serviceName", "events"} <= service.keys()):
        return None
    return api("apple", url, "Apple system status data (services[].serviceName + events)")


def _salesforce_json(data: Any, url: str, content_type: str) -> Detection | None:
    if not ({"key", "status", "Products", "Incidents"} <= _first(data).keys()):
        return None
    return api("salesforce", url, "Salesforce Trust instances (key, status, Products, Incidents)")


ALERTMANAGER_PATH = re.compile(r"/api/v2/alerts(?:/groups)?/?$")


def _alertmanager_json(data: Any, url: str, content_type: str) -> Detection | None:
    if not isinstance(data, list):
        return None
    item = _first(data)
    alert = _first(item.get("alerts")) if "alerts" in item and "receiver" in item else item
    if "fingerprint" in alert and "state" in _dict(alert, "status"):
        return api("alertmanager", url, "Alertmanager API v2 alerts (fingerprint + status.state)")
    if not data and ALERTMANAGER_PATH.search(urlsplit(url).path):
        return api("alertmanager", url, "empty alert list at Alertmanager's /api/v2/alerts")
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


def sniff_feed(body: bytes, url: str) -> Detection | None:
    try:
        root = load_xml(body)
    except FormatError:
        return None
    if root.tag == "rss" or root.tag.endswith("}RDF"):
        title = root.findtext("channel/title") or ""
        if host(url) in AZURE_HOSTS or title.strip().lower() == "azure status":
            return api("azure", url, "Azure status RSS feed")
        return api("feed", url, f"RSS feed{_titled(title)}")
    if root.tag == f"{ATOM_NS}feed":
        return api("feed", url, f"Atom feed{_titled(root.findtext(f'{ATOM_NS}title') or '')}")
    return None


def _titled(title: str) -> str:
    title = " ".join(title.split())
    return f" '{title[:60]}'" if title else ""
