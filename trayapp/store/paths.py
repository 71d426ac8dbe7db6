"""Where trayapp keeps its files: the platform's dirs, or the ones the environment names.

``TRAYAPP_CONFIG_DIR`` and ``TRAYAPP_DATA_DIR`` redirect config and data, so tests, demos and
several profiles never touch the user's own files. Nothing is created unless asked (``ensure``).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import platformdirs

APP_NAME = "trayapp"
CONFIG_DIR_ENV = "TRAYAPP_CONFIG_DIR"
DATA_DIR_ENV = "TRAYAPP_DATA_DIR"
CONFIG_FILE_NAME = "config.toml"
DATABASE_FILE_NAME = "incidents.sqlite3"


def config_dir(*, ensure: bool = False) -> Path:
    """The directory holding config.toml."""
    path = _from_env(CONFIG_DIR_ENV) or platformdirs.user_config_path(APP_NAME, appauthor=False)
    return _ensured(path, ensure)


def data_dir(*, ensure: bool = False) -> Path:
    """The directory holding the incident log and other app-written data."""
    path = _from_env(DATA_DIR_ENV) or platformdirs.user_data_path(APP_NAME, appauthor=False)
    return _ensured(path, ensure)


def log_dir(*, ensure: bool = False) -> Path:
    """Where log files go: under the data dir when that is redirected, else the platform's."""
    redirected = _from_env(DATA_DIR_ENV)
    if redirected:
        return _ensured(redirected / "logs", ensure)
    return _ensured(platformdirs.user_log_path(APP_NAME, appauthor=False), ensure)


def config_file(*, ensure: bool = False) -> Path:
    """The user's config file (it may not exist: then the built-in defaults apply)."""
    return config_dir(ensure=ensure) / CONFIG_FILE_NAME


def database_file(*, ensure: bool = False) -> Path:
    """The SQLite incident log."""
    return data_dir(ensure=ensure) / DATABASE_FILE_NAME


def _from_env(name: str) -> Path | None:
    """An absolute path from the environment; unset or empty means 'not redirected'."""
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser().absolute() if value else None


def _ensured(path: Path, ensure: bool) -> Path:
    if ensure:
        try:
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
        except FileExistsError:  # mkdir's own words ("File exists") hide what is wrong
            raise NotADirectoryError(
                errno.ENOTDIR, "it is a file, not a folder", str(path)
            ) from None
    return path
