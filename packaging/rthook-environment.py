"""PyInstaller runtime hook: give programs the frozen app starts the user's own environment.

The bootloader points LD_LIBRARY_PATH at the bundle (keeping the user's value in
LD_LIBRARY_PATH_ORIG). The app itself no longer needs it once running, but a program it starts
(xdg-open and the browser behind it, a KDE helper built on the system's Qt) would otherwise load
the bundle's Qt and Python libraries instead of its own and could crash. The dynamic loader of
this process read the variable when it started, so changing it here affects children only.
"""

import os
import sys


def _restore_library_path() -> None:
    if not sys.platform.startswith("linux"):
        return
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is not None:
        os.environ["LD_LIBRARY_PATH"] = original
    else:
        os.environ.pop("LD_LIBRARY_PATH", None)


_restore_library_path()
