"""A run offline from its first second is "watched, no data", never "not watched".

Found in a new-user trial: a fresh profile without network, the tray running ~100 s, then the
status window read "not watched" in both uptime columns, though the README keeps "not watched"
for time trayapp was not running and `—` (the window: "no data") for time it ran offline. The
log subtracted offline spells from the run's span and the words were chosen from what was left.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QGuiApplication exists

from trayapp.core.model import Event, Severity
from trayapp.store import incident_log
from trayapp.ui.history_words import uptime_figures
from trayapp.ui.status_window import uptime_cells
from trayapp.ui.uptime_bars import tooltip_text

NOW = datetime.now(UTC).replace(microsecond=0)
START = NOW - timedelta(seconds=100)
DAY = timedelta(hours=24)


def offline_run(path: Path) -> None:
    """What the tray writes when it starts offline: the spell, an unreadable page, and one
    heartbeat (they ride on polls; offline, the next comes a beat period later, minutes)."""
    with incident_log.open(path) as log:
        log.record([Event(START, "", "offline", Severity.UNKNOWN, message="You are offline")])
        log.record([Event(START, "GitHub", "unreadable", Severity.UNKNOWN, message="offline")])
        log.heartbeat(START)


def test_an_offline_run_counts_as_ran_not_as_watched(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    offline_run(path)
    with incident_log.open(path) as log:
        for service in ("GitHub", "Never read"):  # a service not even in the log ran as well
            up = log.uptime(service, DAY, NOW)
            assert up.fraction is None and up.watched_time == timedelta(0) and up.has_run
            assert uptime_cells(up) == ("no data", "no data")
        assert uptime_figures(log.uptimes("GitHub", NOW)) == "24 h\u201390 d no data"
        today = log.daily("GitHub", 2, NOW)[-1]
        assert today.watched and today.uptime is None
        assert tooltip_text(today).endswith("no readable state")
        before = START - timedelta(seconds=1)  # the time before the run: not watched
        assert uptime_cells(log.uptime("GitHub", DAY, before)) == ("not watched", "not watched")
        assert not log.daily("GitHub", 2, NOW - DAY)[-1].watched
        log.end_run(NOW)  # after a clean quit, the run still counts
        assert log.uptime("GitHub", DAY, NOW).has_run


def test_trayapp_uptime_says_dash_for_an_offline_run(
    tmp_path: Path, trayapp_env: dict[str, str]
) -> None:
    data = Path(trayapp_env["TRAYAPP_DATA_DIR"])
    data.mkdir(parents=True)
    offline_run(data / "incidents.sqlite3")
    done = subprocess.run(
        [sys.executable, "-m", "trayapp", "uptime"],
        capture_output=True,
        text=True,
        env=trayapp_env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("GitHub"))
    page, seen = lines[row], lines[row + 1]
    assert page.split()[-5:] == ["—"] * 5, done.stdout  # 24h, 7d, 30d, 90d and WATCHED
    assert seen.split()[-4:] == ["—"] * 4, done.stdout
