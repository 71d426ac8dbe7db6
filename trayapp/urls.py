"""Small pure facts about URLs that the config, the engine and the CLI share."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

PUBLIC_FLOOR = 30.0  # seconds: no public host is polled more often, whatever a file says
LOOPBACK_FLOOR = 1.0  # local test servers and demos may be polled every second


def is_loopback(url: str) -> bool:
    """True for URLs on this machine (127.0.0.0/8, ::1, localhost): no public-host floor
    protects them, and failing to reach them says nothing about being online."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_text_secret(url: str) -> str | None:
    """Why a token must not be sent to ``url`` (None when it may): over plain http:// anyone on
    the path reads it, so a token goes only over https, or to this machine."""
    if urlsplit(url).scheme.lower() == "https" or is_loopback(url):
        return None
    host = urlsplit(url).hostname or url
    return (
        f"refusing to send a token to {host} over plain http:// (anyone on the way could read "
        "it): use an https:// URL, or a loopback address for a local gateway"
    )
