"""The engine's tokens, read from the keyring once per entry and kept for the run.

In the tray a read starts a child process (the keyring stays out of the long-running app), so
every poll and probe run reading it afresh would cost a process each. What was read is kept
until a token is stored or removed (``forget``: Settings, ``trayapp secret`` over the
single-instance socket), the user asks for a check, or a probe held on "yours" is re-checked
(``forget(name)``), so a key rotated outside trayapp is still picked up then.
"""

from __future__ import annotations

import threading

from trayapp.engine.poll import TokenLookup


class TokenCache:
    """A ``TokenLookup`` that remembers each entry's answer (a secret, or None: none stored).

    Called in worker threads; ``forget`` is called from the event loop and never waits for a
    read in progress (a read that started before it is not kept)."""

    def __init__(self, lookup: TokenLookup) -> None:
        self._lookup = lookup
        self._known: dict[str, str | None] = {}
        self._generation = 0
        self._state = threading.Lock()  # held only to look at or change the dict
        self._reading = threading.Lock()  # one keyring read at a time

    def __call__(self, name: str) -> str | None:
        with self._reading:
            with self._state:
                if name in self._known:
                    return self._known[name]
                generation = self._generation
            value = self._lookup(name)  # a failure is not kept: the next run asks again
            with self._state:
                if generation == self._generation:
                    self._known[name] = value
            return value

    def forget(self, name: str | None = None) -> None:
        """Read ``name`` (or every entry) from the keyring again next time."""
        with self._state:
            self._generation += 1
            if name is None:
                self._known.clear()
            else:
                self._known.pop(name, None)
