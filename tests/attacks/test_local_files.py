"""Attacks on the files trayapp reads and writes: each ends in one clear line and exit 1.

A log from a newer version, a log path that is a directory, a data or config dir that is a
file or read-only, a TOML nested 100k deep, a config file that is /dev/zero or a FIFO.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tests.attacks.hostile_servers import run_cli
from tests.attacks.local_support import (
    LOOPBACK_WATCH,
    one_line_error,
    read_only_dir,
    write_config,
)

CONFIG = LOOPBACK_WATCH.format(url="http://127.0.0.1:9/api/v2/summary.json")


@pytest.fixture
def env(trayapp_env: dict[str, str]) -> dict[str, str]:
    write_config(trayapp_env, CONFIG)
    return trayapp_env


def data(env: dict[str, str]) -> Path:
    return Path(env["TRAYAPP_DATA_DIR"])


def test_local_log_from_a_newer_version(env: dict[str, str]) -> None:
    data(env).mkdir()
    conn = sqlite3.connect(data(env) / "incidents.sqlite3")
    conn.execute("CREATE TABLE future (x)")
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    for command in (["watch", "--for", "1"], ["log"], ["uptime"]):
        line = one_line_error(run_cli(env, *command))
        assert "newer trayapp" in line and "v999" in line


def test_local_log_path_that_is_a_directory(env: dict[str, str]) -> None:
    (data(env) / "incidents.sqlite3").mkdir(parents=True)
    for command in (["watch", "--for", "1"], ["log"]):
        line = one_line_error(run_cli(env, *command))
        assert "is a directory" in line and "incidents.sqlite3" in line


def test_local_data_dir_that_is_a_file(env: dict[str, str]) -> None:
    data(env).write_text("not a folder")
    for command in (["watch", "--for", "1"], ["log"], ["uptime"]):
        line = one_line_error(run_cli(env, *command))
        assert str(data(env)) in line and "not a folder" in line


def test_local_read_only_data_dir(env: dict[str, str]) -> None:
    with read_only_dir(data(env)):
        line = one_line_error(run_cli(env, "watch", "--for", "1"))
    assert str(data(env)) in line
    assert "read-only" in line.lower() or "permission denied" in line.lower()


def test_local_config_dir_that_is_a_file(trayapp_env: dict[str, str]) -> None:
    Path(trayapp_env["TRAYAPP_CONFIG_DIR"]).write_text("not a folder")
    for command in (["watch", "--for", "1"], ["watch", "list"], ["watch", "remove", "x"]):
        line = one_line_error(run_cli(trayapp_env, *command))
        assert "config.toml" in line and "Not a directory" in line


def test_local_read_only_config_dir(trayapp_env: dict[str, str]) -> None:
    folder = Path(trayapp_env["TRAYAPP_CONFIG_DIR"])
    with read_only_dir(folder):
        result = run_cli(
            trayapp_env, "watch", "add", "http://127.0.0.1:9/", "--format", "statuspage"
        )
    line = one_line_error(result)
    assert "config.toml" in line and "cannot write" in line


def test_local_toml_nested_100k_deep(env: dict[str, str]) -> None:
    depth = 100_000
    write_config(env, CONFIG + "deep = " + "[" * depth + "]" * depth + "\n")
    line = one_line_error(run_cli(env, "watch", "list"))
    assert "config.toml" in line and "too deeply" in line
    write_config(env, "deep = " + "{a=" * depth + "1" + "}" * depth + "\n")
    assert "too deeply" in one_line_error(run_cli(env, "watch", "--for", "1"))


def test_local_config_that_is_dev_zero(env: dict[str, str]) -> None:
    path = Path(env["TRAYAPP_CONFIG_DIR"]) / "config.toml"
    path.unlink()
    path.symlink_to("/dev/zero")
    line = one_line_error(run_cli(env, "watch", "list"))
    assert "config.toml" in line and "not a regular file" not in line  # says what it is
    assert "a device, FIFO or socket" in line


def test_local_config_that_is_a_fifo(env: dict[str, str]) -> None:
    path = Path(env["TRAYAPP_CONFIG_DIR"]) / "config.toml"
    path.unlink()
    os.mkfifo(path)  # nobody ever writes to it: a blocking open would hang for ever
    for command in (["watch", "list"], ["watch", "--for", "1"], ["check"]):
        line = one_line_error(run_cli(env, *command))
        assert "config.toml" in line and "a device, FIFO or socket" in line


def test_local_config_that_is_huge(env: dict[str, str]) -> None:
    write_config(env, CONFIG + "# " + "x" * (2 * 1024 * 1024) + "\n")
    line = one_line_error(run_cli(env, "watch", "list"))
    assert "over 1024 KiB" in line
