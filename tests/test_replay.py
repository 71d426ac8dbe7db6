"""The replay server: scripted timelines, conditional requests, every fault a client meets."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest

from trayapp import formats
from trayapp.core.model import Reading, Severity
from trayapp.demo.payloads import (
    OUTAGE_PHASES,
    OUTAGE_SEVERITIES,
    IncidentSpec,
    outage_timeline,
    statuspage_summary,
)
from trayapp.demo.replay import ReplayServer, serve_forever
from trayapp.demo.replay_routes import (
    Reply,
    Request,
    http_date,
    in_turn,
    merge_timelines,
    refused_url,
)
from trayapp.errors import FetchError
from trayapp.formats import ParseContext

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def no_thread_left() -> Iterator[None]:
    """Every test must leave as many threads as it found: servers stop cleanly."""
    before = threading.active_count()
    yield
    deadline = time.monotonic() + 2
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() == before, threading.enumerate()


def client(timeout: float = 2.0, **kwargs: object) -> httpx.Client:
    return httpx.Client(timeout=timeout, trust_env=False, **kwargs)  # type: ignore[arg-type]


def read(body: bytes) -> Reading:
    return formats.read("statuspage", body, ParseContext(url="http://127.0.0.1/"))


# -- conditional requests ----------------------------------------------------------------------


def test_etag_round_trip_answers_304_without_body() -> None:
    with ReplayServer({"/s.json": Reply(body=b'{"a":1}', etag=True)}) as server, client() as c:
        first = c.get(server.url("/s.json"))
        etag = first.headers["etag"]
        again = c.get(server.url("/s.json"), headers={"If-None-Match": etag})
        weak = c.get(server.url("/s.json"), headers={"If-None-Match": f'"x", W/{etag}'})
        other = c.get(server.url("/s.json"), headers={"If-None-Match": '"nope"'})
        server.wait_idle()
        stats = server.stats
    assert first.status_code == 200 and first.content == b'{"a":1}'
    assert etag.startswith('"') and etag.endswith('"')
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and "content-length" not in again.headers
    assert weak.status_code == 304
    assert other.status_code == 200 and other.content == b'{"a":1}'
    assert stats.not_modified == 2 and stats.by_status == {200: 2, 304: 2}
    assert [hit.conditional for hit in stats.hits] == [False, True, True, True]


def test_if_modified_since_and_precedence_of_if_none_match() -> None:
    changed = datetime(2024, 5, 14, 9, 30, 15, tzinfo=UTC)
    reply = Reply(body="{}", etag='"v1"', last_modified=changed)
    with ReplayServer({"/": reply}) as server, client() as c:
        plain = c.get(server.url())
        same = c.get(server.url(), headers={"If-Modified-Since": http_date(changed)})
        older = http_date(changed - timedelta(seconds=1))
        stale = c.get(server.url(), headers={"If-Modified-Since": older})
        junk = c.get(server.url(), headers={"If-Modified-Since": "yesterday-ish"})
        both = c.get(
            server.url(),
            headers={"If-None-Match": '"v0"', "If-Modified-Since": http_date(changed)},
        )
    assert parsedate_to_datetime(plain.headers["last-modified"]) == changed
    assert plain.headers["etag"] == '"v1"'
    assert same.status_code == 304
    assert stale.status_code == 200 and junk.status_code == 200
    assert both.status_code == 200  # If-None-Match decides when present (RFC 9110 13.2.2)


def test_only_success_answers_become_304() -> None:
    with ReplayServer({"/": Reply(503, "down", etag='"e"')}) as server, client() as c:
        response = c.get(server.url(), headers={"If-None-Match": '"e"'})
    assert response.status_code == 503 and response.text == "down"


# -- timelines ---------------------------------------------------------------------------------


def test_outage_timeline_steps_read_as_the_documented_severities() -> None:
    timeline = outage_timeline("Example", step_seconds=60)
    path = "/example/api/v2/summary.json"
    seen = []
    with ReplayServer(timeline, speed=0) as server, client() as c:
        etags = []
        for index in range(server.steps):
            server.set_step(index)
            response = c.get(server.url(path))
            etags.append(response.headers["etag"])
            seen.append(read(response.content))
        # a client holding the last step's ETag gets a full answer once the page changes
        server.set_step(1)
        changed = c.get(server.url(path), headers={"If-None-Match": etags[-1]})
    assert len(timeline) == len(OUTAGE_PHASES) == 5
    assert [r.severity for r in seen] == list(OUTAGE_SEVERITIES)
    assert all(r.error is None and r.page_name == "Example" for r in seen)
    statuses = [[i.status for i in r.incidents] for r in seen]
    assert statuses == [[], ["investigating"], ["identified"], ["monitoring"], []]
    assert seen[2].incidents[0].components == ("API",)
    assert len(set(etags)) == 5
    assert changed.status_code == 200 and read(changed.content).severity is Severity.DEGRADED


def test_timeline_follows_the_clock_scaled_by_speed() -> None:
    timeline = [(0, {"/": Reply(body="one")}), (30, {"/": Reply(body="two")})]
    with client() as c, ReplayServer(timeline, speed=100) as server:  # step 1 after 0.3 s
        assert c.get(server.url()).text == "one"
        deadline = time.monotonic() + 2
        while c.get(server.url()).text == "one" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert c.get(server.url()).text == "two"
        assert server.step == 1 and server.elapsed >= 30


def test_steps_are_cumulative_and_static_routes_always_apply() -> None:
    timeline = [
        (10, {"/a": Reply(body="a0"), "/b": Reply(body="b0")}),
        (20, {"/a": Reply(body="a1")}),
    ]
    static = {"/static": Reply(body="s"), "/a": Reply(body="before")}
    with ReplayServer(timeline, routes=static, speed=0) as server, client() as c:
        before = (c.get(server.url("/a")).text, c.get(server.url("/b")).status_code)
        server.advance(15)
        middle = (c.get(server.url("/a")).text, c.get(server.url("/b")).text)
        server.advance(5)
        after = (c.get(server.url("/a")).text, c.get(server.url("/b")).text)
        server.set_route("/b", Reply(body="override"))
        overridden = c.get(server.url("/b")).text
        server.set_route("/b", None)
        restored = c.get(server.url("/b")).text
        always = c.get(server.url("/static")).text
    assert before == ("before", 404)
    assert middle == ("a0", "b0")
    assert after == ("a1", "b0")
    assert (overridden, restored, always) == ("override", "b0", "s")


def test_timeline_validation_and_merge() -> None:
    with pytest.raises(ValueError, match="must not decrease"):
        ReplayServer([(5, {}), (1, {})])
    with pytest.raises(IndexError):
        ReplayServer([(0, {})], speed=0).set_step(1)
    a = [(0, {"/a": Reply(body="a0")}), (30, {"/a": Reply(body="a1")})]
    b = [(0, {"/b": Reply(body="b0")}), (10, {"/b": Reply(body="b1")})]
    merged = merge_timelines(a, b)
    assert [offset for offset, _ in merged] == [0, 10, 30]
    assert set(merged[0][1]) == {"/a", "/b"}


# -- faults ------------------------------------------------------------------------------------


def test_hang_times_the_client_out_and_ends_when_it_leaves() -> None:
    with ReplayServer({"/": Reply(hang=True)}) as server:
        with client(timeout=0.2) as c, pytest.raises(httpx.ReadTimeout):
            c.get(server.url())
        assert server.wait_idle(timeout=2)  # the server noticed the client gave up
        stats = server.stats
    assert stats.faults == {"hang": 1} and stats.by_status == {} and stats.bytes_sent == 0


def test_delay_is_slow_but_answers_and_times_out_a_short_client() -> None:
    routes = {"/slow": Reply(body="ok", delay=0.15), "/slower": Reply(body="late", delay=5)}
    with ReplayServer(routes) as server:
        with client() as c:
            started = time.monotonic()
            response = c.get(server.url("/slow"))
            took = time.monotonic() - started
        with client(timeout=0.2) as c, pytest.raises(httpx.ReadTimeout):
            c.get(server.url("/slower"))
        assert server.wait_idle(timeout=2)
        stats = server.stats
    assert response.text == "ok" and took >= 0.15
    assert stats.faults == {"gone": 1} and stats.by_status == {200: 1}


def test_reset_breaks_the_connection_without_an_answer() -> None:
    with ReplayServer({"/": Reply(reset=True), "/ok": Reply(body="ok")}) as server, client() as c:
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            c.get(server.url())
        assert c.get(server.url("/ok")).text == "ok"  # the server itself lives on
        server.wait_idle()
        assert server.stats.faults == {"reset": 1}


def test_truncated_body_breaks_mid_response() -> None:
    body = json.dumps({"components": [{"name": f"c{i}"} for i in range(50)]}).encode()
    routes = {
        "/": Reply(body=body, truncate=40),
        "/chunked": Reply(body=body, truncate=40, chunked=True),
    }
    with ReplayServer(routes) as server, client() as c:
        for path in ("/", "/chunked"):
            with (
                pytest.raises(httpx.RemoteProtocolError),
                c.stream("GET", server.url(path)) as response,
            ):
                assert response.status_code == 200
                if path == "/":
                    assert int(response.headers["content-length"]) == len(body)
                response.read()
        server.wait_idle()
        assert server.stats.faults == {"truncated": 2}


def test_huge_body_streams_in_constant_memory_and_can_be_aborted() -> None:
    routes = {
        "/huge": Reply(huge=50 * MB, content_type="application/json"),
        "/huge-chunked": Reply(body=b'{"x":', huge=3 * MB + 5, chunked=True),
    }
    with ReplayServer(routes) as server, client() as c:
        tracemalloc.start()
        try:
            with c.stream("GET", server.url("/huge")) as response:
                declared = int(response.headers["content-length"])
                received = 0
                for chunk in response.iter_bytes():
                    received += len(chunk)
                    if received >= MB:
                        break  # the client gives up, as a size cap would
            assert server.wait_idle(timeout=5)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        with c.stream("GET", server.url("/huge-chunked")) as response:
            assert "content-length" not in response.headers
            total = sum(len(chunk) for chunk in response.iter_bytes())
            assert response.headers["transfer-encoding"] == "chunked"
        server.wait_idle()
        stats = server.stats
    assert declared == 50 * MB and received >= MB
    assert peak < 8 * MB  # neither side ever held the 50 MB
    assert stats.faults == {"aborted": 1}
    assert stats.hits[0].bytes_sent < 40 * MB  # the server stopped once the client left
    assert total == 3 * MB + 5


def test_error_statuses_carry_retry_after() -> None:
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    routes = {
        "/503": Reply(503, "<h1>down</h1>", content_type="text/html", retry_after=30),
        "/429": Reply(429, "{}", retry_after=when),
        "/500": Reply(500, "oops", retry_after=1.2),
    }
    with ReplayServer(routes) as server, client() as c:
        unavailable = c.get(server.url("/503"))
        limited = c.get(server.url("/429"))
        failed = c.get(server.url("/500"))
    assert unavailable.status_code == 503 and unavailable.headers["retry-after"] == "30"
    assert unavailable.headers["content-type"] == "text/html"
    assert limited.status_code == 429
    assert parsedate_to_datetime(limited.headers["retry-after"]) == when
    assert failed.status_code == 500 and failed.headers["retry-after"] == "2"


def test_redirects_loop_leave_http_or_land() -> None:
    routes = {
        "/loop/a": Reply(redirect="/loop/b"),
        "/loop/b": Reply(redirect="/loop/a"),
        "/ftp": Reply(redirect="ftp://127.0.0.1/status.json"),
        "/moved": Reply(301, redirect="/here"),
        "/here": Reply(body="landed"),
    }
    with ReplayServer(routes) as server, client(follow_redirects=True, max_redirects=5) as c:
        with pytest.raises(httpx.TooManyRedirects):
            c.get(server.url("/loop/a"))
        with pytest.raises(httpx.UnsupportedProtocol):
            c.get(server.url("/ftp"))
        landed = c.get(server.url("/moved"))
        server.wait_idle()
        stats = server.stats
    assert landed.text == "landed" and landed.history[0].status_code == 301
    assert stats.by_status[302] == 7  # six hops of the loop + the one to ftp
    assert stats.by_path["/loop/a"] + stats.by_path["/loop/b"] == 6


def test_bodies_pass_through_byte_for_byte() -> None:
    html = "<!DOCTYPE html><html><body>Service Unavailable</body></html>"
    routes = {
        "/html": Reply(body=html, content_type="text/html; charset=utf-8"),
        "/latin": Reply(body=b'{"name":"caf\xe9 \xff"}'),
        "/empty": Reply(body=b"", content_type=None),
    }
    with ReplayServer(routes) as server, client() as c:
        page = c.get(server.url("/html"))
        latin = c.get(server.url("/latin"))
        empty = c.get(server.url("/empty"))
        missing = c.get(server.url("/nowhere"))
    assert page.status_code == 200 and page.text == html
    assert latin.content == b'{"name":"caf\xe9 \xff"}'
    with pytest.raises(UnicodeDecodeError):
        latin.content.decode("utf-8")
    assert empty.content == b"" and "content-type" not in empty.headers
    assert missing.status_code == 404


def test_refused_url_refuses() -> None:
    with client() as c, pytest.raises(httpx.ConnectError):
        c.get(refused_url("/api/v2/summary.json"))


def test_callable_routes_see_the_request_and_can_script_sequences() -> None:
    seen: list[Request] = []

    def echo(request: Request) -> Reply:
        seen.append(request)
        return Reply(body=f"{request.method} {request.query} {request.body.decode()}")

    def broken(request: Request) -> Reply:
        raise RuntimeError("bug in a scripted route")

    routes = {
        "/flaky": in_turn(Reply(503, retry_after=1), Reply(503), Reply(body="up")),
        "/echo": echo,
        "/echo?special=1": Reply(body="special"),
        "/broken": broken,
    }
    with ReplayServer(routes) as server, client() as c:
        flaky = [c.get(server.url("/flaky")).status_code for _ in range(4)]
        posted = c.post(server.url("/echo?x=1"), content=b"hello", headers={"X-Probe": "yes"})
        special = c.get(server.url("/echo?special=1"))
        failed = c.get(server.url("/broken"))
        head = c.head(server.url("/echo"))
    assert flaky == [503, 503, 200, 200]
    assert posted.text == "POST x=1 hello"
    assert seen[0].headers["x-probe"] == "yes" and seen[0].count == 1 and seen[0].step == -1
    assert special.text == "special"
    assert failed.status_code == 500 and "bug in a scripted route" in failed.text
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len("HEAD  "))


# -- stats, concurrency, life cycle ------------------------------------------------------------


def test_stats_count_requests_bytes_and_keep_alive_connections() -> None:
    routes = {"/a": Reply(body=b"x" * 100, etag=True), "/b": Reply(404, "no")}
    with ReplayServer(routes) as server, client() as c:
        etag = c.get(server.url("/a")).headers["etag"]
        for _ in range(3):
            c.get(server.url("/a"), headers={"If-None-Match": etag})
        c.get(server.url("/b"))
        server.wait_idle()
        stats = server.stats
        server.reset_stats()
        c.get(server.url("/b"))
        server.wait_idle()
        after_reset = server.stats
    assert stats.requests == 5 and stats.connections == 1  # keep-alive: one connection
    assert stats.by_path == {"/a": 4, "/b": 1}
    assert stats.by_status == {200: 1, 304: 3, 404: 1}
    assert stats.not_modified_share == pytest.approx(0.6)
    assert stats.bytes_sent == sum(hit.bytes_sent for hit in stats.hits)
    assert stats.hits[0].bytes_sent >= stats.hits[1].bytes_sent + 100 > 100  # body + headers
    assert after_reset.requests == 1 and after_reset.by_status == {404: 1}


def test_hundreds_of_concurrent_keep_alive_connections() -> None:
    """300 clients at once, twice over the same connections, each answer 0.3 s late.

    The client is raw asyncio streams: httpx's own pool is slow with hundreds of connections
    (seconds, against any server), which would hide what the server does.
    """
    count, delay = 300, 0.3

    Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]

    async def poll(conn: Connection, path: str) -> tuple[int, bytes]:
        reader, writer = conn
        writer.write(f"GET {path} HTTP/1.1\r\nHost: replay\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        return int(head.split()[1]), await reader.readexactly(length)

    async def rounds(port: int) -> tuple[list[tuple[int, bytes]], float]:
        started = time.monotonic()
        conns = await asyncio.gather(
            *(asyncio.open_connection("127.0.0.1", port) for _ in range(count))
        )
        answers: list[tuple[int, bytes]] = []
        for _ in range(2):  # the second round reuses every connection (keep-alive)
            answers += await asyncio.gather(*(poll(c, f"/s/{i}") for i, c in enumerate(conns)))
        took = time.monotonic() - started
        for _, writer in conns:
            writer.close()
        return answers, took

    routes = {f"/s/{i}": Reply(body=f"{i}", delay=delay) for i in range(count)}
    with ReplayServer(routes) as server:
        answers, took = asyncio.run(rounds(server.port))
        server.wait_idle()
        stats = server.stats
    assert answers == [(200, f"{i}".encode()) for i in range(count)] * 2
    assert took < 2 * delay + 2  # side by side: one by one would take 180 s
    assert stats.connections == count and stats.requests == 2 * count


def test_stop_closes_idle_hung_and_streaming_connections() -> None:
    before = threading.active_count()
    errors: list[BaseException] = []
    server = ReplayServer({"/hang": Reply(hang=True), "/ok": Reply(body="ok")}).start()
    idle = client()
    idle.get(server.url("/ok"))  # leaves a keep-alive connection open

    def wait_forever() -> None:
        try:
            with client(timeout=30) as c:
                c.get(server.url("/hang"))
        except httpx.HTTPError as exc:
            errors.append(exc)

    waiter = threading.Thread(target=wait_forever)
    waiter.start()
    deadline = time.monotonic() + 2
    while server.stats.requests < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    took = time.monotonic() - started
    waiter.join(5)
    idle.close()
    server.stop()  # idempotent
    assert took < 2 and not waiter.is_alive()
    assert len(errors) == 1  # the hung request ended with an error, not an answer
    assert threading.active_count() == before
    with client() as c, pytest.raises(httpx.ConnectError):
        c.get(server.url("/ok"))  # nothing listens there any more
    with pytest.raises(RuntimeError):
        server.start()


def test_serve_forever_until_stopped() -> None:
    stop = threading.Event()
    urls: list[str] = []

    def ready(server: ReplayServer) -> None:
        urls.append(server.url("/x"))

    thread = threading.Thread(
        target=serve_forever,
        args=({"/x": Reply(body="served")},),
        kwargs={"on_ready": ready, "stop": stop},
    )
    thread.start()
    deadline = time.monotonic() + 2
    while not urls and time.monotonic() < deadline:
        time.sleep(0.01)
    with client() as c:
        text = c.get(urls[0]).text
    stop.set()
    thread.join(5)
    assert text == "served" and not thread.is_alive()


# -- payload builders --------------------------------------------------------------------------


def test_statuspage_summary_reads_back_through_the_parser() -> None:
    incident = IncidentSpec(
        "Queue delays",
        status="identified",
        impact=Severity.PARTIAL_OUTAGE,
        update="Jobs are delayed in EU.",
        components=("EU",),
        history=(("investigating", "Looking into it."),),
    )
    body = statuspage_summary(
        "Acme Cloud",
        {"Web": Severity.OPERATIONAL, "EU": Severity.PARTIAL_OUTAGE, "US": "exploded"},
        incident,
        groups={"Regions": ["EU", "US"]},
    )
    data = json.loads(body)
    reading = read(body)
    assert body == statuspage_summary(
        "Acme Cloud",
        {"Web": Severity.OPERATIONAL, "EU": Severity.PARTIAL_OUTAGE, "US": "exploded"},
        incident,
        groups={"Regions": ["EU", "US"]},
    )  # deterministic: stable ETags
    assert data["status"] == {"indicator": "major", "description": "Partial System Outage"}
    group = data["components"][1]
    assert group["group"] is True and group["name"] == "Regions"
    assert group["components"] == [c["id"] for c in data["components"][2:]]
    assert reading.error is None and reading.severity is Severity.PARTIAL_OUTAGE
    assert {c.name: c.severity for c in reading.components} == {
        "Web": Severity.OPERATIONAL,
        "EU": Severity.PARTIAL_OUTAGE,
        "US": Severity.UNKNOWN,  # an unseen word taints its component only
    }
    assert {c.group for c in reading.components} == {None, "Regions"}
    (opened,) = reading.incidents
    assert (opened.status, opened.open, opened.latest_update) == (
        "identified",
        True,
        "Jobs are delayed in EU.",
    )
    updates = data["incidents"][0]["incident_updates"]
    assert [u["status"] for u in updates] == ["identified", "investigating"]
    assert updates[0]["affected_components"][0]["new_status"] == "partial_outage"


def test_statuspage_summary_indicator_override_and_bad_input() -> None:
    calm = statuspage_summary("Calm", {"Web": Severity.OPERATIONAL})
    liar = statuspage_summary("Liar", {"Web": Severity.OPERATIONAL}, indicator="critical")
    resolved = IncidentSpec("Done", status="resolved", impact=Severity.MAJOR_OUTAGE)
    closed = statuspage_summary("Closed", {"Web": Severity.OPERATIONAL}, resolved)
    assert read(calm).severity is Severity.OPERATIONAL
    assert json.loads(liar)["status"]["indicator"] == "critical"
    assert json.loads(closed)["status"]["indicator"] == "none"  # resolved impact does not count
    assert json.loads(closed)["incidents"][0]["resolved_at"] is not None
    with pytest.raises(ValueError, match="unknown components"):
        statuspage_summary(
            "X", {"Web": Severity.OPERATIONAL}, IncidentSpec("I", components=("DB",))
        )
    with pytest.raises(ValueError, match="unknown severity"):
        statuspage_summary("X", {"Web": Severity.UNKNOWN})


# -- the app's own HTTP edge sees each fault as the engine will --------------------------------


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (Reply(hang=True), "timeout"),
        (Reply(body="{}", delay=2), "timeout"),
        (Reply(reset=True), "protocol"),
        (Reply(body=b'{"page":{"name":"x"},"components":[', truncate=10), "protocol"),
        (Reply(huge=50 * MB), "too_large"),
        (Reply(huge=50 * MB, chunked=True), "too_large"),
        (Reply(redirect="/"), "redirects"),
        (Reply(redirect="file:///etc/passwd"), "scheme"),
    ],
    ids=["hang", "slow", "reset", "truncated", "huge", "huge-chunked", "loop", "file-scheme"],
)
def test_fetch_get_classifies_every_fault(reply: Reply, kind: str) -> None:
    from trayapp.net import fetch

    async def attempt(url: str) -> FetchError:
        async with fetch.make_client(timeout=0.3, connect_timeout=0.3) as c:
            with pytest.raises(FetchError) as caught:
                await fetch.get(c, url)
            return caught.value

    with ReplayServer({"/": reply}) as server:
        error = asyncio.run(attempt(server.url("/")))
        assert server.wait_idle(timeout=3)
    assert error.kind == kind, error


def test_fetch_get_passes_statuses_and_refused_connections_through() -> None:
    from trayapp.net import fetch

    async def attempt(server: ReplayServer) -> tuple[int, int, str]:
        async with fetch.make_client(timeout=1) as c:
            busy = await fetch.get(c, server.url("/busy"))
            fine = await fetch.get(c, server.url("/fine"))
            etag = fine.headers["etag"]
            same = await fetch.get(c, server.url("/fine"), headers={"If-None-Match": etag})
            with pytest.raises(FetchError) as refused:
                await fetch.get(c, refused_url())
            assert busy.headers["retry-after"] == "7"
            return busy.status, same.status, refused.value.kind

    routes = {"/busy": Reply(503, retry_after=7), "/fine": Reply(body="{}", etag=True)}
    with ReplayServer(routes) as server:
        assert asyncio.run(attempt(server)) == (503, 304, "connect")
