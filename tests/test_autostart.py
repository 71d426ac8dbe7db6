"""Start at login: the XDG entry for real (in tmp_path); macOS plist and Windows value as data."""

from __future__ import annotations

import argparse
import configparser
import json
import os
import plistlib
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from trayapp.cli import autostart as autostart_command
from trayapp.errors import AutostartError
from trayapp.store import autostart


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private XDG_CONFIG_HOME and an empty system autostart dir; returns the entry's path."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path / "config" / "autostart" / "trayapp.desktop"


def entry_keys(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text())
    return dict(parser["Desktop Entry"])


def exec_argv(value: str) -> list[str]:
    """An Exec value read back by the Desktop Entry spec: first the key file's string escapes,
    then the Exec quoting (a backslash in double quotes escapes the next character), then %%."""
    names = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    line = re.sub(r"\\([sntr\\])", lambda m: names[m.group(1)], value)
    args: list[str] = []
    word, quoted, escaped, started = "", False, False, False
    for c in line:
        if escaped:
            word, escaped = word + c, False
        elif quoted and c == "\\":
            escaped = True
        elif c == '"':
            quoted, started = not quoted, True
        elif c == " " and not quoted:
            if word or started:
                args.append(word)
            word, started = "", False
        else:
            word += c
    if word or started:
        args.append(word)
    return [a.replace("%%", "%") for a in args]


def test_desktop_entry_waits_for_the_panel_and_runs_the_given_command() -> None:
    text = autostart.desktop_entry(["/opt/trayapp/bin/trayapp"])
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    keys = parser["Desktop Entry"]
    assert keys["Type"] == "Application"
    assert keys["Exec"] == "/opt/trayapp/bin/trayapp"
    assert keys["X-GNOME-Autostart-Delay"] == "10"
    assert keys["Terminal"] == "false"


def test_exec_quoting_follows_the_desktop_entry_spec() -> None:
    argv = ["/home/a b/bin/python", "-m", "trayapp", "100%", 'say "hi"', "$HOME"]
    line = autostart.desktop_exec(argv)
    assert line == '"/home/a b/bin/python" -m trayapp 100%% "say \\"hi\\"" "\\$HOME"'
    # after the spec's %% unescaping, a shell-style split gives the quoted words back
    assert shlex.split(line.replace("%%", "%"))[:5] == argv[:5]


def test_enable_disable_and_status_on_linux(xdg: Path) -> None:
    assert not autostart.is_enabled("linux")
    argv = autostart.enable(["/usr/bin/trayapp"], platform="linux")
    assert argv == ["/usr/bin/trayapp"]
    assert xdg.is_file()
    assert entry_keys(xdg)["Exec"] == "/usr/bin/trayapp"
    assert autostart.is_enabled("linux")
    assert autostart.configured_command("linux") == "/usr/bin/trayapp"
    assert not list(xdg.parent.glob(".*.tmp"))  # the temp file was renamed into place

    assert autostart.disable("linux") is True
    assert not xdg.exists()
    assert not autostart.is_enabled("linux")
    assert autostart.disable("linux") is False  # already off: nothing to do, no error


def test_a_system_wide_entry_is_hidden_for_this_user_not_deleted(xdg: Path, tmp_path: Path) -> None:
    system = tmp_path / "xdg" / "autostart" / "trayapp.desktop"
    system.parent.mkdir(parents=True)
    system.write_text(autostart.desktop_entry(["/usr/bin/trayapp"]))
    assert autostart.is_enabled("linux")
    assert autostart.disable("linux") is True
    assert system.exists()
    assert entry_keys(xdg)["Hidden"] == "true"
    assert not autostart.is_enabled("linux")
    autostart.enable(["/usr/bin/trayapp"], platform="linux")  # on again: the user file wins
    assert autostart.is_enabled("linux")


def test_an_entry_switched_off_by_the_desktop_counts_as_off(xdg: Path) -> None:
    xdg.parent.mkdir(parents=True)
    xdg.write_text(
        autostart.desktop_entry(["/usr/bin/trayapp"]).replace("enabled=true", "enabled=false")
    )
    assert not autostart.is_enabled("linux")
    xdg.write_text("not an ini file at all [")
    assert not autostart.is_enabled("linux")


def test_the_recorded_command_starts_this_installation(xdg: Path) -> None:
    """The Exec written for the venv's own entry point really runs trayapp."""
    argv = autostart.enable(platform="linux")
    command = exec_argv(entry_keys(xdg)["Exec"])
    assert command == argv
    done = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("trayapp ")


