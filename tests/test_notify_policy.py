"""The notification policy: which tracker events become which notifications, and when."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from trayapp.core.model import Event, EventKind, Incident, Severity
from trayapp.core.notify_policy import (
    UNTIL_RECOVERED,
    NotifySettings,
    PolicyState,
    decide,
    flush,
    forget,
    in_quiet_hours,
    is_muted,
    mute,
    next_deadline,
    tell_when_back,
    unmute,
)
from trayapp.core.notify_wording import Context, Notification
from trayapp.core.settings import NotificationSettings

OK = Severity.OPERATIONAL
MAINT = Severity.MAINTENANCE
DEG = Severity.DEGRADED
PART = Severity.PARTIAL_OUTAGE
MAJOR = Severity.MAJOR_OUTAGE
UNK = Severity.UNKNOWN

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday, noon UTC
WINDOW = timedelta(seconds=30)
S = NotifySettings(timezone=UTC)
URLS = Context(urls={"OpenAI": "https://status.openai.example/", "Groq": "https://groq.example/"})


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def status(
    service: str,
    previous: Severity | None,
    severity: Severity,
    when: datetime = T0,
    kind: EventKind = "status",
    components: tuple[str, ...] = (),
) -> Event:
    return Event(when, service, kind, severity, previous, "", components=components)


def incident_event(
    service: str,
    kind: EventKind,
    when: datetime,
    title: str = "Elevated error rates",
    update: str | None = None,
    incident_kind: str = "incident",
    id: str = "inc1",
) -> Event:
    incident = Incident(
        id=id,
        title=title,
        status="investigating",
        open=kind != "incident_resolved",
        severity=MAJOR,
        kind=incident_kind,  # type: ignore[arg-type]
        latest_update=update,
    )
    return Event(when, service, kind, MAJOR, None, title, incident)


def run(
    events: Iterable[Event],
    state: PolicyState | None = None,
    settings: NotifySettings = S,
    context: Context | None = None,
) -> tuple[PolicyState, list[Notification]]:
    """Decide every event at its own time, then flush at the deadline (as the Qt timer does)."""
    state = state or PolicyState()
    out: list[Notification] = []
    for event in events:
        state, sent = decide(state, event, event.time, settings, context)
        out += sent
    deadline = next_deadline(state)
    if deadline is not None:
        state, sent = flush(state, deadline, settings, context)
        out += sent
    assert next_deadline(state) is None
    return state, out


def told(service: str, severity: Severity = MAJOR, when: datetime = T0) -> PolicyState:
    """A state in which the user was told of ``service``'s outage."""
    state, out = run([status(service, OK, severity, when)])
    assert len(out) == 1 and service in state.told_outage
    return state


# ---------------------------------------------------------------------------- basics


def test_a_start_during_an_outage_sends_one_summary_of_what_is_down() -> None:
    events = [status(s, None, sev) for s, sev in [("OpenAI", MAJOR), ("Groq", DEG), ("Mistral", OK),
                                                   ("X", UNK)]]  # fmt: skip
    state, out = run(events)
    assert [(n.title, n.kind, n.urgency) for n in out] == [
        ("Already down when trayapp started: 2 services", "group", "critical")
    ]
    assert "OpenAI (major outage), Groq (degraded)" in out[0].body
    assert state.told_outage == {"OpenAI", "Groq"}  # so their recoveries are told
    _, out = run([status("OpenAI", None, PART)])
    assert [(n.title, n.body) for n in out] == [
        ("OpenAI: partial outage", "Already so when trayapp started.")
    ]
    _, out = run([status("Mistral", None, OK), status("X", None, UNK)])
    assert out == []  # fine or unreadable at start-up: nothing to say


