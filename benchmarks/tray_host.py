"""Which processes have an icon in the tray now: the StatusNotifierWatcher's list, over D-Bus.

Shared by ``benchmarks/tray_bench.py`` and ``packaging/linux/measure-startup.py``, which both
time a launch until its icon is registered. Needs a session bus with a watcher on it (the
session ``tests/desktop/with-desktop.sh`` provides). It pulls in dbus_fast and asyncio, so the
benchmark uses it from a short-lived child process, not from the process that reads memory
figures (shared libraries mapped by both would lower the measured app's PSS).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from dbus_fast import Message, MessageType
from dbus_fast.aio import MessageBus

WATCHER = "org.kde.StatusNotifierWatcher"
POLL_INTERVAL = 0.005  # seconds between two looks at the watcher's list


async def _call(
    bus: MessageBus, dest: str, path: str, iface: str, member: str, sig: str, *body: object
) -> list[Any] | None:
    """One method call; None when it answers with an error."""
    reply = await bus.call(
        Message(
            destination=dest,
            path=path,
            interface=iface,
            member=member,
            signature=sig,
            body=list(body),
        )
    )
    if reply is None or reply.message_type == MessageType.ERROR:
        return None
    return reply.body


async def registered_pids(bus: MessageBus) -> set[int]:
    """The PIDs owning the items the watcher lists now."""
    props = "org.freedesktop.DBus.Properties"
    body = await _call(
        bus, WATCHER, "/StatusNotifierWatcher", props, "Get", "ss", WATCHER,
        "RegisteredStatusNotifierItems",
    )  # fmt: skip
    pids = set()
    for item in body[0].value if body else []:
        owner = await _call(
            bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "GetConnectionUnixProcessID", "s", item.split("/", 1)[0],
        )  # fmt: skip
        if owner:
            pids.add(owner[0])
    return pids


async def wait_for_icon(
    bus: MessageBus,
    pid: int,
    alive: Callable[[], bool],
    timeout: float = 60.0,
    interval: float = POLL_INTERVAL,
) -> float | None:
    """``time.monotonic()`` when an item owned by ``pid`` was first seen in the watcher's list;
    None when ``alive()`` turned false first, or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if pid in await registered_pids(bus):
            return time.monotonic()
        if not alive() or time.monotonic() > deadline:
            return None
        await asyncio.sleep(interval)
