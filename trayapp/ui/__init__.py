"""The Qt layer: the tray icon and its menu, the windows (status, history, settings: one file
per tab), notifications, the single-instance socket, and the app that starts them (``app``,
with its start-up parts beside it: ``qt_setup``, ``early_icon``, ``warm_up``, ``live_config``,
``windows``, ``commands``).

May import: everything below it (``trayapp.demo``, ``trayapp.engine``, ``trayapp.store``,
``trayapp.formats``, ``trayapp.core``, ``trayapp.probes``, ``trayapp.net``, the plain helpers);
never the command line. Only this folder imports Qt.
"""

import PySide6  # noqa: F401  # every module here imports it; its import hook comes with it

from trayapp.ui.pyside_hook import lighten_pyside_import_hook

lighten_pyside_import_hook()  # before the modules of this folder, and theirs, are imported
