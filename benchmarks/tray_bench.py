"""Tray benchmark: trayapp beside a bare PySide6 tray icon (the floor), in the same run.

A script that reports, not a timed test. Run it inside the headless desktop:
    tests/desktop/with-desktop.sh .venv/bin/python benchmarks/tray_bench.py [--quick] [--json]

Each run launches, one after the other (the order alternates between runs):

- trayapp on a new profile, as a first start (no cached start-up icon): time to icon only;
  it then runs until every service was checked once (which caches the icon) and quits;
- trayapp again on that profile, as every later start, and the floor: time to icon, then
  idle RSS, PSS and USS after ``--settle`` seconds (30) from launch, then CPU time and
  wake-ups over the next ``--window`` seconds (60). trayapp then reports its state and quits
  by its single-instance ``quit`` command (exit status 0 is checked); the floor gets SIGTERM.

Time to icon is from ``Popen`` to an item owned by the child's PID in the
StatusNotifierWatcher's list (``tray_host.py``, shared with packaging/linux/measure-startup.py).
Wake-ups are context switches, voluntary and not, summed over the child's threads
(/proc/PID/task/*/status); CPU is utime + stime from /proc/PID/stat (10 ms ticks) and, finer,
the threads' run time from /proc/PID/task/*/schedstat. Figures are medians over ``--runs``.

trayapp watches the catalog's default services (formats, parameters and poll intervals as the
catalog has them), served from loopback by a ``ReplayServer`` in a child process (this script
with ``--serve``): nothing leaves the machine. The icon is waited for from another short-lived
child (``--wait-icon``), so that this process maps neither Qt nor D-Bus libraries: a library
mapped by two processes counts half in each one's PSS.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

HERE = Path(__file__).resolve()
REPO = HERE.parents[1]
PYTHON = sys.executable

# Targets from the issue.
TARGET_ICON_RATIO = 1.3  # time to icon at most 1.3x the floor's
TARGET_PSS_EXTRA = 25.0  # idle PSS at most the floor's + 25 MiB
TARGET_OUTAGE_PSS_EXTRA = 30.0  # ... and the floor's + 30 MiB once an outage was notified
TARGET_EXTRA_WAKEUPS = 0.0  # per minute above the floor's, in a window without polls
TARGET_THREADS = 5  # threads at idle, online and offline
EARLY = 10.0  # seconds after launch: wake-ups are also counted from then to the memory reading
OUTAGE_DEADLINE = 90.0  # seconds for the outage to be shown and notified (30 s group window)
RELEASE_WAIT = 5.0  # seconds after the notification before the memory reading (the app gives
# memory back 2 s after its last status)

Emit = Callable[[str], None]  # where progress lines go

FLOOR = """\
import sys
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
app = QApplication(sys.argv[:1])
pixmap = QPixmap(22, 22)
pixmap.fill(QColor("#009e73"))
tray = QSystemTrayIcon(QIcon(pixmap))
tray.show()
sys.exit(app.exec())
"""

# What the loopback pages list (made up, in the shapes the real pages have): none has a problem.
COMPONENTS: Mapping[str, Mapping[str, Sequence[str]]] = {
    "openai": {
        "APIs": ("Responses", "Chat Completions", "Realtime", "Embeddings", "Files", "Batch"),
        "ChatGPT": ("Login", "Conversations", "Voice mode", "Image generation", "Search"),
        "Sora": ("Video generation", "Feed"),
        "Playground": ("Playground",),
    },
    "anthropic": {
        "": ("claude.ai", "Claude Console", "Claude API", "Claude Code"),
    },
    "github": {
        "": (
            "Git Operations", "Webhooks", "API Requests", "Issues", "Pull Requests",
            "Actions", "Packages", "Pages", "Codespaces", "Copilot",
        ),
    },
}  # fmt: skip
GCP_TEMPLATE = REPO / "tests" / "fixtures" / "gcp" / "incidents_all_closed.json"
GCP_PRODUCTS = (
    ("Cloud Run", "runPRODUCTid000001"),
    ("Compute Engine", "computePRODUCTid01"),
    ("Cloud Storage", "storagePRODUCTid01"),
    ("BigQuery", "bigqueryPRODUCTid1"),
)


@dataclass(frozen=True, slots=True)
class Plan:
    """How much to measure; ``--quick`` is a smoke run of about two minutes."""

    runs: int
    settle: float  # seconds from launch to the memory reading
    window: float  # seconds over which CPU and wake-ups are counted
    gcp_kb: int  # size of the Google incidents.json served (the real one is about 1 MB)

    @property
    def lifetime(self) -> float:
        """An upper bound on the whole benchmark: the server child leaves after it regardless."""
        return 300.0 + self.runs * (2 * (self.settle + self.window) + 180.0)


@dataclass(slots=True)
class Sample:
    """One launch: what was measured, and how it ended."""

    who: str  # "trayapp first start", "trayapp", "trayapp offline", "floor"
    run: int
    icon: float  # seconds from launch to the icon registered
    rss: float | None = None  # MiB
    pss: float | None = None
    uss: float | None = None  # private pages only: what the process alone costs
    cpu_ms: float | None = None  # utime + stime, 10 ms ticks
    run_ms: float | None = None  # run time of the threads (schedstat), ns resolution
    wakeups: int | None = None  # context switches in the window, all threads
    wakeups_per_min: float | None = None
    early_wakeups: int | None = None  # from EARLY s after launch to the memory reading
    outage_pss: float | None = None  # MiB, once an outage was shown and notified
    outage_rss: float | None = None
    outage_seconds: float | None = None  # from the outage to its notification
    by_thread: dict[str, int] = field(default_factory=dict)
    threads: int | None = None
    threads_gone: int = 0  # threads that ended in the window (their switches are lost)
    qt_sharers: int | None = None  # other processes mapping QtCore at the memory reading
    polls: int | None = None  # requests the server answered in the window
    exit: int | None = None
    problems: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------- /proc


def memory(pid: int) -> dict[str, float]:
    """RSS, PSS and USS (private clean + dirty) in MiB, from /proc/PID/smaps_rollup."""
    kb: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, _, rest = line.partition(":")
        kb[key] = int(rest.split()[0])
    private = kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)
    return {"rss": kb["Rss"] / 1024, "pss": kb["Pss"] / 1024, "uss": private / 1024}


def qt_sharers(pid: int) -> int:
    """How many other processes map the QtCore library ``pid`` maps: they share its pages, and
    so lower its PSS (another Qt program, or a test run going on beside the benchmark)."""
    maps = Path(f"/proc/{pid}/maps").read_text().splitlines()
    core = next((line.split()[-1] for line in maps if "libQt6Core" in line), None)
    if core is None:
        return 0
    count = 0
    for other in Path("/proc").iterdir():
        if not other.name.isdigit() or int(other.name) == pid:
            continue
        try:
            if core in (other / "maps").read_text():
                count += 1
        except OSError:  # gone, or not ours to read
            continue
    return count


def cpu_ticks(pid: int) -> int:
    """utime + stime of the whole process (threads that ended included), in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5), after pid and comm