def test_outage_waits_for_the_group_window_then_notifies_once() -> None:
    state, out = decide(PolicyState(), status("OpenAI", OK, MAJOR), T0, S, URLS)
    assert out == []
    assert next_deadline(state) == T0 + WINDOW
    state, out = flush(state, at(29.9), S, URLS)
    assert out == [] and next_deadline(state) == T0 + WINDOW
    state, out = flush(state, at(30), S, URLS)
    assert out == [
        Notification(
            title="OpenAI: major outage",
            body="Was operational.",
            urgency="critical",
            services=("OpenAI",),
            url="https://status.openai.example/",
            kind="problem",
        )
    ]
    assert next_deadline(state) is None
    assert flush(state, at(60), S, URLS)[1] == []  # emitted once


@pytest.mark.parametrize(
    ("severity", "urgency"), [(MAJOR, "critical"), (PART, "normal"), (DEG, "normal")]
)
def test_severity_maps_to_urgency(severity: Severity, urgency: str) -> None:
    _, out = run([status("OpenAI", OK, severity)])
    assert [(n.title, n.urgency) for n in out] == [(f"OpenAI: {severity.label}", urgency)]


def test_incident_title_and_components_fill_the_body() -> None:
    events = [
        status("OpenAI", OK, PART, components=("API", "ChatGPT")),
        incident_event("OpenAI", "incident_opened", T0, title="Increased latency"),
    ]
    _, out = run(events)
    assert out[0].body == "Increased latency\nAffected: API, ChatGPT"


def test_unknown_kind_of_service_url_leaves_url_empty() -> None:
    _, out = run([status("Nowhere", OK, MAJOR)], context=URLS)
    assert out[0].url is None


# ---------------------------------------------------------------------------- grouping


def test_changes_within_the_window_become_one_notification() -> None:
    events = [
        status("Mistral", OK, DEG, at(0)),
        status("OpenAI", OK, MAJOR, at(10)),
        status("Groq", DEG, PART, at(29)),
    ]
    _, out = run(events, context=URLS)
    assert len(out) == 1
    n = out[0]
    assert n.title == "3 services have problems"
    assert n.body == "OpenAI (major outage), Groq (partial outage), Mistral (degraded)"
    assert n.urgency == "critical"  # the highest
    assert n.services == ("OpenAI", "Groq", "Mistral")
    assert n.url == "https://status.openai.example/"  # the most urgent service's page
    assert n.kind == "group"


def test_the_window_starts_at_the_first_event_and_is_not_extended() -> None:
    state, _ = decide(PolicyState(), status("OpenAI", OK, MAJOR, at(0)), at(0), S)
    state, _ = decide(state, status("Groq", OK, DEG, at(25)), at(25), S)
    assert next_deadline(state) == at(30)
    # the timer was late: the next event first flushes the overdue group, then starts a new one
    state, out = decide(state, status("Mistral", OK, DEG, at(45)), at(45), S)
    assert [n.services for n in out] == [("OpenAI", "Groq")]
    assert next_deadline(state) == at(75)
    state, out = flush(state, at(75), S)
    assert [n.title for n in out] == ["Mistral: degraded"]


def test_a_blip_within_the_window_says_nothing() -> None:
    _, out = run([status("OpenAI", OK, MAJOR, at(0)), status("OpenAI", MAJOR, OK, at(20))])
    assert out == []


def test_a_blip_of_an_untold_problem_says_nothing() -> None:
    state, _ = run([status("Groq", None, DEG)])  # started degraded: never told
    events = [status("Groq", DEG, MAJOR, at(100)), status("Groq", MAJOR, DEG, at(110))]
    _, out = run(events, state)
    assert out == []


def test_changes_of_one_service_collapse_into_the_net_change() -> None:
    _, out = run([status("OpenAI", OK, DEG, at(0)), status("OpenAI", DEG, MAJOR, at(20))])
    assert [(n.title, n.body, n.urgency) for n in out] == [
        ("OpenAI: major outage", "Was operational.", "critical")
    ]


def test_mixed_group_title_and_lines() -> None:
    state = told("Groq", PART)
    events = [status("Groq", PART, OK, at(100)), status("OpenAI", OK, MAJOR, at(101))]
    _, out = run(events, state)
    assert [(n.title, n.body, n.urgency) for n in out] == [
        ("2 status changes", "OpenAI (major outage)\nBack: Groq", "critical")
    ]


