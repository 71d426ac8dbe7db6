"""Settings' edits of the config file: a watch's interval, components and token reference, and
[notifications]; comments survive, and anything the file would refuse leaves it untouched."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from trayapp.core.model import Severity
from trayapp.errors import ConfigError
from trayapp.store import catalog, config, config_edits

TEXT = """\
# mine
[polling]
interval = 90

# the code host
[[watch]]
service = "github"
interval = 300  # slow down

[[watch]]
url = "http://127.0.0.1:8765/api/v2/summary.json"
format = "statuspage"
name = "Lab"
[watch.params]
region = "eu"
"""


@pytest.fixture
def path(tmp_path: Path) -> Path:
    target = tmp_path / "config.toml"
    target.write_text(TEXT)
    return target


def test_token_reference_is_set_and_cleared(path: Path) -> None:
    result = config_edits.update_watch(path, "Lab", token="lab-token")
    assert result.token_for("Lab") == "lab-token"
    assert 'token = "lab-token"' in path.read_text()
    assert config.load(path).watch("Lab").param_map == {"region": "eu"}  # type: ignore[union-attr]
    result = config_edits.update_watch(path, "Lab", token=None)
    assert result.token_for("Lab") is None
    assert "token" not in path.read_text()


def test_interval_and_components_by_catalog_alias_keep_comments(path: Path) -> None:
    github = catalog.find("github")
    assert github is not None
    result = config_edits.update_watch(
        path, github.id, interval=600.0, components=("API Requests",)
    )
    watch = result.watch(github.name)
    assert watch is not None and watch.interval == 600 and watch.components == ("API Requests",)
    text = path.read_text()
    assert "# mine" in text and "# the code host" in text
    assert "interval = 600" in text  # a whole number stays an integer in the file
    result = config_edits.update_watch(path, github.name, interval=None, components=())
    watch = result.watch(github.name)
    assert watch is not None and watch.components == () and watch.interval == github.interval


def test_refused_edits_leave_the_file_alone(path: Path) -> None:
    with pytest.raises(ConfigError, match="not hold the secret"):
        config_edits.update_watch(path, "Lab", token="ghp_abcdefghijklmnopqrstuvwxyz0123456789")
    with pytest.raises(ConfigError, match="below the 30 s floor"):
        config_edits.update_watch(path, "github", interval=5)
    with pytest.raises(ConfigError, match="no watch named 'Nope'"):
        config_edits.update_watch(path, "Nope", interval=60)
    with pytest.raises(ValueError, match="cannot change url"):
        config_edits.update_watch(path, "Lab", url="http://127.0.0.1:1/")
    assert path.read_text() == TEXT


def test_notifications_table_is_created_then_edited(path: Path) -> None:
    result = config_edits.update_notifications(
        path,
        enabled=False,
        quiet_hours=(time(22, 0), time(7, 30)),
        min_severity=Severity.PARTIAL_OUTAGE,
        on_maintenance=True,
    )
    n = result.notifications
    assert not n.enabled and n.on_maintenance
    assert n.quiet_hours == (time(22, 0), time(7, 30))
    assert n.min_severity is Severity.PARTIAL_OUTAGE
    result = config_edits.update_notifications(path, quiet_hours=None, enabled=True)
    assert result.notifications.quiet_hours is None and result.notifications.enabled
    assert result.notifications.on_maintenance  # untouched fields keep their value
    assert path.read_text().count("[notifications]") == 1
    assert len(result.watches) == 2


def test_edits_refuse_a_broken_file(path: Path) -> None:
    path.write_text("[[watch]]\nservice = 'github'\nbogus = 1\n")
    with pytest.raises(ConfigError, match="unknown key 'bogus'"):
        config_edits.update_notifications(path, enabled=False)
    assert "bogus" in path.read_text()


def test_editing_a_missing_file_writes_the_defaults_first(tmp_path: Path) -> None:
    target = tmp_path / "new" / "config.toml"
    result = config_edits.update_notifications(target, on_recovery=False)
    assert not result.notifications.on_recovery
    assert [w.name for w in result.watches] == [e.name for e in catalog.defaults()]
