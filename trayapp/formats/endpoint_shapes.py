"""Whether an endpoint has a shape its format serves (what a catalog entry's endpoint must be).

Each format declares its shape (``FormatRules.endpoint_shape``, a regex over ``host + path``,
lower-case, no query). Used by the catalog generator to refuse a row whose endpoint cannot be
what its format reads, and by the catalog health test.
"""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import urlsplit

from trayapp import formats
from trayapp.formats.detection import rules


@cache
def shape(format: str) -> re.Pattern[str]:
    """The compiled endpoint shape format ``format`` declares."""
    return re.compile(rules(format).endpoint_shape)


def fits(format: str, url: str) -> bool:
    """Whether ``url`` (http or https) has a shape ``format`` is known to serve."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    where = f"{parts.hostname}{parts.path}".lower()
    return format in formats.FORMAT_NAMES and shape(format).fullmatch(where) is not None
