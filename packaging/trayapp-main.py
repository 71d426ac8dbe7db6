"""The frozen app's entry point (PyInstaller): the same as the ``trayapp`` console script."""

import sys

from trayapp.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
