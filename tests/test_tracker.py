"""The tracker: confirmation, unreadable handling, flapping and incident diffs, event by event."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import FrozenInstanceError, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trayapp.core.model import Component, Event, Incident, Reading, Severity
from trayapp.core.tracker import SourceState, TrackerConfig, affected, step

OP = Severity.OPERATIONAL
MAINT = Severity.MAINTENANCE
DEG = Severity.DEGRADED
PART = Severity.PARTIAL_OUTAGE
MAJOR = Severity.MAJOR_OUTAGE
UNK = Severity.UNKNOWN

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
DEFAULT = TrackerConfig()
NO_FLAP = TrackerConfig(flap_threshold=10_000)


def reading(
    severity: Severity, *incidents: Incident, components: Sequence[Component] = ()
) -> Reading:
    if severity is UNK:
        return Reading.unknown("statuspage", "HTTP 503 from the status page")
    return Reading("statuspage", severity, tuple(components), incidents)


def incident(
    id: str = "inc1",
    status: str = "investigating",
    update: str | None = "We are investigating.",
    *,
    open: bool = True,
    kind: str = "incident",
    title: str = "Elevated errors on API",
    components: tuple[str, ...] = ("API",),
) -> Incident:
    return Incident(
        id=id,
        title=title,
        status=status,
        open=open,
        severity=MAJOR if open else OP,
        kind=kind,  # type: ignore[arg-type]
        latest_update=update,
        components=components,
    )


def run(
    readings: Iterable[Reading],
    config: TrackerConfig = DEFAULT,
    every: timedelta = MIN,
    state: SourceState | None = None,
    start: datetime = T0,
) -> tuple[SourceState, list[Event]]:
    """Feed readings ``every`` apart; return the final state and all events."""
    state = state or SourceState()
    events: list[Event] = []
    for n, r in enumerate(readings):
        state, new = step(state, "svc", r, start + n * every, config)
        events += new
    return state, events


def kinds(events: Iterable[Event]) -> list[tuple[str, Severity | None, Severity]]:
    return [(e.kind, e.previous, e.severity) for e in events]


def severity_events(events: Iterable[Event]) -> list[Event]:
    return [e for e in events if not e.kind.startswith("incident")]


# --- the outage timeline --------------------------------------------------------------------------


def test_outage_timeline_produces_exactly_the_expected_events() -> None:
    api = [Component("API", MAJOR, group="Core"), Component("Web", OP, group="Core")]
    deg = [Component("API", DEG, group="Core"), Component("Web", OP, group="Core")]
    fine = [Component("API", OP, group="Core"), Component("Web", OP, group="Core")]
    investigating = incident(status="investigating", update="We are investigating.")
    identified = incident(status="identified", update="A bad deploy; rolling back.")
    monitoring = incident(status="monitoring", update="Fix deployed, watching.")
    resolved = replace(monitoring, status="resolved", open=False, latest_update="All good.")
    timeline = [
        reading(OP, components=fine),  # 12:00
        reading(DEG, investigating, components=deg),  # 12:05
        reading(DEG, investigating, components=deg),  # 12:10 degraded confirmed
        reading(MAJOR, identified, components=api),  # 12:15
        reading(MAJOR, identified, components=api),  # 12:20 major confirmed
        reading(OP, monitoring, components=fine),  # 12:25
        reading(OP, monitoring, components=fine),  # 12:30 operational confirmed
        reading(OP, resolved, components=fine),  # 12:35
        reading(OP, resolved, components=fine),  # 12:40
    ]
    state, events = run(timeline, every=timedelta(minutes=5))
    at = [T0 + timedelta(minutes=m) for m in (0, 5, 10, 15, 20, 25, 30, 35)]
    assert [(e.time, e.kind, e.previous, e.severity, e.message) for e in events] == [
        (at[0], "status", None, OP, "Status: operational"),
        (at[1], "incident_opened", None, OP, "Incident opened: Elevated errors on API"),
        (at[2], "status", OP, DEG, "operational → degraded"),
        (
            at[3],
            "incident_updated",
            None,
            DEG,
            "Incident updated: Elevated errors on API (identified)",
        ),
        (at[4], "status", DEG, MAJOR, "degraded → major outage"),
        (
            at[5],
            "incident_updated",
            None,
            MAJOR,
            "Incident updated: Elevated errors on API (monitoring)",
        ),
        (at[6], "status", MAJOR, OP, "major outage → operational"),
        (at[7], "incident_resolved", None, OP, "Incident resolved: Elevated errors on API"),
    ]
    assert events[2].components == ("API",)
    assert events[4].components == ("API",)
    assert events[6].components == ()
    assert all(e.service == "svc" for e in events)
    incident_events = [e for e in events if e.incident is not None]
    assert [e.incident for e in incident_events] == [
        investigating,
        identified,
        monitoring,
        resolved,
    ]
    assert all(e.components == ("API",) for e in incident_events)
    # the incident row: opened 12:05, resolved 12:35; the outage: degraded 12:10 .. fine 12:30
    assert incident_events[-1].time - incident_events[0].time == timedelta(minutes=30)
    statuses = [e for e in events if e.kind == "status"]
    assert statuses[-1].time - statuses[1].time == timedelta(minutes=20)
    assert state.display_severity is OP
    assert state.since == at[6]
    assert state.duration(at[7] + timedelta(minutes=5)) == timedelta(minutes=10)
    assert state.incidents == ()


# --- first reading --------------------------------------------------------------------------------


def test_first_reading_is_adopted_at_once_with_its_open_incidents() -> None:
    maint = incident("m1", "in_progress", None, kind="maintenance", title="DB upgrade")
    old = incident("old", "resolved", open=False)
    state, events = run([reading(MAINT, incident("a"), maint, old)])
    assert kinds(events) == [
        ("status", None, MAINT),
        ("incident_opened", None, MAINT),
        ("incident_opened", None, MAINT),
    ]
    assert [e.message for e in events[1:]] == [
        "Incident opened: Elevated errors on API",
        "Maintenance started: DB upgrade",
    ]
    assert {i.id for i in state.incidents} == {"a", "m1"}


def test_unreadable_first_reading_is_confirmed_like_any_other() -> None:
    state, events = run([reading(UNK)])
    assert events == []
    assert state.confirmed is None
    assert state.display_severity is UNK
    state, events = run([reading(UNK)], state=state, start=T0 + MIN)
    assert kinds(events) == [("unreadable", None, UNK)]
    assert events[0].message == "HTTP 503 from the status page"
    state, events = run([reading(DEG), reading(DEG)], state=state, start=T0 + 2 * MIN)
    assert kinds(events) == [("status", UNK, DEG)]
    assert events[0].message == "Readable again: degraded"


def test_initial_state_helpers() -> None:
    state = SourceState()
    assert state.display_severity is UNK
    assert state.duration(T0) is None
    assert not state.unreadable
    with pytest.raises(FrozenInstanceError):
        state.confirmed = OP  # type: ignore[misc]


# --- confirmation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("outlier", [DEG, MAJOR, MAINT, UNK])
def test_one_outlier_changes_nothing(outlier: Severity) -> None:
    state, events = run([reading(OP), reading(outlier), reading(OP), reading(OP)])
    assert kinds(events) == [("status", None, OP)]
    assert state.confirmed is OP
    assert state.pending is None


def test_one_good_reading_during_an_outage_changes_nothing() -> None:
    _, events = run([reading(MAJOR), reading(OP), reading(MAJOR), reading(OP), reading(MAJOR)])
    assert kinds(events) == [("status", None, MAJOR)]


def test_worse_confirms_as_the_latest_of_the_bad_readings() -> None:
    state, events = run([reading(OP), reading(DEG), reading(MAJOR)])
    assert kinds(events) == [("status", None, OP), ("status", OP, MAJOR)]
    assert events[-1].message == "operational → major outage"
    _, events = run([reading(DEG), reading(PART)], state=state, start=T0 + 3 * MIN)
    assert kinds(events) == [("status", MAJOR, PART)]


def test_readings_on_both_sides_restart_the_count() -> None:
    _, events = run([reading(DEG), reading(MAJOR), reading(OP), reading(MAJOR), reading(OP)])
    assert kinds(events) == [("status", None, DEG)]


def test_counts_are_tunable() -> None:
    slow_down = TrackerConfig(confirm_worse=3, confirm_better=1)
    _, events = run([reading(OP), reading(MAJOR), reading(MAJOR)], slow_down)
    assert kinds(events) == [("status", None, OP)]
    _, events = run([reading(OP), *[reading(MAJOR)] * 3, reading(OP)], slow_down)
    assert kinds(events) == [("status", None, OP), ("status", OP, MAJOR), ("status", MAJOR, OP)]


def test_counts_of_one_make_changes_immediate() -> None:
    eager = TrackerConfig(confirm_worse=1, confirm_better=1, flap_threshold=100)
    _, events = run([reading(s) for s in (OP, DEG, UNK, OP)], eager)
    assert kinds(events) == [
        ("status", None, OP),
        ("status", OP, DEG),
        ("unreadable", DEG, UNK),
        ("status", UNK, OP),
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"confirm_worse": 0},
        {"confirm_better": 0},
        {"flap_threshold": 1},
        {"flap_window": timedelta(0)},
        {"settle": timedelta(seconds=-1)},
    ],
)
def test_config_rejects_nonsense(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TrackerConfig(**kwargs)  # type: ignore[arg-type]


# --- unreadable -----------------------------------------------------------------------------------


def test_unreadable_is_its_own_event_and_keeps_incidents() -> None:
    a, b = incident("a"), incident("b", title="Slow dashboard")
    state, events = run([reading(MAJOR, a, b), reading(UNK), reading(UNK), reading(UNK)])
    assert kinds(events) == [
        ("status", None, MAJOR),
        ("incident_opened", None, MAJOR),
        ("incident_opened", None, MAJOR),
        ("unreadable", MAJOR, UNK),
    ]
    assert events[-1].message == "HTTP 503 from the status page"
    assert events[-1].time == T0 + 2 * MIN
    assert state.unreadable
    assert state.display_severity is UNK
    assert state.incidents == (a, b)  # missing data resolved nothing
    assert state.last_error == "HTTP 503 from the status page"
    assert state.last_success == T0
    # back: b was resolved meanwhile, a goes on; nothing reads as a recovery
    state, events = run([reading(OP, a), reading(OP, a)], state=state, start=T0 + 4 * MIN)
    assert kinds(events) == [("incident_resolved", None, UNK), ("status", UNK, OP)]
    assert events[0].incident == replace(b, open=False)
    assert (
        events[1].message
        == "Readable again: operational (was major outage before it became unreadable)"
    )
    assert state.last_error is None
    assert state.last_success == T0 + 5 * MIN


def test_back_to_the_same_severity_says_readable_again_only() -> None:
    _, events = run([reading(DEG), reading(UNK), reading(UNK), reading(DEG), reading(DEG)])
    assert kinds(severity_events(events)) == [
        ("status", None, DEG),
        ("unreadable", DEG, UNK),
        ("status", UNK, DEG),
    ]
    assert events[-1].message == "Readable again: degraded"


def test_unknown_readings_do_not_block_a_pending_outage() -> None:
    _, events = run([reading(OP), reading(MAJOR), reading(UNK), reading(MAJOR)])
    assert kinds(events) == [("status", None, OP), ("status", OP, MAJOR)]


def test_a_readable_reading_restarts_the_unreadable_count() -> None:
    state, events = run([reading(OP), reading(UNK), reading(OP), reading(UNK), reading(OP)])
    assert kinds(events) == [("status", None, OP)]
    assert state.confirmed is OP


def test_unreadable_then_one_readable_reading_is_not_enough() -> None:
    state, events = run([reading(OP), reading(UNK), reading(UNK), reading(OP), reading(UNK)])
    assert kinds(events) == [("status", None, OP), ("unreadable", OP, UNK)]
    assert state.unreadable


# --- flapping -------------------------------------------------------------------------------------


def test_flapping_source_produces_one_flapping_and_one_stable() -> None:
    bounce = [reading(OP), reading(OP), reading(MAJOR), reading(MAJOR)] * 8
    state, events = run([*bounce, *[reading(OP)] * 20])
    assert kinds(events) == [
        ("status", None, OP),
        ("status", OP, MAJOR),
        ("status", MAJOR, OP),
        ("status", OP, MAJOR),
        ("flapping", MAJOR, OP),
        ("stable", MAJOR, OP),
    ]
    # changes confirmed at minutes 3, 5, 7 (announced) and 9 (the fourth: flapping)
    assert events[4].message == "Flapping: 4 changes in 30 min"
    assert events[4].time == T0 + 9 * MIN
    # the last change confirms OP at minute 33; it has settled 15 minutes later
    assert events[5].time == T0 + 48 * MIN
    assert events[5].message == "Stable at operational after flapping"
    assert not state.flapping
    assert state.since == T0 + 33 * MIN


def test_flapping_settles_on_a_new_severity_and_says_where_it_came_from() -> None:
    bounce = [reading(DEG), reading(DEG), reading(PART), reading(PART)] * 3
    _, events = run([reading(OP), *bounce, *[reading(MAJOR)] * 17])
    flaps = [e for e in events if e.kind in ("flapping", "stable")]
    assert kinds(flaps) == [("flapping", DEG, PART), ("stable", DEG, MAJOR)]
    assert [e.kind for e in events].count("status") == 4


def test_incidents_still_flow_while_flapping() -> None:
    bounce = [reading(OP), reading(OP), reading(MAJOR), reading(MAJOR)] * 3
    state, _ = run(bounce)
    assert state.flapping
    state, events = run([reading(OP, incident("x"))], state=state, start=T0 + 12 * MIN)
    assert kinds(events) == [("incident_opened", None, MAJOR)]  # still the confirmed severity


def test_flapping_through_unreadable_never_stabilises_as_a_recovery() -> None:
    bounce = [reading(MAJOR), reading(MAJOR), reading(UNK), reading(UNK)] * 4
    _, events = run([*bounce, *[reading(OP)] * 20])
    assert kinds(events) == [
        ("status", None, MAJOR),
        ("unreadable", MAJOR, UNK),
        ("status", UNK, MAJOR),
        ("unreadable", MAJOR, UNK),
        ("flapping", UNK, MAJOR),
        ("stable", UNK, OP),
    ]


def test_slow_changes_never_count_as_flapping() -> None:
    slow = [reading(OP), reading(OP), reading(MAJOR), reading(MAJOR)] * 6
    _, events = run(slow, every=timedelta(minutes=5))
    assert [e.kind for e in events].count("flapping") == 0
    assert [e.kind for e in events].count("status") == 12


def test_stable_while_unreadable_gives_the_reason() -> None:
    bounce = [reading(OP), reading(OP), reading(UNK), reading(UNK)] * 3
    _, events = run([*bounce, *[reading(UNK)] * 20])
    last = events[-1]
    assert (last.kind, last.previous, last.severity) == ("stable", UNK, UNK)
    assert last.message == "Stable but unreadable after flapping: HTTP 503 from the status page"


# --- incidents ------------------------------------------------------------------------------------


def test_incident_diffs() -> None:
    a = incident("a")
    maint = incident("m", "scheduled", None, kind="maintenance", title="DB upgrade", components=())
    steps = [
        ([a], [("incident_opened", "a")]),
        ([replace(a, updated=T0)], []),  # a new timestamp alone is not news
        ([replace(a, latest_update="Found it.")], [("incident_updated", "a")]),
        ([replace(a, status="identified", latest_update="Found it.")], [("incident_updated", "a")]),
        (
            [replace(a, status="identified", latest_update="Found it."), maint],
            [("incident_opened", "m")],
        ),
        (
            [replace(a, status="resolved", open=False)],
            [("incident_resolved", "a"), ("incident_resolved", "m")],
        ),
        ([], []),
        ([a], [("incident_opened", "a")]),  # the same id opening again is a new row
    ]
    state = SourceState()
    state, _ = step(state, "svc", reading(OP), T0, DEFAULT)
    for n, (incidents, expected) in enumerate(steps, start=1):
        state, events = step(state, "svc", reading(OP, *incidents), T0 + n * MIN, DEFAULT)
        assert [(e.kind, e.incident.id) for e in events if e.incident] == expected, n
    # resolutions carry the payload's closed copy when it has one, else the last copy, closed
    state, _ = run([reading(OP, a, maint)])
    _, events = step(state, "svc", reading(OP, replace(a, status="resolved", open=False)), T0 + MIN)
    assert events[0].incident == replace(a, status="resolved", open=False)
    assert events[1].incident == replace(maint, open=False)
    assert events[1].message == "Maintenance ended: DB upgrade"
    assert events[1].components == ()


def test_incident_events_carry_components_and_confirmed_severity() -> None:
    a = incident("a", components=("API", "Webhooks"))
    _, events = run([reading(OP), reading(MAJOR, a)])
    assert events[-1].kind == "incident_opened"
    assert events[-1].components == ("API", "Webhooks")
    assert events[-1].severity is OP  # the outage is not confirmed yet


def test_affected_components() -> None:
    comps = [
        Component("API", MAJOR),
        Component("Web", OP),
        Component("Search", UNK),
        Component("Mail", MAINT),
    ]
    assert affected(reading(MAJOR, components=comps)) == ("API", "Mail")


# --- properties -----------------------------------------------------------------------------------

severities = st.sampled_from(list(Severity))
known = st.sampled_from([s for s in Severity if s is not UNK])
configs = st.builds(
    TrackerConfig,
    confirm_worse=st.integers(1, 3),
    confirm_better=st.integers(1, 3),
    flap_threshold=st.integers(2, 6),
    flap_window=st.sampled_from([timedelta(minutes=m) for m in (5, 30, 120)]),
    settle=st.sampled_from([timedelta(minutes=m) for m in (0, 3, 15)]),
)
incident_sets = st.lists(
    st.builds(
        incident,
        id=st.sampled_from("abc"),
        status=st.sampled_from(["investigating", "monitoring", "resolved"]),
        update=st.sampled_from([None, "x", "y"]),
        open=st.booleans(),
        kind=st.sampled_from(["incident", "maintenance"]),
    ),
    max_size=3,
    unique_by=lambda i: i.id,
)
readings = st.builds(lambda s, i: reading(s, *i), severities, incident_sets)


@given(known, incident_sets, st.integers(1, 30), configs)
def test_a_constant_reading_causes_no_event_after_the_first(
    severity: Severity, incidents: list[Incident], n: int, config: TrackerConfig
) -> None:
    state, _ = run([reading(severity, *incidents)], config)
    _, events = run([reading(severity, *incidents)] * n, config, state=state, start=T0 + MIN)
    assert events == []


@given(known, severities, st.integers(1, 10), st.integers(0, 10), configs)
def test_one_outlier_never_flips_the_confirmed_severity(
    base: Severity, outlier: Severity, before: int, after: int, config: TrackerConfig
) -> None:
    config = replace(config, confirm_worse=max(2, config.confirm_worse))
    config = replace(config, confirm_better=max(2, config.confirm_better))
    sequence = [*[reading(base)] * before, reading(outlier), *[reading(base)] * after]
    state, events = run(sequence, config)
    assert kinds(events) == [("status", None, base)]
    assert state.confirmed is base


@given(st.lists(known, min_size=1, max_size=30))
def test_counts_of_one_track_every_reading(sequence: list[Severity]) -> None:
    eager = TrackerConfig(confirm_worse=1, confirm_better=1, flap_threshold=10_000)
    state = SourceState()
    for n, severity in enumerate(sequence):
        state, _ = step(state, "svc", reading(severity), T0 + n * MIN, eager)
        assert state.confirmed is severity


# runs of equal readings, mostly a few minutes apart, so that changes confirm and sources flap
runs = st.tuples(readings, st.integers(1, 3), st.sampled_from([0, 1, 1, 2, 5, 20]))
histories = runs.map(lambda run: [(run[0], timedelta(minutes=run[2]))] * run[1])
timelines = st.lists(histories, max_size=40).map(lambda runs: [x for run in runs for x in run])


@settings(max_examples=400)
@given(timelines, configs)
def test_event_stream_invariants(
    sequence: list[tuple[Reading, timedelta]], config: TrackerConfig
) -> None:
    state = SourceState()
    now = T0
    announced: Severity | None = None  # what the user was last told the severity is
    unreadable_since_told = False  # was the source confirmed unreadable since then?
    flapping = False
    open_ids: set[str] = set()
    for r, gap in sequence:
        now += gap
        before = state
        state, events = step(state, "svc", r, now, config)
        assert state.last_reading == now
        for e in events:
            assert e.time == now and e.service == "svc" and e.message
            assert "\n" not in e.message
            if e.kind in ("status", "unreadable"):
                assert not flapping
                assert e.previous == announced
                assert e.previous != e.severity
                assert (e.kind == "unreadable") == (e.severity is UNK)
            if e.kind == "flapping":
                assert not flapping and e.previous == announced
                flapping = True
            if e.kind == "stable":
                assert flapping
                assert e.previous in (announced, UNK)
                flapping = False
            if e.kind in ("status", "stable") and e.previous not in (None, UNK):
                # never a "recovery" across a stretch we could not read
                assert not unreadable_since_told
            if e.kind in ("status", "unreadable", "stable"):
                announced, unreadable_since_told = e.severity, False
            if e.kind.startswith("incident"):
                assert r.severity is not UNK
                assert e.incident is not None and e.components == e.incident.components
                assert (e.incident.id in open_ids) == (e.kind != "incident_opened")
                if e.kind == "incident_opened":
                    open_ids.add(e.incident.id)
                elif e.kind == "incident_resolved":
                    open_ids.remove(e.incident.id)
                    assert not e.incident.open
        if state.confirmed is UNK:
            unreadable_since_told = True
        assert state.flapping == flapping
        assert {i.id for i in state.incidents} == open_ids
        if r.severity is UNK:
            assert state.incidents == before.incidents


def test_going_unreadable_while_flapping_taints_the_stable_event() -> None:
    bounce = [reading(OP), reading(OP), reading(MAJOR), reading(MAJOR)] * 3
    state, events = run(bounce)
    assert kinds(events)[-1] == ("flapping", MAJOR, OP)
    tail = [*[reading(UNK)] * 3, *[reading(OP)] * 20]
    _, events = run(tail, state=state, start=T0 + 12 * MIN)
    assert kinds(events) == [("stable", UNK, OP)]  # not "major outage → operational"


# --- resuming from the log's last known state ---------------------------------------------------


def test_resuming_writes_nothing_that_did_not_change() -> None:
    from trayapp.core.tracker import resume

    open_one = incident()
    state = resume(PART, T0 - 60 * MIN, (open_one,))
    state, events = step(state, "GitHub", reading(PART, open_one), T0)
    assert events == []
    assert state.confirmed is PART and state.since == T0 - 60 * MIN  # "for 1 h", not "for 0"
    assert not state.resumed
    state, events = step(state, "GitHub", reading(PART, open_one), T0 + MIN)
    assert events == []


def test_a_change_while_closed_is_written_once_and_marked_seen_at_start() -> None:
    from trayapp.core.tracker import SEEN_AT_START, resume

    old, new = incident("old"), incident("new", title="Login fails")
    updated = replace(old, status="identified", latest_update="Found it.")
    state = resume(OP, T0 - 60 * MIN, (old,))
    state, events = step(state, "GitHub", reading(MAJOR, updated, new), T0)
    assert [(e.kind, e.previous, e.message) for e in events] == [
        ("status", OP, "operational → major outage" + SEEN_AT_START),
        ("incident_updated", None, f"Incident updated: {old.title} (identified){SEEN_AT_START}"),
        ("incident_opened", None, "Incident opened: Login fails" + SEEN_AT_START),
    ]
    assert state.since == T0
    state, events = step(state, "GitHub", reading(MAJOR, updated, new), T0 + MIN)
    assert events == []  # once
    resolved = step(resume(MAJOR, T0, (old,)), "GitHub", reading(OP), T0)[1]
    assert [(e.kind, e.message) for e in resolved] == [
        ("status", "major outage → operational" + SEEN_AT_START),
        ("incident_resolved", f"Incident resolved: {old.title}{SEEN_AT_START}"),
    ]


def test_resuming_an_unreadable_page_that_is_still_unreadable_writes_nothing() -> None:
    from trayapp.core.tracker import resume

    state = resume(UNK, T0 - 60 * MIN, ())
    state, events = run_steps(state, [UNK, UNK, UNK])
    assert events == [] and state.confirmed is UNK
    state, events = step(resume(UNK, T0, ()), "GitHub", reading(OP), T0)
    assert [(e.previous, e.message) for e in events] == [
        (UNK, "Readable again: operational (seen at start)")
    ]
    state, events = run_steps(resume(OP, T0, ()), [UNK, UNK])
    assert [(e.kind, e.previous) for e in events] == [("unreadable", OP)]


def run_steps(
    state: SourceState, severities: Sequence[Severity]
) -> tuple[SourceState, list[Event]]:
    events: list[Event] = []
    for n, severity in enumerate(severities):
        state, new = step(state, "GitHub", reading(severity), T0 + n * MIN)
        events += new
    return state, events
