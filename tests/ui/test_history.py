"""The History window over a real incident log filled by the tracker from scripted readings.

Offscreen by default; under tests/desktop/with-desktop.sh (xcb) the last test also saves a
screenshot to $TRAYAPP_SHOTS (default /tmp/trayapp-shots)/history.png.
"""

from __future__ import annotations

import itertools
import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

import pytest
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QColor, QHelpEvent, QImage
from PySide6.QtWidgets import QToolTip

from trayapp.core import tracker
from trayapp.core.model import Component, Event, Incident, Reading, Severity
from trayapp.core.summary import TrayState
from trayapp.core.verdict import Acknowledgement
from trayapp.store import incident_log, log_rows
from trayapp.store.incident_log import IncidentLog
from trayapp.store.log_rows import DayBar
from trayapp.ui.history import INCIDENT_KINDS, HistoryWindow
from trayapp.ui.history_words import figures_text, local_zone, uptime_figures
from trayapp.ui.hub import Hub
from trayapp.ui.icons import FILL
from trayapp.ui.uptime_bars import NO_DATA, bar_rects, percent_text, tooltip_text

OK, MAINT = Severity.OPERATIONAL, Severity.MAINTENANCE
DEG, PART, MAJOR = Severity.DEGRADED, Severity.PARTIAL_OUTAGE, Severity.MAJOR_OUTAGE
GITHUB = ("API Requests", "Git Operations", "Actions", "Pages")
OPENAI = ("API", "ChatGPT", "Sora")
SHOTS = Path(os.environ.get("TRAYAPP_SHOTS", "/tmp/trayapp-shots"))


def day(days_ago: int, hour: int, minute: int = 0) -> datetime:
    """A local wall-clock time ``days_ago`` days before today (days are local in the window)."""
    today = datetime.now(local_zone()).date()
    return datetime.combine(today - timedelta(days=days_ago), time(hour, minute), local_zone())


def reading(
    names: Sequence[str], bad: dict[str, Severity] | None = None, *incidents: Incident
) -> Reading:
    bad = bad or {}
    components = tuple(Component(n, bad.get(n, OK)) for n in names)
    severity = max((c.severity for c in components), key=lambda s: s.rank)
    for incident in incidents:
        if incident.open and incident.severity.rank > severity.rank:
            severity = incident.severity
    return Reading("statuspage", severity, components, incidents)


def git_incident(status: str, update: str, at: datetime, *, open: bool = True) -> Incident:
    """The page's incident as it read at ``at`` (the page posted each update a little earlier)."""
    return Incident(
        id="inc-git-1",
        title="Git operations failing",
        status=status,
        open=open,
        severity=MAJOR,
        url="https://www.githubstatus.com/incidents/inc-git-1",
        started=day(31, 13, 55),
        updated=at - timedelta(minutes=3),
        latest_update=update,
        components=("Git Operations",),
    )


