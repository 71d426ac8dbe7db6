"""Helpers every format parser shares: strict JSON/XML loading, timestamps and the severity rule."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from trayapp.core.model import Component, Incident, Reading, Severity, worst
from trayapp.errors import FormatError

if TYPE_CHECKING:  # imported where used: an idle tray reads JSON pages with plain-text updates
    from xml.etree import ElementTree


def load_json(body: bytes, *, encoding: str | None = None) -> Any:
    """Decode and parse JSON, turning every failure into a FormatError with a plain reason."""
    text = _json_text(body, encoding)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _invalid(exc) from exc


def iter_json_array(body: bytes, what: str, *, encoding: str | None = None) -> Iterator[Any]:
    """The items of a JSON array, parsed one at a time (failures as in ``load_json``).

    A big array (Google's incidents.json, about 1 MB) parsed whole is tens of thousands of
    small objects alive at once: Python's allocator takes new arenas for them, and the few
    objects a reading keeps then pin those arenas for good (3.5 MiB of an idle tray). One item
    at a time, each item's objects reuse the space the previous one freed.
    """
    text = _json_text(body, encoding)
    start = _skip(text, 0)
    if text[start : start + 1] != "[":
        expect(load_json(body, encoding=encoding), list, what)  # raises, saying what it is
        return
    decoder = json.JSONDecoder()
    pos = _skip(text, start + 1)
    if text[pos : pos + 1] == "]":
        _end(text, pos + 1)
        return
    while True:
        try:
            item, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise _invalid(exc) from exc
        yield item
        del item  # not kept alive while the next one is parsed
        pos = _skip(text, pos)
        mark = text[pos : pos + 1]
        if mark == "]":
            _end(text, pos + 1)
            return
        if mark != ",":
            raise _invalid(json.JSONDecodeError("Expecting ',' delimiter", text, pos))
        pos = _skip(text, pos + 1)


_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace


def _skip(text: str, pos: int) -> int:
    """Where the JSON whitespace at ``pos`` ends (the pattern matches even no space at all)."""
    match = _SPACE.match(text, pos)
    return match.end() if match else pos


def _end(text: str, pos: int) -> None:
    if _skip(text, pos) != len(text):
        raise _invalid(json.JSONDecodeError("Extra data", text, pos))


def _json_text(body: bytes, encoding: str | None) -> str:
    if not body.strip():
        raise FormatError("empty response body")
    head = body.lstrip()[:1]
    if head == b"<":
        raise FormatError("expected JSON but got HTML or XML (an error page?)")
    try:
        return body.decode(encoding or "utf-8-sig")
    except (UnicodeDecodeError, LookupError) as exc:
        raise FormatError(f"response is not valid {encoding or 'UTF-8'} text") from exc


def _invalid(exc: json.JSONDecodeError) -> FormatError:
    return FormatError(f"invalid or truncated JSON ({exc.msg} at char {exc.pos})")


def load_xml(body: bytes) -> ElementTree.Element:
    """Parse XML (feeds), refusing DTDs so no entity tricks can expand."""
    from xml.etree import ElementTree

    if not body.strip():
        raise FormatError("empty response body")
    if b"<!DOCTYPE" in body[:2048].upper() or b"<!ENTITY" in body[:4096].upper():
        raise FormatError("XML with a DTD is not accepted")
    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise FormatError(f"invalid or truncated XML ({exc})") from exc


def expect(value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    """Return ``value`` if it is of ``kind``; otherwise a FormatError naming ``what``."""
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise FormatError(f"{what} should be {names}, got {type(value).__name__}")
    return value


def as_list(value: Any, what: str) -> list[Any]:
    """A JSON array that may also be null or missing (incident.io, Instatus): None → []."""
    if value is None:
        return []
    items: list[Any] = expect(value, list, what)
    return items


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (with Z or an offset) or epoch seconds → aware UTC datetime; None if unreadable."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
            number = float(value)
            if number > 1e11:  # milliseconds
                number /= 1000
            return datetime.fromtimestamp(number, UTC)
        if isinstance(value, str):
            text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
            parsed = datetime.fromisoformat(text)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def lookup(
    mapping: Mapping[str, Severity], raw: Any, what: str, default: Severity | None = None
) -> Severity:
    """Map a format's own word to a Severity.

    An unseen word gives ``default`` when one is given (typically UNKNOWN for one component, so a
    new vocabulary word greys out that component instead of the whole page); else a FormatError.
    """
    key = str(raw).strip().lower() if raw is not None else ""
    if key in mapping:
        return mapping[key]
    if default is not None:
        return default
    raise FormatError(f"unrecognised {what} {raw!r}")


def rollup(
    *,
    format: str,
    indicator: Severity | None = None,
    components: Iterable[Component] = (),
    incidents: Iterable[Incident] = (),
    page_name: str | None = None,
) -> Reading:
    """Build a Reading with the page severity rule from FORMATS.md.

    Severity = worst of the page indicator, every component, every open incident's impact, and
    'maintenance' for any maintenance in progress. A payload that gives none of these is unreadable,
    never an implicit all-clear.
    """
    components = tuple(components)
    incidents = tuple(incidents)
    parts: list[Severity] = [c.severity for c in components]
    for incident in incidents:
        if not incident.open:
            continue
        if incident.kind == "maintenance":
            parts.append(Severity.MAINTENANCE)
        else:
            parts.append(incident.severity)
    if indicator is not None:
        parts.append(indicator)
    if not parts and not incidents:
        return Reading.unknown(
            format, "payload carries no status: no indicator, components or incidents"
        )
    if parts and all(p is Severity.UNKNOWN for p in parts):
        return Reading.unknown(format, "no status word in the payload was recognised")
    return Reading(
        format=format,
        severity=worst(parts),
        components=components,
        incidents=incidents,
        page_name=page_name,
    )


def text(value: Any) -> str:
    """A display string from a value that may be a str, an i18n dict ({'default': ...}) or None."""
    if value is None:
        return ""
    if isinstance(value, dict):
        for key in ("default", "en", "en-US", "en_US"):
            if isinstance(found := value.get(key), str):
                return found
        first = next((v for v in value.values() if isinstance(v, str)), "")
        return first
    return str(value)


UPDATE_LIMIT = 300  # characters of an incident update kept for display


def plain_text(value: Any, limit: int = UPDATE_LIMIT) -> str:
    """Display text of an update that may hold HTML: tags dropped, entities decoded, whitespace
    folded, capped at ``limit`` characters."""
    raw = text(value)
    if "<" not in raw and "&" not in raw:  # no markup: the parser would hand it back as it is
        return shorten(raw, limit)
    from trayapp.formats.markup import TextCollector

    collector = TextCollector()
    collector.feed(raw)
    collector.close()
    return shorten("".join(collector.parts), limit)


def shorten(value: str, limit: int = UPDATE_LIMIT) -> str:
    """Whitespace folded and capped at ``limit`` characters (with an ellipsis)."""
    line = " ".join(value.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def origin(url: str) -> str | None:
    """``scheme://host`` of ``url``, or None for a URL without both."""
    parts = urlsplit(url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def object_at(value: Any, key: str) -> dict[str, Any]:
    """``value[key]`` when both are JSON objects, else {} (detection asks about the shape of a
    payload it does not trust yet)."""
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, dict) else {}


def first_object(value: Any) -> dict[str, Any]:
    """The first element of a JSON array when it is an object, else {}."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return {}
