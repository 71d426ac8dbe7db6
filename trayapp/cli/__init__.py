"""The ``trayapp`` command line: the parser and its exit statuses (``main``) and one module per
command (``NAME``, ``HELP``, ``add_arguments``, ``run``), imported only when its command runs.

May import: anything of trayapp (the tray itself is started from here). Exit statuses for
trayapp's own errors come from ``trayapp.errors``.
"""