def scripted() -> dict[str, list[tuple[datetime, Reading]]]:
    """Three services over 90 days: outages, an incident with updates, maintenance, a gap."""
    now = datetime.now(UTC)
    maint = Incident("mnt-1", "Database upgrade", "in_progress", True, MAINT, kind="maintenance")
    open_incident = Incident(
        "inc-oai-7",
        "Elevated error rates on ChatGPT",
        "investigating",
        True,
        DEG,
        url="https://status.openai.com/incidents/inc-oai-7",
        started=now - timedelta(hours=2, minutes=5),
        latest_update="We are investigating elevated error rates.",
        components=("ChatGPT",),
    )
    identified = replace(
        open_incident, status="identified", latest_update="A faulty cache node; replacing it."
    )
    return {
        "GitHub": [
            (day(85, 12), reading(GITHUB)),
            (day(60, 10), reading(GITHUB, {"Actions": DEG})),
            (day(60, 12), reading(GITHUB)),
            (
                day(31, 14),
                reading(
                    GITHUB,
                    {"Git Operations": MAJOR},
                    git_incident("investigating", "We are investigating failures.", day(31, 14)),
                ),
            ),
            (
                day(31, 14, 40),
                reading(
                    GITHUB,
                    {"Git Operations": MAJOR},
                    git_incident("identified", "A bad deploy; rolling back.", day(31, 14, 40)),
                ),
            ),
            (
                day(31, 15, 30),
                reading(
                    GITHUB,
                    {"Git Operations": DEG},
                    git_incident("monitoring", "A fix is out; monitoring.", day(31, 15, 30)),
                ),
            ),
            (
                day(31, 16),
                reading(
                    GITHUB, {}, git_incident("resolved", "All good now.", day(31, 16), open=False)
                ),
            ),
            (day(20, 2), reading(GITHUB, {"Actions": MAINT}, maint)),
            (day(20, 4), reading(GITHUB)),
            (day(5, 9), reading(GITHUB, {"Pages": PART})),
            (day(5, 12), reading(GITHUB)),
        ],
        "OpenAI": [
            (day(40, 8), reading(OPENAI)),
            (day(12, 10), Reading.unknown("statuspage", "status page answered HTTP 503")),
            (day(12, 18), reading(OPENAI)),
            (now - timedelta(hours=2), reading(OPENAI, {"ChatGPT": DEG}, open_incident)),
            (now - timedelta(hours=1), reading(OPENAI, {"ChatGPT": DEG}, identified)),
        ],
        GEMINI: [
            (day(30, 9), reading(("Gemini API",))),
            (
                GEMINI_DOWN + timedelta(seconds=13),
                reading(("Gemini API",), {"Gemini API": PART}, GEMINI_INCIDENT),
            ),
            (
                GEMINI_DOWN + timedelta(minutes=40),
                reading(
                    ("Gemini API",), {}, replace(GEMINI_INCIDENT, status="resolved", open=False)
                ),
            ),
        ],
        "Lab": [
            (day(2, 9), reading(("Website",))),
            (day(1, 9), reading(("Website",), {"Website": MAJOR})),
            (day(1, 10), reading(("Website",))),
        ],
    }


def fill_log(path: Path) -> list[Event]:
    """Run the tracker over the script and record what it says; returns every event."""
    config = tracker.TrackerConfig(confirm_worse=1, confirm_better=1)
    recorded: list[Event] = []
    with incident_log.open(path) as log:
        for service, steps in scripted().items():
            state = tracker.SourceState()
            for when, payload in steps:
                state, events = tracker.step(state, service, payload, when, config)
                log.record(events)
                recorded += events
        now = datetime.now(UTC)  # OpenAI's checks saw today's trouble 6 min before its page
        down = now - timedelta(hours=2, minutes=6)
        log.record_acknowledgement(
            Acknowledgement("OpenAI", down, down + timedelta(minutes=50), now - timedelta(hours=2))
        )
        for outage in GEMINI_OUTAGES:
            log.record_acknowledgement(outage)
    return recorded


GEMINI = "Gemini (demo)"
GEMINI_DOWN = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
GEMINI_INCIDENT = Incident(
    "inc-gem-1",
    "Elevated error rates on the Gemini API",
    "investigating",
    True,
    PART,
    started=GEMINI_DOWN + timedelta(seconds=13),
    latest_update="We are investigating elevated error rates on the Gemini API.",
    components=("Gemini API",),
)
GEMINI_OUTAGES = (  # as the demo tells it: the page admits today's 13 s after the checks saw it
    Acknowledgement(GEMINI, day(9, 15), day(9, 15, 40)),  # never admitted
    Acknowledgement(
        GEMINI,
        GEMINI_DOWN,
        GEMINI_DOWN + timedelta(minutes=40),
        GEMINI_DOWN + timedelta(seconds=13),
        GEMINI_INCIDENT.id,
    ),
)


@pytest.fixture
def log_path(trayapp_env: dict[str, str]) -> Path:
    path = Path(trayapp_env["TRAYAPP_DATA_DIR"]) / "incidents.sqlite3"
    fill_log(path)
    return path


@pytest.fixture
def window(qtbot, log_path: Path) -> Iterator[HistoryWindow]:  # type: ignore[no-untyped-def]
    hub = Hub()
    shown = HistoryWindow(log_path, hub)
    shown.hub_for_tests = hub  # type: ignore[attr-defined]
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    yield shown
    shown.close()


def bar_for(bars: list[DayBar], days_ago: int) -> DayBar:
    today = datetime.now(local_zone()).date()
    found = bars[-1 - days_ago]
    assert found.day == today - timedelta(days=days_ago)
    return found


def rows(window: HistoryWindow) -> list[tuple[str, str, str]]:
    proxy = window.proxy
    return [
        tuple(proxy.index(r, c).data() for c in range(3))  # type: ignore[misc]
        for r in range(proxy.rowCount())
    ]