def test_group_of_recoveries() -> None:
    state = told("Groq")
    state = run([status("OpenAI", OK, DEG, at(60))], state)[0]
    events = [status("Groq", MAJOR, OK, at(120)), status("OpenAI", DEG, OK, at(121))]
    _, out = run(events, state)
    assert [(n.title, n.body, n.urgency) for n in out] == [
        ("2 services are back", "Back: Groq, OpenAI", "low")
    ]


def test_long_groups_are_cut_short() -> None:
    events = [status(f"S{i}", OK, DEG, at(i)) for i in range(8)]
    _, out = run(events)
    assert out[0].title == "8 services have problems"
    assert out[0].body == "S0 (degraded), S1 (degraded), S2 (degraded), S3 (degraded) and 4 more"
    assert len(out[0].services) == 8


# ---------------------------------------------------------------------------- recoveries


def test_recovery_notifies_who_was_told_then_forgets() -> None:
    state = told("OpenAI")
    state, out = run([status("OpenAI", MAJOR, OK, at(300))], state, context=URLS)
    assert [(n.title, n.body, n.urgency, n.kind, n.url) for n in out] == [
        (
            "OpenAI has recovered",
            "Now operational (was major outage, for 5 min).",
            "low",
            "recovered",
            "https://status.openai.example/",
        )
    ]
    assert state.told_outage == frozenset()
    _, out = run([status("OpenAI", OK, MAINT, at(600))], state)
    assert out == []  # nothing to recover from any more, and maintenance is off by default


def test_no_recovery_for_an_outage_nobody_was_told_of() -> None:
    quiet = NotifySettings(NotificationSettings(quiet_hours=(time(0), time(23, 59))), timezone=UTC)
    state, out = run([status("OpenAI", OK, MAJOR)], settings=quiet)  # suppressed: not told
    assert out == []
    _, out = run([status("OpenAI", MAJOR, OK, at(300))], state)
    assert out == []


def test_never_a_recovery_through_unknown() -> None:
    state = told("OpenAI")
    state, out = run([status("OpenAI", UNK, OK, at(600))], state)  # readable again, and fine
    assert out == []
    assert state.told_outage == frozenset()  # the outage is over for the user's purposes
    state, out = run([status("OpenAI", OK, MAJOR, at(900))], state)
    assert [n.urgency for n in out] == ["critical"]  # a new outage is news again


def test_unknown_in_the_middle_of_a_window_taints_the_net_change() -> None:
    state = told("OpenAI")
    events = [status("OpenAI", MAJOR, UNK, at(600)), status("OpenAI", UNK, OK, at(610))]
    _, out = run(events, state)
    assert out == []


def test_stable_after_unreadable_flapping_is_no_recovery() -> None:
    state = told("OpenAI")
    _, out = run([status("OpenAI", UNK, OK, at(900), kind="stable")], state)
    assert out == []


def test_same_outage_after_an_unreadable_spell_says_nothing() -> None:
    state = told("OpenAI")
    state, out = run([status("OpenAI", UNK, MAJOR, at(600))], state)
    assert out == []
    assert state.told == {"OpenAI": MAJOR}


def test_outage_first_seen_after_an_unreadable_spell_notifies() -> None:
    _, out = run([status("OpenAI", UNK, MAJOR)])
    assert [(n.title, n.body) for n in out] == [("OpenAI: major outage", "Was unreadable before.")]


def test_improving_and_worsening_against_what_was_told() -> None:
    state = told("OpenAI", MAJOR)
    state, out = run([status("OpenAI", MAJOR, DEG, at(300))], state)
    assert [(n.title, n.body, n.urgency, n.kind) for n in out] == [
        ("OpenAI: degraded", "Improving (was major outage).", "low", "improving")
    ]
    state, out = run([status("OpenAI", DEG, MAJOR, at(600))], state)
    assert [(n.urgency, n.kind) for n in out] == [("critical", "problem")]
    assert state.told == {"OpenAI": MAJOR}


