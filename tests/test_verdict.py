"""The per-service verdict: status page + probes + connectivity witness, and the status page's
acknowledgement lag, from pure cases up to a minute-by-minute timeline over loopback."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.provider_fakes import ProviderFake
from trayapp.core import tracker
from trayapp.core.model import Severity, Watch
from trayapp.core.verdict import (
    Acknowledgement,
    Verdict,
    acknowledgement_lag,
    decide,
    follow_acknowledgement,
)
from trayapp.demo.payloads import statuspage_summary
from trayapp.demo.replay import ReplayServer
from trayapp.demo.replay_routes import Reply, refused_url
from trayapp.engine.poll import check_once
from trayapp.net.fetch import any_answers, make_client
from trayapp.probes.classify import ProbeResult, with_witness
from trayapp.probes.run import run_probe
from trayapp.probes.spec import preset
from trayapp.probes.state import ProbeState, probe_step
from trayapp.store import incident_log

TOKEN = "sk-test-3f9a1c77e2b94d0c8a5e6f7081920abc"
T0 = datetime(2025, 6, 2, 14, 2, tzinfo=UTC)
OP, MAINT, DEG = Severity.OPERATIONAL, Severity.MAINTENANCE, Severity.DEGRADED
PARTIAL, MAJOR, UNKNOWN = Severity.PARTIAL_OUTAGE, Severity.MAJOR_OUTAGE, Severity.UNKNOWN


def minute(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


OK = ProbeState(down=False, since=minute(0), latencies=(120.0, 130.0), slow_ms=2000)
DOWN = ProbeState(down=True, since=minute(1), down_since=minute(0))
SLOW = ProbeState(down=False, latencies=(2300.0, 2200.0, 2600.0), slow_ms=2000)
KEY = ProbeState(
    paused=True, paused_cause="auth", paused_reason="your key was rejected (HTTP 401)",
    paused_fix="store a valid key with `trayapp secret set openai`",
)  # fmt: skip
QUOTA = replace(KEY, paused_cause="quota", paused_fix="add credits")


def verdict(page: Severity | None, probes: list[ProbeState], offline: bool = False) -> Verdict:
    return decide(page, minute(-30) if page else None, probes, offline, minute(5), tz=UTC)


@pytest.mark.parametrize(
    ("page", "probes", "offline", "kind", "text", "severity"),
    [
        (OP, [], True, "offline", "you are offline", UNKNOWN),
        (MAJOR, [DOWN], True, "offline", "you are offline", UNKNOWN),  # never an outage
        (OP, [OK], False, "operational", "operational", OP),
        (OP, [], False, "operational", "operational", OP),
        (None, [], False, "unknown", "status unknown", UNKNOWN),
        (UNKNOWN, [OK], False, "operational",
         "operational (your checks pass; the status page cannot be read)", OP),
        (None, [OK], False, "operational",
         "operational (your checks pass; the status page is not read yet)", OP),
        (OP, [SLOW], False, "degraded", "degraded (slow: p50 2.3 s)", DEG),
        (OP, [DOWN], False, "outage_unacknowledged",
         "outage seen by your checks, not yet acknowledged by the status page (since 14:02)",
         MAJOR),
        (OP, [DOWN, OK], False, "outage_unacknowledged",
         "outage seen by your checks, not yet acknowledged by the status page (since 14:02)",
         PARTIAL),
        (UNKNOWN, [DOWN], False, "outage_unacknowledged",
         "outage seen by your checks; the status page cannot be read (since 14:02)", MAJOR),
        (MAJOR, [DOWN], False, "outage_confirmed", "outage, confirmed by the status page",
         MAJOR),
        (DEG, [DOWN], False, "outage_confirmed",
         "outage, confirmed by the status page (it says degraded)", MAJOR),
        (PARTIAL, [DOWN], False, "outage_confirmed",
         "outage, confirmed by the status page (it says partial outage)", MAJOR),
        (PARTIAL, [DOWN, OK], False, "outage_confirmed", "outage, confirmed by the status page",
         PARTIAL),
        (None, [DOWN], False, "outage_unacknowledged",
         "outage seen by your checks; the status page is not read yet (since 14:02)", MAJOR),
        (MAINT, [DOWN], False, "outage_confirmed",
         "down for maintenance, announced by the status page", MAINT),
        (MAJOR, [], False, "outage_reported", "major outage, reported by the status page", MAJOR),
        (PARTIAL, [OK], False, "outage_reported",
         "partial outage, reported by the status page; your own checks pass", PARTIAL),
        (DEG, [OK], False, "degraded",
         "degraded, reported by the status page; your own checks pass", DEG),
        (MAINT, [OK], False, "maintenance", "maintenance, announced by the status page", MAINT),
        (OP, [KEY], False, "yours", "your key was rejected", UNKNOWN),  # not green
        (OP, [QUOTA, OK], False, "yours", "quota or spend limit reached", UNKNOWN),
        (MAJOR, [KEY], False, "yours",
         "major outage, reported by the status page; your key was rejected", MAJOR),
        (OP, [KEY, DOWN], False, "outage_unacknowledged",
         "outage seen by your checks, not yet acknowledged by the status page (since 14:02)",
         PARTIAL),
    ],
)  # fmt: skip
def test_decide(
    page: Severity | None,
    probes: list[ProbeState],
    offline: bool,
    kind: str,
    text: str,
    severity: Severity,
) -> None:
    result = verdict(page, probes, offline)
    assert (result.kind, result.text, result.severity) == (kind, text, severity)


def test_a_page_that_calls_it_resolved_while_the_checks_fail_is_not_unacknowledged() -> None:
    """Pages often close an incident before the API answers again: that outage was admitted."""
    result = decide(OP, minute(4), [DOWN], False, minute(5), tz=UTC, page_admitted=True)
    assert (result.kind, result.severity) == ("outage_confirmed", MAJOR)
    assert result.text == "your checks still fail; the status page calls it resolved"
    assert result.probes_down_since == minute(0) and result.page_ack_since is None
    record = Acknowledgement("OpenAI", probe_down_at=minute(0), page_ack_at=minute(2))
    kept, write = follow_acknowledgement(record, "OpenAI", result, minute(5))
    assert kept == record and write is None  # the record keeps the page's first word


def test_a_rejected_key_says_what_to_fix() -> None:
    result = verdict(OP, [KEY])
    assert result.fix == "store a valid key with `trayapp secret set openai`"
    assert verdict(OP, [QUOTA]).fix == "add credits"


def test_since_is_local_time_and_names_the_day_when_not_today() -> None:
    plus2 = timezone(timedelta(hours=2))
    today = decide(OP, None, [DOWN], False, minute(5), tz=plus2)
    assert today.text.endswith("(since 16:02)") and today.since == minute(0)
    yesterday = replace(DOWN, down_since=minute(-24 * 60))
    assert decide(OP, None, [yesterday], False, minute(5), tz=UTC).text.endswith(
        "(since Sun 14:02)"
    )
    long_ago = replace(DOWN, down_since=minute(-20 * 24 * 60))
    assert decide(OP, None, [long_ago], False, minute(5), tz=UTC).text.endswith(
        "(since 13 May 14:02)"
    )


def test_confirmed_outages_carry_both_times() -> None:
    result = decide(MAJOR, minute(6), [DOWN], False, minute(7), tz=UTC)
    assert result.probes_down_since == minute(0) and result.page_ack_since == minute(6)
    assert result.since == minute(0)  # the outage began when the checks first saw it
    earlier_page = decide(MAJOR, minute(-3), [DOWN], False, minute(7), tz=UTC)
    assert earlier_page.since == minute(-3)


# --------------------------------------------------------------------------- acknowledgement


def test_acknowledgement_lag() -> None:
    assert acknowledgement_lag(minute(0), minute(7)) == timedelta(minutes=7)
    assert Acknowledgement("svc", minute(0)).lag is None
    page_first = Acknowledgement("svc", minute(3), page_ack_at=minute(1))
    assert page_first.lag == timedelta(minutes=-2)
    row = Acknowledgement("svc", minute(0), minute(9), minute(7), "inc1").to_json_row()
    assert row["lag_seconds"] == 420.0 and row["incident_id"] == "inc1"


def _unack(down: datetime) -> Verdict:
    return Verdict("outage_unacknowledged", "x", MAJOR, since=down, probes_down_since=down)


def _confirmed(down: datetime, ack: datetime) -> Verdict:
    return Verdict(
        "outage_confirmed", "x", MAJOR, since=down, probes_down_since=down, page_ack_since=ack
    )


FINE = Verdict("operational", "operational", OP)


def test_follow_acknowledgement_opens_acknowledges_and_closes() -> None:
    keep, write = follow_acknowledgement(None, "svc", FINE, minute(0))
    assert (keep, write) == (None, None)
    keep, write = follow_acknowledgement(None, "svc", _unack(minute(2)), minute(3))
    assert keep == write == Acknowledgement("svc", minute(2))
    same, nothing = follow_acknowledgement(keep, "svc", _unack(minute(2)), minute(4))
    assert same == keep and nothing is None  # no change, nothing to write
    keep, write = follow_acknowledgement(
        keep, "svc", _confirmed(minute(2), minute(8)), minute(8), incident_id="inc1"
    )
    assert write == Acknowledgement("svc", minute(2), page_ack_at=minute(8), incident_id="inc1")
    assert write.lag == timedelta(minutes=6)
    keep, write = follow_acknowledgement(keep, "svc", FINE, minute(13))
    assert keep is None and write is not None and write.probe_up_at == minute(13)


def test_a_late_acknowledgement_within_the_grace_still_counts() -> None:
    keep, _ = follow_acknowledgement(None, "svc", _unack(minute(2)), minute(3))
    keep, write = follow_acknowledgement(keep, "svc", FINE, minute(6))
    assert keep is not None and write is not None and write.probe_up_at == minute(6)
    late = Verdict(
        "outage_reported", "x", MAJOR, page_ack_since=minute(20), since=minute(20)
    )  # the page posts the incident after things recovered
    keep, write = follow_acknowledgement(keep, "svc", late, minute(20))
    assert keep is None and write is not None and write.lag == timedelta(minutes=18)


def test_an_unacknowledged_outage_is_dropped_after_the_grace() -> None:
    keep, _ = follow_acknowledgement(None, "svc", _unack(minute(2)), minute(3))
    keep, _ = follow_acknowledgement(keep, "svc", FINE, minute(6))
    keep, write = follow_acknowledgement(keep, "svc", FINE, minute(6 + 60))
    assert keep is None and write is None  # nothing new: the row already says "never"


def test_a_new_outage_after_the_last_one_opens_a_new_record() -> None:
    keep, _ = follow_acknowledgement(None, "svc", _unack(minute(2)), minute(3))
    keep, _ = follow_acknowledgement(keep, "svc", FINE, minute(6))
    keep, write = follow_acknowledgement(keep, "svc", _unack(minute(10)), minute(11))
    assert write == Acknowledgement("svc", minute(10)) and keep == write


# --------------------------------------------------------------------------- over loopback


def _page(severity: Severity) -> Reply:
    body = statuspage_summary("Lab AI", {"API": severity, "Console": OP})
    return Reply(200, body, etag=True)


@pytest.fixture
async def client():
    async with make_client(timeout=5.0) as opened:
        yield opened


async def test_a_timeline_seen_first_by_the_checks_then_by_the_page(
    tmp_path: Path, client: Any
) -> None:
    """The API fails from minute 2 while the page stays operational: "not yet acknowledged
    (since 14:04)". The page turns at minute 7 (confirmed at 8): "confirmed", and the log holds
    the lag (8 - 2 = 6 min). The API recovers at 12 (confirmed at 13); the page at 15."""
    fake = ProviderFake("openai", TOKEN)
    seen: list[tuple[int, str]] = []
    with ReplayServer({"/api/v2/summary.json": _page(OP), **fake.routes()}) as server:
        watch = Watch("Lab AI", server.url("/api/v2/summary.json"), "statuspage")
        spec = replace(preset("openai", server.base_url), token_name="openai")
        page_state, probe_state, ack = tracker.SourceState(), ProbeState(), None
        with incident_log.open(tmp_path / "incidents.sqlite3") as log:
            for n in range(18):
                now = minute(n)
                if n == 2:
                    fake.mode = "overloaded"
                if n == 7:
                    server.set_route("/api/v2/summary.json", _page(MAJOR))
                if n == 12:
                    fake.mode = "ok"
                if n == 15:
                    server.set_route("/api/v2/summary.json", _page(OP))
                reading = replace(await check_once(client, watch), fetched_at=now)
                page_state, _ = tracker.step(page_state, watch.name, reading, now)
                result = await run_probe(client, spec, TOKEN)
                probe_state = probe_step(probe_state, result, now)
                found = decide(
                    page_state.confirmed, page_state.since, [probe_state], False, now, tz=UTC
                )
                seen.append((n, found.text))
                ack, write = follow_acknowledgement(ack, watch.name, found, now)
                if write is not None:
                    log.record_acknowledgement(write)
            rows = log.acknowledgements("Lab AI")

    text = dict(seen)
    assert text[1] == "operational"
    assert text[2] == "operational"  # one failure is not an outage yet
    for n in range(3, 8):
        assert text[n] == (
            "outage seen by your checks, not yet acknowledged by the status page (since 14:04)"
        ), n
    for n in range(8, 13):
        assert text[n] == "outage, confirmed by the status page", n
    assert text[13] == "major outage, reported by the status page; your own checks pass"
    assert text[17] == "operational"
    assert rows == [
        Acknowledgement(
            "Lab AI", probe_down_at=minute(2), probe_up_at=minute(13), page_ack_at=minute(8)
        )
    ]
    assert rows[0].lag == timedelta(minutes=6)


async def test_offline_is_you_are_offline_not_an_outage(client: Any) -> None:
    spec = replace(preset("openai", refused_url()), token_name="openai")
    witness = [refused_url("/generate_204"), refused_url("/cdn-cgi/trace")]
    state = ProbeState(down=False, since=minute(0), latencies=(100.0,), slow_ms=2000)
    for n in range(1, 6):
        result = await run_probe(client, spec, TOKEN)
        assert not result.connected
        result = with_witness(result, await any_answers(client, witness, deadline=2.0))
        assert (result.verdict, result.cause) == ("yours", "offline")
        state = probe_step(state, result, minute(n))
        found = decide(OP, minute(0), [state], True, minute(n), tz=UTC)
        assert (found.kind, found.text) == ("offline", "you are offline")
    assert state.health == "ok" and not state.paused  # nothing was held against the service
    # and with the network up, the same failure is theirs
    with ReplayServer({"/generate_204": Reply(204)}) as reference:
        up = with_witness(
            await run_probe(client, spec, TOKEN),
            await any_answers(client, [reference.url("/generate_204")]),
        )
    assert (up.verdict, up.cause) == ("theirs", "unreachable")


def test_results_feed_the_verdict_through_probe_step() -> None:
    overloaded = ProbeResult("theirs", 529, 40.0, "overloaded", cause="overloaded")
    state = ProbeState()
    for n, result in enumerate([ProbeResult("ok", 200, 90.0, "ok", slow_ms=2000), overloaded,
                                overloaded]):  # fmt: skip
        state = probe_step(state, result, minute(n))
    found = decide(OP, minute(0), [state], False, minute(2), tz=UTC)
    assert found.kind == "outage_unacknowledged" and found.since == minute(1)
