"""Every exception trayapp raises on purpose, in one tree, and the CLI's exit status for each.

One base class, ``TrayappError``, so a caller (the CLI, the Settings window, a script) can catch
"anything trayapp refused" without also catching its own bugs; under it one branch per place a
problem comes from: the config file, what the user typed, the network, a status payload, the
files trayapp keeps, the system keyring. Each class also keeps the builtin base it had before
the tree existed (``ValueError``, ``KeyError``, ``RuntimeError``, ``LookupError``), so code that
catches those keeps working. Every message is plain words for a person and never holds a secret.

This module imports nothing from trayapp: every layer may raise these.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

# ----------------------------------------------------------------------------- the tree


class TrayappError(Exception):
    """Something trayapp could not do, said in words; the root of every error below."""


class ConfigError(TrayappError, ValueError):
    """A config file that cannot be used: which file, which line (when known), what is wrong."""

    def __init__(self, path: Path | str, line: int | None, problem: str) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}")


class InputError(TrayappError, ValueError):
    """A value typed by the user (a command line, a search, a condition) that cannot be used."""


class UsageError(InputError):
    """A command line that cannot be run; the message never repeats a header value."""


class ConditionError(InputError):
    """A JSON condition that does not parse; the message shows the accepted forms."""


class UnknownService(InputError, LookupError):
    """A service name the incident log has never heard of; the message lists the known ones."""


class NetworkError(TrayappError):
    """No usable answer came back over the network."""


ErrorKind = Literal[
    "timeout",
    "connect",
    "dns",
    "tls",
    "too_large",
    "scheme",
    "url",
    "redirects",
    "redirect_refused",
    "protocol",
    "pool",
    "http",
]


class FetchError(NetworkError):
    """A request that got no usable answer; ``kind`` says why in one word, the message in words."""

    def __init__(self, kind: ErrorKind, message: str, *, connected: bool = False) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.connected = connected  # True when the server was reached (e.g. a read timeout)


class FormatProblem(TrayappError):
    """Something does not speak a status format the way trayapp expects."""


class FormatError(FormatProblem, ValueError):
    """The payload is not what this format promises; the message is a one-line reason."""


class UnknownFormat(FormatProblem, KeyError):
    """A format name that is not in the registry."""


class DetectionError(FormatProblem):
    """Nothing at the URL fits a known format; the message says what was tried, in words."""

    def __init__(self, message: str, tried: tuple[str, ...] = (), *, reached: bool = True) -> None:
        super().__init__(message)
        self.tried = tried
        self.reached = reached  # False when the URL's server could not be reached at all


class StoreError(TrayappError):
    """A file trayapp keeps (incident log, catalog, login entry) cannot be used as it is."""


class IncidentLogError(StoreError, RuntimeError):
    """The log cannot be used as it is (e.g. written by a newer trayapp); the message says why."""


class CatalogError(StoreError, ValueError):
    """The shipped catalog is malformed: a packaging bug, reported with the entry at fault."""


class AutostartError(StoreError):
    """Start-at-login could not be changed; the message says why in words."""


class KeyringError(TrayappError):
    """The system keyring cannot be used; the message says why and never holds a secret."""


# The name the keyring module has always used for it.
SecretStoreError = KeyringError


# ----------------------------------------------------------------------------- exit statuses
# What a command's process returns when one of these ends it. Statuses common to every command
# besides these: 0 done, 130 after Ctrl-C, 141 when the reader of the output went away.

EXIT_FAILED = 1  # it ran and could not do it: a broken config, nothing found, no such service
EXIT_USAGE = 2  # the command line cannot be run (argparse uses 2 too)
EXIT_KEYRING = 3  # the keyring cannot be used: a problem on this side, as a probe's 'yours'

# Most specific first; the first class the error is an instance of gives the status.
EXIT_STATUS: tuple[tuple[type[TrayappError], int], ...] = (
    (ConfigError, EXIT_FAILED),  # the message names the file and line; not a usage error
    (UnknownService, EXIT_FAILED),
    (InputError, EXIT_USAGE),
    (KeyringError, EXIT_KEYRING),
    (TrayappError, EXIT_FAILED),
)


def exit_status(error: TrayappError) -> int:
    """The status a command exits with when ``error`` ends it."""
    return next(status for kind, status in EXIT_STATUS if isinstance(error, kind))
