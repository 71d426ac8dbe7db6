"""The core must never import Qt: it runs in the CLI, in tests and on machines without a display."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import trayapp


def _core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(trayapp.__path__, "trayapp."):
        if not info.name.startswith("trayapp.ui") and info.name != "trayapp.__main__":
            names.append(info.name)
    return names


def test_core_modules_do_not_import_qt() -> None:
    modules = _core_modules()
    assert "trayapp.formats.statuspage" in modules  # the walk really found the core
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'qasync')))\n"
        "print(','.join(qt))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"core imported Qt: {done.stdout.strip()}"
