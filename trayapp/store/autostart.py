"""Start at login: an XDG autostart entry (Linux/BSD), a LaunchAgent (macOS), the Run key (Windows).

``enable()`` records the command that starts *this* installation, resolved when it is called:

1. ``sys.argv[0]`` when it is the ``trayapp`` entry point (the app was started as ``trayapp``);
2. else the ``trayapp`` entry point next to ``sys.executable`` (same venv or prefix);
3. else ``trayapp`` on PATH;
4. else ``<python> -m trayapp`` (running from a source tree).

A frozen bundle (PyInstaller and the like) records its own executable.

So after moving or reinstalling the app, toggling start-at-login off and on again (or just on)
rewrites the entry with the new location. On Windows ``pythonw.exe -m trayapp`` is preferred,
since a console-script launcher would open a console window at every login.

Linux entries carry ``X-GNOME-Autostart-Delay`` so the panel (and its tray host) is up before
the icon asks for it. Nothing here imports Qt; ``winreg`` is imported only on Windows.

A private profile (``TRAYAPP_CONFIG_DIR`` / ``TRAYAPP_DATA_DIR`` set when start-at-login is
turned on) is carried into the entry, as absolute paths, so the profile that was running is the
one started at login: ``Exec=env TRAYAPP_DATA_DIR=... /path/trayapp`` in the XDG entry, the
``EnvironmentVariables`` of the LaunchAgent. The Windows Run key holds a bare command line and
cannot carry them: there ``profile_env`` is not written and the command says so (set them as
user environment variables instead, e.g. with ``setx``).
"""

from __future__ import annotations

import configparser
import os
import plistlib
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from trayapp.errors import AutostartError
from trayapp.store import paths

APP_NAME = "trayapp"
APP_ID = (
    "io.github.trayapp.TrayApp"  # reverse-DNS id: LaunchAgent label (keep in step with packaging)
)
DESKTOP_FILE = f"{APP_NAME}.desktop"
LOGIN_DELAY = 10  # seconds after login before the tray starts (XDG entries only)
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = APP_NAME


# --------------------------------------------------------------------------- the command


def launch_command(
    argv0: str | None = None, executable: str | None = None, platform: str | None = None
) -> list[str]:
    """The argv that starts this installation of trayapp (see the module docstring)."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    executable = executable or sys.executable
    platform = platform or sys.platform
    python_dir = Path(executable).parent
    if getattr(sys, "frozen", False):  # a bundled app (PyInstaller, briefcase): the app itself
        return [executable]
    if platform == "win32":
        windowless = python_dir / "pythonw.exe"
        if windowless.is_file():
            return [str(windowless), "-m", APP_NAME]
    if argv0 and Path(argv0).stem == APP_NAME and Path(argv0).is_file():
        return [str(Path(argv0).resolve())]
    suffix = ".exe" if platform == "win32" else ""
    for candidate in (
        python_dir / f"{APP_NAME}{suffix}",
        python_dir / "Scripts" / f"{APP_NAME}.exe",
    ):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return [str(candidate)]
    found = shutil.which(APP_NAME)
    if found:
        return [str(Path(found).resolve())]
    return [executable, "-m", APP_NAME]


def profile_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """TRAYAPP_CONFIG_DIR / TRAYAPP_DATA_DIR as set now (absolute), for the login entry."""
    environ = os.environ if environ is None else environ
    found: dict[str, str] = {}
    for name in (paths.CONFIG_DIR_ENV, paths.DATA_DIR_ENV):
        value = environ.get(name, "").strip()
        if value:  # unset or empty means "not redirected" (trayapp.store.paths)
            found[name] = str(Path(value).expanduser().absolute())
    return found


def carries_env(platform: str | None = None) -> bool:
    """Whether the platform's login entry can carry ``profile_env`` (not the Run key)."""
    return (platform or sys.platform) != "win32"


# --------------------------------------------------------------------------- pure renderers