def test_launch_command_prefers_the_running_entry_point(tmp_path: Path) -> None:
    script = tmp_path / "bin" / "trayapp"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    python = tmp_path / "py" / "bin" / "python3"
    assert autostart.launch_command(str(script), str(python), "linux") == [str(script)]


def test_launch_command_uses_the_entry_point_beside_python(tmp_path: Path) -> None:
    bindir = tmp_path / "venv" / "bin"
    bindir.mkdir(parents=True)
    entry = bindir / "trayapp"
    entry.write_text("#!/bin/sh\n")
    entry.chmod(0o755)
    got = autostart.launch_command("/somewhere/pytest", str(bindir / "python3"), "linux")
    assert got == [str(entry)]


def test_launch_command_falls_back_to_python_m(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    python = str(tmp_path / "src" / "python3")
    assert autostart.launch_command("/x/__main__.py", python, "linux") == [
        python,
        "-m",
        "trayapp",
    ]


def test_windows_prefers_the_windowless_python(tmp_path: Path) -> None:
    folder = tmp_path / "Program Files" / "Python311"
    folder.mkdir(parents=True)
    (folder / "pythonw.exe").write_bytes(b"")
    argv = autostart.launch_command("trayapp.exe", str(folder / "python.exe"), "win32")
    assert argv == [str(folder / "pythonw.exe"), "-m", "trayapp"]


def test_windows_run_value_quotes_paths_with_spaces() -> None:
    value = autostart.windows_run_value(
        [r"C:\Program Files\Python311\pythonw.exe", "-m", "trayapp"]
    )
    assert value == r'"C:\Program Files\Python311\pythonw.exe" -m trayapp'
    assert autostart.windows_run_value([r"C:\Apps\trayapp.exe"]) == r"C:\Apps\trayapp.exe"
    assert autostart.where("win32").endswith(r"CurrentVersion\Run (trayapp)")


def test_launch_agent_plist_runs_once_at_login() -> None:
    data = plistlib.loads(autostart.launch_agent_plist(["/Applications/trayapp.app/x", "-q"]))
    assert data == {
        "Label": autostart.APP_ID,
        "ProgramArguments": ["/Applications/trayapp.app/x", "-q"],
        "RunAtLoad": True,
        "KeepAlive": False,
        "ProcessType": "Interactive",
        "LimitLoadToSessionType": "Aqua",
    }


def test_macos_toggle_writes_the_launch_agent(xdg: Path, tmp_path: Path) -> None:
    agent = tmp_path / "home" / "Library" / "LaunchAgents" / f"{autostart.APP_ID}.plist"
    autostart.enable(["/usr/local/bin/trayapp"], platform="darwin")
    assert plistlib.loads(agent.read_bytes())["ProgramArguments"] == ["/usr/local/bin/trayapp"]
    assert autostart.is_enabled("darwin")
    assert autostart.configured_command("darwin") == "/usr/local/bin/trayapp"
    assert autostart.disable("darwin") is True
    assert not agent.exists() and not autostart.is_enabled("darwin")


def test_an_unwritable_place_is_reported_in_words(xdg: Path) -> None:
    xdg.parent.parent.mkdir(parents=True)
    xdg.parent.write_text("a file where the autostart directory should be")
    with pytest.raises(AutostartError, match="could not turn on start at login"):
        autostart.enable(["/usr/bin/trayapp"], platform="linux")


def run_command(action: str | None) -> int:
    parser = argparse.ArgumentParser()
    autostart_command.add_arguments(parser)
    return autostart_command.run(parser.parse_args([] if action is None else [action]))


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the XDG path is tested here")
def test_the_command_toggles_and_reports(xdg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command(None) == 0
    assert "Start at login: off" in capsys.readouterr().out
    assert run_command("on") == 0
    out = capsys.readouterr().out
    assert str(xdg) in out and "It runs:" in out
    assert xdg.is_file()
    assert run_command("status") == 0
    assert "Start at login: on" in capsys.readouterr().out
    assert run_command("off") == 0
    assert "no longer start at login" in capsys.readouterr().out
    assert not xdg.exists()
    assert run_command("off") == 0
    assert "already off" in capsys.readouterr().out
    assert os.environ["XDG_CONFIG_HOME"] in str(xdg)


def test_the_profile_env_is_absolute_and_only_what_is_set(tmp_path: Path) -> None:
    assert autostart.profile_env({}) == {}
    assert autostart.profile_env({"TRAYAPP_DATA_DIR": "  "}) == {}
    got = autostart.profile_env({"TRAYAPP_DATA_DIR": "rel/data", "HOME": "/x"})
    assert got == {"TRAYAPP_DATA_DIR": str(Path("rel/data").absolute())}


def test_a_private_profile_is_carried_into_the_xdg_entry(
    xdg: Path, trayapp_env: dict[str, str], tmp_path: Path
) -> None:
    """`trayapp autostart on` with TRAYAPP_*_DIR set: the entry, run without them in its
    environment (as at login), uses that profile."""
    spaced = tmp_path / "my data $dir"
    os.environ["TRAYAPP_DATA_DIR"] = str(spaced)  # restored by trayapp_env's monkeypatch
    assert run_command("on") == 0
    line = entry_keys(xdg)["Exec"]
    assert line.startswith("env ")
    command = exec_argv(line)
    assert command[1:3] == [
        f"TRAYAPP_CONFIG_DIR={trayapp_env['TRAYAPP_CONFIG_DIR']}",
        f"TRAYAPP_DATA_DIR={spaced}",
    ]
    login_env = {k: v for k, v in os.environ.items() if not k.startswith("TRAYAPP_")}
    done = subprocess.run(
        [*command, "watch", "list", "--json"],
        capture_output=True,
        text=True,
        env=login_env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    config_file = Path(trayapp_env["TRAYAPP_CONFIG_DIR"]) / "config.toml"
    assert json.loads(done.stdout)["config_file"] == str(config_file)


def test_without_a_profile_the_entry_is_the_bare_command(
    xdg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRAYAPP_CONFIG_DIR", raising=False)
    monkeypatch.delenv("TRAYAPP_DATA_DIR", raising=False)
    autostart.enable(["/usr/bin/trayapp"], platform="linux")
    assert entry_keys(xdg)["Exec"] == "/usr/bin/trayapp"


def test_the_launch_agent_carries_the_profile(xdg: Path, tmp_path: Path) -> None:
    env = {"TRAYAPP_CONFIG_DIR": "/Users/a/p/config", "TRAYAPP_DATA_DIR": "/Users/a/p/data"}
    autostart.enable(["/usr/local/bin/trayapp"], platform="darwin", env=env)
    agent = tmp_path / "home" / "Library" / "LaunchAgents" / f"{autostart.APP_ID}.plist"
    data = plistlib.loads(agent.read_bytes())
    assert data["EnvironmentVariables"] == env
    assert data["ProgramArguments"] == ["/usr/local/bin/trayapp"]
    assert autostart.configured_command("darwin") == (
        "TRAYAPP_CONFIG_DIR=/Users/a/p/config TRAYAPP_DATA_DIR=/Users/a/p/data "
        "/usr/local/bin/trayapp"
    )
    assert not autostart.carries_env("win32") and autostart.carries_env("darwin")


ODD = '/tmp/a b/$HOME \\ "q" `x` 100%'  # every character the spec makes special


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="needs desktop-file-utils")
def test_the_entry_with_a_profile_is_a_valid_desktop_file(tmp_path: Path) -> None:
    entry = tmp_path / "trayapp.desktop"
    env = {"TRAYAPP_CONFIG_DIR": ODD, "TRAYAPP_DATA_DIR": "/home/a/profile"}
    entry.write_text(autostart.desktop_entry(["/opt/trayapp/bin/trayapp"], env=env))
    done = subprocess.run(
        ["desktop-file-validate", str(entry)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert exec_argv(entry_keys(entry)["Exec"]) == [
        "env",
        f"TRAYAPP_CONFIG_DIR={ODD}",
        "TRAYAPP_DATA_DIR=/home/a/profile",
        "/opt/trayapp/bin/trayapp",
    ]


@pytest.mark.skipif(not shutil.which("gio"), reason="needs GLib's gio (libglib2.0-bin)")
def test_glib_starts_the_entry_with_the_profile_it_carries(tmp_path: Path) -> None:
    """GLib's own Desktop Entry reader (what GNOME's session uses) runs the entry: the program
    sees the profile's variables and its arguments exactly."""
    out = tmp_path / "seen.json"
    script = (
        "import json, os, sys; "
        f"open({str(out)!r}, 'w').write(json.dumps([sys.argv[1:], "
        "os.environ.get('TRAYAPP_CONFIG_DIR'), os.environ.get('TRAYAPP_DATA_DIR')]))"
    )
    entry = tmp_path / "trayapp.desktop"
    env = {"TRAYAPP_CONFIG_DIR": ODD, "TRAYAPP_DATA_DIR": "/home/a/profile"}
    entry.write_text(autostart.desktop_entry([sys.executable, "-c", script, ODD], env=env))
    done = subprocess.run(["gio", "launch", str(entry)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for _ in range(200):
        if out.exists() and out.stat().st_size:
            break
        time.sleep(0.05)
    assert json.loads(out.read_text()) == [[ODD], ODD, "/home/a/profile"]