def test_min_severity_moves_the_line_between_problem_and_fine() -> None:
    settings = NotifySettings(NotificationSettings(min_severity=PART), timezone=UTC)
    _, out = run([status("OpenAI", OK, DEG)], settings=settings)
    assert out == []
    state, _ = run([status("OpenAI", OK, MAJOR)], settings=settings)
    _, out = run([status("OpenAI", MAJOR, DEG, at(300))], state, settings=settings)
    assert [(n.title, n.body) for n in out] == [
        ("OpenAI has recovered", "Now degraded (was major outage, for 5 min).")
    ]


# ---------------------------------------------------------------------------- silent kinds


def test_unreadable_flapping_and_offline_are_silent() -> None:
    events = [
        Event(T0, "OpenAI", "unreadable", UNK, OK, "HTTP 503"),
        Event(T0, "", "offline", UNK, None, "You are offline"),
        Event(at(5), "", "online", UNK, None, "Back online"),
        status("Groq", DEG, MAJOR, at(10), kind="flapping"),
    ]
    state, out = run(events)
    assert out == []
    assert state == PolicyState()


def test_flapping_drops_the_change_it_interrupts() -> None:
    events = [
        status("Groq", OK, MAJOR, at(0)),
        status("OpenAI", OK, DEG, at(1)),
        status("Groq", MAJOR, OK, at(10), kind="flapping"),
    ]
    _, out = run(events)
    assert [n.services for n in out] == [("OpenAI",)]


def test_stable_after_flapping_counts_as_a_change() -> None:
    state = told("OpenAI")
    state, out = run([status("OpenAI", MAJOR, PART, at(60), kind="flapping")], state)
    assert out == []
    _, out = run([status("OpenAI", MAJOR, OK, at(1200), kind="stable")], state)
    assert [n.title for n in out] == ["OpenAI has recovered"]


# ---------------------------------------------------------------------------- mutes


def test_timed_mute_silences_until_it_expires() -> None:
    state = mute(PolicyState(), "OpenAI", at(3600))
    assert is_muted(state, "OpenAI", at(10)) and not is_muted(state, "OpenAI", at(3600))
    state, out = run([status("OpenAI", OK, MAJOR)], state)
    assert out == []
    assert state.told_outage == frozenset()  # not told, so its recovery will be silent too
    state, out = run([status("OpenAI", MAJOR, OK, at(600))], state)
    assert out == []
    state, out = run([status("OpenAI", OK, DEG, at(3600))], state)
    assert [n.title for n in out] == ["OpenAI: degraded"]
    assert state.mutes == {}  # the expired mute was dropped


def test_mute_until_recovered_ends_at_the_recovery() -> None:
    state = told("OpenAI", DEG)
    state = mute(state, "OpenAI", UNTIL_RECOVERED)
    state, out = run([status("OpenAI", DEG, MAJOR, at(60))], state)
    assert out == []
    state, out = run([status("OpenAI", MAJOR, OK, at(600))], state)
    assert out == []  # muted services stay silent, recoveries included
    assert state.mutes == {} and state.told_outage == frozenset()
    _, out = run([status("OpenAI", OK, MAJOR, at(900))], state)
    assert [n.title for n in out] == ["OpenAI: major outage"]


def test_muting_during_the_window_wins() -> None:
    state, _ = decide(PolicyState(), status("OpenAI", OK, MAJOR), T0, S)
    state, _ = decide(state, status("Groq", OK, DEG, at(1)), at(1), S)
    state = mute(state, "OpenAI", at(3600))
    _, out = flush(state, at(30), S)
    assert [n.services for n in out] == [("Groq",)]


def test_unmute() -> None:
    state = unmute(mute(PolicyState(), "OpenAI", UNTIL_RECOVERED), "OpenAI")
    _, out = run([status("OpenAI", OK, MAJOR)], state)
    assert len(out) == 1


# ------------------------------------------------------------------------ tell me when it's back