@dataclass(frozen=True, slots=True)
class Thread:
    name: str
    switches: int  # voluntary + nonvoluntary context switches
    run_ns: int  # time on a CPU


def threads(pid: int) -> dict[int, Thread]:
    """The process's live threads by TID."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            status = (task / "status").read_text()
            run_ns = int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue  # it ended while we looked
        values = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        switches = int(values["voluntary_ctxt_switches"]) + int(
            values["nonvoluntary_ctxt_switches"]
        )
        found[int(task.name)] = Thread(values["Name"].strip(), switches, run_ns)
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


# ---------------------------------------------------------------------------------- children


class Server:
    """The loopback status server: this script with ``--serve``, in a child process."""

    def __init__(self, plan: Plan) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, str(HERE), "--serve", "--gcp-kb", str(plan.gcp_kb),
             "--lifetime", str(plan.lifetime)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO,
        )  # fmt: skip
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._in: TextIO = self.proc.stdin
        self._out: TextIO = self.proc.stdout
        hello = self._out.readline()
        if not hello:
            raise SystemExit("the replay server did not start")
        info = json.loads(hello)
        self.base_url: str = info["base_url"]
        self.config: str = info["config"]
        self.offline_config: str = info["offline_config"]
        self.outage_service: str = info["outage_service"]
        self.pages: dict[str, int] = info["pages"]

    def hits(self) -> list[tuple[float, str, int | None]]:
        """(time.monotonic(), path, status) of every request answered so far."""
        self._in.write("hits\n")
        self._in.flush()
        return [tuple(hit) for hit in json.loads(self._out.readline())]  # type: ignore[misc]

    def set_outage(self, on: bool) -> None:
        """Put the outage service's page into a major outage, or back to normal."""
        self._in.write("outage\n" if on else "calm\n")
        self._in.flush()
        if self._out.readline().strip() != "ok":
            raise SystemExit("the replay server did not take the outage command")

    def close(self) -> None:
        self._in.close()  # the child stops when its stdin closes
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass(frozen=True, slots=True)
class Child:
    """A launched process whose icon was seen."""

    proc: subprocess.Popen[bytes]
    started: float  # time.monotonic() just before Popen
    icon: float  # seconds from then to its icon being registered
    err: Path  # its stderr

    @property
    def pid(self) -> int:
        return self.proc.pid


