"""PySide6's import hook reads each later module's source to look for "PySide6"; through
``inspect.getsource`` that kept every module's lines in ``linecache``. The Qt package installs
the lighter hook before any of its modules, so none of theirs is read into the cache."""

from __future__ import annotations

import json
import subprocess
import sys


def test_importing_the_tray_keeps_no_source_lines() -> None:
    code = (
        "import json, linecache, sys\n"
        "import trayapp.ui.app, trayapp.ui.tray, trayapp.ui.notify\n"
        "print(json.dumps(sorted(linecache.cache)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    kept = json.loads(done.stdout)
    assert not [p for p in kept if "trayapp" in p and not p.endswith("pyside_hook.py")], kept
    assert not [p for p in kept if "platformdirs" in p or "asyncio" in p or "httpx" in p], kept
