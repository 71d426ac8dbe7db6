"""Every recorded payload in ../shared/fixtures reads as EXPECTED.toml and
EXPECTED-new-formats.toml say, end to end.

Each payload is served from a real HTTP server on 127.0.0.1 and read with the real command,
`trayapp check --json --format F URL ...` (HTML pages: `trayapp detect --json URL`). Skips cleanly
where the shared recordings are absent (they are third-party and are not shipped with the repo).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections import defaultdict
from typing import Any

import pytest

from tests.support import SHARED_FIXTURES, StaticServer

pytestmark = pytest.mark.skipif(
    not (SHARED_FIXTURES / "EXPECTED.toml").is_file(), reason="../shared/fixtures not present"
)


EXPECTED_FILES = ("EXPECTED.toml", "EXPECTED-new-formats.toml")


def _expected() -> list[dict[str, Any]]:
    return [
        entry
        for name in EXPECTED_FILES
        if (SHARED_FIXTURES / name).is_file()
        for entry in tomllib.loads((SHARED_FIXTURES / name).read_text())["fixture"]
    ]


def test_both_expectation_files_are_read() -> None:
    formats_read = {e.get("format") for e in _expected()}
    assert {"statuspage", "apple", "salesforce", "alertmanager"} <= formats_read


def _trayapp(*args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "trayapp", *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def checked() -> dict[str, dict[str, Any]]:
    """path → the JSON object `trayapp check` printed for it (one run per format)."""
    by_format: dict[str, list[str]] = defaultdict(list)
    for entry in _expected():
        if "format" in entry:
            by_format[entry["format"]].append(entry["path"])
    results: dict[str, dict[str, Any]] = {}
    with StaticServer(SHARED_FIXTURES) as server:
        for fmt, paths in by_format.items():
            out = _trayapp("check", "--json", "--format", fmt, *(server.url(p) for p in paths))
            assert len(out) == len(paths)
            results.update(zip(paths, out, strict=True))
    return results


READ_CASES = [e for e in _expected() if "format" in e]
DETECT_CASES = [e for e in _expected() if "detect" in e]


@pytest.mark.parametrize("entry", READ_CASES, ids=[e["path"] for e in READ_CASES])
def test_recorded_payload_reads_as_expected(
    entry: dict[str, Any], checked: dict[str, dict[str, Any]]
) -> None:
    got = checked[entry["path"]]
    assert got["error"] is None
    assert got["format"] == entry["format"]
    if "severity" in entry:
        assert got["severity"] == entry["severity"]
    if "components" in entry:
        assert len(got["components"]) == entry["components"]
    if "open_incidents" in entry:
        opened = [i for i in got["incidents"] if i["open"] and i["kind"] == "incident"]
        assert len(opened) == entry["open_incidents"]
    if "incident_impact" in entry:
        assert len(got["incidents"]) == 1
        (incident,) = got["incidents"]
        assert incident["severity"] == entry["incident_impact"]
        assert incident["status"] == entry["incident_status"]


@pytest.mark.parametrize("entry", DETECT_CASES, ids=[e["path"] for e in DETECT_CASES])
def test_recorded_page_is_detected(entry: dict[str, Any]) -> None:
    with StaticServer(SHARED_FIXTURES) as server:
        got = _trayapp("detect", "--json", server.url(entry["path"]))
    assert got["format"] == entry["detect"]
    assert got["endpoint"].startswith("http://127.0.0.1:")
