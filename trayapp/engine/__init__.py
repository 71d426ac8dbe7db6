"""The running part: the polite scheduler that polls sources (``scheduler``: the Engine), with
its collaborators: the waits between polls (``timing``, pure), offline told apart from "service
down" and the grace after a resume (``connectivity``), the active probes and the verdict they
give with the page (``probe_runner``), and what they share (``context``, ``settings``,
``sources``). Beside it: one poll turned into a reading (``poll``), format detection by
fetching (``discovery``), what a watch would read as before it is saved (``preview``, for the
Settings window), the resolver's thread pool (``executor``) and the headless app that ties
config, engine and incident log together (``monitor``).

May import: ``trayapp.store``, ``trayapp.formats``, ``trayapp.core``, ``trayapp.probes``,
``trayapp.net`` and the plain helpers at trayapp's top; never the demo, the UI or the CLI.
"""
