"""``python -m trayapp`` is the same as ``trayapp``."""

import sys

from trayapp.cli import main

sys.exit(main())
