"""The network edge: the one HTTP client and request function every request goes through
(polls, probes, detection, the connectivity witness), and the backoff that keeps retries polite.

May import: the plain helpers at trayapp's top (``trayapp.errors``, ``trayapp.text``,
``trayapp.urls``) and third-party libraries; nothing else of trayapp.
"""
