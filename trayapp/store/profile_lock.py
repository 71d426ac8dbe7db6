"""One engine per profile: the tray or ``trayapp watch`` holds a lock file in the data dir.

Two engines on one incident log would interleave contradictory histories (one says "resolved",
the other "still open"). The lock is an ``fcntl.flock`` on ``engine.lock``: the kernel drops it
when the holder exits or is killed, so a crash never leaves a stale lock behind. The file holds
the holder's pid and command, only to tell the user who has it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

LOCK_FILE_NAME = "engine.lock"


class ProfileBusy(RuntimeError):
    """Another process runs the engine on this profile; the message names it."""


class ProfileLock:
    """A held lock; ``release`` (or process exit) lets the next engine in."""

    def __init__(self, path: Path, fd: int | None) -> None:
        self.path = path
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> ProfileLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire(data_dir: Path, what: str) -> ProfileLock:
    """Take the profile's engine lock for ``what`` (e.g. "trayapp watch"), or raise ProfileBusy.

    Where the platform has no flock (Windows), nothing is locked.
    """
    try:
        import fcntl
    except ImportError:
        return ProfileLock(data_dir / LOCK_FILE_NAME, None)
    path = data_dir / LOCK_FILE_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise ProfileBusy(
            f"{holder} is already watching this profile ({data_dir}); "
            "stop it first, or set TRAYAPP_DATA_DIR to use another profile"
        ) from None
    except OSError:
        os.close(fd)
        raise
    with contextlib.suppress(OSError):  # only informative: a failed write keeps the lock
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {what}\n".encode(), 0)
    return ProfileLock(path, fd)


def _holder(fd: int) -> str:
    """'trayapp watch (pid 1234)' from the lock file, or a vaguer phrase if it is unreadable."""
    try:
        text = os.pread(fd, 200, 0).decode(errors="replace").strip()
    except OSError:
        text = ""
    pid, _, what = text.partition(" ")
    if not pid.isdigit():
        return "another trayapp process"
    return f"{what or 'trayapp'} (pid {pid})"
