"""``trayapp autostart on|off|status``: start the tray at login, or stop doing so.

The same switch as "Start at login" in Settings (both go through ``trayapp.store.autostart``).
TRAYAPP_CONFIG_DIR / TRAYAPP_DATA_DIR set at ``on`` time go into the entry (not on Windows).
"""

from __future__ import annotations

import argparse
import sys

from trayapp.errors import AutostartError

NAME = "autostart"
HELP = "start the tray at login: on, off or status"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        nargs="?",
        choices=("on", "off", "status"),
        default="status",
        help="on: start at login (records how this installation starts); off: stop; "
        "status (default): say which",
    )


def run(args: argparse.Namespace) -> int:
    from trayapp.store import autostart

    try:
        if args.action == "on":
            argv = autostart.enable()
            print(f"trayapp will start at login ({autostart.where()}).")
            print(f"It runs: {' '.join(argv)}")
            env = autostart.profile_env()
            if env and autostart.carries_env():
                print(f"With: {' '.join(f'{k}={v}' for k, v in env.items())}")
            elif env:
                names = " and ".join(env)
                print(
                    f"trayapp: note: the Run key cannot carry {names}; set them as user "
                    "environment variables (setx) or the default profile starts at login",
                    file=sys.stderr,
                )
            return 0
        if args.action == "off":
            was_on = autostart.disable()
            print("trayapp will no longer start at login." if was_on else "It was already off.")
            return 0
    except AutostartError as exc:
        print(f"trayapp: {exc}", file=sys.stderr)
        return 1
    if autostart.is_enabled():
        print(f"Start at login: on ({autostart.where()})")
        command = autostart.configured_command()
        if command:
            print(f"It runs: {command}")
    else:
        print("Start at login: off")
    return 0