# --------------------------------------------------------------------------- the bars widget


def test_percent_and_tooltip_words() -> None:
    assert percent_text(None) == "no data"
    assert percent_text(None, none="not watched") == "not watched"
    assert percent_text(1.0) == "100 %"
    assert percent_text(0.99999) == "99.9 %"  # rounded down: never a made-up 100 %
    assert percent_text(0.972) == "97.2 %"
    assert percent_text(0.99951, 2) == "99.95 %"
    assert tooltip_text(DayBar(date(2025, 2, 3), MAJOR, 0.9721)) == "3 Feb: 97.2 % · major outage"
    assert tooltip_text(DayBar(date(2025, 2, 3), OK, 1.0, 1.0)) == "3 Feb: 100 % · no problems"
    checks_only = DayBar(date(2025, 2, 3), MAJOR, 0.9721, 1.0, True)  # the page said nothing
    assert tooltip_text(checks_only) == "3 Feb: 97.2 % · page 100 % · major outage"
    assert tooltip_text(DayBar(date(2025, 2, 3), None, None)) == "3 Feb: not watched"
    unreadable = DayBar(date(2025, 2, 3), None, None, None, True)
    assert tooltip_text(unreadable) == "3 Feb: no readable state"


def test_bar_rects_tile_the_width_without_overlap() -> None:
    for width in (90, 200, 361, 1000):
        rects = bar_rects(90, width, 20)
        assert len(rects) == 90
        assert rects[0].left() == 0 and rects[-1].right() < width
        for a, b in itertools.pairwise(rects):
            assert a.right() < b.left()  # a gap (or at least no overlap) between bars
            assert a.width() >= 1
    assert bar_rects(0, 100, 20) == [] and bar_rects(90, 0, 20) == []


# --------------------------------------------------------------------------- the window


def test_services_and_one_uptime_row_each(window: HistoryWindow) -> None:
    names = [window.services.item(r).text() for r in range(window.services.count())]
    assert names == ["All services", GEMINI, "GitHub", "Lab", "OpenAI"]
    assert sorted(window.bars) == [GEMINI, "GitHub", "Lab", "OpenAI"]
    for bars in window.bars.values():
        assert len(bars.bars) == 90
    github = window.figures["GitHub"].text().splitlines()
    assert github[0].startswith("As the page says: 24 h ") and "90 d" in github[0]
    assert github[1] == github[0].replace("As the page says", "As you saw it")  # no checks
    assert len(github) == 3 and github[2].startswith("watched ")  # no checks: no record
    assert window.figures["Lab"].text().splitlines()[2].startswith("watched ")  # 2 days of 90
    openai = window.figures["OpenAI"].text().splitlines()
    assert openai[-1] == "Your checks saw 1 outage: page admitted it 6 min later"
    tooltip = window.figures["OpenAI"].toolTip()
    assert tooltip == "Your checks saw 1 outage; the page admitted it 6 min later."
    # the checks saw 6 min of it before the page did, and 50 min in all: as you saw it is lower
    page_24h, seen_24h = (float(re.search(r"24 h[^%]*?([\d.]+) %", line)[1]) for line in openai[:2])  # type: ignore[index]
    assert page_24h == 100.0 and seen_24h < 100.0
    gemini = window.figures[GEMINI].text().splitlines()
    assert gemini[-1] == (
        "Your checks saw 2 outages: page admitted 1 · median 13 s later · 1 never admitted"
    )
    window.select_service("GitHub")
    assert list(window.bars) == ["GitHub"]


