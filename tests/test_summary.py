"""The tray's words and overall state, from hand-built snapshots and from real tracker steps."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from trayapp.core import verdict
from trayapp.core.model import Reading, Severity, Watch
from trayapp.core.status import SourceStatus
from trayapp.core.summary import (
    TOOLTIP_LIMIT,
    PageLag,
    TrayState,
    admission_words,
    ago,
    alternatives,
    alternatives_line,
    is_stale,
    lag_words,
    last_checked_text,
    overall,
    probe_lines,
    row_state,
    row_text,
    tooltip,
    verdict_line,
)
from trayapp.core.tracker import SourceState, TrackerConfig, step
from trayapp.probes.state import ProbeState

OP = Severity.OPERATIONAL
MAINT = Severity.MAINTENANCE
DEG = Severity.DEGRADED
PART = Severity.PARTIAL_OUTAGE
MAJOR = Severity.MAJOR_OUTAGE
UNK = Severity.UNKNOWN

NOW = datetime(2024, 5, 1, 14, 30, tzinfo=UTC)
MIN = timedelta(minutes=1)
_UNSET = object()


def status(
    name: str,
    severity: Severity | None = OP,
    *,
    since: datetime | None = None,
    checked: datetime | None = _UNSET,  # type: ignore[assignment]
    success: datetime | None = _UNSET,  # type: ignore[assignment]
    error: str | None = None,
    failures: int = 0,
    flapping: bool = False,
) -> SourceStatus:
    """A snapshot as the engine publishes it; ``severity=None`` means nothing confirmed yet."""
    checked = NOW - MIN if checked is _UNSET else checked
    success = checked if success is _UNSET else success
    state = SourceState(
        confirmed=severity,
        since=since if since is not None else (None if severity is None else NOW - 3 * MIN),
        last_readable=severity if severity not in (None, UNK) else None,
        flapping=flapping,
        last_reading=checked,
        last_success=success,
        last_error=error,
    )
    watch = Watch(name=name, url=f"https://{name.lower()}.example/api", format="statuspage")
    return SourceStatus(watch, state, None, checked, failures, None)


def never_checked(name: str) -> SourceStatus:
    return status(name, None, checked=None, success=None)


def tip(*statuses: SourceStatus, offline: bool = False, paused: bool = False) -> str:
    return tooltip(statuses, offline=offline, paused=paused, now=NOW)


# ---------------------------------------------------------------------------------- TrayState


def test_tray_states_mirror_severities_and_add_three_of_their_own() -> None:
    assert [TrayState.of(s) for s in Severity] == list(TrayState)[:6]
    assert {str(s) for s in TrayState} - {str(s) for s in Severity} == {
        "offline", "paused", "yours"
    }  # fmt: skip
    assert TrayState.PARTIAL_OUTAGE.label == "partial outage"
    assert TrayState.OFFLINE.label == "offline"


# ---------------------------------------------------------------------------------- overall


def test_paused_wins_over_offline_and_over_outages() -> None:
    statuses = [status("A", MAJOR)]
    assert overall(statuses, offline=True, paused=True) is TrayState.PAUSED
    assert overall(statuses, offline=True, paused=False) is TrayState.OFFLINE
    assert overall(statuses, offline=False, paused=False) is TrayState.MAJOR_OUTAGE


def test_offline_a_service_needing_no_internet_shows_its_own_problem() -> None:
    """A LAN service whose own server fails to answer during the spell: its outage, not
    "offline" (a public one that fails then is blanked, as before)."""
    since = NOW - 5 * MIN
    nas = replace(status("NAS", MAJOR, checked=NOW - MIN), reachable=False, local=True)
    far = replace(status("Far", MAJOR, checked=NOW - MIN), reachable=False)
    assert overall([nas, far], offline=True, paused=False, offline_since=since) is (
        TrayState.MAJOR_OUTAGE
    )
    text = tooltip([nas, far], offline=True, paused=False, now=NOW, offline_since=since)
    assert "NAS: major outage" in text and "Far" not in text
    assert overall([far], offline=True, paused=False, offline_since=since) is TrayState.OFFLINE


def test_overall_shows_the_worst_known_state_not_unknown() -> None:
    statuses = [status("A", OP), status("B", UNK, error="HTTP 503"), status("C", OP)]
    assert overall(statuses, offline=False, paused=False) is TrayState.OPERATIONAL
    statuses.append(status("D", DEG))
    assert overall(statuses, offline=False, paused=False) is TrayState.DEGRADED


def test_overall_is_unknown_only_when_nothing_is_known() -> None:
    assert overall([], offline=False, paused=False) is TrayState.UNKNOWN
    assert overall([never_checked("A")], offline=False, paused=False) is TrayState.UNKNOWN
    both = [status("A", UNK, error="x"), never_checked("B")]
    assert overall(both, offline=False, paused=False) is TrayState.UNKNOWN


def test_overall_accepts_a_mapping_a_list_or_a_generator() -> None:
    a, b = status("A", MAINT), status("B", OP)
    want = TrayState.MAINTENANCE
    assert overall({"A": a, "B": b}, offline=False, paused=False) is want
    assert overall([a, b], offline=False, paused=False) is want
    assert overall((s for s in (a, b)), offline=False, paused=False) is want


@pytest.mark.parametrize("severities", list(itertools.product(Severity, repeat=3)))
def test_overall_is_the_highest_known_rank_for_every_combination(
    severities: tuple[Severity, ...],
) -> None:
    statuses = [status(f"S{i}", s) for i, s in enumerate(severities)]
    got = overall(statuses, offline=False, paused=False)
    known = [s for s in severities if s is not UNK]
    if not known:
        assert got is TrayState.UNKNOWN
    else:
        assert got is TrayState.of(max(known, key=lambda s: s.rank))


# ---------------------------------------------------------------------------------- tooltip


def test_tooltip_names_the_problem_and_counts_the_rest() -> None:
    text = tip(
        status("GitHub", OP),
        status("OpenAI", PART),
        status("Gemini", UNK, error="HTTP 503"),
        status("Slack", OP),
    )
    assert text == "OpenAI: partial outage · 2 services OK, 1 unknown"


def test_tooltip_lists_problems_worst_first_then_by_name() -> None:
    text = tip(
        status("zeta", DEG),
        status("Alpha", DEG),
        status("Stripe", MAINT),
        status("OpenAI", MAJOR),
        status("Beta", OP),
    )
    assert text == ("OpenAI: major outage, Alpha: degraded, zeta: degraded, +1 more · 1 service OK")


def test_tooltip_all_operational() -> None:
    assert tip(*(status(n) for n in "ABCD")) == "All 4 services operational"
    assert tip(status("GitHub")) == "GitHub: operational"


def test_tooltip_names_unreadable_services_when_nothing_worse_is_going_on() -> None:
    text = tip(status("A"), status("Gemini", UNK, error="HTTP 503"), status("B"))
    assert text == "Gemini: unknown · 2 services OK"
    assert tip(status("Z", UNK), status("Y", UNK)) == "Y: unknown, Z: unknown"


def test_tooltip_maintenance_is_named_not_counted_as_ok() -> None:
    assert tip(status("Stripe", MAINT), status("A")) == "Stripe: maintenance · 1 service OK"


def test_tooltip_while_the_first_checks_are_running() -> None:
    assert tip(never_checked("A"), never_checked("B")) == "Checking 2 services…"
    assert tip(never_checked("A")) == "Checking 1 service…"
    assert tip(status("A"), status("B"), never_checked("C")) == "2 services OK, 1 checking…"
    text = tip(status("A", MAJOR), status("B", UNK), never_checked("C"))
    assert text == "A: major outage · 1 unknown, 1 checking…"


def test_tooltip_paused_and_offline() -> None:
    assert tip(status("A", MAJOR), paused=True, offline=True) == "Paused"
    assert tip(status("A", MAJOR), offline=True).startswith("You are offline")
    assert tip(offline=True) == "You are offline"
    assert tip(never_checked("A"), offline=True) == "You are offline"
    assert tip() == "No services watched"


def test_offline_tooltip_gives_the_last_success_in_the_clock_of_now() -> None:
    cest = timezone(timedelta(hours=2))
    statuses = [
        status("A", success=datetime(2024, 5, 1, 12, 2, tzinfo=UTC)),
        status("B", success=datetime(2024, 5, 1, 11, 0, tzinfo=UTC)),
    ]
    local_now = NOW.astimezone(cest)
    text = tooltip(statuses, offline=True, paused=False, now=local_now)
    assert text == "You are offline — last checked 14:02"
    assert tooltip(statuses, offline=True, paused=False, now=NOW).endswith("last checked 12:02")


def test_offline_tooltip_says_how_long_ago_when_not_today() -> None:
    old = status("A", success=NOW - timedelta(days=2, hours=3))
    assert tip(old, offline=True) == "You are offline — last checked 2 days ago"


def test_offline_tooltip_handles_naive_times() -> None:
    naive_now = datetime(2024, 5, 1, 14, 30)
    old = status("A", success=datetime(2024, 5, 1, 9, 5))
    assert tooltip([old], offline=True, paused=False, now=naive_now).endswith("09:05")


def test_tooltip_fits_the_windows_limit() -> None:
    many = [status(f"A very long service name number {i}", MAJOR) for i in range(12)]
    text = tip(*many, status("ok"))
    assert len(text) <= TOOLTIP_LIMIT
    assert text.startswith("A very long service name number 0: major outage")
    assert "more · 1 service OK" in text
    huge = status("X" * 300, MAJOR)
    text = tip(huge)
    assert len(text) == TOOLTIP_LIMIT
    assert text.endswith("…")


def test_tooltip_accepts_the_engines_mapping() -> None:
    statuses = {"A": status("A", DEG), "B": status("B")}
    assert tooltip(statuses, offline=False, paused=False, now=NOW) == "A: degraded · 1 service OK"


# ---------------------------------------------------------------------------------- rows


def test_row_for_a_problem_says_how_long_it_has_held() -> None:
    row = row_text(status("OpenAI", PART, since=NOW - 25 * MIN), NOW)
    assert row == "OpenAI — partial outage for 25 min"
    row = row_text(status("Stripe", MAINT, since=NOW - timedelta(hours=2, minutes=5)), NOW)
    assert row == "Stripe — maintenance for 2 h 5 min"
    assert row_text(status("A", MAJOR, since=NOW - 10 * timedelta(seconds=1)), NOW) == (
        "A — major outage for <1 min"
    )


def test_row_for_an_operational_service_is_just_its_state() -> None:
    assert row_text(status("GitHub", OP, since=NOW - timedelta(days=3)), NOW) == (
        "GitHub — operational"
    )


def test_row_for_an_unreadable_service_gives_the_reason() -> None:
    row = row_text(status("Gemini", UNK, error="status page answered HTTP 503"), NOW)
    assert row == "Gemini — unknown: status page answered HTTP 503"
    assert row_text(status("Gemini", UNK), NOW) == "Gemini — unknown"
    long = row_text(status("G", UNK, error="word " * 40), NOW)
    assert long.endswith("…")
    assert len(long) <= len("G — unknown: ") + 60


def test_row_for_a_flapping_service_does_not_claim_a_duration() -> None:
    row = row_text(status("A", DEG, since=NOW - 5 * MIN, flapping=True), NOW)
    assert row == "A — degraded, flapping"


def test_row_before_the_first_check_and_without_a_start_time() -> None:
    assert row_text(never_checked("A"), NOW) == "A — checking…"
    no_since = status("A", DEG)
    no_since = SourceStatus(
        no_since.watch, SourceState(confirmed=DEG, last_reading=NOW), None, NOW, 0, None
    )
    assert row_text(no_since, NOW) == "A — degraded"


# ---------------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=-30), "just now"),
        (timedelta(0), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(seconds=60), "1 min"),
        (timedelta(minutes=4, seconds=59), "4 min"),
        (timedelta(minutes=59), "59 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(hours=2, minutes=5), "2 h 5 min"),
        (timedelta(hours=23, minutes=59), "23 h 59 min"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=1, hours=3, minutes=10), "1 day 3 h"),
        (timedelta(days=3, hours=5), "3 days"),
        (timedelta(days=400), "400 days"),
    ],
)
def test_ago(delta: timedelta, text: str) -> None:
    assert ago(delta) == text


def test_last_checked_text() -> None:
    assert last_checked_text(never_checked("A"), NOW) == "not checked yet"
    assert last_checked_text(status("A", checked=NOW - 2 * MIN), NOW) == "checked 2 min ago"
    assert last_checked_text(status("A", checked=NOW), NOW) == "checked just now"
    failing = status(
        "A", UNK, checked=NOW - MIN, success=NOW - timedelta(hours=1), error="HTTP 503"
    )
    assert last_checked_text(failing, NOW) == "last success 1 h ago; last try: HTTP 503"
    # offline: the engine counts a failure without feeding the tracker, so no error is recorded
    unreachable = status("A", OP, checked=NOW, success=NOW - 5 * MIN, failures=2)
    assert last_checked_text(unreachable, NOW) == "last success 5 min ago"
    never = status("A", UNK, checked=NOW, success=None, error="HTTP 404", failures=1)
    assert last_checked_text(never, NOW) == "no successful check yet: HTTP 404"
    long = status("A", UNK, checked=NOW, success=None, error="could not resolve " * 9, failures=1)
    assert last_checked_text(long, NOW).endswith("…") and len(last_checked_text(long, NOW)) < 90


# ---------------------------------------------------------------------------------- end to end


def test_words_for_states_made_by_the_real_tracker() -> None:
    config = TrackerConfig(confirm_worse=2, confirm_better=2)
    watch = Watch(name="Gemini", url="https://gemini.example/api", format="statuspage")
    state = SourceState()
    state, _ = step(state, "Gemini", Reading("statuspage", OP), NOW - 30 * MIN, config)
    for minutes in (20, 10):
        bad = Reading.unknown("statuspage", "status page answered HTTP 503")
        state, _ = step(state, "Gemini", bad, NOW - minutes * MIN, config)
    gemini = SourceStatus(watch, state, None, NOW - 10 * MIN, 2, None)
    assert row_text(gemini, NOW) == "Gemini — unknown: status page answered HTTP 503"
    assert last_checked_text(gemini, NOW) == (
        "last success 30 min ago; last try: status page answered HTTP 503"
    )

    state = SourceState()
    for minutes, severity in ((40, OP), (26, PART), (25, PART)):  # the second PART confirms
        state, _ = step(state, "OpenAI", Reading("statuspage", severity), NOW - minutes * MIN)
    openai = SourceStatus(
        Watch("OpenAI", "https://openai.example/api", "statuspage"), state, None, NOW, 0, None
    )
    assert row_text(openai, NOW) == "OpenAI — partial outage for 25 min"
    assert overall([gemini, openai], offline=False, paused=False) is TrayState.PARTIAL_OUTAGE
    assert tip(gemini, openai) == "OpenAI: partial outage · 1 unknown"


# ---------------------------------------------------------------------------------- verdicts


def with_probes(base: SourceStatus, *probes: ProbeState, offline: bool = False) -> SourceStatus:
    """``base`` with probes and the verdict the engine would reach from them."""
    decided = verdict.decide(base.state.confirmed, base.state.since, probes, offline, NOW, tz=UTC)
    return replace(base, probes=probes, verdict=decided)


DOWN = ProbeState(down=True, since=NOW - 4 * MIN, down_since=NOW - 5 * MIN)
UP = ProbeState(down=False, since=NOW - 60 * MIN)
KEY_REJECTED = ProbeState(
    paused=True, paused_cause="auth", paused_fix="store a new key with trayapp secret set openai"
)


def test_checks_failing_on_a_green_page_show_in_row_tooltip_and_sentence() -> None:
    openai = with_probes(status("OpenAI", OP, since=NOW - 60 * MIN), DOWN)
    assert openai.severity is MAJOR
    assert row_text(openai, NOW) == "OpenAI — major outage (not on its status page yet) for 5 min"
    assert tip(openai) == "OpenAI: major outage (not on its status page yet)"
    assert verdict_line(openai) == (
        "Outage seen by your checks, not yet acknowledged by the status page (since 14:25)."
    )


def test_a_rejected_key_is_named_and_says_what_to_fix() -> None:
    openai = with_probes(status("OpenAI", OP), KEY_REJECTED)
    assert row_text(openai, NOW) == "OpenAI — your key was rejected"  # not "operational"
    assert verdict_line(openai) == (
        "Your key was rejected: store a new key with trayapp secret set openai"
    )
    github = status("GitHub", OP)
    assert overall([openai, github], offline=False, paused=False) is TrayState.YOURS
    assert row_state(openai, NOW) is TrayState.YOURS
    assert row_state(github, NOW) is TrayState.OPERATIONAL
    assert tip(openai, github) == "OpenAI: your key was rejected · 1 service OK"
    down = status("Groq", MAJOR)
    assert overall([openai, down], offline=False, paused=False) is TrayState.MAJOR_OUTAGE


def test_passing_checks_on_a_green_page_add_nothing() -> None:
    openai = with_probes(status("OpenAI", OP), UP)
    assert verdict_line(openai) is None and row_text(openai, NOW) == "OpenAI — operational"
    assert verdict_line(status("GitHub", MAJOR)) is None  # no probes: the row says it all


def test_alternatives_are_the_working_services_of_the_same_category() -> None:
    def ai(name: str, severity: Severity) -> SourceStatus:
        s = status(name, severity)
        return replace(s, watch=replace(s.watch, category="AI APIs"))

    openai, claude, gemini = ai("OpenAI", MAJOR), ai("Claude", OP), ai("Gemini", DEG)
    github = status("GitHub", OP)  # no category: never an alternative
    everything = [openai, claude, gemini, github]
    assert alternatives(everything) == {"OpenAI": ["Claude"], "Claude": [], "Gemini": ["Claude"]}
    assert alternatives_line(openai, everything) == "Up now: Claude"
    assert alternatives_line(claude, everything) is None  # nothing wrong with it
    assert alternatives_line(openai, [openai, gemini]) is None  # nothing to suggest


def test_page_lag_in_words_to_the_second() -> None:
    def ack(lag: timedelta | None, ended: timedelta | None = None) -> verdict.Acknowledgement:
        return verdict.Acknowledgement(
            "Gemini",
            probe_down_at=NOW,
            probe_up_at=None if ended is None else NOW + ended,
            page_ack_at=None if lag is None else NOW + lag,
        )

    sec = timedelta(seconds=1)
    assert lag_words(13 * sec) == "13 s later"  # the demo's lag: never "at the same time"
    assert lag_words(4 * MIN) == "4 min later"
    assert lag_words(-20 * sec) == "20 s earlier"
    assert lag_words(timedelta(milliseconds=300)) == "at the same time"
    later = NOW + 3 * timedelta(hours=1)
    assert admission_words(ack(13 * sec), later) == "admitted 13 s later"
    assert admission_words(ack(4 * MIN), later) == "admitted 4 min later"
    assert lag_words(4 * MIN + 10 * sec) == "4 min 10 s later"
    assert lag_words(timedelta(hours=1, minutes=5, seconds=3)) == "1 h 5 min later"
    assert admission_words(ack(None, ended=30 * MIN), later) == "never admitted"
    assert admission_words(ack(None, ended=30 * MIN), NOW + 40 * MIN) == "not admitted yet"
    assert admission_words(ack(None), later) == "not admitted yet"  # still going on


def test_acknowledgement_record_in_words() -> None:
    def record(lag_min: float | None, ended_min: float = 30) -> verdict.Acknowledgement:
        ack = None if lag_min is None else NOW + lag_min * MIN
        up = NOW + ended_min * MIN
        return verdict.Acknowledgement("OpenAI", probe_down_at=NOW, probe_up_at=up, page_ack_at=ack)

    later = NOW + timedelta(days=1)
    assert PageLag.of([]) is None
    one = PageLag.of([record(4)], later)
    assert one is not None and one.sentence() == (
        "Your checks saw 1 outage; the page admitted it 4 min later."
    )
    assert one.short() == "Your checks saw 1 outage: page admitted it 4 min later"
    three = PageLag.of([record(4), record(12), record(None)], later)
    assert three == PageLag(3, 2, 8 * MIN, 12 * MIN, never=1)
    assert three.sentence() == (
        "Your checks saw 3 outages; the page admitted 2 (median 8 min later, worst 12 min later);"
        " 1 never admitted."
    )
    assert three.short() == (
        "Your checks saw 3 outages: page admitted 2 · median 8 min later · worst 12 min later"
        " · 1 never admitted"
    )
    early = PageLag.of([record(-3), record(None, ended_min=1400)], later)
    assert early is not None and early.pending == 1
    assert early.sentence() == (
        "Your checks saw 2 outages; the page admitted 1 (3 min earlier); 1 not admitted yet."
    )
    silent = PageLag.of([record(None)], later)
    assert silent is not None and silent.sentence() == (
        "Your checks saw 1 outage; the page never admitted it."
    )


def test_each_probe_shows_its_evidence_age_and_next_check() -> None:
    from trayapp.probes.classify import ProbeResult
    from trayapp.probes.spec import ProbeSpec

    spec = ProbeSpec(name="list models", url="https://api.example/v1/models")
    failed = ProbeResult("theirs", 503, 80.0, "their API is overloaded (HTTP 503)", "overloaded")
    state = replace(DOWN, last=failed, last_at=NOW - 20 * SEC, next_at=NOW + 40 * SEC)
    openai = replace(with_probes(status("OpenAI", OP), state), probe_specs=(spec,))
    assert probe_lines(openai, NOW) == [
        "list models → their API is overloaded (HTTP 503), 20 s ago; next check in 40 s"
    ]
    assert last_checked_text(openai, NOW) == "status page checked 1 min ago"  # not the API's
    fresh = replace(openai, probes=(ProbeState(),))
    assert probe_lines(fresh, NOW) == ["list models → not run yet"]


def test_a_service_not_read_for_twice_its_interval_shows_its_age_not_its_colour() -> None:
    fine = replace(status("Groq", OP, checked=NOW - 10 * MIN), interval=120.0)
    assert is_stale(fine, NOW)
    assert row_text(fine, NOW) == "Groq — stale: last read 10 min ago"
    assert row_state(fine, NOW) is TrayState.UNKNOWN
    assert overall([fine], offline=False, paused=False, now=NOW) is TrayState.UNKNOWN
    recent = replace(status("Mistral", OP, checked=NOW - 3 * MIN), interval=120.0)
    assert not is_stale(recent, NOW)  # within 2x the interval (and its jitter)
    fine, recent = (
        replace(fine, watch=replace(fine.watch, category="AI")),
        replace(recent, watch=replace(recent.watch, category="AI")),
    )
    down = replace(status("OpenAI", MAJOR), watch=replace(fine.watch, name="OpenAI"))
    assert alternatives([down, fine, recent], NOW)["OpenAI"] == ["Mistral"]  # not the stale one


SEC = timedelta(seconds=1)
