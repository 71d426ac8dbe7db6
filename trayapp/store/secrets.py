"""Tokens live in the system keyring, never in the config file, the logs or an exception.

The config names a keyring entry (``token = "NAME"``); this module reads and writes the entry
under the keyring service ``trayapp``. Backends that would store secrets in plain text, or not at
all, are refused with a message a person can act on. No function here logs or echoes a value.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from trayapp.errors import SecretStoreError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "trayapp"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}")

_FAIL = "keyring.backends.fail.Keyring"
_NULL = "keyring.backends.null.Keyring"
# keyrings.alt backends that keep secrets readable on disk, or prompt for a password on a terminal
_UNSAFE = {
    "keyrings.alt.file.PlaintextKeyring": "stores secrets in a plain-text file",
    "keyrings.alt.pyfs.PlaintextKeyring": "stores secrets in a plain-text file",
    "keyrings.alt.file.EncryptedKeyring": "asks for its password on a terminal",
    "keyrings.alt.pyfs.EncryptedKeyring": "asks for its password on a terminal",
}
CHILD = "trayapp.store.keyring_child"
CHILD_TIMEOUT = 60.0  # seconds for one keyring operation apart, an unlock prompt included
_NO_KEYRING = (
    "no system keyring is available: trayapp keeps tokens only in the desktop's secret store "
    "(GNOME Keyring or KWallet via the Secret Service, macOS Keychain, Windows Credential Manager)"
)


def check_name(name: str) -> str:
    """``name`` if it is a valid keyring entry name, else ValueError saying what is allowed."""
    if not _NAME.fullmatch(name):
        raise ValueError(
            "a secret name is 1-64 letters, digits or . _ : @ - and starts with a letter or digit"
        )
    return name


def backend_name() -> str:
    """The keyring backend in use, for messages ('SecretService Keyring', ...)."""
    return type(_backend()).__name__


def get_secret(name: str) -> str | None:
    """The secret stored under ``name``, or None when there is none."""
    check_name(name)
    store = _backend()
    try:
        return store.get_password(SERVICE, name)
    except Exception as exc:
        raise SecretStoreError(_explain(exc, "read the secret")) from None


def set_secret(name: str, value: str) -> None:
    """Store ``value`` under ``name``, replacing any previous one."""
    check_name(name)
    if not value:
        raise SecretStoreError("refusing to store an empty secret")
    store = _backend()
    try:
        store.set_password(SERVICE, name, value)
    except Exception as exc:
        raise SecretStoreError(_explain(exc, "store the secret", hide=value)) from None


def delete_secret(name: str) -> bool:
    """Delete the secret ``name``; False when there was none to delete."""
    check_name(name)
    if get_secret(name) is None:
        return False
    store = _backend()
    try:
        store.delete_password(SERVICE, name)
    except Exception as exc:
        raise SecretStoreError(_explain(exc, "delete the secret")) from None
    return True


# The same operations in a short-lived child process (``keyring_child``), for the long-running
# tray: keyring and its D-Bus and crypto stack are loaded there and freed when it exits.


def get_secret_apart(name: str) -> str | None:
    """``get_secret`` in a child process; the secret comes back over its stdout pipe."""
    value = _ask_child("get", check_name(name), "", "read the secret").get("value")
    return value if isinstance(value, str) else None


def set_secret_apart(name: str, value: str) -> None:
    """``set_secret`` in a child process; the secret goes over its stdin pipe only."""
    check_name(name)
    if not value:
        raise SecretStoreError("refusing to store an empty secret")
    _ask_child("set", name, value, "store the secret")


def delete_secret_apart(name: str) -> bool:
    """``delete_secret`` in a child process."""
    return _ask_child("delete", check_name(name), "", "delete the secret").get("deleted") is True


def _ask_child(operation: str, name: str, given: str, action: str) -> dict[str, Any]:
    """Run ``keyring_child`` once within ``CHILD_TIMEOUT``; its answer, or SecretStoreError.
    Its output is never quoted in an error (it may hold the secret); its stderr is dropped."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", CHILD, operation, name],
            input=given,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=CHILD_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SecretStoreError(
            f"could not {action}: the keyring did not answer within {CHILD_TIMEOUT:.0f} s "
            "(is it locked, waiting for its password?)"
        ) from None
    except OSError as exc:
        raise SecretStoreError(
            f"could not {action}: the keyring helper could not start ({exc.strerror})"
        ) from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise SecretStoreError(
            f"could not {action}: the keyring helper failed (exit status {done.returncode})"
        )
    if "error" in answer:
        raise SecretStoreError(str(answer["error"]))
    return answer


def _backend() -> KeyringBackend:
    """The usable keyring backend; a chain is narrowed to its best safe member."""
    import keyring  # imported on use: loading it looks for backend plugins
    from keyring.backends.chainer import ChainerBackend

    try:
        store = keyring.get_keyring()
    except Exception as exc:
        raise SecretStoreError(_explain(exc, "open the keyring")) from None
    if isinstance(store, ChainerBackend):
        members: list[KeyringBackend] = list(store.backends)
        safe = [m for m in members if unsafe_reason(m) is None]
        if not safe:
            raise SecretStoreError(unsafe_reason(members[0]) if members else _NO_KEYRING)
        return safe[0]
    reason = unsafe_reason(store)
    if reason:
        raise SecretStoreError(reason)
    return store


def unsafe_reason(store: KeyringBackend) -> str | None:
    """Why ``store`` must not hold trayapp's tokens, or None when it may."""
    cls = type(store)
    qualified = f"{cls.__module__}.{cls.__qualname__}"
    if qualified == _FAIL:
        return _NO_KEYRING
    if qualified == _NULL:
        return "the keyring is disabled (null backend): trayapp cannot store or read tokens"
    problem = _UNSAFE.get(qualified)
    if problem is None and "plaintext" in qualified.lower():
        problem = "stores secrets in plain text"
    if problem:
        return f"the keyring backend {qualified} {problem}; trayapp refuses it for tokens"
    return None


def _explain(exc: BaseException, action: str, hide: str | None = None) -> str:
    """A plain message for a keyring failure; the secret never appears in it."""
    from keyring import errors

    if isinstance(exc, errors.NoKeyringError):
        return _NO_KEYRING
    if isinstance(exc, errors.KeyringLocked):
        return f"could not {action}: the keyring is locked (unlock it, then try again)"
    if isinstance(exc, errors.InitError):
        return f"could not {action}: the keyring could not be opened ({_detail(exc, hide)})"
    return f"could not {action}: {type(exc).__name__} from the keyring ({_detail(exc, hide)})"


def _detail(exc: BaseException, hide: str | None) -> str:
    text = " ".join(str(exc).split()) or "no details"
    if hide and hide in text:
        text = text.replace(hide, "***")
    if hide and hide.strip() and hide.strip() in text:
        text = text.replace(hide.strip(), "***")
    return text if len(text) <= 160 else text[:159] + "…"
