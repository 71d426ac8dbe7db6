"""Status-page formats: one pure module per format behind a small registry.

A format lives in its own module, which defines ``FORMAT`` (its name in ``FORMAT_NAMES``),
``TITLE``, ``DEFAULT_PATH`` (the endpoint below a page's base URL), ``parse(body, ctx) ->
Reading`` and ``DETECT``, its ``FormatRules``: how detection recognises it (known hosts, JSON or
XML shapes, HTML markers, the API paths to probe) and the shape its endpoints take. Parsers
raise ``FormatError`` for payloads that do not fit; ``read()`` turns that, and any other parser
failure, into an ``unknown`` Reading with the reason, so a broken payload can never crash the
app or pass for an outage or an all-clear.

Detection (``detect``, ``sniff_html``, ``detection``, ``endpoint_shapes``) knows no format by
name: it asks the formats' rules in the order ``detection.ORDER`` (and ``PROBE_ORDER`` for API
probes) gives, importing a format module only when detection runs. Adding a format: its module,
its name in ``FORMAT_NAMES`` and in those order lists. May import: ``trayapp.core`` and the plain
helpers at trayapp's top; never the network, the store, the engine or the UI.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from trayapp.core.model import Reading
from trayapp.errors import FormatError, UnknownFormat

if TYPE_CHECKING:  # a format's rules answer with these; detection is imported when it runs
    from xml.etree.ElementTree import Element

    from trayapp.formats.detection import Detection, Where

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


@dataclass(frozen=True, slots=True)
class FormatRules:
    """How detection recognises one format (a format module's ``DETECT``); each rule answers
    with a ``Detection`` and its evidence in words, or None. Only ``endpoint_shape`` is required:
    a format declares the rules it has.
    """

    endpoint_shape: str  # regex over an endpoint's host + path (lower-case, no query)
    known_host: Callable[[Where], Detection | None] | None = None  # from the URL, no request
    sniff_json: Callable[[Any, Where], Detection | None] | None = None  # a parsed JSON payload
    sniff_xml: Callable[[Element, Where], Detection | None] | None = None  # a parsed XML root
    unwrap: Callable[[bytes], bytes | None] | None = None  # JSON inside a wrapper (JSONP)
    html_markers: tuple[tuple[str, str], ...] = ()  # (label, regex): signs of a hosted page
    page_api: Callable[[str], tuple[str, str] | None] | None = None  # (endpoint, note) in HTML
    endpoint_below: Callable[[str], str | None] | None = None  # a page's endpoint, if special
    probe_paths: tuple[str, ...] = ()  # APIs below a page's origin; {host}, {slug} filled in
    linked_feed: Callable[[str], bool] | None = None  # reads the feed at a URL a page links


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
