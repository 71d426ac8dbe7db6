"""The app's asyncio loop inside Qt: a cancelled timer stops (no wake-up is left behind), and
blocking calls run on threads that end when done."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QGuiApplication exists

import pytest
from PySide6.QtWidgets import QApplication

from trayapp.engine.executor import ShortLivedExecutor
from trayapp.ui.loop import QuietEventLoop


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[QuietEventLoop]:
    loop = QuietEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.set_event_loop(None)
    loop.close()


def test_timers_run_and_a_cancelled_one_leaves_no_qt_timer(loop: QuietEventLoop) -> None:
    ran: list[str] = []

    async def scenario() -> None:
        loop.call_later(0.05, ran.append, "due")
        cancelled = loop.call_later(0.1, ran.append, "cancelled")
        assert len(loop.timers._handles) == 2
        cancelled.cancel()
        assert len(loop.timers._handles) == 1  # its Qt timer is gone at once, not when due
        await asyncio.sleep(0.3)

    loop.run_until_complete(scenario())
    assert ran == ["due"]
    assert loop.timers._handles == {}


def test_a_timeout_that_did_not_expire_leaves_no_timer(loop: QuietEventLoop) -> None:
    """What every request does (anyio, asyncio.timeout): the answer comes, the timer goes."""

    async def answered_in_time() -> str:
        async with asyncio.timeout(30):
            await asyncio.sleep(0)
        return "answer"

    assert loop.run_until_complete(answered_in_time()) == "answer"
    assert loop.timers._handles == {}


def test_a_timeout_that_expires_still_fires(loop: QuietEventLoop) -> None:
    async def too_slow() -> None:
        async with asyncio.timeout(0.05):
            await asyncio.sleep(30)

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        loop.run_until_complete(too_slow())
    assert time.monotonic() - started < 10


def test_names_resolve_on_threads_that_end(loop: QuietEventLoop) -> None:
    loop.set_default_executor(ShortLivedExecutor(2, name="resolver-test"))

    async def resolve() -> list[object]:
        return await loop.getaddrinfo("localhost", 80)

    assert loop.run_until_complete(resolve())
    deadline = time.monotonic() + 10
    while any(t.name == "resolver-test" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the resolver thread was kept"
        time.sleep(0.01)
