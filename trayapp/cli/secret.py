"""``trayapp secret``: store, check or delete a token in the system keyring.

The value is prompted for without echo (or read from stdin when it is not a terminal, for
scripts and tests) and never printed. The config then names the entry: ``token = "NAME"``.
"""

from __future__ import annotations

import argparse
import sys

from trayapp.errors import SecretStoreError

NAME = "secret"
HELP = "store, check or delete a token in the system keyring (never in the config file)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    store = actions.add_parser(
        "set",
        help="store a token (prompted without echo; read from stdin when piped)",
        description="Store a token under NAME in the system keyring. Then write "
        'token = "NAME" in the [[watch]] that needs it.',
    )
    store.add_argument("name", metavar="NAME")
    delete = actions.add_parser("delete", help="delete a stored token")
    delete.add_argument("name", metavar="NAME")
    check = actions.add_parser("check", help="say whether a token is stored (never prints it)")
    check.add_argument("name", metavar="NAME")


KEYRING_FAILED = 3  # exit status when the system keyring cannot be used at all


def run(args: argparse.Namespace) -> int:
    from trayapp.store import secrets

    try:
        secrets.check_name(args.name)
    except ValueError as exc:
        print(f"trayapp: {exc}", file=sys.stderr)
        return 2
    try:
        if args.action == "set":
            return _set(args.name)
        if args.action == "delete":
            if not secrets.delete_secret(args.name):
                print(f"No secret named {args.name!r} is stored.", file=sys.stderr)
                return 1
            print(f"Deleted secret {args.name!r}.")
            _tell_running_app()
            return 0
        if secrets.get_secret(args.name) is None:
            print(f"No secret named {args.name!r} is stored.")
            return 1
        print(f"Secret {args.name!r} is stored ({secrets.backend_name()}).")
        return 0
    except SecretStoreError as exc:  # not "not stored" (1): the keyring itself failed
        print(f"trayapp: {exc}", file=sys.stderr)
        return KEYRING_FAILED


def _set(name: str) -> int:
    from trayapp.store import secrets

    value = _read_value(name)
    if not value:
        print("trayapp: empty secret: nothing stored", file=sys.stderr)
        return 1
    secrets.set_secret(name, value)
    print(f"Stored secret {name!r} in the system keyring ({secrets.backend_name()}).")
    print(f'Use it with token = "{name}" in a [[watch]] of the config file.')
    _tell_running_app()
    return 0


def _tell_running_app() -> None:
    """A tray running on this profile re-checks at once the probes held on a rejected key
    (through its single-instance socket); with none running there is nothing to tell."""
    from trayapp.store import paths

    try:
        from trayapp.ui.single_instance import TOKENS_CHANGED, may_be_running, send, server_name
    except ImportError:  # no Qt here: no tray either
        return
    name = server_name(paths.data_dir())
    if may_be_running(name):
        send(name, TOKENS_CHANGED)


def _read_value(name: str) -> str:
    """The secret, typed without echo at a terminal, or the first line of piped stdin."""
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"Secret for {name} (not shown): ").strip()
    return (sys.stdin.readline() if sys.stdin is not None else "").strip()
