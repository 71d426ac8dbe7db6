"""Each setting is declared once (trayapp.core.settings); the README's tables and the config
reader follow that declaration, so a key, default, bound or sentence changes in one place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trayapp.core.settings import SECTIONS, declared, readme_default

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_table(section: str) -> list[tuple[str, str, str]]:
    """The (key, default, meaning) rows of the README's table under ### `[section]`."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"### `[{section}]`")
    rows = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("#"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if "|" in line else []
        if len(cells) == 3 and cells[0].startswith("`"):
            rows.append((cells[0].strip("`"), cells[1], cells[2]))
    return rows


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_the_readme_table_is_the_declaration(section: str) -> None:
    expected = [(f.name, readme_default(f, d), d.help) for f, d in declared(SECTIONS[section])]
    assert readme_table(section) == expected


def test_the_readme_check_reads_the_tables() -> None:
    """A changed default in the README would be caught: the parsed table is the real one."""
    rows = dict((key, default) for key, default, _ in readme_table("polling"))
    assert rows["interval"] == "120" and len(rows) >= 5
    assert re.fullmatch(r"\d+", rows["max_bytes"])


def test_the_settings_window_takes_bounds_and_help_from_the_declaration(
    qtbot, tmp_path: Path
) -> None:
    from trayapp.ui.settings import SettingsWindow

    window = SettingsWindow(tmp_path / "config.toml")
    qtbot.addWidget(window)
    declaration = {f.name: d for f, d in declared(SECTIONS["notifications"])}
    window_range = (window.group_window.minimum(), window.group_window.maximum())
    assert window_range == (declaration["group_window"].low, declaration["group_window"].high)
    assert window.on_recovery.toolTip() == declaration["on_recovery"].help


def test_the_engine_takes_every_polling_setting_it_shares_by_name() -> None:
    from dataclasses import replace

    from trayapp.core.settings import PollingSettings
    from trayapp.engine.monitor import engine_settings

    polling = replace(PollingSettings(), interval=300.0, jitter=0.1, confirm_worse=3, timeout=5.0)
    settings = engine_settings(polling)
    assert (settings.interval, settings.jitter, settings.timeout) == (300.0, 0.1, 5.0)
    assert settings.tracker.confirm_worse == 3 and settings.reference_urls == polling.reference_urls
