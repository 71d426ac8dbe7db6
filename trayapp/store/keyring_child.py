"""The short-lived process the tray reads and writes tokens through, so the long-running tray
never imports keyring (with secretstorage, jeepney and cryptography's Rust extension that is
about 20 MiB it would keep for the rest of its run; dropping the backend frees none of it).

``python -m trayapp.store.keyring_child get|set|delete NAME``: a secret to store comes on
stdin, never in argv or the environment; the answer is one JSON object on stdout: ``{"value":
...}`` (get), ``{"deleted": bool}`` (delete), ``{}`` (set), or ``{"error": "why"}`` with exit
status 3. Nothing is logged and nothing is written to stderr on purpose.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from trayapp.errors import SecretStoreError
from trayapp.store import secrets

OPERATIONS = ("get", "set", "delete")
FAILED = 3


def run(operation: str, name: str, given: str) -> dict[str, Any]:
    """Carry out one operation in this process; ``given`` is the secret for ``set``."""
    if operation == "get":
        return {"value": secrets.get_secret(name)}
    if operation == "set":
        secrets.set_secret(name, given)
        return {}
    if operation == "delete":
        return {"deleted": secrets.delete_secret(name)}
    raise ValueError(f"unknown operation {operation!r}: one of {', '.join(OPERATIONS)}")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(json.dumps({"error": "usage: keyring_child get|set|delete NAME"}))
        return FAILED
    operation, name = argv
    given = sys.stdin.read() if operation == "set" else ""
    try:
        answer = run(operation, name, given)
    except (SecretStoreError, ValueError) as exc:  # their texts never hold the secret
        answer, status = {"error": str(exc)}, FAILED
    except Exception as exc:  # anything else: its name only, its text might quote the secret
        answer, status = {"error": f"{type(exc).__name__} in the keyring helper"}, FAILED
    else:
        status = 0
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
