"""``python -m trayapp`` is the same as ``trayapp``."""

import _signal  # type: ignore[import-not-found]  # built in, no stub; no time, unlike signal's enums
import sys

# A Ctrl-C while the command line is still being imported ends quietly with 130, as later
# (trayapp.cli.main.main catches KeyboardInterrupt); Python's own handler is back before main runs.
# A SIGINT ignored by whoever started us (a background job in a script) stays ignored.
_interruptible = _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler
if _interruptible:
    _signal.signal(_signal.SIGINT, lambda signum, frame: sys.exit(130))

from trayapp.cli.main import main  # noqa: E402

if _interruptible:
    _signal.signal(_signal.SIGINT, _signal.default_int_handler)
sys.exit(main())