def launch(label: str, command: list[str], env: Mapping[str, str], root: Path) -> Child:
    """Start ``command`` and wait for its icon (from a child that watches the D-Bus side)."""
    waiter = subprocess.Popen(
        [PYTHON, str(HERE), "--wait-icon"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert waiter.stdin is not None and waiter.stdout is not None
    log = root / f"{label.replace(' ', '-')}-{time.time_ns()}"
    try:
        if waiter.stdout.readline().strip() != "ready":
            raise SystemExit("the icon waiter could not reach the StatusNotifierWatcher")
        with log.with_suffix(".out").open("wb") as out, log.with_suffix(".err").open("wb") as err:
            started = time.monotonic()
            proc = subprocess.Popen(command, env=dict(env), stdout=out, stderr=err, cwd=root)
        waiter.stdin.write(f"{proc.pid}\n")
        waiter.stdin.flush()
        answer = waiter.stdout.readline().split()
    finally:
        waiter.stdin.close()
        waiter.wait(30)
    if not answer or answer[0] != "icon":
        problem = "exited" if proc.poll() is not None else "no icon within 60 s"
        stop(proc)
        raise SystemExit(f"{label}: {problem}:\n{_tail(log.with_suffix('.err'))}")
    return Child(proc, started, float(answer[1]) - started, log.with_suffix(".err"))


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End a child of ours that is still running (SIGTERM, then SIGKILL)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


# ---------------------------------------------------------------------------------- the app


class Profile:
    """A trayapp profile of its own (config and data dirs) watching the loopback services."""

    def __init__(self, root: Path, config: str) -> None:
        self.root = root
        (root / "config").mkdir(parents=True)
        (root / "data").mkdir()
        (root / "config" / "config.toml").write_text(config)
        self.env = {
            **os.environ,
            "TRAYAPP_CONFIG_DIR": str(root / "config"),
            "TRAYAPP_DATA_DIR": str(root / "data"),
        }
        code = (
            "import sys; from pathlib import Path; from trayapp.ui.single_instance import "
            "server_name; print(server_name(Path(sys.argv[1])))"
        )
        done = subprocess.run(
            [PYTHON, "-c", code, str(root / "data")],
            env=self.env, capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
        self.socket = done.stdout.strip()

    def ask(self, command: str, timeout: float = 5.0) -> str:
        """One single-instance command (one line each way), over the app's Unix socket."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(self.socket)
            sock.sendall(command.encode() + b"\n")
            answer = b""
            while not answer.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        return answer.decode(errors="replace").strip()

    def state(self) -> dict[str, Any]:
        try:
            return json.loads(self.ask("state") or "{}")
        except (OSError, ValueError):
            return {}

    def cached_icon(self) -> bool:
        return any((self.root / "data" / "cache").glob("starting-icon-*/*.png"))

    def quit(self, child: Child, sample: Sample) -> None:
        """Quit by the ``quit`` command; exit status 0 and an empty stderr are expected."""
        try:
            if self.ask("quit") != "ok":
                sample.problems.append("quit was not acknowledged")
            sample.exit = child.proc.wait(30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            sample.problems.append(f"quit failed: {exc!r}")
            stop(child.proc)
            sample.exit = child.proc.returncode
        if sample.exit != 0:
            sample.problems.append(f"exit status {sample.exit}")
        err = child.err.read_text(errors="replace").strip()
        if err:
            sample.problems.append(f"stderr: {err[-500:]}")


def all_checked(state: Mapping[str, Any], count: int) -> bool:
    services = state.get("services", {})
    return len(services) == count and all(s.get("checked") for s in services.values())


def app_command() -> list[str]:
    """What a user runs: the ``trayapp`` script next to this Python, else ``python -m``."""
    script = Path(PYTHON).with_name("trayapp")
    return [str(script)] if script.exists() else [PYTHON, "-m", "trayapp"]


def first_start(run: int, server: Server, root: Path) -> tuple[Sample, Profile]:
    """trayapp on a new profile: time to icon, then on until every service was checked once
    (the start-up icon is cached then), and quit."""
    profile = Profile(root, server.config)
    child = launch("trayapp first start", app_command(), profile.env, root)
    sample = Sample("trayapp first start", run, child.icon)
    deadline = time.monotonic() + 60
    while not all_checked(state := profile.state(), len(server.pages)) or not profile.cached_icon():
        if child.proc.poll() is not None or time.monotonic() > deadline:
            sample.problems.append(f"not every service checked, or no icon cached: {state}")
            break
        time.sleep(0.25)
    profile.quit(child, sample)
    return sample, profile


Ending = Callable[[Child, Sample], None]


def idle_run(
    who: str, run: int, command: list[str], env: Mapping[str, str], root: Path, plan: Plan,
    server: Server, end: Ending,
) -> Sample:  # fmt: skip
    """Launch, time the icon, read memory at ``settle`` and count over ``window``; then end."""
    child = launch(who, command, env, root)
    sample = Sample(who, run, child.icon)
    try:
        time.sleep(max(0.0, child.started + min(EARLY, plan.settle) - time.monotonic()))
        early = threads(child.pid) if alive(child.pid) else {}
        time.sleep(max(0.0, child.started + plan.settle - time.monotonic()))
        if not alive(child.pid):
            raise SystemExit(f"{who} ended before the memory reading:\n{_tail(child.err)}")
        now = threads(child.pid)
        sample.early_wakeups = sum(
            t.switches - early.get(tid, Thread("", 0, 0)).switches for tid, t in now.items()
        )
        for key, value in memory(child.pid).items():
            setattr(sample, key, value)
        sample.qt_sharers = qt_sharers(child.pid)
        before, ticks, opened = threads(child.pid), cpu_ticks(child.pid), time.monotonic()
        time.sleep(plan.window)
        after, ticks_after, closed = threads(child.pid), cpu_ticks(child.pid), time.monotonic()
        count(sample, before, after)
        sample.wakeups_per_min = sample.wakeups * 60 / (closed - opened)
        sample.cpu_ms = (ticks_after - ticks) * 1000 / os.sysconf("SC_CLK_TCK")
        sample.polls = sum(opened <= t <= closed for t, _, _ in server.hits())
    finally:
        end(child, sample)
    return sample


def count(sample: Sample, before: Mapping[int, Thread], after: Mapping[int, Thread]) -> None:
    """Wake-ups and run time between two looks at the threads (one born since counts whole)."""
    sample.wakeups, sample.run_ms = 0, 0.0
    for tid, thread in after.items():
        old = before.get(tid, Thread(thread.name, 0, 0))
        delta = thread.switches - old.switches
        sample.wakeups += delta
        sample.run_ms += (thread.run_ns - old.run_ns) / 1e6
        if delta:
            sample.by_thread[thread.name] = sample.by_thread.get(thread.name, 0) + delta
    sample.threads = len(after)
    sample.threads_gone = len(before.keys() - after.keys())


def app_end(profile: Profile, server: Server) -> Ending:
    """Check that trayapp read every service (all operational); then put the outage service's
    page into an outage, have trayapp check at once, and read its memory once the outage is
    shown and notified; then quit it."""

    def end(child: Child, sample: Sample) -> None:
        state = profile.state()
        if not all_checked(state, len(server.pages)):
            sample.problems.append(f"not every service was checked: {state}")
        elif {s["severity"] for s in state["services"].values()} != {"operational"}:
            sample.problems.append(f"a service does not read operational: {state}")
        elif alive(child.pid):
            outage_reading(profile, server, child, sample)
        profile.quit(child, sample)

    return end


def outage_reading(profile: Profile, server: Server, child: Child, sample: Sample) -> None:
    """The outage phase of a later start (the page is put back afterwards)."""
    notified = notify_count()
    server.set_outage(True)
    began = time.monotonic()
    asked = 0.0
    try:
        while True:
            services = profile.state().get("services", {})
            shown = services.get(server.outage_service, {}).get("severity") == "major_outage"
            if not shown and time.monotonic() - asked > 2.0:  # a worse state needs two readings
                if profile.ask("check") != "ok":
                    sample.problems.append("the check command was not acknowledged")
                    return
                asked = time.monotonic()
            if shown and notify_count() > notified:
                sample.outage_seconds = time.monotonic() - began
                break
            if time.monotonic() - began > OUTAGE_DEADLINE or not alive(child.pid):
                sample.problems.append(f"the outage was not shown and notified: {services}")
                return
            time.sleep(0.25)
        time.sleep(RELEASE_WAIT)
        reading = memory(child.pid)
        sample.outage_pss, sample.outage_rss = reading["pss"], reading["rss"]
    finally:
        server.set_outage(False)


def notify_count() -> int:
    """Notify calls on the session bus so far (the harness logs them)."""
    log = Path(os.environ["HARNESS_NOTIFY_LOG"])
    return log.read_text(errors="replace").count("member=Notify") if log.exists() else 0


def offline_end(profile: Profile) -> Ending:
    """Check that trayapp reads offline, then quit it."""

    def end(child: Child, sample: Sample) -> None:
        state = profile.state()
        if state.get("offline") is not True:
            sample.problems.append(f"trayapp does not read offline: {state}")
        profile.quit(child, sample)

    return end


def floor_end(child: Child, sample: Sample) -> None:
    """The floor has no quit path (that would be code of its own): SIGTERM ends it."""
    stop(child.proc)
    sample.exit = child.proc.returncode
    if sample.exit != -signal.SIGTERM:
        sample.problems.append(f"exit status {sample.exit}")


def app_pair(run: int, server: Server, root: Path, plan: Plan, emit: Emit) -> list[Sample]:
    """trayapp's first start on a new profile, then a later start on it, measured in full."""
    first, profile = first_start(run, server, root)
    emit(f"run {run}: {first.who}: icon {first.icon:.3f} s" + _problems(first))
    time.sleep(1.0)
    end = app_end(profile, server)
    later = idle_run("trayapp", run, app_command(), profile.env, root, plan, server, end)
    emit(_progress(later))
    return [first, later]


def offline_run(run: int, server: Server, root: Path, plan: Plan, emit: Emit) -> list[Sample]:
    """trayapp on a profile whose pages are at loopback ports nothing listens on: offline."""
    folder = root / "offline"
    profile = Profile(folder, server.offline_config)
    sample = idle_run(
        "trayapp offline", run, app_command(), profile.env, folder, plan, server,
        offline_end(profile),
    )  # fmt: skip
    emit(_progress(sample))
    return [sample]


def floor_run(run: int, server: Server, root: Path, plan: Plan, emit: Emit) -> list[Sample]:
    sample = idle_run(
        "floor", run, [PYTHON, "-c", FLOOR], os.environ, root, plan, server, floor_end
    )
    emit(_progress(sample))
    return [sample]


def _progress(s: Sample) -> str:
    return (
        f"run {s.run}: {s.who}: icon {s.icon:.3f} s, PSS {s.pss:.1f} MiB, RSS {s.rss:.1f} MiB, "
        f"CPU {s.cpu_ms:.0f} ms, wake-ups {s.wakeups} {s.by_thread} (from {EARLY:g} s: "
        f"{s.early_wakeups}), threads {s.threads}, polls {s.polls}"
        + (f", after outage PSS {s.outage_pss:.1f} MiB" if s.outage_pss is not None else "")
        + _problems(s)
    )


def _problems(s: Sample) -> str:
    return f"; problems: {s.problems}" if s.problems else ""


# ---------------------------------------------------------------------------------- report


def median(samples: Iterable[Sample], key: str) -> float | None:
    values = [getattr(s, key) for s in samples if getattr(s, key) is not None]
    return statistics.median(values) if values else None


def pool(group: list[Sample], key: str, clean: bool) -> list[Sample]:
    """The samples a median of ``key`` is taken over: for PSS and USS, when ``clean``, only
    the readings made while no other process mapped Qt."""
    if clean and key in ("pss", "uss"):
        return [s for s in group if not s.qt_sharers]
    return group


def summarise(samples: list[Sample]) -> dict[str, Any]:
    first = [s for s in samples if s.who == "trayapp first start"]
    app = [s for s in samples if s.who == "trayapp"]
    offline = [s for s in samples if s.who == "trayapp offline"]
    floor = [s for s in samples if s.who == "floor"]
    keys = (
        "icon", "rss", "pss", "uss", "cpu_ms", "run_ms", "wakeups", "wakeups_per_min", "polls",
        "threads", "early_wakeups", "outage_pss", "outage_rss", "outage_seconds",
    )  # fmt: skip
    clean = all(any(not s.qt_sharers for s in group) for group in (app, floor))
    med = {
        "trayapp first start": {"icon": median(first, "icon")},
        "trayapp": {k: median(pool(app, k, clean), k) for k in keys},
        "trayapp offline": {k: median(pool(offline, k, clean), k) for k in keys},
        "floor": {k: median(pool(floor, k, clean), k) for k in keys},
    }
    by_thread = {
        who: {
            name: statistics.median(s.by_thread.get(name, 0) for s in group)
            for name in sorted({name for s in group for name in s.by_thread})
        }
        for who, group in (("online", app), ("offline", offline))
    }
    floor_icon, floor_pss = med["floor"]["icon"], med["floor"]["pss"]
    floor_wakeups = med["floor"]["wakeups_per_min"]
    outage_pss = med["trayapp"]["outage_pss"]

    def quiet(who: str) -> bool:
        extra = med[who]["wakeups_per_min"] - floor_wakeups
        return extra <= TARGET_EXTRA_WAKEUPS and not med[who]["polls"]

    targets = {
        f"time to icon, first start <= {TARGET_ICON_RATIO}x the floor": (
            med["trayapp first start"]["icon"] <= TARGET_ICON_RATIO * floor_icon
        ),
        f"time to icon, later starts <= {TARGET_ICON_RATIO}x the floor": (
            med["trayapp"]["icon"] <= TARGET_ICON_RATIO * floor_icon
        ),
        f"idle PSS <= the floor's + {TARGET_PSS_EXTRA:g} MiB": (
            med["trayapp"]["pss"] <= floor_pss + TARGET_PSS_EXTRA
        ),
        f"PSS after an outage was notified <= the floor's + {TARGET_OUTAGE_PSS_EXTRA:g} MiB": (
            outage_pss is not None and outage_pss <= floor_pss + TARGET_OUTAGE_PSS_EXTRA
        ),
        "no wake-ups between polls, online (none above the floor's, no poll in the window)": (
            quiet("trayapp")
        ),
        "no wake-ups between polls, offline (none above the floor's)": quiet("trayapp offline"),
        f"threads at idle <= {TARGET_THREADS}, online and offline": (
            max(med["trayapp"]["threads"], med["trayapp offline"]["threads"]) <= TARGET_THREADS
        ),
    }
    sharers = [s for s in samples if s.qt_sharers]
    cautions = [
        f"{len(sharers)} of {len(app) + len(floor)} memory readings found other processes "
        f"mapping QtCore (up to {max(s.qt_sharers or 0 for s in sharers)}): PSS splits Qt's "
        "pages with them, so those readings are low, USS more so (a test run going on?). "
        + ("PSS and USS are the medians of the other readings." if clean else
           "No clean reading on both sides: PSS and USS are not to be trusted.")
    ] if sharers else []  # fmt: skip
    return {
        "medians": med,
        "clean_memory": clean,
        "cautions": cautions,
        "trayapp_wakeups_by_thread": by_thread,
        "targets": targets,
        "problems": [f"{s.who} (run {s.run}): {p}" for s in samples for p in s.problems],
    }


def render(result: dict[str, Any], samples: list[Sample], plan: Plan, machine: str) -> str:
    """The medians as a table (trayapp, floor, the difference or ratio, trayapp's range)."""
    med = result["medians"]
    floor = med["floor"]

    def row(
        label: str, who: str, key: str, fmt: str, ratio: bool = False, base_key: str = ""
    ) -> tuple[str, ...]:
        mine, base = med[who][key], floor.get(base_key or key)
        if mine is None:
            return label, "-", "", "", ""
        group = pool([s for s in samples if s.who == who], key, result["clean_memory"])
        values = [getattr(s, key) for s in group if getattr(s, key) is not None]
        if base is None:
            versus = ""
        elif ratio:
            versus = f"{mine / base:.2f}x"
        else:
            versus = fmt.replace("{:", "{:+").format(mine - base)
        number = fmt.partition("}")[0] + "}"  # the range without the unit
        spread = f"{number.format(min(values))}-{number.format(max(values))}" if values else ""
        return label, fmt.format(mine), "" if base is None else fmt.format(base), versus, spread

    settle, window = f"{plan.settle:g} s", f"{plan.window:g} s"
    rows = [
        ("", "trayapp", "floor", "vs floor", "trayapp range"),
        row("time to icon, first start", "trayapp first start", "icon", "{:.2f} s", ratio=True),
        row("time to icon, later starts", "trayapp", "icon", "{:.2f} s", ratio=True),
        row(f"idle RSS at {settle}", "trayapp", "rss", "{:.1f} MiB"),
        row(f"idle PSS at {settle}", "trayapp", "pss", "{:.1f} MiB"),
        row(f"idle USS at {settle}", "trayapp", "uss", "{:.1f} MiB"),
        row(f"CPU over {window} (utime+stime)", "trayapp", "cpu_ms", "{:.0f} ms"),
        row(f"threads' run time over {window}", "trayapp", "run_ms", "{:.1f} ms"),
        row(f"wake-ups over {window}", "trayapp", "wakeups", "{:.0f}"),
        row("wake-ups per minute", "trayapp", "wakeups_per_min", "{:.1f}"),
        row("threads", "trayapp", "threads", "{:.0f}"),
        row("polls answered in the window", "trayapp", "polls", "{:.0f}"),
        row(f"wake-ups {EARLY:g} s to {settle} after launch", "trayapp", "early_wakeups", "{:.0f}"),
        row("PSS after an outage, notified", "trayapp", "outage_pss", "{:.1f} MiB", base_key="pss"),
        row("RSS after an outage, notified", "trayapp", "outage_rss", "{:.1f} MiB", base_key="rss"),
        row("offline: idle PSS", "trayapp offline", "pss", "{:.1f} MiB"),
        row(
            f"offline: wake-ups {EARLY:g} s to {settle}",
            "trayapp offline",
            "early_wakeups",
            "{:.0f}",
        ),
        row("offline: wake-ups per minute", "trayapp offline", "wakeups_per_min", "{:.1f}"),
        row("offline: threads", "trayapp offline", "threads", "{:.0f}"),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [
        f"trayapp tray benchmark: medians of {plan.runs} runs, trayapp (online, then an outage;"
        " offline) and the floor in turn",
        machine,
        "",
    ]
    for cells in rows:
        padded = [cells[0].ljust(widths[0])]
        padded += [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        lines.append("  ".join(padded).rstrip())
    lines.append("")
    for who, named in result["trayapp_wakeups_by_thread"].items():
        text = ", ".join(f"{n} {v:g}" for n, v in named.items()) or "none"
        lines.append(f"trayapp wake-ups in the window by thread, {who} (medians): {text}")
    lines += ["", "Targets"]
    lines += [f"  [{'met' if met else 'MISSED'}] {name}" for name, met in result["targets"].items()]
    if result["cautions"]:
        lines += ["", "Caution"]
        lines += [f"  {c}" for c in result["cautions"]]
    if result["problems"]:
        lines += ["", "Problems"]
        lines += [f"  {p}" for p in result["problems"]]
    return "\n".join(lines)


def machine_line() -> str:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs, load {load}; Python {platform.python_version()}, "
        f"PySide6-Essentials {version('PySide6-Essentials')}, trayapp {version('trayapp')}; "
        f"tray host: {os.environ.get('HARNESS_TRAY_MODE', '?')}"
    )


# ---------------------------------------------------------------------------------- main


def bench(plan: Plan, emit: Emit) -> tuple[list[Sample], dict[str, Any], str]:
    """Every run, trayapp and the floor in turn (the order alternates); then the medians."""
    machine = machine_line()
    # as installed (pip compiles on install): else every launch from a checkout without
    # bytecode, or under PYTHONDONTWRITEBYTECODE, would time the compiler as well
    compileall.compile_dir(REPO / "trayapp", quiet=1)
    samples: list[Sample] = []
    server = Server(plan)
    try:
        with tempfile.TemporaryDirectory(prefix="tray-bench-") as tmp:
            for run in range(1, plan.runs + 1):
                root = Path(tmp) / f"run{run}"
                root.mkdir()
                order = (app_pair, offline_run, floor_run)
                order = order if run % 2 else order[::-1]
                for step in order:
                    samples += step(run, server, root, plan, emit)
                    time.sleep(1.0)  # let the tray host drop the item
    finally:
        server.close()
    result = summarise(samples)
    result["pages"] = server.pages
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return samples, result, f"{machine}, after: {load}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, help="runs (median taken); default 5, 2 with --quick")
    parser.add_argument("--quick", action="store_true", help="fewer runs, shorter windows")
    parser.add_argument("--settle", type=float, help="seconds from launch to the memory reading")
    parser.add_argument("--window", type=float, help="seconds of counting CPU and wake-ups")
    parser.add_argument("--gcp-kb", type=int, default=1000, help="size of Google's incidents.json")
    parser.add_argument(
        "--json", action="store_true", help="the figures as JSON on stdout (the table: stderr)"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--lifetime", type=float, default=600.0, help=argparse.SUPPRESS)
    parser.add_argument("--wait-icon", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.gcp_kb, args.lifetime)
    if args.wait_icon:
        return wait_icon()
    if not os.environ.get("HARNESS_RUN_DIR"):
        parser.error("run inside tests/desktop/with-desktop.sh (it needs a tray host)")
    plan = Plan(
        runs=args.runs or (2 if args.quick else 5),
        settle=args.settle or (10.0 if args.quick else 30.0),
        window=args.window or (15.0 if args.quick else 60.0),
        gcp_kb=args.gcp_kb,
    )
    progress = sys.stderr if args.json else sys.stdout

    def emit(line: str) -> None:
        print(line, file=progress, flush=True)

    samples, result, machine = bench(plan, emit)
    emit("")
    emit(render(result, samples, plan, machine))
    if args.json:
        report = {"plan": asdict(plan), "machine": machine, **result}
        print(json.dumps({**report, "samples": [asdict(s) for s in samples]}, indent=2))
    return 0


# ---------------------------------------------------------------------------------- --wait-icon


def wait_icon() -> int:
    """Child: connect to the session bus, say "ready", read a PID, then answer
    "icon <time.monotonic()>" once that process has an item in the tray (or "none")."""
    import asyncio

    from dbus_fast.aio import MessageBus
    from tray_host import wait_for_icon

    async def run() -> str:
        bus = await MessageBus().connect()
        try:
            print("ready", flush=True)
            line = sys.stdin.readline()  # blocks the loop: nothing else is due on it meanwhile
            if not line.strip():
                return "none"
            pid = int(line)
            seen = await wait_for_icon(bus, pid, lambda: alive(pid))
            return "none" if seen is None else f"icon {seen!r}"
        finally:
            bus.disconnect()

    print(asyncio.run(run()), flush=True)
    return 0


# ---------------------------------------------------------------------------------- --serve


def serve(gcp_kb: int, lifetime: float) -> int:
    """Child: serve the default services' pages on 127.0.0.1 until stdin closes; print the base
    URL, the configs (online, and offline: every page at a loopback port nothing listens on)
    and the page sizes first; then answer each line: "hits" with the hits so far, "outage"
    and "calm" by putting an outage on the outage service's page or taking it off ("ok")."""
    from trayapp.demo.replay import ReplayServer
    from trayapp.demo.replay_routes import Reply, refused_url

    watchdog = threading.Timer(lifetime, os._exit, (3,))
    watchdog.daemon = True
    watchdog.start()
    routes, pages = default_pages(gcp_kb)
    path, outage = outage_page()
    with ReplayServer(routes) as server:
        hello = {
            "base_url": server.base_url,
            "config": config_text(lambda _: server.base_url),
            "offline_config": config_text(lambda _: refused_url("").rstrip("/")),
            "outage_service": OUTAGE_SERVICE,
            "pages": pages,
        }
        print(json.dumps(hello), flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "hits":
                hits = [(h.time, h.path, h.status) for h in server.stats.hits]
                print(json.dumps(hits), flush=True)
            elif command in ("outage", "calm"):
                reply = Reply(body=outage, etag=True) if command == "outage" else routes[path]
                server.set_route(path, reply)
                print("ok", flush=True)
    return 0


def page_path(service_id: str, endpoint: str) -> str:
    from urllib.parse import urlsplit

    return f"/{service_id}{urlsplit(endpoint).path}"


def config_text(base_url: Callable[[str], str]) -> str:
    """One watch per default service of the catalog, in its format, with its parameters and
    interval, at a loopback URL (``base_url`` of the service id); no connectivity witness (it
    would reach the internet)."""
    from trayapp.store import catalog

    lines = [
        "# trayapp tray benchmark: the catalog's default services, served from loopback",
        "[polling]",
        "reference_urls = []",
    ]
    for entry in catalog.defaults():
        lines += [
            "",
            "[[watch]]",
            f"name = {json.dumps(entry.name)}",
            f'url = "{base_url(entry.id)}{page_path(entry.id, entry.endpoint)}"',
            f"format = {json.dumps(entry.format)}",
            f'page = "{base_url(entry.id)}/{entry.id}/"',
            f"category = {json.dumps(entry.category)}",
        ]
        if entry.params:
            pairs = ", ".join(f"{key} = {json.dumps(value)}" for key, value in entry.params)
            lines.append(f"params = {{ {pairs} }}")
        if entry.interval is not None:
            lines.append(f"interval = {entry.interval:g}")
    return "\n".join(lines) + "\n"


def default_pages(gcp_kb: int) -> tuple[dict[str, Any], dict[str, int]]:
    """The routes serving each default service's page in its format, and each page's size."""
    from trayapp.core.model import Severity
    from trayapp.demo import payloads
    from trayapp.demo.replay_routes import Reply
    from trayapp.store import catalog

    routes: dict[str, Any] = {}
    sizes: dict[str, int] = {}
    for entry in catalog.defaults():
        groups = COMPONENTS.get(entry.id, {"": (entry.name,)})
        if entry.format == "statuspage":
            states = {name: Severity.OPERATIONAL for names in groups.values() for name in names}
            named = {group: names for group, names in groups.items() if group}
            body = payloads.statuspage_summary(entry.name, states, groups=named, url=entry.page)
        elif entry.format == "incidentio":
            body = incidentio_summary(entry.name, groups, entry.page)
        elif entry.format == "gcp":
            body = gcp_incidents(gcp_kb * 1000)
        else:
            raise SystemExit(f"no loopback page for the {entry.format} format ({entry.id})")
        path = page_path(entry.id, entry.endpoint)
        routes[path] = Reply(body=body, etag=True, last_modified=payloads.REFERENCE_TIME)
        sizes[f"{entry.id} ({entry.format})"] = len(body)
    return routes, sizes


OUTAGE_SERVICE = "GitHub"


def outage_page() -> tuple[str, bytes]:
    """The outage service's path, and its page in a major outage with an incident open."""
    from trayapp.core.model import Severity
    from trayapp.demo import payloads
    from trayapp.store import catalog

    entry = next(e for e in catalog.defaults() if e.name == OUTAGE_SERVICE)
    names = COMPONENTS[entry.id][""]
    down = ("Actions", "Pull Requests")
    states = {n: Severity.MAJOR_OUTAGE if n in down else Severity.OPERATIONAL for n in names}
    incident = payloads.IncidentSpec(
        "Actions and pull requests unavailable", impact=Severity.MAJOR_OUTAGE, components=down,
        update="We are investigating reports of failed workflow runs.",
    )  # fmt: skip
    body = payloads.statuspage_summary(entry.name, states, incident, url=entry.page)
    return page_path(entry.id, entry.endpoint), body


def incidentio_summary(name: str, groups: Mapping[str, Sequence[str]], page: str) -> bytes:
    """An incident.io ``/proxy/<host>`` summary of a quiet page, in the recorded fixtures' shape."""
    from trayapp.demo.payloads import ident

    page_id = ident("page", name)
    components: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for group, names in groups.items():
        refs = []
        for member in names:
            cid = ident(name, member)
            components.append(
                {"id": cid, "name": member, "description": None, "status_page_id": page_id}
            )
            refs.append(
                {"component_id": cid, "name": member, "hidden": False, "display_uptime": True}
            )
        items.append(
            {"group": {"id": ident(name, "group", group), "name": group, "hidden": False,
                       "display_aggregated_uptime": True, "components": refs}}
        )  # fmt: skip
    summary = {
        "id": page_id,
        "name": name,
        "public_url": page,
        "subpath": None,
        "page_type": "public",
        "locale": "en",
        "components": components,
        "structure": {"id": ident(name, "structure"), "items": items},
        "affected_components": [],
        "ongoing_incidents": [],
        "scheduled_maintenances": [],
    }
    return json.dumps({"summary": summary}, separators=(",", ":")).encode()


def gcp_incidents(size: int) -> bytes:
    """A Google ``incidents.json`` of about ``size`` bytes: closed incidents only (so Gemini is
    healthy), copied from the recorded fixture with fresh ids and other products."""
    template = json.loads(GCP_TEMPLATE.read_text())
    incidents: list[dict[str, Any]] = []
    total = 2
    n = 0
    while total < size:
        item = json.loads(json.dumps(template[n % len(template)]))
        item["id"] = f"bench{n:08d}"
        item["number"] = str(10**17 + n)
        item["uri"] = f"incidents/bench{n:08d}"
        if n % 25:  # one in 25 concerns Gemini, the rest other products
            title, pid = GCP_PRODUCTS[n % len(GCP_PRODUCTS)]
            item["affected_products"] = [{"title": title, "id": pid}]
            item["service_name"], item["service_key"] = title, pid
        incidents.append(item)
        total += len(json.dumps(item, indent=1)) + 2
        n += 1
    return json.dumps(incidents, indent=1).encode()


if __name__ == "__main__":
    sys.exit(main())
