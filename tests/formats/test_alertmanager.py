"""Alertmanager API v2: fingerprint dedupe, suppressed alerts ignored, configurable labels."""

from __future__ import annotations

from pathlib import Path

from trayapp import formats
from trayapp.core.model import Reading, Severity
from trayapp.formats import ParseContext

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "alertmanager"


def read(body: bytes | None = None, **params: str) -> Reading:
    body = (FIXTURES / "groups_mixed.json").read_bytes() if body is None else body
    return formats.read("alertmanager", body, ParseContext(params=params))


def test_groups_are_deduplicated_by_fingerprint() -> None:
    reading = read()
    assert reading.error is None
    assert sorted(i.id for i in reading.incidents) == ["aaa1", "bbb2", "ccc3", "ddd4"]
    assert sorted(i.id for i in reading.open_incidents) == ["aaa1", "ccc3"]


def test_severity_from_label_and_suppressed_ignored() -> None:
    reading = read()
    assert reading.severity is Severity.MAJOR_OUTAGE  # aaa1 is critical
    by_id = {i.id: i for i in reading.incidents}
    assert by_id["bbb2"].status == "suppressed" and not by_id["bbb2"].open
    assert by_id["ccc3"].severity is Severity.DEGRADED  # 'P2' unknown: the default
    assert by_id["ddd4"].status == "informational" and not by_id["ddd4"].open
    assert by_id["aaa1"].title == "DiskFull (db1)"
    assert by_id["aaa1"].latest_update == "Disk on db1 is 99% full"
    assert by_id["aaa1"].url == "http://prometheus.local/graph?g0.expr=x"


def test_mapping_and_label_are_configurable() -> None:
    reading = read(**{"severity.critical": "degraded", "severity.p2": "partial_outage"})
    assert reading.severity is Severity.PARTIAL_OUTAGE
    relabelled = read(severity_label="alertname", **{"severity.slowqueries": "major_outage"})
    assert {i.id: i.severity for i in relabelled.open_incidents}["ccc3"] is Severity.MAJOR_OUTAGE
    bad = read(**{"severity.critical": "purple"})
    assert bad.severity is Severity.UNKNOWN and "severity.critical" in (bad.error or "")


def test_empty_list_is_all_clear_and_junk_is_unknown() -> None:
    assert read(b"[]").severity is Severity.OPERATIONAL
    for body in (b"{}", b"", b'[{"labels": {}}]', b"[1]"):
        assert read(body).severity is Severity.UNKNOWN
