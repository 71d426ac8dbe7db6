"""The frozen app's entry point (PyInstaller): the same as the ``trayapp`` console script, and
``-m trayapp.store.keyring_child`` as a plain interpreter would run it (the tray reads tokens
through that short-lived child, started with ``sys.executable``)."""

import sys

from trayapp.cli.main import main

if __name__ == "__main__":
    if sys.argv[1:3] == ["-m", "trayapp.store.keyring_child"]:
        from trayapp.store import keyring_child

        sys.exit(keyring_child.main(sys.argv[3:]))
    sys.exit(main())
