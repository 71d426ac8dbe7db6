"""``trayapp demo [--speed X] [--loop]``: the tray on a scripted outage story, offline.

Everything happens in a throw-away profile (a temporary config and data dir, deleted on quit),
unless TRAYAPP_CONFIG_DIR / TRAYAPP_DATA_DIR already point somewhere: the user's own config and
incident log are never touched. Another demo (or the user's own tray) runs beside it, since the
single-instance lock belongs to the data dir.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trayapp.demo.story import Demo

NAME = "demo"
HELP = "start the tray on a 3-minute outage story served from this computer (no network)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        metavar="X",
        help="tell the story X times faster (up to 10; default 1: about three minutes)",
    )
    parser.add_argument("--loop", action="store_true", help="start the story again when it ends")


def run(args: argparse.Namespace) -> int:
    from trayapp.demo import story as demo
    from trayapp.store import paths

    if not 0 < args.speed <= demo.MAX_SPEED:
        limit = f"{demo.MAX_SPEED:g}"
        print(f"trayapp demo: --speed must be above 0 and at most {limit}", file=sys.stderr)
        return 2
    try:
        from trayapp.ui.qt_setup import no_display
    except ModuleNotFoundError as exc:
        from trayapp.cli.main import without_gui

        return without_gui(exc)

    if missing := no_display():  # say so before serving and explaining a story nobody sees
        print(missing, file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="trayapp-demo-") as root:
        os.environ.update(demo.profile_env(os.environ, Path(root)))
        with demo.Demo(speed=args.speed, loop=args.loop) as story:
            try:
                demo.write_config(paths.config_file(), demo.config_text(story.base_url, args.speed))
            except FileExistsError as exc:
                print(f"trayapp demo: {exc}", file=sys.stderr)
                return 1
            _introduce(story, args)
            return _run_tray(story)


def _introduce(story: Demo, args: argparse.Namespace) -> None:
    from trayapp.demo import story as demo
    from trayapp.store import paths

    speed = f" at {args.speed:g}x speed" if args.speed != 1 else ""
    print(f"trayapp demo: an outage story served from {story.base_url}{speed}.")
    for line in demo.outline(args.speed):
        print(f"  {line}")
    print(f"Profile: {paths.config_dir()} (config), {paths.data_dir()} (incident log).")
    again = " The story repeats." if args.loop else ""
    print(f"Quit from the tray menu (or Ctrl-C here).{again}")
    sys.stdout.flush()


def _run_tray(story: Demo) -> int:
    from trayapp.demo import story as demo
    from trayapp.ui.app import TrayOptions, run_tray

    options = TrayOptions(
        engine_settings=demo.engine_settings(story.speed),
        update_interval=demo.update_interval(story.speed),
        title="demo",
        on_ready=story.begin,
        on_quit=story.close,
    )
    return run_tray(options=options)
