"""``trayapp demo``: the story of a simulated outage (``story``), the loopback replay server
that serves it (``replay``) and the payloads it serves (``payloads``); tests use the server too.

May import: ``trayapp.engine`` and everything below it; never the UI or the command line.
"""
