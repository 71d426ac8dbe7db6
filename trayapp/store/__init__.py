"""What trayapp keeps on disk: where files live (``paths``), the config file (values, reader,
edits), the incident log (schema, writer, queries, uptime, export), the built-in catalog and
its search, tokens in the system keyring, and the start-at-login entry.

May import: ``trayapp.formats``, ``trayapp.core``, ``trayapp.probes``, ``trayapp.net`` and the
plain helpers at trayapp's top; never the engine, the demo, the UI or the command line.
"""
