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


def is_local(url: str) -> bool:
    """True for hosts reached without the internet: this machine, private networks (RFC 1918,
    IPv6 ULA), link-local addresses, and mDNS ``.local`` names."""
    if is_loopback(url):
        return True
    host = (urlsplit(url).hostname or "").lower()
    if host.endswith(".local"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_link_local


def needs_internet(url: str, reference_urls: tuple[str, ...]) -> bool:
    """Whether failing to reach ``url`` can mean "you are offline" (so the witness is asked).

    A local host (``is_local``) needs no internet when the reference hosts that stand for the
    internet are public; when they are local themselves (tests, the demo) local hosts stand
    for the internet too, and with none configured every source counts, as before.
    """
    if not is_local(url) or not reference_urls:
        return True
    return any(is_local(reference) for reference in reference_urls)


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
