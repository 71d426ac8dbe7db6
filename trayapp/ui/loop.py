"""The asyncio loop inside Qt's (qasync), with timers that stop when they are cancelled.

qasync runs every ``call_later``/``call_at`` on a Qt timer and, when the handle is cancelled,
only skips the callback once the timer fires: the timer still wakes the process. Every request
sets timeouts (httpx/anyio: 5 s to connect, 10 s to read) that are cancelled when the answer
comes, so each poll left wake-ups 5 to 15 s later, in an otherwise idle tray. Here a cancelled
handle kills its Qt timer at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import Context
from typing import Any

import qasync
from PySide6.QtCore import QObject, QTimerEvent
from PySide6.QtWidgets import QApplication


class _Timers(QObject):
    """One QObject whose Qt timers run the loop's delayed handles (as qasync's own does)."""

    def __init__(self) -> None:
        super().__init__()
        self._handles: dict[int, _TimerHandle] = {}

    def add(self, handle: _TimerHandle, delay: float) -> int:
        timer_id = self.startTimer(int(max(0.0, delay) * 1000))
        self._handles[timer_id] = handle
        return timer_id

    def remove(self, timer_id: int) -> None:
        if self._handles.pop(timer_id, None) is not None:
            self.killTimer(timer_id)

    def clear(self) -> None:
        for timer_id in list(self._handles):
            self.remove(timer_id)

    def timerEvent(self, event: QTimerEvent) -> None:  # Qt calls it so
        timer_id = event.timerId()
        handle = self._handles.pop(timer_id, None)
        self.killTimer(timer_id)
        if handle is not None and not handle.cancelled():
            handle._run()


class _TimerHandle(asyncio.TimerHandle):
    """A delayed call whose ``cancel`` also stops its Qt timer."""

    def __init__(
        self,
        loop: QuietEventLoop,
        delay: float,
        callback: Callable[..., Any],
        args: tuple[Any, ...],
        context: Context | None,
    ) -> None:
        super().__init__(loop.time() + delay, callback, args, loop, context)
        self._timers = loop.timers
        self._timer_id = loop.timers.add(self, delay)

    def cancel(self) -> None:
        self._timers.remove(self._timer_id)
        super().cancel()


class QuietEventLoop(qasync.QEventLoop):  # type: ignore[misc]  # qasync has no type hints
    """qasync's loop, but a cancelled timer no longer wakes the process."""

    def __init__(self, app: QApplication, already_running: bool = False) -> None:
        super().__init__(app, already_running=already_running)
        self.timers = _Timers()

    def call_later(
        self,
        delay: float,
        callback: Callable[..., Any],
        *args: Any,
        context: Context | None = None,
    ) -> asyncio.Handle:
        if delay <= 0:  # call_soon: qasync's zero timer, which nothing cancels in practice
            return super().call_later(delay, callback, *args, context=context)  # type: ignore[no-any-return]
        if not callable(callback) or asyncio.iscoroutinefunction(callback):
            raise TypeError(f"not a plain callable: {callback!r}")
        return _TimerHandle(self, delay, callback, args, context)

    def close(self) -> None:
        self.timers.clear()
        super().close()