def desktop_exec(argv: Sequence[str]) -> str:
    """An ``Exec=`` command line: arguments quoted and escaped by the spec's Exec rules.

    That is the inner level: ``desktop_entry`` then escapes the line as a key file string value
    (each backslash doubled), as the spec requires.
    """
    reserved = set(" \t\n\"'\\><~|&;$*?#()`")

    def quote(arg: str) -> str:
        arg = arg.replace("%", "%%")
        if arg and not reserved & set(arg):
            return arg
        escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
        return f'"{escaped}"'

    return " ".join(quote(a) for a in argv)


def desktop_entry(
    argv: Sequence[str], delay: int = LOGIN_DELAY, env: Mapping[str, str] | None = None
) -> str:
    """The text of the XDG autostart ``.desktop`` file; ``env`` goes in front through env(1)."""
    if env:
        argv = ["env", *(f"{name}={value}" for name, value in env.items()), *argv]
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=trayapp\n"
        "Comment=Watch the status of the services you depend on\n"
        f"Exec={_string_value(desktop_exec(argv))}\n"
        "Icon=trayapp\n"
        "Terminal=false\n"
        "Categories=Network;Monitor;\n"
        "X-GNOME-Autostart-enabled=true\n"
        f"X-GNOME-Autostart-Delay={delay}\n"
    )


def launch_agent_plist(
    argv: Sequence[str], label: str = APP_ID, env: Mapping[str, str] | None = None
) -> bytes:
    """The LaunchAgent property list: run once at login in the GUI session, never relaunched."""
    agent: dict[str, object] = {
        "Label": label,
        "ProgramArguments": list(argv),
        "RunAtLoad": True,
        "KeepAlive": False,  # quitting from the menu must stick until the next login
        "ProcessType": "Interactive",
        "LimitLoadToSessionType": "Aqua",
    }
    if env:
        agent["EnvironmentVariables"] = dict(env)
    return plistlib.dumps(agent)


def windows_run_value(argv: Sequence[str]) -> str:
    """The Run key's data: one command line, quoted the way Windows parses it."""
    return subprocess.list2cmdline(list(argv))


_STRING_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _string_value(text: str) -> str:
    """``text`` as a key file string value: backslash, newline, tab and CR escaped."""
    return "".join(_STRING_ESCAPES.get(c, c) for c in text)


def _string_text(value: str) -> str:
    """The inverse of ``_string_value`` (``\\s`` is a space too), for showing an entry."""
    names = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    return re.sub(r"\\(.?)", lambda m: names.get(m.group(1), m.group(0)), value)


# --------------------------------------------------------------------------- locations


