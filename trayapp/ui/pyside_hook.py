"""A lighter PySide6 import hook, installed when ``trayapp.ui`` is first imported (see there).

Every module of the Qt layer imports PySide6, so the package installs this before any of them,
and so before the modules they import: a module imported between PySide6 and this hook (38 of
them, from the app's own to platformdirs) would have its source lines kept, as below. (No
``typing`` here for that reason: the hook's own module is read the old way.)
"""

import sys


def lighten_pyside_import_hook() -> None:
    """PySide6's import hook (its ``__feature__`` support) asks of every module imported after
    PySide6 whether its source mentions "PySide6", through ``inspect.getsource``, which keeps
    each module's lines in ``linecache``: about 10 MiB for the network stack. Dropping them
    later does not give the memory back: the line strings were made between the modules' own
    objects, and the holes they leave keep Python's heap arenas in use. Ask the same question
    of the file's bytes instead (read and let go). Left alone if PySide changes."""
    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or getattr(original, "__name__", None) != "_mod_uses_pyside":
        return

    def uses_pyside(module: object) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                with open(path, "rb") as source:
                    return b"PySide6" in source.read()
            except OSError:
                pass
        return bool(original(module))  # type: ignore[misc]

    feature._mod_uses_pyside = uses_pyside  # type: ignore[attr-defined]