def test_tell_when_back_fires_once_through_mute_and_quiet_hours() -> None:
    quiet = NotifySettings(NotificationSettings(quiet_hours=(time(0), time(23, 59))), timezone=UTC)
    state = mute(tell_when_back(PolicyState(), "OpenAI"), "OpenAI", at(7200))
    state, out = run([status("OpenAI", OK, MAJOR)], state, settings=quiet)
    assert out == []
    state, out = run([status("OpenAI", MAJOR, DEG, at(60))], state, settings=quiet)
    assert out == []  # still a problem: not back yet
    state, out = run([status("OpenAI", DEG, OK, at(600))], state, settings=quiet, context=URLS)
    assert [(n.title, n.body, n.urgency, n.kind, n.url) for n in out] == [
        ("OpenAI is back", "Now operational after 10 min down.", "normal", "back",
         "https://status.openai.example/")
    ]  # fmt: skip
    assert state.back_watch == frozenset()
    state, _ = run([status("OpenAI", OK, MAJOR, at(900))], state, settings=quiet)
    _, out = run([status("OpenAI", MAJOR, OK, at(1200))], state, settings=quiet)
    assert out == []  # it cleared itself


def test_tell_when_back_after_an_unreadable_spell_says_so() -> None:
    state = tell_when_back(told("OpenAI"), "OpenAI")
    state, out = run([status("OpenAI", UNK, OK, at(600))], state)
    assert [(n.title, n.body) for n in out] == [
        (
            "OpenAI is back",
            "Now operational after 10 min down. Its status page could not be read for a while.",
        )
    ]
    assert state.told_outage == frozenset()


def test_tell_when_back_replaces_the_recovery_message() -> None:
    state = tell_when_back(told("OpenAI"), "OpenAI")
    _, out = run([status("OpenAI", MAJOR, OK, at(600))], state)
    assert [n.kind for n in out] == ["back"]


def test_disabled_suppresses_even_tell_when_back_and_keeps_books() -> None:
    off = NotifySettings(NotificationSettings(enabled=False), timezone=UTC)
    state = tell_when_back(told("OpenAI"), "OpenAI")
    state, out = run([status("OpenAI", MAJOR, OK, at(600))], state, settings=off)
    assert out == []
    assert state.back_watch == frozenset() and state.told_outage == frozenset()
    state, out = run([status("OpenAI", OK, MAJOR, at(900))], state, settings=off)
    assert out == [] and state.told_outage == frozenset()
    _, out = run([status("OpenAI", MAJOR, DEG, at(1200))], state)
    assert [(n.title, n.kind) for n in out] == [("OpenAI: degraded", "problem")]  # not "improving"


# ---------------------------------------------------------------------------- quiet hours


@pytest.mark.parametrize(
    ("clock", "quiet"),
    [
        (time(21, 59, 59), False),
        (time(22, 0), True),
        (time(23, 30), True),
        (time(0, 0), True),
        (time(3, 0), True),
        (time(6, 59, 59), True),
        (time(7, 0), False),
        (time(12, 0), False),
    ],
)
def test_quiet_hours_wrap_midnight(clock: time, quiet: bool) -> None:
    settings = NotifySettings(NotificationSettings(quiet_hours=(time(22), time(7))), timezone=UTC)
    now = datetime.combine(T0.date(), clock, tzinfo=UTC)
    assert in_quiet_hours(now, settings) is quiet


def test_quiet_hours_without_wrap_and_empty_span() -> None:
    lunch = NotifySettings(NotificationSettings(quiet_hours=(time(12), time(13))), timezone=UTC)
    assert in_quiet_hours(T0, lunch) and not in_quiet_hours(T0 - timedelta(seconds=1), lunch)
    assert not in_quiet_hours(T0 + timedelta(hours=1), lunch)
    empty = NotifySettings(NotificationSettings(quiet_hours=(time(12), time(12))), timezone=UTC)
    assert not in_quiet_hours(T0, empty)
    assert not in_quiet_hours(T0, S)


