"""Helpers for tests that run inside the session tests/desktop/with-desktop.sh provides.

Three independent witnesses of a notification, none of them ours: dbus-monitor's log of the
org.freedesktop.Notifications traffic (``notify_calls``), the log dunst's rule script writes for
every notification it receives (``dunst_received``), and dunst's own history (``dunst_history``).
Tests skip cleanly outside the session (``in_desktop``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TypeVar

import pytest

RUN_DIR = os.environ.get("HARNESS_RUN_DIR")
TRAY_MODE = os.environ.get("HARNESS_TRAY_MODE", "sni")
in_desktop = pytest.mark.skipif(not RUN_DIR, reason="needs the session from with-desktop.sh")

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.05, what: str = "it"
) -> T:
    """Poll ``predicate`` until it returns something truthy; return that, or fail the test."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def read(path: str | Path) -> str:
    try:
        return Path(path).read_text(errors="replace")
    except FileNotFoundError:
        return ""


# ---------------------------------------------------------------------------- dbus-monitor


@dataclass(frozen=True)
class NotifyCall:
    """One org.freedesktop.Notifications.Notify call as the bus carried it, and the reply."""

    time: float  # when the bus carried it (epoch seconds)
    sender: str
    serial: int
    app_name: str
    icon: str
    summary: str
    body: str
    actions: tuple[str, ...]
    urgency: tuple[str, int] | None  # (D-Bus type, value): the spec says ("byte", 0|1|2)
    timeout: int
    reply_id: int | None  # the server's notification id; None before (or without) a reply


_HEADER = re.compile(r"^(method call|method return|signal|error) time=", re.M)
_FIELD = re.compile(r"\b(time|sender|destination|serial|reply_serial|member)=([^\s;]+)")
# dbus-monitor prints strings unescaped and multi-line, so the fixed signature (s u s s s as
# a{sv} i) anchors the parse, not quoting.
_NOTIFY_ARGS = re.compile(
    r'\A\n   string "(?P<app>.*?)"\n   uint32 \d+\n   string "(?P<icon>.*?)"\n'
    r'   string "(?P<summary>.*?)"\n   string "(?P<body>.*?)"\n'
    r"   array \[\n(?P<actions>.*?)   \]\n   array \[\n(?P<hints>.*?)   \]\n"
    r"   int32 (?P<timeout>-?\d+)\n?\Z",
    re.S,
)
_URGENCY = re.compile(r'string "urgency"\s+variant\s+(\w+) (\d+)')


def _messages(text: str) -> Iterator[tuple[str, dict[str, str], str]]:
    """(kind, header fields, argument text) for each message in a dbus-monitor log."""
    starts = [m.start() for m in _HEADER.finditer(text)] + [len(text)]
    for start, end in pairwise(starts):
        chunk = text[start:end]
        header, _, args = chunk.partition("\n")
        kind = _HEADER.match(header)
        assert kind is not None
        yield kind.group(1), dict(_FIELD.findall(header)), "\n" + args.rstrip("\n")


def notify_calls() -> list[NotifyCall]:
    """Every Notify call in $HARNESS_NOTIFY_LOG so far, each with the server's reply id."""
    calls: list[tuple[dict[str, str], re.Match[str]]] = []
    replies: dict[tuple[str, str], int] = {}
    for kind, fields, args in _messages(read(os.environ["HARNESS_NOTIFY_LOG"])):
        if kind == "method call" and fields.get("member") == "Notify":
            match = _NOTIFY_ARGS.match(args)
            if match:
                calls.append((fields, match))
        elif kind == "method return" and args.startswith("\n   uint32 "):
            replies[(fields["destination"], fields["reply_serial"])] = int(args.split()[1])
    out = []
    for fields, m in calls:
        urgency = _URGENCY.search(m["hints"])
        out.append(
            NotifyCall(
                time=float(fields["time"]),
                sender=fields["sender"],
                serial=int(fields["serial"]),
                app_name=m["app"],
                icon=m["icon"],
                summary=m["summary"],
                body=m["body"],
                actions=tuple(re.findall(r'string "(.*?)"', m["actions"])),
                urgency=(urgency[1], int(urgency[2])) if urgency else None,
                timeout=int(m["timeout"]),
                reply_id=replies.get((fields["sender"], fields["serial"])),
            )
        )
    return out


