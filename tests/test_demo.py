"""The demo's story, server and profile (Qt-free): what the tray will see when it polls it."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from trayapp.core.model import Event, Severity, Watch
from trayapp.demo import story as demo
from trayapp.engine import poll
from trayapp.engine.monitor import Monitor
from trayapp.net.fetch import Response
from trayapp.store import config
from trayapp.urls import is_loopback

OK = Severity.OPERATIONAL


def read(story: demo.Demo, slug: str) -> tuple[Response, object]:
    """Fetch a demo service's summary and read it as the engine does."""
    url = f"{story.base_url}/{slug}/api/v2/summary.json"
    answer = httpx.get(url, timeout=5)
    response = Response(
        url=url,
        status=answer.status_code,
        headers={k.lower(): v for k, v in answer.headers.items()},
        body=answer.content,
        elapsed=0.0,
    )
    watch = Watch(name=slug, url=url, format="statuspage")
    return response, poll.interpret(watch, response)


def test_the_story_shows_every_colour_in_order() -> None:
    seen: list[Severity] = []
    for t in range(0, int(demo.STORY_LENGTH) + 1):
        state = demo.overall_at(t)
        if not seen or seen[-1] is not state:
            seen.append(state)
    assert seen == [
        OK,
        Severity.DEGRADED,
        Severity.MAJOR_OUTAGE,
        Severity.PARTIAL_OUTAGE,  # OpenAI monitoring (degraded), GitHub still partly down
        Severity.DEGRADED,
        OK,
        Severity.MAINTENANCE,
        OK,
    ]
    assert demo.overall_at(demo.STORY_LENGTH) is OK  # it ends where a loop starts again
    assert all(s.at < demo.STORY_LENGTH for s in demo.STORY)
    assert [s.at for s in demo.STORY] == sorted(s.at for s in demo.STORY)


def test_scenes_are_far_enough_apart_for_the_fastest_speed() -> None:
    """At MAX_SPEED a page must hold each state for at least a poll (1 s), and so must the
    icon's colour, or the tray would skip a scene."""
    for service in demo.SERVICES:
        times = [0.0, *(s.at for s in demo.scenes_of(service.slug))]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(gap / demo.MAX_SPEED >= 1.0 for gap in gaps), (service.slug, gaps)
    changes = [0.0]
    for t in range(1, int(demo.STORY_LENGTH)):
        if demo.overall_at(t) is not demo.overall_at(t - 1):
            changes.append(float(t))
    assert min(b - a for a, b in itertools.pairwise(changes)) / demo.MAX_SPEED >= 1.0


def test_served_pages_read_as_the_story_says() -> None:
    with demo.Demo(speed=1) as story:
        for index in range(1, story.server.steps):
            story.server.set_step(index)
            t = story.story_time
            for service in demo.SERVICES:
                response, reading = read(story, service.slug)
                assert response.status == 200
                assert reading.error is None, reading.error
                assert reading.severity is demo.severity_at(service.slug, t), (service.slug, t)
                links = re.findall(rb"https?://[^\"]+", response.body)
                assert all(link.startswith(story.base_url.encode()) for link in links), links


def test_the_major_outage_carries_an_incident_with_its_latest_update() -> None:
    with demo.Demo(speed=1) as story:
        story.begin()
        story.server.advance(45)  # OpenAI's major outage
        _, reading = read(story, "openai")
        assert reading.severity is Severity.MAJOR_OUTAGE
        (incident,) = reading.open_incidents
        assert incident.title == "Elevated error rates on the API"
        assert incident.status == "identified"
        assert incident.latest_update and "rolling it back" in incident.latest_update
        assert incident.url == f"{story.base_url}/openai/"  # a click stays on this computer
        began = story.started_at + timedelta(seconds=20)  # its first scene, in this run's time
        assert incident.started is not None
        assert abs(incident.started - began) < timedelta(milliseconds=2)
        assert {c.name: c.severity for c in reading.components}["API"] is Severity.MAJOR_OUTAGE
        page = httpx.get(f"{story.base_url}/openai/", timeout=5)
        assert page.status_code == 200 and "trayapp demo" in page.text


def test_the_story_holds_until_begin_and_loops() -> None:
    with demo.Demo(speed=2, loop=True) as story:
        assert story.story_time < 0
        story.server.advance(500)  # however long the tray takes to start
        assert read(story, "openai")[1].severity is OK
        again = story.begin()
        assert again == pytest.approx(demo.STORY_LENGTH / 2)
        assert 0 <= story.story_time < 5
    with demo.Demo(speed=2) as story:
        assert story.begin() is None


def test_the_imitation_api_fails_before_the_page_admits_it() -> None:
    """What the probes catch: Gemini's page says operational while its API answers 503, then
    the page admits a partial outage, then both recover."""
    with demo.Demo(speed=1) as story:
        url = demo.api_url(story.base_url, "gemini")
        story.begin()
        assert httpx.get(url, timeout=5).status_code == 200
        story.server.advance(80)
        answer = httpx.get(url, timeout=5)
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "1"
        assert read(story, "gemini")[1].severity is OK
        story.server.advance(10)  # 90: the page has caught up
        assert httpx.get(url, timeout=5).status_code == 503
        assert read(story, "gemini")[1].severity is Severity.PARTIAL_OUTAGE
        story.server.advance(30)
        assert httpx.get(url, timeout=5).status_code == 200
        assert read(story, "gemini")[1].severity is OK


