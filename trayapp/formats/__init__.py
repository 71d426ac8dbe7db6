"""Status-page formats: one pure module per format behind a small registry.

Each format module defines ``TITLE``, ``DEFAULT_PATH`` (the endpoint below a page's base URL)
and ``parse(body, ctx) -> Reading``. Parsers raise ``FormatError`` for payloads that do not fit;
``read()`` turns that, and any other parser failure, into an ``unknown`` Reading with the reason,
so a broken payload can never crash the app or pass for an outage or an all-clear.

Detection lives here too (``detect`` orders the rules; ``sniff_json`` and ``sniff_html`` hold
them). May import: ``trayapp.core`` and the plain helpers at trayapp's top; never the network,
the store, the engine or the UI.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from urllib.parse import urlsplit, urlunsplit

from trayapp.core.model import Reading
from trayapp.errors import FormatError, UnknownFormat

FORMAT_NAMES: tuple[str, ...] = (
    "statuspage",
    "incidentio",
    "instatus",
    "statusio",
    "cachet",
    "betterstack",
    "slack",
    "heroku",
    "gcp",
    "aws",
    "azure",
    "feed",
    "uptimekuma",
    "gatus",
    "cstate",
    "apple",
    "salesforce",
    "alertmanager",
)

AUTO = "auto"  # a watch whose format is detected on its first poll


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a parser may know besides the body: where it came from and the watch's filters.

    ``params`` carries format-specific filters, e.g. ``product`` for gcp, ``service`` and
    ``region`` for aws.
    """

    url: str = ""
    content_type: str = ""
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def charset(self) -> str | None:
        for part in self.content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip().strip('"').lower()
        return None


def module(name: str) -> ModuleType:
    """The parser module of format ``name``."""
    if name not in FORMAT_NAMES:
        raise UnknownFormat(name)
    return importlib.import_module(f"trayapp.formats.{name}")


def endpoint(name: str, url: str) -> str:
    """The URL to poll for a page: ``url`` itself if it names a path, else the format's default."""
    parts = urlsplit(url)
    if parts.path not in ("", "/") or parts.query:
        return url
    default: str = module(name).DEFAULT_PATH.format(host=parts.netloc)
    return urlunsplit((parts.scheme, parts.netloc, default, "", ""))


def read(name: str, body: bytes, ctx: ParseContext | None = None) -> Reading:
    """Parse ``body`` as format ``name``; never raises for a bad payload (unknown + reason)."""
    ctx = ctx or ParseContext()
    parser = module(name)
    try:
        reading: Reading = parser.parse(body, ctx)
    except FormatError as exc:
        return Reading.unknown(name, str(exc))
    except RecursionError:
        return Reading.unknown(name, "payload nested too deeply")
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
        return Reading.unknown(name, f"unexpected payload shape ({type(exc).__name__}: {exc})")
    return reading