def xdg_autostart_file() -> Path:
    """$XDG_CONFIG_HOME/autostart/trayapp.desktop (XDG_CONFIG_HOME defaults to ~/.config)."""
    base = os.environ.get("XDG_CONFIG_HOME", "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "autostart" / DESKTOP_FILE


def _system_autostart_files() -> list[Path]:
    dirs = os.environ.get("XDG_CONFIG_DIRS", "").strip() or "/etc/xdg"
    return [Path(d) / "autostart" / DESKTOP_FILE for d in dirs.split(":") if d]


def launch_agent_file() -> Path:
    return Path.home() / "Library" / "LaunchAgents" / f"{APP_ID}.plist"


def where(platform: str | None = None) -> str:
    """Where the setting lives, for messages."""
    platform = platform or sys.platform
    if platform == "win32":
        return f"HKEY_CURRENT_USER\\{RUN_KEY} ({RUN_VALUE})"
    if platform == "darwin":
        return str(launch_agent_file())
    return str(xdg_autostart_file())


# --------------------------------------------------------------------------- toggles


def enable(
    argv: Sequence[str] | None = None,
    platform: str | None = None,
    env: Mapping[str, str] | None = None,
) -> list[str]:
    """Start trayapp at login from now on; returns the command that will run.

    ``env`` (default: ``profile_env()``, the profile in use now) is set for it at login,
    except on Windows (see the module docstring).
    """
    argv = list(argv or launch_command(platform=platform))
    platform = platform or sys.platform
    env = profile_env() if env is None else dict(env)
    try:
        if platform == "win32":
            _set_run_value(windows_run_value(argv))
        elif platform == "darwin":
            _write(launch_agent_file(), launch_agent_plist(argv, env=env))
        else:
            _write(xdg_autostart_file(), desktop_entry(argv, env=env).encode())
    except OSError as exc:
        raise AutostartError(
            f"could not turn on start at login at {where(platform)}: {exc}"
        ) from None
    return argv


def disable(platform: str | None = None) -> bool:
    """Stop starting at login; False when it was not on."""
    platform = platform or sys.platform
    was_on = is_enabled(platform)
    try:
        if platform == "win32":
            _delete_run_value()
        elif platform == "darwin":
            launch_agent_file().unlink(missing_ok=True)
        else:
            _disable_xdg()
    except OSError as exc:
        raise AutostartError(
            f"could not turn off start at login at {where(platform)}: {exc}"
        ) from None
    return was_on


def is_enabled(platform: str | None = None) -> bool:
    """True when trayapp will start at the next login."""
    platform = platform or sys.platform
    if platform == "win32":
        return _get_run_value() is not None
    if platform == "darwin":
        return launch_agent_file().is_file()
    return _xdg_enabled()


def configured_command(platform: str | None = None) -> str | None:
    """What the entry runs (Exec line, program arguments or Run value), None when off."""
    platform = platform or sys.platform
    if platform == "win32":
        return _get_run_value()
    if platform == "darwin":
        try:
            data = plistlib.loads(launch_agent_file().read_bytes())
        except (OSError, plistlib.InvalidFileException, ValueError):
            return None
        env = data.get("EnvironmentVariables") or {}
        words = [f"{k}={v}" for k, v in env.items()] + data.get("ProgramArguments", [])
        return " ".join(map(str, words))
    entry = _read_entry(xdg_autostart_file())
    exec_line = None if entry is None else entry.get("Exec")
    return None if exec_line is None else _string_text(exec_line)


# --------------------------------------------------------------------------- XDG


def _read_entry(path: Path) -> dict[str, str] | None:
    """The [Desktop Entry] keys of ``path``; None when it is missing or unreadable."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, configparser.Error):
        return None
    return dict(parser["Desktop Entry"]) if parser.has_section("Desktop Entry") else None


def _active(entry: dict[str, str] | None) -> bool:
    if entry is None:
        return False
    return entry.get("Hidden", "false").lower() != "true" and (
        entry.get("X-GNOME-Autostart-enabled", "true").lower() != "false"
    )


def _xdg_enabled() -> bool:
    """The user's file decides when it exists; otherwise a system-wide entry does."""
    user = xdg_autostart_file()
    if user.exists():
        return _active(_read_entry(user))
    return any(_active(_read_entry(p)) for p in _system_autostart_files() if p.exists())


def _disable_xdg() -> None:
    """Remove our entry; if a system-wide one exists, hide it for this user (XDG spec)."""
    user = xdg_autostart_file()
    if any(_active(_read_entry(p)) for p in _system_autostart_files() if p.exists()):
        _write(user, b"[Desktop Entry]\nType=Application\nName=trayapp\nHidden=true\n")
    else:
        user.unlink(missing_ok=True)


def _write(path: Path, data: bytes) -> None:
    """Write via a temp file and rename, so a half-written entry never exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_bytes(data)
    os.replace(temp, path)


# --------------------------------------------------------------------------- Windows


def _set_run_value(command: str) -> None:
    if sys.platform != "win32":  # (mypy then checks the rest only on Windows, where it runs)
        raise AutostartError("the Run key exists only on Windows")
    import winreg

    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
        winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, command)


def _get_run_value() -> str | None:
    if sys.platform != "win32":  # (mypy then checks the rest only on Windows, where it runs)
        raise AutostartError("the Run key exists only on Windows")
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            value, _ = winreg.QueryValueEx(key, RUN_VALUE)
    except FileNotFoundError:
        return None
    return str(value)


def _delete_run_value() -> None:
    if sys.platform != "win32":  # (mypy then checks the rest only on Windows, where it runs)
        raise AutostartError("the Run key exists only on Windows")
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
            winreg.DeleteValue(key, RUN_VALUE)
    except FileNotFoundError:
        pass