def test_the_config_is_loopback_only_fast_and_valid() -> None:
    text = demo.config_text("http://127.0.0.1:4567", speed=4)
    cfg = config.loads(text)
    assert [w.name for w in cfg.watches] == [s.name for s in demo.SERVICES]
    assert all(is_loopback(w.url) and w.page_url and is_loopback(w.page_url) for w in cfg.watches)
    assert {w.interval for w in cfg.watches} == {1.0}
    assert {w.category for w in cfg.watches} == {"AI APIs", "Developer tools"}
    assert cfg.polling.reference_urls == ()  # no connectivity witness on the internet
    assert (cfg.polling.confirm_worse, cfg.polling.confirm_better) == (1, 1)
    assert cfg.notifications.on_maintenance
    assert cfg.notifications.group_window == pytest.approx(1.25)
    probed = {watch: spec for watch, spec in cfg.probes}
    assert set(probed) == {s.name for s in demo.SERVICES if s.category == "AI APIs"}
    assert all(is_loopback(p.url) and p.token_name is None for p in probed.values())
    assert {p.interval for p in probed.values()} == {1.0}
    assert text.startswith(demo.MARKER)


def test_engine_settings_never_call_the_story_flapping() -> None:
    settings = demo.engine_settings(4)
    changes = sorted(s.at for s in demo.STORY if s.service == "openai")
    fastest = min(b - a for a, b in itertools.pairwise(changes)) / 4
    assert settings.tracker.flap_window < timedelta(seconds=fastest)
    assert demo.update_interval(4) == timedelta(seconds=15)


def test_the_profile_never_touches_the_users_files(tmp_path: Path) -> None:
    assert demo.profile_env({}, tmp_path) == {
        "TRAYAPP_CONFIG_DIR": str(tmp_path / "config"),
        "TRAYAPP_DATA_DIR": str(tmp_path / "data"),
    }
    mine = {"TRAYAPP_CONFIG_DIR": "/somewhere", "TRAYAPP_DATA_DIR": " "}
    assert demo.profile_env(mine, tmp_path) == {"TRAYAPP_DATA_DIR": str(tmp_path / "data")}

    path = tmp_path / "config.toml"
    demo.write_config(path, demo.MARKER + "\n")
    demo.write_config(path, demo.MARKER + ": again\n")  # a demo config may be replaced
    path.write_text("[polling]\n")
    with pytest.raises(FileExistsError):
        demo.write_config(path, demo.MARKER + "\n")
    assert path.read_text() == "[polling]\n"


def test_outline_counts_real_time() -> None:
    lines = demo.outline(speed=2)
    assert lines[0].startswith("0:00  All four services")
    assert lines[2].startswith("0:20  OpenAI has a major outage")  # story 40 s at 2x


def test_demo_command_refuses_a_bad_speed(capsys: pytest.CaptureFixture[str]) -> None:
    from trayapp.cli import demo as command

    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    assert command.run(parser.parse_args(["--speed", "0"])) == 2
    assert command.run(parser.parse_args(["--speed", "11"])) == 2
    assert "--speed" in capsys.readouterr().err


async def test_the_real_engine_follows_the_story() -> None:
    """The engine and tracker, polling the demo server with the demo's settings, report the
    degraded API and then the major outage with its incident (story compressed 10x)."""
    speed = 10.0
    with demo.Demo(speed=speed) as story:
        cfg = config.loads(demo.config_text(story.base_url, speed))
        monitor = Monitor(cfg, None, settings=demo.engine_settings(speed))
        events: list[Event] = []
        seen: set[str] = set()
        loop = asyncio.get_running_loop()

        def status(s: object) -> None:
            seen.add(s.watch.name)  # type: ignore[attr-defined]
            if len(seen) == len(cfg.watches) and story.story_time < 0:
                story.begin()

        def event(e: Event) -> None:
            events.append(e)
            if e.kind == "status" and e.severity is Severity.MAJOR_OUTAGE:
                loop.call_soon(monitor.stop)

        monitor.status_listeners.append(status)
        monitor.event_listeners.append(event)
        await asyncio.wait_for(monitor.run(), timeout=20)

    openai = [e for e in events if e.service == "OpenAI (demo)"]
    statuses = [(e.previous, e.severity) for e in openai if e.kind == "status"]
    assert statuses == [
        (None, OK),
        (OK, Severity.DEGRADED),
        (Severity.DEGRADED, Severity.MAJOR_OUTAGE),
    ]
    assert "incident_opened" in [e.kind for e in openai]
    assert all(e.kind != "flapping" for e in events)


@pytest.mark.parametrize("command", [[], ["demo"]])
def test_without_a_display_it_says_so_instead_of_aborting(
    trayapp_env: dict[str, str], command: list[str]
) -> None:
    env = {k: v for k, v in trayapp_env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run(
        [sys.executable, "-m", "trayapp", *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1
    assert "no graphical session" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""  # the demo explains nothing it cannot show


def test_the_pages_scripted_lag_reads_to_the_second() -> None:
    """Gemini's API fails 13 s before its page admits it: 'admitted 13 s later', never 'at the
    same time' (the words rounded to the minute once)."""
    from trayapp.core.summary import lag_words

    gemini = demo.scenes_of("gemini")
    down = next(s.at for s in gemini if s.api_down)
    admitted = next(s.at for s in gemini if s.incident is not None)
    assert admitted - down == 13
    assert lag_words(timedelta(seconds=admitted - down)) == "13 s later"
