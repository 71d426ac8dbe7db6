"""The engine against a real loopback replay server: timelines, faults, politeness, offline.

Timings are compressed (loopback sources may be polled many times a second here); everything
else is real: the httpx client, the parsers, the tracker and a SQLite incident log.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from trayapp.core.model import Event, Severity, Watch
from trayapp.core.settings import NotificationSettings
from trayapp.core.tracker import TrackerConfig
from trayapp.demo import payloads
from trayapp.demo.replay import ReplayServer
from trayapp.demo.replay_routes import Reply, Request, in_turn, refused_url
from trayapp.engine.connectivity import Connectivity
from trayapp.engine.context import EngineContext
from trayapp.engine.scheduler import Engine
from trayapp.engine.settings import EngineSettings
from trayapp.net.retry_after import parse_retry_after
from trayapp.store import incident_log

SUMMARY = "/api/v2/summary.json"
OK_BODY = payloads.statuspage_summary("Example", {"API": Severity.OPERATIONAL})
MAJOR_BODY = payloads.statuspage_summary("Example", {"API": Severity.MAJOR_OUTAGE})


def fast(**overrides: object) -> EngineSettings:
    """Settings that compress minutes into tenths of a second, with no randomness in timing."""
    base: dict[str, object] = {
        "interval": 0.1,
        "problem_interval": 0.1,
        "min_loopback_interval": 0.05,
        "jitter": 0.0,
        "backoff_cap": 0.4,
        "timeout": 1.0,
        "connect_timeout": 1.0,
        "first_round_spread": 0.0,
        "reference_urls": (),
        "offline_recheck": 0.2,
        "tracker": TrackerConfig(confirm_worse=1, confirm_better=1),
    }
    base.update(overrides)
    return EngineSettings(**base)  # type: ignore[arg-type]


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def kinds(self, service: str | None = None) -> list[str]:
        return [e.kind for e in self.events if service is None or e.service == service]


@contextlib.asynccontextmanager
async def running(engine: Engine) -> AsyncIterator[Engine]:
    task = asyncio.create_task(engine.run())
    try:
        yield engine
    finally:
        engine.stop()
        await asyncio.wait_for(task, timeout=5)


async def until(predicate: Callable[[], object], timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the engine")
        await asyncio.sleep(0.01)


def watch(url: str, name: str = "Example") -> Watch:
    return Watch(name=name, url=url, format="statuspage")


# --------------------------------------------------------------------------- the outage timeline


async def test_outage_timeline_gives_exactly_the_expected_events_and_incident_rows(
    tmp_path: Path,
) -> None:
    timeline = payloads.outage_timeline("Example", path=SUMMARY)
    log = incident_log.open(tmp_path / "incidents.sqlite3")
    recorder = Recorder()

    def record(event: Event) -> None:
        recorder(event)
        log.record([event])

    # compressed into seconds, four real changes would look like flapping: not here
    settings = fast(tracker=TrackerConfig(confirm_worse=2, confirm_better=2, flap_threshold=9))
    with ReplayServer(timeline, speed=0) as server:
        engine = Engine([watch(server.url(SUMMARY))], settings, on_event=record)
        async with running(engine):
            for step, expected in enumerate(payloads.OUTAGE_SEVERITIES):
                server.set_step(step)
                polled = server.stats.requests
                # two readings of this step confirm it (confirm = 2)
                await until(lambda p=polled: server.stats.requests >= p + 3)
                status = engine.statuses()["Example"]
                assert status.severity is expected, f"step {step}"

    # incident events are not confirmed (the page said something definite); severity changes
    # need two readings, so each incident event comes one poll before its status change
    assert [(e.kind, e.severity) for e in recorder.events] == [
        ("status", Severity.OPERATIONAL),  # first sight
        ("incident_opened", Severity.OPERATIONAL),  # investigating
        ("status", Severity.DEGRADED),
        ("incident_updated", Severity.DEGRADED),  # identified
        ("status", Severity.MAJOR_OUTAGE),
        ("incident_updated", Severity.MAJOR_OUTAGE),  # monitoring, components back
        ("status", Severity.DEGRADED),
        ("incident_resolved", Severity.DEGRADED),
        ("status", Severity.OPERATIONAL),
    ]
    (row,) = log.incidents("Example")
    assert row.title == "Elevated errors on API"
    assert not row.open
    assert row.worst_severity is Severity.MAJOR_OUTAGE
    assert row.duration is not None and row.duration > timedelta(0)
    statuses = [u.status for u in log.incident_timeline("Example", row.id)]
    assert statuses[:3] == ["investigating", "identified", "monitoring"]
    log.close()


# --------------------------------------------------------------------------- conditional requests


async def test_steady_state_polls_are_answered_304() -> None:
    with ReplayServer({SUMMARY: Reply(body=OK_BODY, etag=True)}, speed=0) as server:
        engine = Engine([watch(server.url(SUMMARY))], fast())
        async with running(engine):
            await until(lambda: server.stats.requests >= 20)
        stats = server.stats
    assert stats.not_modified_share >= 0.9
    assert engine.statuses()["Example"].severity is Severity.OPERATIONAL


# --------------------------------------------------------------------------- the fault matrix

FAULTS: dict[str, Reply] = {
    "timeout": Reply(hang=True),
    "http 500": Reply(status=500, body="Internal Server Error", content_type="text/plain"),
    "http 503 retry-after": Reply(status=503, body="busy", retry_after=1),
    "http 429": Reply(status=429, body='{"error":"rate limited"}'),
    "html error page with 200": Reply(
        body="<html><body><h1>Hmm... something seems to have gone wrong</h1></body></html>",
        content_type="text/html",
    ),
    "truncated json": Reply(body=OK_BODY, truncate=40),
    "50 MB body": Reply(body=OK_BODY, huge=50 * 1024 * 1024),
    "invalid utf-8": Reply(body=b'{"page": {"name": "\xff\xfe bad"}, "components": []}'),
    "redirect loop": Reply(status=302, redirect=SUMMARY),
    "redirect to another scheme": Reply(status=302, redirect="ftp://127.0.0.1/summary.json"),
}


@pytest.mark.parametrize("fault", FAULTS)
async def test_each_fault_reads_unknown_with_a_reason_and_never_an_outage(fault: str) -> None:
    recorder = Recorder()
    with ReplayServer({SUMMARY: FAULTS[fault]}, speed=0) as server:
        engine = Engine([watch(server.url(SUMMARY))], fast(timeout=0.5), on_event=recorder)
        async with running(engine):
            await until(lambda: "unreadable" in recorder.kinds(), timeout=10)
        status = engine.statuses()["Example"]
    assert status.severity is Severity.UNKNOWN
    assert status.state.last_error
    assert recorder.kinds() == ["unreadable"]  # no status event: no outage, no all-clear


@pytest.mark.parametrize(
    ("fault", "url_for"),
    [
        ("connection refused", lambda server: refused_url(SUMMARY)),
        ("tls failure", lambda server: server.url(SUMMARY).replace("http://", "https://")),
        ("dns failure", lambda server: "http://status.dns-fails.test" + SUMMARY),
    ],
)
async def test_transport_faults_with_the_network_up_read_unknown(
    fault: str, url_for: Callable[[ReplayServer], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def resolver(host: object, *args: object, **kwargs: object) -> object:
        if host == "status.dns-fails.test":  # the OS resolver saying "no such host"
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    recorder = Recorder()
    with ReplayServer({SUMMARY: Reply(body=OK_BODY), "/ping": Reply(status=204)}) as server:
        settings = fast(reference_urls=(server.url("/ping"),))
        engine = Engine([watch(url_for(server))], settings, on_event=recorder)
        async with running(engine):
            await until(lambda: "unreadable" in recorder.kinds())
    reason = engine.statuses()["Example"].state.last_error or ""
    expected = {"connection refused": "refused", "tls failure": "TLS", "dns failure": "resolve"}
    assert expected[fault] in reason
    assert "offline" not in recorder.kinds()


# --------------------------------------------------------------------------- politeness


async def test_retry_after_is_honoured() -> None:
    with ReplayServer({SUMMARY: Reply(status=503, retry_after=1.5)}, speed=0) as server:
        engine = Engine([watch(server.url(SUMMARY))], fast())
        async with running(engine):
            await until(lambda: server.stats.requests >= 1)
            await asyncio.sleep(1.2)
            assert server.stats.requests == 1  # asked to wait 1.5 s: not a single early retry
            await until(lambda: server.stats.requests >= 2, timeout=3)


async def test_constant_503s_back_off_far_below_a_fixed_interval_poller() -> None:
    with ReplayServer({SUMMARY: Reply(status=503)}, speed=0) as server:
        settings = fast(interval=0.05, problem_interval=0.05, backoff_cap=0.8)
        engine = Engine([watch(server.url(SUMMARY))], settings)
        async with running(engine):
            await asyncio.sleep(3.0)
        requests = server.stats.requests
    naive = 3.0 / 0.05  # a fixed-interval poller: 60 requests
    assert 2 <= requests <= naive / 4


def test_parse_retry_after_forms() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 2, 3, 12, 0, tzinfo=UTC)
    assert parse_retry_after({"retry-after": "120"}, now) == 120
    assert parse_retry_after({"retry-after-ms": "1500"}, now) == 1.5
    assert parse_retry_after({"retry-after": "Tue, 03 Feb 2026 12:01:00 GMT"}, now) == 60
    assert parse_retry_after({"retry-after": "soon"}, now) is None
    assert parse_retry_after({}, now) is None


# --------------------------------------------------------------------------- offline, flapping


async def test_offline_spell_is_one_offline_verdict_then_online() -> None:
    recorder = Recorder()
    with ReplayServer({"/ping": Reply(reset=True)}) as reference:
        settings = fast(reference_urls=(reference.url("/ping"),))
        engine = Engine(
            [watch(refused_url(SUMMARY), "A"), watch(refused_url(SUMMARY), "B")],
            settings,
            on_event=recorder,
        )
        async with running(engine):
            await until(lambda: engine.offline)
            await asyncio.sleep(1.0)  # several failed rounds while offline
            assert recorder.kinds() == ["offline"]
            reference.set_route("/ping", Reply(status=204))
            await until(lambda: not engine.offline, timeout=5)
            await asyncio.sleep(0.5)
    # back online; the two sources still refuse connections, which now reads as their problem
    assert recorder.kinds()[:2] == ["offline", "online"]
    assert set(recorder.kinds()[2:]) <= {"unreadable"}


async def test_a_local_page_answering_does_not_end_an_offline_spell() -> None:
    """A page on this machine or the LAN answers while the internet does not: only the
    reference hosts say when the network is back, so the app neither flips between offline
    and online nor re-polls the unreachable sources in a loop."""
    recorder = Recorder()
    with (
        ReplayServer({"/ping": Reply(reset=True)}) as reference,
        ReplayServer({SUMMARY: Reply(body=OK_BODY)}, speed=0) as local,
    ):
        settings = fast(reference_urls=(reference.url("/ping"),), witness_cache=0.5)
        far = watch(refused_url(SUMMARY), "Far")
        engine = Engine([far, watch(local.url(SUMMARY), "Near")], settings, on_event=recorder)
        async with running(engine):
            await until(lambda: engine.offline)
            await asyncio.sleep(2.0)  # the near page is polled ~20 times meanwhile
            assert local.stats.requests >= 10
            assert engine.offline
            assert [k for k in recorder.kinds() if k in ("offline", "online")] == ["offline"]
            reference.set_route("/ping", Reply(status=204))
            await until(lambda: not engine.offline, timeout=5)
    assert [k for k in recorder.kinds() if k in ("offline", "online")] == ["offline", "online"]


async def test_flapping_source_gives_one_flapping_state() -> None:
    def alternate(request: Request) -> Reply:
        return Reply(body=OK_BODY if (request.count // 2) % 2 else MAJOR_BODY)

    recorder = Recorder()
    tracker = TrackerConfig(
        confirm_worse=1, confirm_better=1, flap_threshold=4, flap_window=timedelta(minutes=5)
    )
    with ReplayServer({SUMMARY: alternate}, speed=0) as server:
        engine = Engine([watch(server.url(SUMMARY))], fast(tracker=tracker), on_event=recorder)
        async with running(engine):
            await until(lambda: server.stats.requests >= 40)
    kinds = recorder.kinds()
    assert kinds.count("flapping") == 1
    assert kinds.count("status") <= 4  # the changes before flapping was recognised, no more


async def test_unreadable_spell_never_reads_as_recovered() -> None:
    replies = in_turn(
        Reply(body=MAJOR_BODY),
        Reply(body="<html>oops</html>", content_type="text/html"),
        Reply(body="<html>oops</html>", content_type="text/html"),
        Reply(body=OK_BODY),
    )
    recorder = Recorder()
    with ReplayServer({SUMMARY: replies}, speed=0) as server:
        engine = Engine([watch(server.url(SUMMARY))], fast(), on_event=recorder)
        async with running(engine):
            await until(lambda: server.stats.requests >= 6)
    status_events = [e for e in recorder.events if e.kind in ("status", "unreadable")]
    assert [e.kind for e in status_events] == ["status", "unreadable", "status"]
    assert status_events[-1].previous is Severity.UNKNOWN  # never "major → operational"
    assert all(
        not (e.previous is Severity.MAJOR_OUTAGE and e.severity is Severity.OPERATIONAL)
        for e in recorder.events
    )


async def test_without_reference_hosts_every_source_failing_at_once_means_offline() -> None:
    recorder = Recorder()
    engine = Engine(
        [watch(refused_url(SUMMARY), "A"), watch(refused_url(SUMMARY), "B")],
        fast(reference_urls=()),
        on_event=recorder,
    )
    async with running(engine):
        await until(lambda: engine.offline)
        await asyncio.sleep(0.5)
    assert "offline" in recorder.kinds()
    assert "unreadable" not in recorder.kinds()


async def test_after_a_resume_failures_within_the_grace_are_not_held_against_a_source() -> None:
    """Just resumed, the network may not be up yet: a source failing then is not turned
    unreadable; once the grace has passed its failures count again."""
    arrived: list[tuple[float, str]] = []  # (monotonic time, kind) of each event as it came
    grace = 4.0
    engine = Engine(
        [watch(refused_url(SUMMARY), "A")],
        fast(resume_grace=grace),
        on_event=lambda event: arrived.append((time.monotonic(), event.kind)),
    )
    async with running(engine):
        resumed = time.monotonic()
        engine.resumed_from_sleep()  # before the first poll: it fails within the grace
        await until(lambda: "A" in engine.statuses() and engine.statuses()["A"].failures > 0)
        assert time.monotonic() < resumed + grace, "the first poll came too late to tell"
        await until(lambda: any(kind == "unreadable" for _, kind in arrived), grace + 10)
    assert min(when for when, _ in arrived) >= resumed + grace, arrived


def test_a_wall_clock_ahead_of_the_monotonic_one_means_the_machine_slept() -> None:
    """The monotonic clock stops during suspend, the wall clock does not; a resume already in
    its grace is not seen twice."""
    context = EngineContext(settings=fast(), rng=random.Random(1))
    connectivity = Connectivity(context, {}, lambda offline, when: None)
    wall, mono = time.time(), time.monotonic()
    assert not connectivity.slept_since(wall, mono)
    assert connectivity.slept_since(wall - 120, mono)  # two minutes the monotonic clock missed
    connectivity.begin_grace(60)
    assert connectivity.in_grace()
    assert not connectivity.slept_since(wall - 120, mono)


# --------------------------------------------------------------------------- active probes

MODELS = '{"object": "list", "data": [{"id": "gpt-test", "object": "model"}]}'
OVERLOADED = '{"error": {"message": "overloaded", "type": "server_error", "code": null}}'
BAD_KEY = '{"error": {"message": "Incorrect API key", "type": "invalid_request_error", "code": "invalid_api_key"}}'  # noqa: E501


def _openai_probe(server: ReplayServer, interval: float | None = None) -> dict[str, list[object]]:
    from dataclasses import replace

    from trayapp.probes import spec as probe

    spec = probe.preset("openai", server.url("/"))
    return {"Example": [replace(spec, interval=interval) if interval else spec]}


async def test_probes_see_an_outage_before_the_page_and_the_lag_is_measured() -> None:
    acknowledgements: list[object] = []
    recorder = Recorder()
    routes = {SUMMARY: Reply(body=OK_BODY), "/v1/models": Reply(status=503, body=OVERLOADED)}
    with ReplayServer(routes, speed=0) as server:
        engine = Engine(
            [watch(server.url(SUMMARY))],
            fast(tracker=TrackerConfig(confirm_worse=2, confirm_better=2, flap_threshold=9)),
            on_event=recorder,
            on_acknowledgement=acknowledgements.append,
            probes=_openai_probe(server),  # type: ignore[arg-type]
            token_lookup=lambda name: "sk-test-not-a-real-key",
        )
        async with running(engine):
            await until(
                lambda: (
                    (s := engine.statuses().get("Example")) is not None
                    and (v := s.verdict) is not None
                    and v.kind == "outage_unacknowledged"
                )
            )
            status = engine.statuses()["Example"]
            assert "not yet acknowledged by the status page" in status.verdict.text  # type: ignore[union-attr]
            assert status.severity.is_problem  # the tray shows it although the page is green
            await asyncio.sleep(0.3)
            server.set_route(SUMMARY, Reply(body=MAJOR_BODY))  # the page finally admits it
            await until(lambda: engine.statuses()["Example"].verdict.kind == "outage_confirmed")  # type: ignore[union-attr]
    assert "verdict" in recorder.kinds()
    last = acknowledgements[-1]
    assert last.page_ack_at is not None  # type: ignore[attr-defined]
    assert last.lag.total_seconds() >= 0.3  # type: ignore[attr-defined]


def verdict_kind(engine: Engine) -> str | None:
    status = engine.statuses().get("Example")
    return status.verdict.kind if status is not None and status.verdict is not None else None


def probe_calls(server: ReplayServer) -> int:
    return server.stats.by_path.get("/v1/models", 0)


async def test_a_rejected_key_is_yours_re_checked_slowly_and_at_once_on_check_now() -> None:
    routes = {SUMMARY: Reply(body=OK_BODY), "/v1/models": Reply(status=401, body=BAD_KEY)}
    recorder = Recorder()
    with ReplayServer(routes, speed=0) as server:
        engine = Engine(
            [watch(server.url(SUMMARY))],
            fast(tracker=TrackerConfig(confirm_worse=2, confirm_better=2), yours_recheck=0.8),
            on_event=recorder,
            probes=_openai_probe(server, interval=0.1),  # type: ignore[arg-type]
            token_lookup=lambda name: "sk-test-wrong",
        )
        async with running(engine):
            await until(lambda: verdict_kind(engine) == "yours")
            held = probe_calls(server)
            start = time.monotonic()
            await until(lambda: probe_calls(server) >= held + 2, timeout=10)
            # re-checked on its slow cadence (0.8 s here, 30 min by default), not every 0.1 s
            assert time.monotonic() - start >= 1.5
            # from the next run on, the slow cadence is a minute: only Check now can be quick
            engine.settings = replace(engine.settings, yours_recheck=60.0)

            def next_run_in() -> float:
                at = engine.statuses()["Example"].probes[0].next_at
                return (at - datetime.now(UTC)).total_seconds() if at else 0.0

            await until(lambda: next_run_in() > 30, timeout=10)  # a run took the new cadence
            before = probe_calls(server)
            engine.check_now("Example")
            await until(lambda: probe_calls(server) > before, timeout=10)  # at once, not in 60 s
            await until(lambda: next_run_in() > 30, timeout=10)  # held again, for a minute
            before = probe_calls(server)
            engine.tokens_changed()  # a token stored (Settings, or `trayapp secret set`)
            await until(lambda: probe_calls(server) > before, timeout=10)  # at once too
            server.set_route("/v1/models", Reply(body=MODELS))  # the key works again
            engine.check_now()
            await until(lambda: verdict_kind(engine) == "operational")
        status = engine.statuses()["Example"]
    assert [e.kind for e in recorder.events if e.kind == "yours"] == ["yours"]
    assert status.severity is Severity.OPERATIONAL


async def test_a_challenge_page_403_is_theirs_probing_goes_on_and_recovery_is_seen() -> None:
    """A 403 with an HTML "Just a moment…" page from their edge for a while, then 200."""
    challenge = Reply(
        status=403,
        body="<!DOCTYPE html><html><title>Just a moment...</title></html>",
        content_type="text/html",
        headers={"cf-mitigated": "challenge"},
    )
    routes = {SUMMARY: Reply(body=OK_BODY), "/v1/models": challenge}
    recorder = Recorder()
    with ReplayServer(routes, speed=0) as server:
        engine = Engine(
            [watch(server.url(SUMMARY))],
            fast(tracker=TrackerConfig(confirm_worse=2, confirm_better=2, flap_threshold=9)),
            on_event=recorder,
            probes=_openai_probe(server),  # type: ignore[arg-type]
            token_lookup=lambda name: "sk-test-key",
        )
        async with running(engine):
            await until(lambda: verdict_kind(engine) == "outage_unacknowledged")
            status = engine.statuses()["Example"]
            assert status.probes[0].last is not None
            assert "their edge refused the request (HTTP 403, a challenge page)" in (
                status.probes[0].last.reason
            )
            seen = probe_calls(server)
            await until(lambda: probe_calls(server) >= seen + 3)  # still probing
            server.set_route("/v1/models", Reply(body=MODELS))
            await until(lambda: verdict_kind(engine) == "operational")
    assert "yours" not in recorder.kinds()
    severities = [e.severity for e in recorder.events if e.kind == "verdict"]
    # (a probe result before the page's first read makes "unknown", then the page "operational")
    assert severities[-2:] == [Severity.MAJOR_OUTAGE, Severity.OPERATIONAL]
    assert severities.count(Severity.MAJOR_OUTAGE) == 1


async def test_503_then_401_after_an_outage_is_yours_not_back() -> None:
    """The API fails with 503, then answers 401 with OpenAI's key error: the outage is not over
    (no "back"), the service is "yours" (not green) and the user hears it once."""
    from trayapp.core import notify_policy as policy

    routes = {SUMMARY: Reply(body=OK_BODY), "/v1/models": Reply(status=503, body=OVERLOADED)}
    recorder = Recorder()
    with ReplayServer(routes, speed=0) as server:
        engine = Engine(
            [watch(server.url(SUMMARY))],
            fast(tracker=TrackerConfig(confirm_worse=2, confirm_better=2)),
            on_event=recorder,
            probes=_openai_probe(server),  # type: ignore[arg-type]
            token_lookup=lambda name: "sk-test-key",
        )
        async with running(engine):
            await until(lambda: verdict_kind(engine) == "outage_unacknowledged")
            server.set_route("/v1/models", Reply(status=401, body=BAD_KEY))
            await until(lambda: verdict_kind(engine) == "yours")
            await asyncio.sleep(0.5)
            status = engine.statuses()["Example"]
    assert status.severity is not Severity.OPERATIONAL
    settings = policy.NotifySettings(NotificationSettings(group_window=0))
    state = policy.PolicyState()
    sent: list[policy.Notification] = []
    for event in recorder.events:
        state, out = policy.decide(state, event, event.time, settings)
        sent += out
        state, out = policy.flush(state, event.time, settings)
        sent += out
        if out and out[0].kind == "problem":  # the user asks to be told when it is back
            state = policy.tell_when_back(state, "Example")
    assert [(n.kind, n.title) for n in sent] == [
        ("problem", "Example: major outage"),
        ("yours", "Your Example key was rejected"),
    ]
    assert "Example" in state.back_watch and "Example" in state.told_outage


async def test_check_now_runs_the_probes_and_does_not_skip_failing_sources() -> None:
    routes = {SUMMARY: Reply(status=503, body="down"), "/v1/models": Reply(body=MODELS)}
    with ReplayServer(routes, speed=0) as server:
        engine = Engine(
            [watch(server.url(SUMMARY))],
            fast(interval=30.0, problem_interval=30.0, backoff_cap=60.0),
            probes=_openai_probe(server),  # type: ignore[arg-type]
            token_lookup=lambda name: "sk-test-key",
        )
        async with running(engine):
            await until(lambda: probe_calls(server) == 1 and engine.statuses()["Example"].failures)
            await asyncio.sleep(0.3)
            pages, probes = server.stats.by_path.get(SUMMARY, 0), probe_calls(server)
            engine.check_now("Example")
            await until(lambda: probe_calls(server) == probes + 1, timeout=2)
            await until(lambda: server.stats.by_path.get(SUMMARY, 0) == pages + 1, timeout=2)
            engine.check_now()  # "Check all now" too
            await until(lambda: probe_calls(server) == probes + 2, timeout=2)
            status = engine.statuses()["Example"]
            assert status.probes[0].next_at is not None  # the evidence's "next check in"


def failed(engine: Engine, name: str) -> bool:
    found = engine.statuses().get(name)
    return found is not None and found.state.last_error is not None


async def test_offline_a_service_needing_no_internet_keeps_its_own_failure() -> None:
    """The reference hosts fail and a public service cannot be reached: offline. A service on
    the LAN that cannot be reached either is not blanked as "offline": its failure is its own,
    and it alone never makes the engine ask the witness."""
    with ReplayServer({"/ping": Reply(reset=True)}) as reference:
        settings = fast(
            reference_urls=(reference.url("/ping"),),
            witness_cache=0.2,
            local_services=frozenset({"NAS"}),
        )
        alone = Engine([watch(refused_url(SUMMARY), "NAS")], settings)
        async with running(alone):
            await until(lambda: failed(alone, "NAS"))
            assert not alone.offline and reference.stats.requests == 0  # no witness asked
        engine = Engine(
            [watch(refused_url(SUMMARY), "Far"), watch(refused_url(SUMMARY), "NAS")], settings
        )
        async with running(engine):
            await until(lambda: engine.offline)
            await until(lambda: failed(engine, "NAS"))
            nas, far = engine.statuses()["NAS"], engine.statuses()["Far"]
    assert nas.local and "refused" in (nas.state.last_error or "")
    assert not far.local and far.state.last_error is None  # blanked: offline, not its outage


async def test_offline_a_service_that_answers_keeps_its_state_and_held_probes_wake_online() -> None:
    """The reference hosts fail (offline) while a service on this machine answers: it keeps
    its own verdict (here "yours"), not "offline"; when the network comes back its held probe is
    re-checked at once, not 30 min later."""
    from dataclasses import replace

    from trayapp.probes import spec as probe

    with (
        ReplayServer({"/ping": Reply(reset=True)}) as reference,
        ReplayServer(
            {SUMMARY: Reply(body=OK_BODY), "/v1/models": Reply(status=401, body=BAD_KEY)},
            speed=0,
        ) as local,
    ):
        settings = fast(
            reference_urls=(reference.url("/ping"),),
            witness_cache=0.5,
            yours_recheck=600.0,
            tracker=TrackerConfig(confirm_worse=2, confirm_better=2),
        )
        spec = replace(probe.preset("openai", local.url("/")), interval=0.1)
        engine = Engine(
            [watch(refused_url(SUMMARY), "Far"), watch(local.url(SUMMARY), "Near")],
            settings,
            probes={"Near": [spec]},
            token_lookup=lambda name: "sk-test-wrong",
        )

        def near() -> str | None:
            found = engine.statuses().get("Near")
            return found.verdict.kind if found and found.verdict else None

        async with running(engine):
            await until(lambda: engine.offline and near() == "yours")
            await asyncio.sleep(0.5)
            assert engine.offline and near() == "yours"  # its own state, while offline
            held = local.stats.by_path.get("/v1/models", 0)
            reference.set_route("/ping", Reply(status=204))
            await until(lambda: not engine.offline, timeout=5)
            await until(lambda: local.stats.by_path.get("/v1/models", 0) > held, timeout=3)
