"""Writes to the incident log that survive a full or failing disk: queued, retried, reported.

A write that fails (disk full, read-only file, I/O error) stays queued, in order, and is retried
before every later write, so an "Incident opened" is never lost and never lands after its own
"Incident resolved". While writes fail, ``problem`` says why in one line for the user ("the
incident log cannot be written: disk full") and ``on_problem`` is told when that changes.

Events and acknowledgements are kept one by one. Snapshots (a reading's component states, a
heartbeat) are kept per key, the latest replacing an older one still queued: a snapshot says
"this is the state now", so the latest is the one worth keeping, and a 100k-component page
polled every second must not fill memory while the disk is full.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trayapp.store.incident_log import IncidentLog

log = logging.getLogger(__name__)

Write = Callable[["IncidentLog"], object]
_WRITE_ERRORS = (sqlite3.Error, OSError)


class LogWriter:
    """Applies writes to ``log`` in order; keeps the ones that fail and retries them."""

    def __init__(
        self, log_: IncidentLog, on_problem: Callable[[str | None], None] | None = None
    ) -> None:
        self.log = log_
        self.on_problem = on_problem or (lambda problem: None)
        self.problem: str | None = None
        self._queue: OrderedDict[object, Write] = OrderedDict()
        self._serial = 0  # keys of writes that must each be kept

    @property
    def pending(self) -> int:
        """Writes waiting for the disk."""
        return len(self._queue)

    def append(self, write: Write) -> None:
        """Queue a write that must happen (an event), then try to write everything queued."""
        self._serial += 1
        self._queue[("write", self._serial)] = write
        self.flush()

    def replace(self, key: object, write: Write) -> None:
        """Queue a snapshot under ``key``, dropping an older one not yet written; then flush."""
        self._queue.pop(("snapshot", key), None)
        self._queue[("snapshot", key)] = write
        self.flush()

    def flush(self) -> bool:
        """Write what is queued, oldest first; True when nothing is left waiting."""
        while self._queue:
            key, write = next(iter(self._queue.items()))
            try:
                write(self.log)
            except _WRITE_ERRORS as exc:
                self._report(f"the incident log cannot be written: {describe(exc)}")
                return False
            except Exception:  # a bug, not the disk: retrying would block every later write
                log.exception("a write to the incident log failed and was dropped")
            del self._queue[key]
        self._report(None)
        return True

    def _report(self, problem: str | None) -> None:
        if problem == self.problem:
            return
        if problem:
            log.info("%s (%d writes kept, retried at every poll)", problem, self.pending)
        else:
            log.info("the incident log is written again")
        self.problem = problem
        self.on_problem(problem)


def describe(exc: BaseException) -> str:
    """'disk full', 'the file is read-only', ... from a failed write, for a person."""
    text = str(exc).lower()
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "full" in text:
        return "disk full"
    if (isinstance(exc, OSError) and exc.errno == errno.EROFS) or "readonly" in text:
        return "the file or its disk is read-only"
    return str(exc) or type(exc).__name__
