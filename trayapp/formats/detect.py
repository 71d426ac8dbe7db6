"""Which status format a URL or a fetched payload speaks, and which endpoint to poll (no I/O).

Detection works on evidence only: a known host, the shape of a JSON or XML payload, or the
markers a hosted status platform leaves in its HTML. Each answer carries a one-line ``evidence``
so a user can see why a page was read as one format and not another. The rules are the formats'
own (each module's ``DETECT``); this module asks them in ``detection.ORDER``. The network side
(which URLs to fetch, in which order) lives in ``trayapp.engine.discovery``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from trayapp.errors import FormatError
from trayapp.formats.common import load_xml
from trayapp.formats.detection import Detection, Where, each, looks_like_html
from trayapp.formats.sniff_html import feed_link, sniff_page

Payload = TypeVar("Payload")


def known_host(url: str) -> Detection | None:
    """Providers with their own one-off format, recognised from the URL alone (no request)."""
    where = Where(url)
    for _, rule in each(lambda rules: rules.known_host):
        found = rule(where)
        if found is not None:
            return found
    return None


def sniff(body: bytes, url: str, content_type: str = "") -> Detection | None:
    """Recognise a fetched body: an API payload or feed, else an HTML page's platform or feed."""
    return sniff_payload(body, url, content_type) or sniff_page(body, url) or feed_link(body, url)


def sniff_payload(body: bytes, url: str, content_type: str = "") -> Detection | None:
    """A machine-readable payload (JSON or RSS/Atom) that is itself the endpoint to poll."""
    if not body.strip():
        return None
    if looks_like_html(body, content_type):
        return None
    where = Where(url, content_type)
    data = _json(body)
    if data is not None:
        return _first(each(lambda rules: rules.sniff_json), data, where)
    try:
        root = load_xml(body)
    except FormatError:
        return None
    return _first(each(lambda rules: rules.sniff_xml), root, where)


def _first(
    rules: Iterable[tuple[str, Callable[[Payload, Where], Detection | None]]],
    payload: Payload,
    where: Where,
) -> Detection | None:
    """The first rule's answer for ``payload`` (rules in ``ORDER``)."""
    for _, rule in rules:
        found = rule(payload, where)
        if found is not None:
            return found
    return None


def _json(body: bytes) -> Any:
    """Parsed JSON (or JSON in a wrapper a format uses, e.g. JSONP) or None; json.loads on bytes
    also handles UTF-16 (AWS) and a UTF-8 BOM."""
    for _, unwrap in each(lambda rules: rules.unwrap):
        inner = unwrap(body)
        if inner is not None:
            body = inner
            break
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None
