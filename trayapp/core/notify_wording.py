"""The words of a notification: one line of news (``Item``) becomes a title and a body.

Pure, like the policy that decides which items there are (``trayapp.core.notify_policy``): a
single item gets its own sentence ("OpenAI has recovered", "Now operational (was major
outage, for 2 h 5 min)."); several in one group window make one notification that names them
(at most five names a line) and says which alternatives of the same category are operational.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Any, Literal

from trayapp.core.model import Severity
from trayapp.core.summary import span

UNKNOWN = Severity.UNKNOWN

Urgency = Literal["low", "normal", "critical"]
NotificationKind = Literal[
    "problem", "improving", "recovered", "back", "maintenance", "update", "yours", "group"
]
_URGENCY_RANK: Mapping[str, int] = MappingProxyType({"low": 0, "normal": 1, "critical": 2})
_MAX_NAMES = 5  # names listed per line of a grouped notification before "and N more"
_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Notification:
    """One message for a notification backend; ``url`` is what a click opens."""

    title: str
    body: str
    urgency: Urgency
    services: tuple[str, ...]
    url: str | None
    kind: NotificationKind


@dataclass(frozen=True, slots=True)
class Context:
    """Facts the message text needs that live outside the event stream, read at flush time.

    ``urls``: service → status page a click opens. ``alternatives``: service → names of
    services of the same catalog category that are operational right now.
    """

    urls: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    alternatives: Mapping[str, Sequence[str]] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True, slots=True)
class Item:
    """One line of news, before it is worded."""

    service: str
    kind: NotificationKind
    severity: Severity
    before: Severity | None = None  # what it was (told, or before the window)
    text: str = ""  # incident title or update text
    components: tuple[str, ...] = ()
    via_unknown: bool = False
    down_for: timedelta | None = None  # how long it was down ("back")
    startup: bool = False  # already so when the app started

    @property
    def urgency(self) -> Urgency:
        if self.kind in ("back", "yours"):
            return "normal"  # asked for, or the user must act
        if self.kind != "problem":
            return "low"
        return "critical" if self.severity is Severity.MAJOR_OUTAGE else "normal"


def compose(items: list[Item], context: Context) -> list[Notification]:
    if not items:
        return []
    items = sorted(items, key=lambda i: (-_URGENCY_RANK[i.urgency], -i.severity.rank, i.service))
    first = items[0]
    services = tuple(i.service for i in items)
    urgency = first.urgency
    url = context.urls.get(first.service)
    if len(items) == 1:
        title, body = _word_one(first, context)
        return [Notification(title, body, urgency, services, url, first.kind)]
    return [
        Notification(
            _group_title(items), _group_body(items, context), urgency, services, url, "group"
        )
    ]


def _word_one(item: Item, context: Context) -> tuple[str, str]:
    name, label = item.service, item.severity.label
    before = item.before.label if item.before else ""
    match item.kind:
        case "problem":
            was = f"Was {before}." if item.before is not UNKNOWN else "Was unreadable before."
            if item.startup:
                was = "Already so when trayapp started."
            lines = [item.text or was]
            if item.components:
                lines.append("Affected: " + _names(item.components))
            lines.append(_alternatives([item], context))
            return f"{name}: {label}", _lines(lines)
        case "improving":
            return f"{name}: {label}", _lines([f"Improving (was {before}).", item.text])
        case "recovered":
            down = f", for {span(item.down_for)}" if item.down_for is not None else ""
            return f"{name} has recovered", f"Now {label} (was {before}{down})."
        case "back":
            note = " Its status page could not be read for a while." if item.via_unknown else ""
            down = f" after {span(item.down_for)} down" if item.down_for is not None else ""
            return f"{name} is back", f"Now {label}{down}.{note}"
        case "yours":
            return _word_yours(name, item.text)
        case "maintenance":
            return f"{name}: maintenance", item.text or "Planned maintenance in progress."
        case _:  # "update"
            return f"{name}: incident update", item.text


def _word_yours(name: str, text: str) -> tuple[str, str]:
    """'Your OpenAI key was rejected' / 'Store a new one with `trayapp secret set openai`.'"""
    head, _, fix = text.partition(": ")
    head = head.rstrip(".")
    if head.lower().startswith("your key "):
        title = f"Your {name} key {head[len('your key ') :]}"
    else:
        title = f"{name}: {head[:1].lower() + head[1:]}"
    body = fix[:1].upper() + fix[1:] if fix else "Your own checks of it need your attention."
    return title, body


def _group_title(items: list[Item]) -> str:
    n = len(items)
    kinds = {i.kind for i in items}
    if kinds == {"problem"}:
        if all(i.startup for i in items):
            return f"Already down when trayapp started: {n} services"
        return f"{n} services have problems"
    if kinds <= {"recovered", "back"}:
        return f"{n} services are back"
    return f"{n} status changes"


def _group_body(items: list[Item], context: Context) -> str:
    def of(*kinds: str) -> list[Item]:
        return [i for i in items if i.kind in kinds]

    lines = []
    if problems := of("problem"):
        lines.append(_names(f"{i.service} ({i.severity.label})" for i in problems))
    if improving := of("improving"):
        lines.append("Improving: " + _names(f"{i.service} ({i.severity.label})" for i in improving))
    if back := of("recovered", "back"):
        lines.append("Back: " + _names(i.service for i in back))
    if maintenance := of("maintenance"):
        lines.append("Maintenance: " + _names(i.service for i in maintenance))
    if updates := of("update"):
        lines.append("Incident updates: " + _names(i.service for i in updates))
    if yours := of("yours"):
        lines.append("Your checks need you: " + _names(i.service for i in yours))
    lines.append(_alternatives(problems, context))
    return _lines(lines)


def _alternatives(problems: list[Item], context: Context) -> str:
    """'Anthropic and Gemini are operational.' for the services in trouble, if the caller knows."""
    troubled = {i.service for i in problems}
    seen: dict[str, None] = {}
    for item in problems:
        for name in context.alternatives.get(item.service, ()):
            if name not in troubled:
                seen[name] = None
    if not seen:
        return ""
    verb = "is" if len(seen) == 1 else "are"
    return f"{_names(seen, conjunction=True)} {verb} operational."


def _names(names: Iterable[str], conjunction: bool = False) -> str:
    names = list(names)
    if len(names) > _MAX_NAMES:
        names = [*names[: _MAX_NAMES - 1], f"{len(names) - _MAX_NAMES + 1} more"]
        conjunction = True
    if conjunction and len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return ", ".join(names)


def _lines(lines: Iterable[str]) -> str:
    return "\n".join(line for line in lines if line)
