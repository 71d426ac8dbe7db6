"""``trayapp watch [--for SECONDS]``: run the engine in the terminal and print events as they come.

The same Monitor as the tray: events are recorded in the incident log exactly as the tray would.
When the reader of the output goes away (``trayapp watch | head -3``), the engine stops and the
command ends as every command does on a closed pipe (see trayapp.cli.main).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from trayapp.core import summary
from trayapp.core.model import Event
from trayapp.core.status import SourceStatus
from trayapp.engine.monitor import Monitor
from trayapp.errors import ConfigError
from trayapp.store import config, config_values, incident_log, paths, profile_lock
from trayapp.text import clean


def run_engine(args: argparse.Namespace) -> int:
    try:
        cfg = config.load(paths.config_file())
    except ConfigError as exc:
        print(f"trayapp: {exc}", file=sys.stderr)
        return 1
    if not cfg.watches:
        print("Nothing to watch: add a service with `trayapp watch add NAME|URL`.", file=sys.stderr)
        return 1
    try:
        lock = profile_lock.acquire(paths.data_dir(ensure=True), "trayapp watch")
    except profile_lock.ProfileBusy as exc:
        print(f"trayapp: {exc}", file=sys.stderr)
        return 1
    with lock:
        log = incident_log.open(paths.database_file())
        if log.notice:
            print(f"trayapp: {log.notice}", file=sys.stderr)
        try:
            return _watch(args, cfg, log)
        finally:
            log.close()


def _watch(
    args: argparse.Namespace, cfg: config_values.Config, log: incident_log.IncidentLog
) -> int:
    monitor = Monitor(cfg, log)
    printer = Printer(
        sys.stdout, total=len(cfg.watches), verbose=args.verbose, on_closed=monitor.stop
    )
    monitor.event_listeners.append(printer.event)
    monitor.status_listeners.append(printer.status)
    monitor.problem_listeners.append(_say_log_problem)
    print(intro(len(cfg.watches), str(paths.database_file()), args.duration), flush=True)
    signalled = asyncio.run(_run(monitor, args.duration))
    if monitor.writer is not None and not monitor.writer.flush():
        lost = monitor.writer.pending
        print(f"trayapp: {monitor.writer.problem}; {lost} changes were not saved", file=sys.stderr)
        return 1
    if printer.closed:
        raise BrokenPipeError  # trayapp.cli.main ends quietly, as for any command
    return 128 + signalled if signalled else 0  # 130 after Ctrl-C, as a shell reports it


def intro(count: int, database: str, duration: float | None) -> str:
    """The first line: what is watched, where events go, and how it ends."""
    services = "service" if count == 1 else "services"
    ends = f"Stops after {duration:g} s." if duration else "Ctrl-C stops."
    return f"Watching {count} {services}; events go to {database}. {ends}"


async def _run(monitor: Monitor, seconds: float | None) -> int | None:
    """Run until ``seconds`` pass or a signal comes; the signal's number, if one ended it."""
    loop = asyncio.get_running_loop()
    received: list[int] = []

    def stop(sig: int) -> None:
        received.append(sig)
        monitor.stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows
            loop.add_signal_handler(sig, stop, int(sig))
    if seconds is not None:
        loop.call_later(seconds, monitor.stop)
    await monitor.run()
    return received[0] if received else None


def _say_log_problem(problem: str | None) -> None:
    if problem:
        print(f"trayapp: {problem}; changes are kept and retried at every poll", file=sys.stderr)
    else:
        print("trayapp: the incident log is written again; nothing was lost", file=sys.stderr)


class Printer:
    """Prints a progress line during the first round, then one line per event."""

    def __init__(
        self,
        out: TextIO,
        *,
        total: int,
        verbose: bool = False,
        on_closed: Callable[[], None] = lambda: None,
    ) -> None:
        self.out = out
        self.total = total
        self.verbose = verbose
        self.seen: set[str] = set()
        self.on_closed = on_closed
        self.closed = False  # the reader went away: nothing more is written

    def _write(self, text: str) -> None:
        if self.closed:
            return
        try:
            self.out.write(text)
            self.out.flush()
        except BrokenPipeError:
            self.closed = True
            self.on_closed()

    def status(self, status: SourceStatus) -> None:
        name = status.watch.name
        now = datetime.now().astimezone()
        if name not in self.seen:
            self.seen.add(name)
            if self.out.isatty():
                end = "\n" if len(self.seen) == self.total else ""
                self._write(f"\rfirst round: {len(self.seen)}/{self.total} checked{end}")
            elif len(self.seen) == self.total:
                self._write(f"first round: {self.total}/{self.total} checked\n")
        elif self.verbose:
            self._write(f"{now:%H:%M:%S}  {clean(summary.row_text(status, now))}\n")

    def event(self, event: Event) -> None:
        stamp = event.time.astimezone().strftime("%H:%M:%S")
        who = event.service or "network"
        prefix = "\n" if self.out.isatty() and len(self.seen) < self.total else ""
        self._write(f"{prefix}{stamp}  {clean(who)}: {clean(event.message or event.kind)}\n")
