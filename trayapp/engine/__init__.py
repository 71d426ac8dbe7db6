"""The running part: the polite scheduler that polls sources and probes (``scheduler``), one
poll turned into a reading (``poll``), format detection by fetching (``discovery``) and the
headless app that ties config, engine and incident log together (``monitor``).

May import: ``trayapp.store``, ``trayapp.formats``, ``trayapp.core``, ``trayapp.probes``,
``trayapp.net`` and the plain helpers at trayapp's top; never the demo, the UI or the CLI.
"""
