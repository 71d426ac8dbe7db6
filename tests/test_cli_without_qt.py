"""Without the `gui` extra (no PySide6, qasync or desktop-notifier) the commands that need no
display still run, and the tray says what to install instead of a traceback."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Runs trayapp's command line with the GUI packages made unimportable, as after
# `pip install trayapp` without the extra.
HIDE_GUI = """
import importlib.abc, sys

class NoGui(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6", "qasync", "desktop_notifier"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoGui())
from trayapp.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def run_without_gui(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HIDE_GUI, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_the_tray_says_what_to_install(trayapp_env: dict[str, str]) -> None:
    done = run_without_gui({**trayapp_env, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "trayapp[gui]" in done.stderr and "Traceback" not in done.stderr


def test_commands_without_a_display_run_without_qt(trayapp_env: dict[str, str]) -> None:
    assert run_without_gui(trayapp_env, "--help").returncode == 0
    listed = run_without_gui(trayapp_env, "watch", "list")
    assert listed.returncode == 0, listed.stderr
    assert "config" in listed.stdout.lower()
    log = run_without_gui(trayapp_env, "log")
    assert log.returncode == 0, log.stderr


def test_the_gui_is_an_extra_and_the_tests_pull_it_in() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    names = [d.split(";")[0].split(">")[0].strip() for d in project["dependencies"]]
    assert not {"PySide6-Essentials", "qasync", "desktop-notifier"} & set(names)
    gui = " ".join(project["optional-dependencies"]["gui"])
    assert "PySide6-Essentials" in gui and "qasync" in gui and "desktop-notifier" in gui
    assert "trayapp[gui]" in project["optional-dependencies"]["test"]


def test_every_folder_of_trayapp_is_packaged() -> None:
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    package = REPO / "trayapp"
    folders = {
        ".".join(("trayapp", *init.parent.relative_to(package).parts))
        for init in package.rglob("__init__.py")
    }
    assert set(setuptools["packages"]) == folders | {"trayapp.resources"}


def test_the_demo_says_what_to_install(trayapp_env: dict[str, str]) -> None:
    done = run_without_gui({**trayapp_env, "QT_QPA_PLATFORM": "offscreen"}, "demo")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "trayapp[gui]" in done.stderr and "Traceback" not in done.stderr