def test_quiet_hours_read_the_local_wall_clock() -> None:
    tokyo = timezone(timedelta(hours=9))
    night = NotifySettings(NotificationSettings(quiet_hours=(time(22), time(7))), timezone=tokyo)
    assert not in_quiet_hours(T0, night)  # 12:00 UTC is 21:00 in Tokyo
    assert in_quiet_hours(T0 + timedelta(hours=1), night)  # 22:00 in Tokyo, 13:00 UTC
    assert in_quiet_hours(datetime(2026, 3, 2, 22, 30), night)  # naive: taken as local already


def test_quiet_hours_suppress_problems_and_later_recoveries() -> None:
    night = NotifySettings(
        NotificationSettings(quiet_hours=(time(11, 55), time(12, 5))), timezone=UTC
    )
    state, out = run([status("OpenAI", OK, MAJOR)], settings=night)
    assert out == [] and state.told_outage == frozenset()
    _, out = run([status("OpenAI", MAJOR, OK, at(3600))], state, settings=night)
    assert out == []  # nobody was told of the outage


def test_quiet_hours_are_judged_when_the_group_is_sent() -> None:
    night = NotifySettings(
        NotificationSettings(quiet_hours=(time(12, 0, 20), time(13))), timezone=UTC
    )
    state, _ = decide(PolicyState(), status("OpenAI", OK, MAJOR), T0, night)  # 12:00:00: awake
    _, out = flush(state, at(30), night)  # 12:00:30: quiet
    assert out == []


# ---------------------------------------------------------------------------- maintenance


def test_maintenance_only_when_asked_for() -> None:
    events = [
        incident_event("OpenAI", "incident_opened", T0, "DB upgrade", incident_kind="maintenance"),
        status("OpenAI", OK, MAINT),
    ]
    _, out = run(events)
    assert out == []
    wanted = NotifySettings(NotificationSettings(on_maintenance=True), timezone=UTC)
    _, out = run(events, settings=wanted)
    assert [(n.title, n.body, n.urgency, n.kind) for n in out] == [
        ("OpenAI: maintenance", "DB upgrade", "low", "maintenance")
    ]


# ---------------------------------------------------------------------------- incident updates


def test_incident_updates_on_a_told_outage_are_rate_limited() -> None:
    events = [status("OpenAI", OK, MAJOR), incident_event("OpenAI", "incident_opened", T0)]
    state, out = run(events)  # told at T0+30s
    assert out[0].body == "Elevated error rates"

    def update(minutes: float, text: str) -> list[Notification]:
        nonlocal state
        when = T0 + timedelta(minutes=minutes)
        state, sent = run([incident_event("OpenAI", "incident_updated", when, update=text)], state)
        return sent

    assert update(5, "We are investigating") == []  # too soon after the outage notification
    sent = update(11, "A fix is being deployed")
    assert [(n.title, n.body, n.urgency, n.kind) for n in sent] == [
        ("OpenAI: incident update", "A fix is being deployed", "low", "update")
    ]
    assert update(15, "Still deploying") == []
    assert [n.body for n in update(22, "Monitoring")] == ["Monitoring"]


def test_incident_updates_need_a_told_outage_and_the_setting() -> None:
    later = T0 + timedelta(hours=1)
    upd = incident_event("OpenAI", "incident_updated", later, update="Investigating")
    _, out = run([upd])
    assert out == []  # nobody was told of an outage
    off = NotifySettings(notify_incident_updates=False, timezone=UTC)
    state, _ = run([status("OpenAI", OK, MAJOR)], settings=off)
    _, out = run([upd], state, settings=off)
    assert out == []


def test_an_update_in_the_same_group_as_the_outage_is_not_repeated() -> None:
    events = [
        status("OpenAI", OK, MAJOR),
        incident_event("OpenAI", "incident_updated", at(5), update="Identified"),
    ]
    _, out = run(events)
    assert [n.kind for n in out] == ["problem"]


def test_resolved_incidents_leave_the_body() -> None:
    events = [
        incident_event("OpenAI", "incident_opened", T0, "Old trouble", id="a"),
        incident_event("OpenAI", "incident_resolved", at(1), "Old trouble", id="a"),
        status("OpenAI", OK, DEG, at(2)),
    ]
    _, out = run(events)
    assert out[0].body == "Was operational."