def test_bars_are_coloured_by_each_days_worst_state(window: HistoryWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.select_service("GitHub")
    widget = window.bars["GitHub"]
    bars = widget.bars
    assert bar_for(bars, 89).worst is None  # before we started watching: no data
    assert bar_for(bars, 60).worst is DEG
    assert bar_for(bars, 50) == DayBar(bar_for(bars, 50).day, OK, 1.0, 1.0, True)
    assert bar_for(bars, 20).worst is MAINT
    assert bar_for(bars, 5).worst is PART
    outage = bar_for(bars, 31)
    assert outage.worst is MAJOR
    # major 14:00-16:00 (the open critical incident keeps it major while monitoring): 2 h down
    assert tooltip_text(outage).endswith(": 91.6 % · major outage")

    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    rects = {n: r for n, r in enumerate(bar_rects(90, widget.width(), widget.height()))}
    pixel_dpr = image.devicePixelRatio()

    def colour(days_ago: int) -> str:
        rect = rects[89 - days_ago]
        point = rect.center() * pixel_dpr
        return QColor(image.pixel(point)).name()

    assert colour(31) == FILL[TrayState.MAJOR_OUTAGE]
    assert colour(5) == FILL[TrayState.PARTIAL_OUTAGE]
    assert colour(50) == FILL[TrayState.OPERATIONAL]
    assert colour(89) == NO_DATA

    x = rects[89 - 31].center().x()
    help_event = QHelpEvent(QEvent.Type.ToolTip, QPoint(x, 5), widget.mapToGlobal(QPoint(x, 5)))
    widget.event(help_event)
    qtbot.waitUntil(lambda: "major outage" in QToolTip.text(), timeout=2000)
    assert QToolTip.text() == tooltip_text(outage)


def test_unreadable_time_is_not_counted_and_a_gap_is_grey(window: HistoryWindow) -> None:
    window.select_service("OpenAI")
    bars = window.bars["OpenAI"].bars
    assert bar_for(bars, 50).worst is None  # before the first reading
    gap = bar_for(bars, 12)  # unreadable 10:00-18:00 is left out, not counted as up or down
    assert gap.worst is OK and gap.uptime == 1.0


def test_timeline_filters_by_words_and_kind(window: HistoryWindow, log_path: Path) -> None:
    with IncidentLog(log_path) as reader:
        total = len(reader.history())
    assert window.model.rowCount() == total
    first = rows(window)[0]
    assert first[1] == "OpenAI" and "Incident updated" in first[2]  # newest first

    window.filter_box.setText("git operations")
    shown = rows(window)
    assert shown and all("git operations" in r[2].lower() for r in shown)
    assert window.count_label.text() == f"{len(shown)} of {total}"

    window.filter_box.clear()
    window.kind_box.setCurrentIndex(1)  # incidents only
    kinds = {window.proxy.index(r, 0).data(256).kind for r in range(window.proxy.rowCount())}
    assert kinds <= set(INCIDENT_KINDS) and "incident_resolved" in kinds
    window.select_service("Lab")
    assert window.model.rowCount() == 0  # Lab had an outage but never an incident
    window.kind_box.setCurrentIndex(0)
    assert {r[1] for r in rows(window)} == {"Lab"}
    assert any(r[2] == "Operational → major outage" for r in rows(window))


def test_incident_details_show_both_clocks_and_the_link(window: HistoryWindow) -> None:
    window.select_service("GitHub")
    window.filter_box.setText("Incident resolved: Git operations failing")
    assert window.proxy.rowCount() == 1
    window.table.selectRow(0)
    text = window.detail.toPlainText()
    assert "Incident: Git operations failing" in text
    assert "Status\tresolved (closed)" in text or "resolved (closed)" in text
    assert "major outage" in text
    started = day(31, 13, 55)
    assert f"{started.day} {started:%b %Y} 13:55" in text
    assert "the page's time; we saw it 5 min later" in text
    assert "Duration" in text and "2 h 2 min" in text  # 13:55 to 15:57, both the page's times
    assert "14:37" in text and "15:27" in text  # each update's page time, beside when we saw it
    for words in ("We are investigating failures.", "A bad deploy; rolling back.", "All good now."):
        assert words in text
    assert "Open on the status page" in text
    assert 'href="https://www.githubstatus.com/incidents/inc-git-1"' in window.detail.toHtml()


def test_plain_events_get_details_too(window: HistoryWindow) -> None:
    window.select_service("Lab")
    window.filter_box.setText("→ major")
    window.table.selectRow(0)
    text = window.detail.toPlainText()
    assert "Operational → major outage" in text and "Website" in text


def test_new_events_refresh_what_is_shown(window: HistoryWindow, log_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    hub: Hub = window.hub_for_tests  # type: ignore[attr-defined]
    window.select_service("OpenAI")
    before = window.model.rowCount()
    event = Event(datetime.now(UTC), "OpenAI", "status", OK, DEG, "degraded → operational")
    with incident_log.open(log_path) as writer:  # the engine's own connection, while we read
        writer.record([event])
    hub.publish_event(event)
    assert window.model.rowCount() == before + 1
    assert rows(window)[0][2] == "Degraded → operational"

    newcomer = Event(datetime.now(UTC), "Slack", "status", OK, None, "Status: operational")
    with incident_log.open(log_path) as writer:
        writer.record([newcomer])
    hub.publish_event(newcomer)
    names = [window.services.item(r).text() for r in range(window.services.count())]
    assert "Slack" in names and window.selected_service() == "OpenAI"

    window.hide()
    hub.publish_event(newcomer)  # hidden: nothing is read until shown again
    assert window._log is None
    window.show()
    qtbot.waitExposed(window)
    assert window.selected_service() == "OpenAI" and window.model.rowCount() == before + 1


def test_a_missing_log_is_explained_and_not_created(
    qtbot,
    trayapp_env: dict[str, str],  # type: ignore[no-untyped-def]
) -> None:
    path = Path(trayapp_env["TRAYAPP_DATA_DIR"]) / "incidents.sqlite3"
    hub = Hub()
    shown = HistoryWindow(path, hub)
    qtbot.addWidget(shown)
    shown.show()
    assert "No history yet" in shown.notice.text() and shown.notice.isVisible()
    assert not path.exists()
    assert shown.model.rowCount() == 0 and not shown.bars
    fill_log(path)  # the engine starts writing; its first event arrives on the bus
    hub.publish_event(Event(datetime.now(UTC), "GitHub", "status", OK))
    assert not shown.notice.isVisible()
    assert "GitHub" in shown.bars and shown.model.rowCount() > 0


def test_a_log_from_a_newer_trayapp_is_left_alone(
    qtbot,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "incidents.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE future (x)")
        conn.execute("PRAGMA user_version = 99")
    before = path.read_bytes()
    shown = HistoryWindow(path)
    qtbot.addWidget(shown)
    shown.show()
    assert "cannot be opened" in shown.notice.text() and "schema v99" in shown.notice.text()
    assert path.read_bytes() == before


@pytest.mark.skipif(not os.environ.get("HARNESS_RUN_DIR"), reason="screenshots: with-desktop.sh")
def test_zz_screenshot(window: HistoryWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.resize(1100, 760)
    window.select_service("")
    window.kind_box.setCurrentIndex(0)
    window.filter_box.setText("Gemini API")  # the demo's Gemini: both figures and the record
    window.table.selectRow(window.proxy.rowCount() - 1)
    qtbot.wait(300)
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = SHOTS / "history.png"
    assert window.grab().save(str(target))
    assert target.stat().st_size > 10_000


def test_the_window_fits_a_small_screen(window: HistoryWindow) -> None:
    area = window.screen().availableGeometry()
    assert window.width() <= area.width() and window.height() <= area.height()
    assert window.windowTitle() == "trayapp — History"


def test_uptime_figures_share_one_figure_where_windows_read_the_same() -> None:
    end = datetime(2026, 3, 2, tzinfo=UTC)

    def up(window: str, observed: timedelta, down: timedelta) -> log_rows.Uptime:
        length = log_rows.WINDOWS[window]
        return log_rows.Uptime("A", None, end - length, end, observed, observed - down)

    minute = timedelta(minutes=1)
    fresh = {w: up(w, 30 * minute, timedelta(0)) for w in log_rows.WINDOWS}
    assert uptime_figures(fresh) == "24 h\u201390 d 100 %"
    assert figures_text(fresh, None).splitlines() == [
        "As the page says: 24 h\u201390 d 100 %",
        "As you saw it: 24 h\u201390 d 100 %",
        "watched 30 min",
    ]
    unseen = {w: up(w, timedelta(0), timedelta(0)) for w in log_rows.WINDOWS}
    assert uptime_figures(unseen) == "24 h\u201390 d not watched"
    unreadable = {w: replace(u, watched=timedelta(hours=1)) for w, u in unseen.items()}
    assert uptime_figures(unreadable) == "24 h\u201390 d no data"
    probed = {
        w: replace(u, seen_observed=u.observed, seen_up=u.observed - minute)
        for w, u in fresh.items()
    }
    assert uptime_figures(probed, seen=True) == "24 h\u201390 d 96.66 %"
    day, weeks = timedelta(days=1), timedelta(days=90)
    old = {
        "24h": up("24h", day, timedelta(0)),
        "7d": up("7d", 7 * day, 2 * minute),
        "30d": up("30d", 30 * day, 2 * minute),
        "90d": up("90d", weeks, 2 * minute),
    }
    assert uptime_figures(old) == "24 h 100 % · 7 d 99.98 % · 30 d\u201390 d 99.99 %"
