"""Give memory back after a burst of work (start-up, a poll round, a window's first import).

A tray idles far longer than it works, so what a burst leaves behind is what the user pays for
all day: cycles not yet collected, free heap pages glibc keeps for later, source lines kept by
``linecache`` (a logged traceback reads them; PySide6's import hook no longer does, see
``ui.pyside_hook``).
"""

from __future__ import annotations

import gc
import linecache
import sys
from functools import cache
from typing import Any


def release() -> None:
    """Drop cached source lines, collect cycles, and return free heap pages to the system.
    Tracebacks read the lines they need again."""
    linecache.clearcache()
    gc.collect()
    trim_heap()


def trim_heap() -> bool:
    """glibc's ``malloc_trim(0)``: free pages at the top of each heap and inside it go back
    to the system. False where there is no such call (musl, macOS, Windows)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


@cache
def _malloc_trim() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL(None).malloc_trim  # the symbols the process has: glibc's, if any
    except (OSError, AttributeError):
        return None
