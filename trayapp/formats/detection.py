"""What a detection found (``Detection``) and the URL and content facts every detector shares.

The detectors (``detect`` for known hosts and payloads, ``sniff_json`` for API payloads and
feeds, ``sniff_html`` for hosted pages' markers) all answer with one of these and read URLs the
same way; keeping that here lets each of them import it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from trayapp import formats


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


AZURE_HOSTS = frozenset(
    {"azure.status.microsoft", "rssfeed.azure.status.microsoft", "status.azure.com"}
)


def api(format: str, url: str, evidence: str, endpoint: str | None = None) -> Detection:
    """A detection whose endpoint is the API URL itself; the page is the site's front door."""
    return Detection(format, endpoint or url, origin(url) + "/", evidence)


def looks_like_html(body: bytes, content_type: str = "") -> bool:
    """HTML by its content type or its first tag (servers often label everything text/html)."""
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return True
    data_like = (b"{", b"[", b"<?xml", b"<rss", b"<feed", b"<rdf")
    return "html" in content_type.lower() and not head.startswith(data_like)


def page_text(body: bytes) -> str:
    """HTML as text for marker searches (markers are ASCII, so a wrong charset cannot hide them)."""
    return body.decode("utf-8", errors="replace")
