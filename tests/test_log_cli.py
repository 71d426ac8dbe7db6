"""``trayapp log`` and ``trayapp uptime`` in a real process, over a real SQLite incident log
filled by the tracker (as the engine would) in tmp_path."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from trayapp.core import tracker
from trayapp.core.model import Component, Event, Reading, Severity
from trayapp.core.verdict import Acknowledgement
from trayapp.store import incident_log

OK, MAJOR = Severity.OPERATIONAL, Severity.MAJOR_OUTAGE


def page(severity: Severity) -> Reading:
    return Reading(format="statuspage", severity=severity, components=(Component("API", severity),))


def trayapp(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trayapp", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.fixture
def history(trayapp_env: dict[str, str]) -> dict[str, str]:
    """OpenAI: up 9 h, down 1 h, up since; its checks saw the outage 10 min before the page.
    GitHub: up all along."""
    path = Path(trayapp_env["TRAYAPP_DATA_DIR"]) / "incidents.sqlite3"
    now = datetime.now(UTC)
    config = tracker.TrackerConfig(confirm_worse=1, confirm_better=1)
    script = {
        "OpenAI": [(-10, OK), (-1, MAJOR), (0, OK)],
        "GitHub": [(-10, OK), (0, OK)],
        "Murky": [(-2, Severity.UNKNOWN)],  # seen, but never readable: nothing observed
    }
    with incident_log.open(path) as log:
        for service, steps in script.items():
            state = tracker.SourceState()
            for hours, severity in steps:
                when = now + timedelta(hours=hours)
                state, events = tracker.step(state, service, page(severity), when, config)
                log.record(events)
        down = now - timedelta(hours=1, minutes=10)
        log.record_acknowledgement(
            Acknowledgement("OpenAI", down, now, page_ack_at=now - timedelta(hours=1))
        )
    return trayapp_env


def test_uptime_table_and_how_late_the_page_was(history: dict[str, str]) -> None:
    done = trayapp(history, "uptime")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["SERVICE", "24h", "7d", "30d", "90d", "WATCHED"]
    page = {line.split()[0]: line.split()[5:] for line in lines[1:7:2]}
    seen = {lines[i].split()[0]: lines[i + 1].split()[4:] for i in range(1, 7, 2)}
    assert all(lines[i + 1].startswith(" ") for i in range(1, 7, 2))
    assert page["Murky"] == ["—"] * 5  # WATCHED too: no '<1 min' beside figures of nothing
    assert page["GitHub"][0] == "100.00%" and seen["GitHub"][0] == "100.00%"
    assert page["GitHub"][4:] == ["10", "h"]  # what the figures rest on
    # 1 h down in the 10 h watched (and the seconds since the fixture ran, up); the checks saw
    # it 10 min earlier: 70 min down as you saw it
    assert float(page["OpenAI"][0].rstrip("%")) == pytest.approx(90.0, abs=0.05)
    assert float(seen["OpenAI"][0].rstrip("%")) == pytest.approx(100 * (1 - 70 / 600), abs=0.05)
    assert "  OpenAI: Your checks saw 1 outage; the page admitted it 10 min later." in lines, (
        done.stdout
    )
    assert not any(line.startswith("  GitHub:") for line in lines)


def test_uptime_json_carries_the_page_lag(history: dict[str, str]) -> None:
    done = trayapp(history, "uptime", "--json")
    assert done.returncode == 0, done.stderr
    rows = {row["service"]: row for row in json.loads(done.stdout)}
    assert rows["OpenAI"]["24h"]["percent"] == pytest.approx(90.0, abs=0.05)
    assert rows["OpenAI"]["90d"]["observed_seconds"] == pytest.approx(36_000, abs=60)
    assert rows["OpenAI"]["24h"]["seen_percent"] == pytest.approx(100 * (1 - 70 / 600), abs=0.05)
    assert rows["OpenAI"]["24h"]["watched_seconds"] == 86_400  # no heartbeats: always watched
    assert rows["OpenAI"]["page_lag"] == {
        "outages": 1,
        "admitted": 1,
        "never_admitted": 0,
        "not_yet_admitted": 0,
        "median_seconds": 600.0,
        "worst_seconds": 600.0,
    }
    assert rows["GitHub"]["page_lag"] is None


def test_log_lists_events_newest_first_and_filters(history: dict[str, str]) -> None:
    done = trayapp(history, "log", "OpenAI", "--json")
    assert done.returncode == 0, done.stderr
    events = json.loads(done.stdout)
    severities = [e["severity"] for e in events if e["kind"] == "status"]
    assert severities[:2] == ["operational", "major_outage"]
    assert {e["service"] for e in events} == {"OpenAI"}
    table = trayapp(history, "log", "--csv", "--since", "2h")
    assert table.returncode == 0, table.stderr
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert rows and all(r["service"] == "OpenAI" for r in rows)  # GitHub never changed since
    assert trayapp(history, "log", "--since", "yesterday-ish").returncode == 2


def into_closed_pipe(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``trayapp ARGS | head -0``, deterministically: stdout is a pipe whose reader is gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "trayapp", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("log",), 141),  # 128 + SIGPIPE, as a shell reports for `yes | head -1`
        (("uptime", "--json"), 141),
        (("watch", "list"), 141),
        (("log", "--help"), 0),  # argparse itself ignores a failed write of the help
    ],
)
def test_a_closed_pipe_ends_quietly(
    history: dict[str, str], args: tuple[str, ...], code: int
) -> None:
    done = into_closed_pipe(history, *args)
    assert done.stderr == ""  # no traceback, no "Exception ignored"
    assert done.returncode == code


def test_an_unknown_service_is_an_error_that_names_the_known_ones(
    history: dict[str, str],
) -> None:
    for command in ("log", "uptime"):
        done = trayapp(history, command, "nosuch")
        assert done.returncode == 1, (command, done.stdout)
        assert done.stdout == ""
        assert "no service named 'nosuch'" in done.stderr
        assert "GitHub, Murky, OpenAI" in done.stderr


def test_service_names_match_whatever_their_case(history: dict[str, str]) -> None:
    done = trayapp(history, "log", "openai", "--json")
    assert done.returncode == 0, done.stderr
    events = json.loads(done.stdout)
    assert events and {e["service"] for e in events} == {"OpenAI"}
    done = trayapp(history, "uptime", "GITHUB", "--json")
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    assert row["service"] == "GitHub" and row["24h"]["percent"] == 100.0


def test_a_name_with_spaces_and_brackets_matches_too(trayapp_env: dict[str, str]) -> None:
    path = Path(trayapp_env["TRAYAPP_DATA_DIR"]) / "incidents.sqlite3"
    state, config = tracker.SourceState(), tracker.TrackerConfig(confirm_worse=1)
    now = datetime.now(UTC)
    with incident_log.open(path) as log:
        for minutes, severity in ((-30, OK), (-10, MAJOR)):
            when = now + timedelta(minutes=minutes)
            state, events = tracker.step(state, "OpenAI (demo)", page(severity), when, config)
            log.record(events)
    done = trayapp(trayapp_env, "log", "openai (DEMO)")
    assert done.returncode == 0, done.stderr
    assert "OpenAI (demo):" in done.stdout


def test_an_empty_log_says_so_for_any_name(trayapp_env: dict[str, str]) -> None:
    done = trayapp(trayapp_env, "uptime", "github")
    assert done.returncode == 1
    assert "no service named 'github'" in done.stderr and "none yet" in done.stderr


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_limit_must_be_a_positive_whole_number(history: dict[str, str], value: str) -> None:
    done = trayapp(history, "log", "--limit", value)
    assert done.returncode == 2 and done.stdout == ""
    assert "argument --limit:" in done.stderr and "whole number" in done.stderr
    assert "Traceback" not in done.stderr
    assert trayapp(history, "log", "--limit", "1").stdout.count("\n") == 1


def test_acknowledgement_record_over_a_seeded_90_day_log(trayapp_env: dict[str, str]) -> None:
    """Six outages the checks saw over 90 days (and one older): the record counts from the log."""
    path = Path(trayapp_env["TRAYAPP_DATA_DIR"]) / "incidents.sqlite3"
    now = datetime.now(UTC)
    sec, minute = timedelta(seconds=1), timedelta(minutes=1)
    seeded = [  # (days ago, lag or None, minutes it lasted or None while it goes on)
        (120, 30 * sec, 10),  # older than 90 days: not in the record
        (85, 13 * sec, 20),
        (60, 4 * minute, 45),
        (40, None, 15),  # never admitted
        (20, 90 * sec, 30),
        (3, None, 25),  # never admitted
        (0, None, None),  # going on now: not admitted yet
    ]
    with incident_log.open(path) as log:
        log.record([tracker_event("Gemini", now - timedelta(days=130))])
        for days, lag, lasted in seeded:
            down = now - timedelta(days=days, hours=1)
            log.record_acknowledgement(
                Acknowledgement(
                    "Gemini",
                    down,
                    probe_up_at=None if lasted is None else down + lasted * minute,
                    page_ack_at=None if lag is None else down + lag,
                )
            )
    done = trayapp(trayapp_env, "uptime", "--json")
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    assert row["page_lag"] == {
        "outages": 6,
        "admitted": 3,
        "never_admitted": 2,
        "not_yet_admitted": 1,
        "median_seconds": 90.0,
        "worst_seconds": 240.0,
    }
    assert row["90d"]["seen_percent"] < row["90d"]["percent"] == 100.0
    text = trayapp(trayapp_env, "uptime")
    assert (
        "  Gemini: Your checks saw 6 outages; the page admitted 3 (median 1 min 30 s later,"
        " worst 4 min later); 2 never admitted; 1 not admitted yet."
    ) in text.stdout.splitlines(), text.stdout


def tracker_event(service: str, when: datetime) -> Event:
    return Event(when, service, "status", OK, message="Status: operational")
