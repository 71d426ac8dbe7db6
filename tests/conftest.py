"""Shared pytest fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def trayapp_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Config and data redirected into tmp_path, so no test touches the user's own files."""
    env = {
        "TRAYAPP_CONFIG_DIR": str(tmp_path / "config"),
        "TRAYAPP_DATA_DIR": str(tmp_path / "data"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return {**os.environ, **env}