def closed_notifications() -> dict[int, int]:
    """The server's NotificationClosed signals so far: notification id -> reason (the spec's
    1 expired, 2 dismissed by the user, 3 closed by a CloseNotification call)."""
    closed: dict[int, int] = {}
    for kind, fields, args in _messages(read(os.environ["HARNESS_NOTIFY_LOG"])):
        if kind == "signal" and fields.get("member") == "NotificationClosed":
            numbers = re.findall(r"uint32 (\d+)", args)
            if len(numbers) == 2:
                closed[int(numbers[0])] = int(numbers[1])
    return closed


def calls_mentioning(text: str) -> list[NotifyCall]:
    return [c for c in notify_calls() if text in c.summary or text in c.body]


def delivered(summary: str, timeout: float = 5.0) -> NotifyCall:
    """Wait for the Notify call with this summary and dunst's reply to it; return the call."""

    def answered() -> NotifyCall | None:
        return next((c for c in notify_calls() if c.summary == summary and c.reply_id), None)

    return wait_until(answered, timeout, what=f"dunst to answer Notify {summary!r}")


# ---------------------------------------------------------------------------- dunst


@dataclass(frozen=True)
class DunstEntry:
    """One line of dunst's rule-script log: what the daemon itself received."""

    app_name: str
    summary: str
    body: str
    icon: str
    urgency: str  # LOW, NORMAL or CRITICAL, as dunst understood it


_DUNST_LINE = re.compile(
    r"^(?P<app>[^\t\n]*)\t(?P<summary>[^\t\n]*)\t(?P<body>[^\t]*)\t(?P<icon>[^\t\n]*)\t"
    r"(?P<urgency>LOW|NORMAL|CRITICAL)$",
    re.M,
)


def dunst_received() -> list[DunstEntry]:
    text = read(os.environ["HARNESS_DUNST_LOG"])
    return [
        DunstEntry(*m.group("app", "summary", "body", "icon", "urgency"))
        for m in _DUNST_LINE.finditer(text)
    ]


def dunst_entry(summary: str, timeout: float = 5.0) -> DunstEntry:
    def found() -> DunstEntry | None:
        return next((e for e in dunst_received() if e.summary == summary), None)

    return wait_until(found, timeout, what=f"dunst's rule log to show {summary!r}")


def dunstctl(*args: str) -> str:
    done = subprocess.run(["dunstctl", *args], capture_output=True, text=True, timeout=5)
    assert done.returncode == 0, done.stderr
    return done.stdout


def dunst_history() -> list[dict[str, object]]:
    """Ask dunst itself what it showed (closing what is on screen moves it to the history)."""
    dunstctl("close-all")
    data = json.loads(dunstctl("history"))["data"][0]
    return [{key: value["data"] for key, value in entry.items()} for entry in data]


# ------------------------------------------------------------------------ a bus without a server


@contextmanager
def empty_session_bus(directory: Path) -> Iterator[str]:
    """A second, private session bus on which nothing owns org.freedesktop.Notifications.

    Yields its address; the daemon (started here, ended here by its PID) is gone afterwards.
    """
    config = directory / "empty-bus.conf"
    config.write_text(
        '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
        ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
        f"<busconfig><type>session</type><listen>unix:path={directory}/empty-bus</listen>"
        f"<auth>EXTERNAL</auth><servicedir>{directory}/no-services</servicedir>"
        '<policy context="default"><allow send_destination="*"/><allow receive_sender="*"/>'
        '<allow own="*"/></policy></busconfig>\n'
    )
    daemon = subprocess.Popen(
        ["dbus-daemon", "--nofork", "--nopidfile", f"--config-file={config}", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert daemon.stdout is not None
        address = daemon.stdout.readline().strip()
        assert address.startswith("unix:"), address
        yield address
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=5)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
