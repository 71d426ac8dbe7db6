"""The ``trayapp`` command: no subcommand starts the tray; subcommands live in trayapp.cli.

Every command module exposes ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``. Modules are imported only when their command runs, so ``trayapp`` with
no arguments starts the tray without importing the network stack first.

Exit statuses common to every command: 2 for a usage error (argparse's), 130 after Ctrl-C, and
141 (128 + SIGPIPE, what a shell reports for ``yes | head -1``) when whoever reads the output
goes away early, as in ``trayapp log | head -1``: the rest of the output is dropped quietly.
"""

from __future__ import annotations

# Only what the interpreter has loaded already: until main() runs, a Ctrl-C cannot be caught,
# so importing this module must take no time (argparse and the rest come inside main).
import importlib
import os
import sys

from trayapp import __version__

TYPE_CHECKING = False  # typing itself is not imported: it alone takes a few milliseconds

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

# subcommand name -> (module, one-line help); the order is the order of `trayapp --help`
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("trayapp.cli.check", "check services once and print their state"),
    "detect": ("trayapp.cli.detect", "tell which status format a URL speaks"),
    "watch": (
        "trayapp.cli.watch",
        "add, remove or list watched services; with no action, watch them in the terminal",
    ),
    "log": ("trayapp.cli.log", "show the incident log's history"),
    "uptime": ("trayapp.cli.uptime", "show uptime over 24 h, 7 d, 30 d and 90 d"),
    "probe": (
        "trayapp.cli.probe",
        "run one active check of an API (status, latency, your key) and say whose problem it is",
    ),
    "secret": ("trayapp.cli.secret", "store API tokens in the system keyring"),
    "autostart": ("trayapp.cli.autostart", "start the tray at login: on, off or status"),
    "demo": ("trayapp.cli.demo", "show the tray on a simulated outage, offline"),
}


def build_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="trayapp",
        description="Watch the status of the services you depend on. "
        "With no command, starts the tray icon.",
    )
    parser.add_argument("--version", action="version", version=f"trayapp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        command_parser.set_defaults(_module=module_name)
        importlib.import_module(module_name).add_arguments(command_parser)
    return parser


EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE
EXIT_INTERRUPTED = 130  # 128 + SIGINT
# What the `gui` extra installs; without it the commands that need no display still work.
GUI_MODULES = ("PySide6", "shiboken6", "qasync", "desktop_notifier")
NO_GUI = (
    "trayapp: the tray needs the GUI packages (Qt): pip install 'trayapp[gui]'. "
    "Without them, `trayapp check`, `watch`, `log`, `uptime`, `probe` and `secret` work."
)


def without_gui(exc: ModuleNotFoundError) -> int:
    """Say what to install when ``exc`` means the `gui` extra is missing (exit status 1); any
    other missing module is a bug and is raised again."""
    if (exc.name or "").split(".")[0] not in GUI_MODULES:
        raise exc
    print(NO_GUI, file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        try:
            from trayapp.ui.app import run_tray  # Qt is imported only for the tray
        except ModuleNotFoundError as exc:
            return without_gui(exc)
        return run_tray()
    try:
        try:
            return _run_command(argv)
        finally:  # inside the try: a reader gone by now is caught here, not at exit
            if sys.stdout is not None:
                sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:  # also while the command's modules are still being imported
        return EXIT_INTERRUPTED


def _discard_stdout() -> None:
    """Point stdout at devnull, so the interpreter's own flush at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        import contextlib

        with contextlib.suppress(OSError, ValueError, AttributeError):  # no real file behind it
            os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)


def _run_command(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        status: int = importlib.import_module(args._module).run(args)
    except OSError as exc:  # a data or config folder that is a file, read-only, full...
        if isinstance(exc, BrokenPipeError):
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"trayapp: cannot use {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # trayapp's own errors: a line in words, the status of its kind
        from trayapp.errors import TrayappError, exit_status

        if not isinstance(exc, TrayappError):
            raise
        print(f"trayapp: {exc}", file=sys.stderr)
        return exit_status(exc)
    return status


if __name__ == "__main__":
    sys.exit(main())
