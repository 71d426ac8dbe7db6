"""Where files live: platform dirs by default, the TRAYAPP_* environment when set."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from trayapp.store import paths


def test_environment_redirects_config_and_data(trayapp_env: dict[str, str]) -> None:
    config, data = Path(trayapp_env["TRAYAPP_CONFIG_DIR"]), Path(trayapp_env["TRAYAPP_DATA_DIR"])
    assert paths.config_dir() == config
    assert paths.config_file() == config / "config.toml"
    assert paths.data_dir() == data
    assert paths.database_file() == data / "incidents.sqlite3"
    assert paths.log_dir() == data / "logs"


def test_nothing_is_created_unless_asked(trayapp_env: dict[str, str]) -> None:
    config, data = Path(trayapp_env["TRAYAPP_CONFIG_DIR"]), Path(trayapp_env["TRAYAPP_DATA_DIR"])
    paths.config_file()
    paths.database_file()
    paths.log_dir()
    assert not config.exists() and not data.exists()
    assert paths.config_file(ensure=True).parent.is_dir()
    assert paths.database_file(ensure=True).parent.is_dir()
    assert paths.log_dir(ensure=True).is_dir()
    assert not paths.config_file().exists()  # the dir, never the file
    if sys.platform != "win32":
        assert config.stat().st_mode & 0o077 == 0  # private to the user


def test_unset_or_empty_environment_means_platform_dirs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(paths.CONFIG_DIR_ENV, "")
    monkeypatch.delenv(paths.DATA_DIR_ENV, raising=False)
    assert paths.config_dir() == platformdirs.user_config_path("trayapp", appauthor=False)
    assert paths.data_dir() == platformdirs.user_data_path("trayapp", appauthor=False)
    assert paths.log_dir() == platformdirs.user_log_path("trayapp", appauthor=False)
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
        assert paths.config_file() == tmp_path / "xdg" / "trayapp" / "config.toml"


def test_relative_and_home_paths_are_made_absolute(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(paths.CONFIG_DIR_ENV, "profile/config")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv(paths.DATA_DIR_ENV, "~/data")
    assert paths.config_dir() == tmp_path / "profile" / "config"
    if sys.platform != "win32":
        assert paths.data_dir() == tmp_path / "home" / "data"
