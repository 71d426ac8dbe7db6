"""The History window's words: times, durations, uptime figures and the HTML of an incident or
an event, in the user's time zone; and the check that the log is one this trayapp can read."""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtGui import QColor, QFont, QIcon, QPixmap
from PySide6.QtWidgets import (
    QLabel,
)

from trayapp.core.model import Severity
from trayapp.core.summary import PageLag, TrayState, ago, span
from trayapp.store.log_rows import WINDOWS, IncidentRecord, IncidentUpdate, LoggedEvent
from trayapp.store.log_schema import SCHEMA_VERSION
from trayapp.ui.icons import FILL
from trayapp.ui.uptime_bars import NOT_WATCHED, percent_text


def local_zone() -> tzinfo:
    """The desktop's time zone (days and times are shown in it)."""
    return datetime.now().astimezone().tzinfo or UTC


def when_text(moment: datetime | None, zone: tzinfo | None = None) -> str:
    """'3 Feb 2025 14:05' in local time; '—' for no time."""
    if moment is None:
        return "—"
    local = moment.astimezone(zone or local_zone())
    return f"{local.day} {local:%b %Y %H:%M}"


def duration_text(delta: timedelta | None) -> str:
    """'1 h 25 min'; 'still open' for None."""
    if delta is None:
        return "still open"
    return "under a minute" if delta < timedelta(minutes=1) else ago(delta)


def describe(event: LoggedEvent) -> str:
    """What happened, in the tracker's words with a capital letter."""
    text = event.message or event.kind.replace("_", " ")
    if event.service == "" and event.kind in ("offline", "online"):
        text = text or ("You went offline" if event.kind == "offline" else "Back online")
    return text[:1].upper() + text[1:]


RANGE = "\u2013"  # en dash, between the first and last window of a range


def uptime_figures(uptimes: dict[str, Any], *, seen: bool = False) -> str:
    """'24 h 100 % · 7 d 99.95 % · 30 d 99.2 % · 90 d 99.71 %', as the page says (or as you saw
    it, with ``seen``); windows that read the same (all of them, for a service watched less
    than a day) share one figure, as a range of windows: '24 h to 90 d 100 %' written with an
    en dash. A window with nothing watched reads 'not watched'."""
    runs: list[tuple[list[str], str]] = []  # (window labels, figure) of equal neighbours
    for name in WINDOWS:
        uptime = uptimes.get(name)
        fraction = None if uptime is None else uptime.seen_fraction if seen else uptime.fraction
        ran = uptime is not None and uptime.has_run
        figure = percent_text(fraction, 2, none="no data" if ran else NOT_WATCHED)
        label = name.replace("h", " h").replace("d", " d")
        if runs and runs[-1][1] == figure:
            runs[-1][0].append(label)
        else:
            runs.append(([label], figure))
    return " · ".join(
        f"{labels[0]}{RANGE + labels[-1] if len(labels) > 1 else ''} {figure}"
        for labels, figure in runs
    )


def watched_note(uptimes: dict[str, Any]) -> str | None:
    """'watched 2 days' when the longest window was watched only in part: what figures rest on."""
    longest = uptimes.get(list(WINDOWS)[-1])
    if longest is None or not longest.seen_time or longest.coverage >= 0.99:
        return None
    return f"watched {span(longest.seen_time)}"


PAGE_SAYS, YOU_SAW = "As the page says", "As you saw it"


def figures_text(uptimes: dict[str, Any], lag: PageLag | None) -> str:
    """The figures beside a service's bars: both uptimes, then what they rest on and the page's
    acknowledgement record, one line each."""
    lines = [
        f"{PAGE_SAYS}: {uptime_figures(uptimes)}",
        f"{YOU_SAW}: {uptime_figures(uptimes, seen=True)}",
    ]
    notes = [watched_note(uptimes), lag.short() if lag else None]
    return "\n".join(lines + [note for note in notes if note])


