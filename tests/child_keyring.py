"""A keyring backend for the keyring child process in tests (``PYTHON_KEYRING_BACKEND=
tests.child_keyring.JsonFileKeyring``): entries in the JSON file ``TRAYAPP_TEST_KEYRING``
names (``TRAYAPP_TEST_KEYRING_LOCKED`` set: locked), plus what the process that stored one
was given in argv and its environment, so a test can see the secret never went there. Never
used outside the tests."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError


class JsonFileKeyring(KeyringBackend):
    priority = 1
    viable = False  # chosen only by name, never by keyring's own search

    @property
    def _path(self) -> Path:
        return Path(os.environ["TRAYAPP_TEST_KEYRING"])

    def _check_unlocked(self) -> None:
        if os.environ.get("TRAYAPP_TEST_KEYRING_LOCKED"):
            raise KeyringLocked("Failed to unlock the collection!")

    def _load(self) -> dict[str, object]:
        return json.loads(self._path.read_text()) if self._path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        self._check_unlocked()
        if username == "slow":
            time.sleep(30)
        value = self._load().get(f"{service}/{username}")
        return value if isinstance(value, str) else None

    def set_password(self, service: str, username: str, password: str) -> None:
        self._check_unlocked()
        if username == "leaky":
            raise RuntimeError(f"the bus said no to {password!r}")
        items = self._load()
        items[f"{service}/{username}"] = password
        items["argv"] = sys.argv
        items["environ"] = dict(os.environ)
        self._path.write_text(json.dumps(items))

    def delete_password(self, service: str, username: str) -> None:
        items = self._load()
        if items.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError("not found")
        self._path.write_text(json.dumps(items))


def stored(path: Path) -> dict[str, str]:
    """The entries in the file, by ``service/name``."""
    items = json.loads(path.read_text()) if path.exists() else {}
    return {k: v for k, v in items.items() if "/" in k and isinstance(v, str)}
