"""Unverified (generated) catalog entries: a wrong format or endpoint is re-detected once.

Each test serves a catalog entry whose declared format or endpoint is wrong on 127.0.0.1 and
runs the real engine against it.
"""

from __future__ import annotations

from trayapp.core.model import Severity, Watch
from trayapp.demo import payloads
from trayapp.demo.replay import ReplayServer
from trayapp.demo.replay_routes import Reply
from trayapp.engine.scheduler import Engine

from .test_engine import fast, running, until

SUMMARY = "/api/v2/summary.json"
MAJOR = payloads.statuspage_summary("Example", {"API": Severity.MAJOR_OUTAGE})


def generated(server: ReplayServer, path: str, format: str, *, verified: bool = False) -> Watch:
    return Watch(
        name="Example",
        url=server.url(path),
        format=format,
        page_url=server.url("/"),
        verified=verified,
    )


def severity(engine: Engine) -> Severity | None:
    status = engine.statuses().get("Example")  # (None until the engine has started)
    return status.severity if status else None


def polls(server: ReplayServer, path: str) -> int:
    return server.stats.by_path.get(path, 0)


async def test_a_wrong_format_is_detected_once_and_read_with_a_note() -> None:
    # the catalog says "feed", the endpoint serves Statuspage JSON
    with ReplayServer(routes={SUMMARY: Reply(body=MAJOR)}) as server:
        engine = Engine([generated(server, SUMMARY, "feed")], fast())
        async with running(engine):
            await until(lambda: severity(engine) is Severity.MAJOR_OUTAGE)
            await until(lambda: polls(server, SUMMARY) >= 6)
            status = engine.statuses()["Example"]
        assert status.watch.format == "statuspage"
        assert status.note == "Read as statuspage (the catalog said feed)"
        assert polls(server, "/") == 1  # one detection, however many polls


async def test_a_404_endpoint_is_replaced_by_the_one_detection_finds() -> None:
    with ReplayServer(routes={SUMMARY: Reply(body=MAJOR)}) as server:
        engine = Engine([generated(server, "/history.json", "statuspage")], fast())
        async with running(engine):
            await until(lambda: severity(engine) is Severity.MAJOR_OUTAGE)
            status = engine.statuses()["Example"]
        assert status.watch.url == server.url(SUMMARY)
        assert status.note == (
            f"Read from {server.url(SUMMARY)} (the catalog said {server.url('/history.json')})"
        )


async def test_nothing_found_reads_unknown_with_the_reason_and_detects_only_once() -> None:
    with ReplayServer(routes={"/feed.xml": Reply(body=b"<html>gone</html>")}) as server:
        engine = Engine([generated(server, "/feed.xml", "feed")], fast())
        async with running(engine):
            await until(lambda: polls(server, "/feed.xml") >= 6)
            status = engine.statuses()["Example"]
        assert status.severity is Severity.UNKNOWN
        assert status.state.last_error == "expected an RSS or Atom feed but got an HTML page"
        assert (status.note or "").startswith("Detection found no other way to read it: ")
        assert polls(server, "/") == 1
        assert polls(server, SUMMARY) == 1  # each API probe once, never again


async def test_a_verified_entry_is_never_re_detected() -> None:
    with ReplayServer(routes={SUMMARY: Reply(body=MAJOR)}) as server:
        engine = Engine([generated(server, SUMMARY, "feed", verified=True)], fast())
        async with running(engine):
            await until(lambda: polls(server, SUMMARY) >= 4)
            status = engine.statuses()["Example"]
        assert status.severity is Severity.UNKNOWN
        assert polls(server, "/") == 0


async def test_after_a_good_read_the_entry_is_verified_for_the_run() -> None:
    script = [(0.0, {SUMMARY: Reply(body=MAJOR)}), (1.0, {SUMMARY: Reply(body=b"{oops")})]
    with ReplayServer(script, speed=0) as server:
        engine = Engine([generated(server, SUMMARY, "statuspage")], fast())
        async with running(engine):
            await until(lambda: severity(engine) is Severity.MAJOR_OUTAGE)
            server.set_step(1)
            seen = polls(server, SUMMARY)
            await until(lambda: polls(server, SUMMARY) >= seen + 4)
            status = engine.statuses()["Example"]
        assert status.state.last_error  # the broken answers read unknown, as for any entry
        assert polls(server, "/") == 0