def bold(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


def swatch(severity: Severity, size: int = 10) -> QIcon:
    """A small square of the severity's colour, for the timeline's decoration."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(FILL[TrayState.of(severity)]))
    return QIcon(pixmap)


def incident_html(
    record: IncidentRecord, updates: Sequence[IncidentUpdate], zone: tzinfo | None = None
) -> str:
    """The detail pane for an incident: facts, a link, and its updates (page time vs ours)."""
    e = html.escape
    kind = "Maintenance" if record.kind == "maintenance" else "Incident"
    colour = FILL[TrayState.of(record.worst_severity)]
    rows = [
        ("Service", e(record.service)),
        ("Status", e(record.status.replace("_", " ")) + ("" if record.open else " (closed)")),
        (
            "Worst impact",
            f'<span style="background:{colour}">&nbsp;&nbsp;&nbsp;</span> '
            f"{e(record.worst_severity.label)}",
        ),
        ("Started", e(when_text(record.started, zone)) + _seen_note(record, zone)),
        ("Resolved", e(when_text(record.resolved_at, zone)) if record.resolved_at else "not yet"),
        ("Duration", e(duration_text(record.duration))),
    ]
    if record.components:
        rows.append(("Components", e(", ".join(record.components))))
    if record.url and record.url.startswith(("https://", "http://")):
        link = e(record.url, quote=True)
        rows.append(("Page", f'<a href="{link}">Open on the status page</a>'))
    facts = "".join(
        f'<tr><td style="padding-right:12px"><b>{k}</b></td><td>{v}</td></tr>' for k, v in rows
    )
    steps = "".join(
        "<tr>"
        f"<td>{e(when_text(u.page_time, zone)) if u.page_time else '—'}</td>"
        f"<td>{e(when_text(u.seen_at, zone))}</td>"
        f"<td>{e(u.status.replace('_', ' '))}</td>"
        f"<td>{e(u.text or '')}</td>"
        "</tr>"
        for u in updates
    )
    timeline = (
        '<h4>Updates</h4><table cellspacing="0" cellpadding="3">'
        "<tr><th align=left>Page time</th><th align=left>We saw it</th>"
        f"<th align=left>Status</th><th align=left>Update</th></tr>{steps}</table>"
        if updates
        else ""
    )
    return f"<h3>{kind}: {e(record.title)}</h3><table>{facts}</table>{timeline}"


def _seen_note(record: IncidentRecord, zone: tzinfo | None) -> str:
    if record.page_started is None:
        return " (when we first saw it)"
    lag = record.first_seen - record.page_started
    if lag < timedelta(minutes=1):
        return ""
    return html.escape(f" (the page's time; we saw it {ago(lag)} later)")


def event_html(event: LoggedEvent, zone: tzinfo | None = None) -> str:
    """The detail pane for an event that is not about an incident."""
    e = html.escape
    rows = [
        ("When", e(when_text(event.time, zone))),
        ("Service", e(event.service or "all services")),
        ("Kind", e(event.kind.replace("_", " "))),
    ]
    if event.previous is not None:
        rows.append(("Change", e(f"{event.previous.label} → {event.severity.label}")))
    else:
        rows.append(("State", e(event.severity.label)))
    if event.components:
        rows.append(("Components", e(", ".join(event.components))))
    facts = "".join(
        f'<tr><td style="padding-right:12px"><b>{k}</b></td><td>{v}</td></tr>' for k, v in rows
    )
    return f"<h3>{e(describe(event))}</h3><table>{facts}</table>"


def schema_problem(path: Path) -> str | None:
    """Why the file at ``path`` is not a log this window may read, checked read-only.

    The window is only a reader: an old log is left for the engine to migrate, a newer or
    foreign file is left exactly as it is (even connecting read-write would convert it to WAL).
    """
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"The incident log cannot be opened: {exc}"
    if version > SCHEMA_VERSION:
        return (
            f"The incident log cannot be opened: {path} was written by a newer trayapp "
            f"(schema v{version}; this one knows up to v{SCHEMA_VERSION})."
        )
    if version < SCHEMA_VERSION:
        return (
            "The incident log is from an older trayapp (or not trayapp's at all); "
            "it is upgraded or replaced when trayapp starts watching."
        )
    return None