# ---------------------------------------------------------------------------- alternatives


def test_outage_names_the_operational_alternatives() -> None:
    ctx = Context(alternatives={"OpenAI": ["Anthropic", "Gemini"], "Groq": ["OpenAI", "Cerebras"]})
    _, out = run([status("OpenAI", OK, MAJOR)], context=ctx)
    assert out[0].body == "Was operational.\nAnthropic and Gemini are operational."
    _, out = run([status("OpenAI", OK, MAJOR), status("Groq", OK, PART, at(1))], context=ctx)
    # OpenAI is in trouble itself, so it is no alternative for Groq
    assert out[0].body.splitlines() == [
        "OpenAI (major outage), Groq (partial outage)",
        "Anthropic, Gemini and Cerebras are operational.",
    ]
    one = Context(alternatives={"OpenAI": ["Anthropic"]})
    _, out = run([status("OpenAI", OK, MAJOR)], context=one)
    assert out[0].body.endswith("Anthropic is operational.")


# ---------------------------------------------------------------------------- misc


def test_start_up_forgets_stale_news_of_a_fine_service() -> None:
    state = told("OpenAI")
    state, _ = run([status("OpenAI", None, OK, at(600))], state)  # its watch was restarted
    assert state.told_outage == frozenset()
    state = told("Groq")
    state, _ = run([status("Groq", None, MAJOR, at(600))], state)
    assert state.told_outage == {"Groq"}


def test_forget_drops_everything_about_a_service() -> None:
    state = mute(tell_when_back(told("OpenAI"), "OpenAI"), "OpenAI", UNTIL_RECOVERED)
    state, _ = decide(state, status("OpenAI", MAJOR, OK, at(60)), at(60), S)
    state = forget(state, "OpenAI")
    assert replace(state, pending_until=None) == PolicyState()


@pytest.mark.parametrize("severity", [OK, MAINT, UNK])
def test_settings_reject_a_non_problem_threshold(severity: Severity) -> None:
    with pytest.raises(ValueError):
        NotifySettings(NotificationSettings(min_severity=severity))


def test_settings_reject_negative_windows() -> None:
    with pytest.raises(ValueError):
        NotifySettings(NotificationSettings(group_window=-1))


def test_zero_window_is_due_at_once() -> None:
    settings = NotifySettings(NotificationSettings(group_window=0), timezone=UTC)
    state, _ = decide(PolicyState(), status("OpenAI", OK, MAJOR), T0, settings)
    assert next_deadline(state) == T0
    assert len(flush(state, T0, settings)[1]) == 1


# ---------------------------------------------------------------------------- verdicts, settings


def test_an_outage_only_your_checks_see_notifies_like_a_status_change() -> None:
    event = status("OpenAI", OK, PART, kind="verdict")
    state, out = run([event])
    assert len(out) == 1 and out[0].urgency == "normal"
    assert "OpenAI" in state.told_outage
    # the page admitting it later (same severity) says nothing new
    _, again = run([status("OpenAI", OK, PART, at(120))], state)
    assert again == []


def test_recoveries_can_be_switched_off() -> None:
    quiet = replace(S, user=NotificationSettings(on_recovery=False))
    state = told("OpenAI")
    _, out = run([status("OpenAI", MAJOR, OK, at(300))], state, quiet)
    assert out == []
    back = tell_when_back(told("OpenAI"), "OpenAI")
    _, out = run([status("OpenAI", MAJOR, OK, at(300))], back, quiet)
    assert len(out) == 1  # "tell me when it's back" was asked for explicitly


def test_a_verdict_notification_says_whose_checks_and_what_else_is_up() -> None:
    text = "outage seen by your checks, not yet acknowledged by the status page (since 14:02)"
    event = replace(status("OpenAI", OK, MAJOR, kind="verdict"), message=text)
    _, out = run([event], context=Context(alternatives={"OpenAI": ["Anthropic"]}))
    (note,) = out
    assert note.title == "OpenAI: major outage" and note.urgency == "critical"
    assert note.body.splitlines() == [
        "Outage seen by your checks, not yet acknowledged by the status page (since 14:02).",
        "Anthropic is operational.",
    ]


