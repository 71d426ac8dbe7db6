"""Shared by the local attacks: run the real command line against a profile in tmp_path."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.support import REPO

LOOPBACK_WATCH = """\
[[watch]]
name = "Lab"
url = "{url}"
format = "statuspage"
interval = 1
"""


def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """``python -m trayapp ARGS`` left running (the caller stops it), with SIGINT as a terminal
    gives it: a test run as a background job inherits SIGINT ignored, and a Ctrl-C sent before
    Python is up would then be lost."""
    return subprocess.Popen(
        [sys.executable, "-m", "trayapp", *args],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def write_config(env: dict[str, str], text: str) -> Path:
    folder = Path(env["TRAYAPP_CONFIG_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a clean failure (exit 1, no traceback); fails otherwise."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("trayapp"), result.stderr
    return lines[0]


@contextlib.contextmanager
def read_only_dir(path: Path) -> Iterator[None]:
    """``path`` as a read-only directory: a read-only tmpfs mounted on it when we are root
    (root ignores permission bits), else a directory without write permission."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        mount = ["mount", "-t", "tmpfs", "-o", "ro,size=64k,mode=0755", "tmpfs", str(path)]
        subprocess.run(mount, check=True)
        try:
            yield
        finally:
            subprocess.run(["umount", str(path)], check=True)
    else:
        path.chmod(0o500)
        try:
            yield
        finally:
            path.chmod(0o700)


@contextlib.contextmanager
def tiny_filesystem(path: Path, size: str = "600k") -> Iterator[Path]:
    """A real, tiny filesystem (tmpfs of ``size``) at ``path``; needs root to mount."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)], check=True
    )
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


class Output:
    """Collects a running process's stdout and stderr lines (reader threads), for waiting on."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self._changed = threading.Condition()
        for name in self.lines:
            stream = getattr(proc, name)
            threading.Thread(target=self._read, args=(name, stream), daemon=True).start()

    def _read(self, name: str, stream: Any) -> None:
        for line in stream:
            with self._changed:
                self.lines[name].append(line)
                self._changed.notify_all()

    def text(self, name: str) -> str:
        with self._changed:
            return "".join(self.lines[name])

    def wait_for(self, words: str, name: str = "stdout", timeout: float = 60) -> None:
        """Until a line of ``name`` holds ``words`` (a generous deadline for loaded machines)."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: (
                    any(words in line for line in self.lines[name]) or self.proc.poll() is not None
                ),
                timeout,
            )
            if not found or not any(words in line for line in self.lines[name]):
                raise AssertionError(
                    f"no {words!r} on {name}; stdout: {''.join(self.lines['stdout'])}"
                    f" stderr: {''.join(self.lines['stderr'])}"
                )