def test_a_verdict_that_repeats_the_pages_change_keeps_its_details() -> None:
    """The engine follows a page's change with a verdict event of the same severity (probes
    pass, the page reports it): one notification, with the page's affected components."""
    page = status("OpenAI", OK, MAJOR, components=("API", "ChatGPT"))
    same = replace(
        status("OpenAI", OK, MAJOR, kind="verdict"),
        message="major outage, reported by the status page",
    )
    _, out = run([page, same])
    (note,) = out
    assert note.body.splitlines() == ["Was operational.", "Affected: API, ChatGPT"]


# ---------------------------------------------------------------------------- yours


def yours_event(service: str, when: datetime, previous: Severity = OK) -> Event:
    text = "Your key was rejected: store a new one with `trayapp secret set openai`."
    return Event(when, service, "yours", UNK, previous, text)


def test_yours_is_one_notification_of_its_own_and_not_repeated() -> None:
    state, out = run([yours_event("OpenAI", T0)])
    assert [(n.title, n.body, n.urgency, n.kind) for n in out] == [
        ("Your OpenAI key was rejected", "Store a new one with `trayapp secret set openai`.",
         "normal", "yours")
    ]  # fmt: skip
    assert state.told_outage == frozenset()
    state, out = run([yours_event("OpenAI", at(1800))], state)
    assert out == []  # still the same key problem: said once
    state, _ = run([status("OpenAI", UNK, OK, at(3600), kind="verdict")], state)
    _, out = run([yours_event("OpenAI", at(5400))], state)
    assert [n.kind for n in out] == ["yours"]  # a new spell of it is news again


def test_an_outage_turning_into_yours_is_not_back() -> None:
    """503 then 401 after an outage: no 'back', one 'yours', and the outage stays told."""
    state = tell_when_back(told("OpenAI"), "OpenAI")
    state, out = run([yours_event("OpenAI", at(300), previous=MAJOR)], state)
    assert [n.kind for n in out] == ["yours"]
    assert state.told_outage == {"OpenAI"} and "OpenAI" in state.back_watch
    _, out = run([status("OpenAI", UNK, OK, at(900), kind="verdict")], state)
    assert [(n.kind, n.body) for n in out] == [
        ("back", "Now operational after 15 min down. Its status page could not be read for a "
         "while.")
    ]  # fmt: skip


def test_recovery_says_how_long_it_was_down() -> None:
    state = told("OpenAI", when=at(0))
    _, out = run([status("OpenAI", MAJOR, OK, at(3900))], state)
    assert [(n.title, n.body) for n in out] == [
        ("OpenAI has recovered", "Now operational (was major outage, for 1 h 5 min).")
    ]


def test_an_outage_the_checks_see_before_the_first_page_read_is_told() -> None:
    first = Event(T0, "FakeAI", "verdict", MAJOR, None, "outage seen by your checks; the "
                  "status page is not read yet (since 12:00)")  # fmt: skip
    state, out = run([first, status("FakeAI", None, OK, at(1))])
    assert [(n.title, n.body) for n in out] == [
        ("FakeAI: major outage",
         "Outage seen by your checks; the status page is not read yet (since 12:00).")
    ]  # fmt: skip
    assert state.told_outage == {"FakeAI"}
    state, _ = run([status("FakeAI", None, OK, at(60))], state)  # the page's first read, later
    assert state.told_outage == {"FakeAI"}  # the checks' outage is not over for that
    _, out = run([Event(at(600), "FakeAI", "verdict", OK, MAJOR, "operational")], state)
    assert [n.title for n in out] == ["FakeAI has recovered"]
    _, out = run([Event(T0, "FakeAI", "verdict", OK, None, "operational")])
    assert out == []  # a first verdict that is fine says nothing
