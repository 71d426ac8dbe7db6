"""``trayapp demo``: an outage story told in three minutes by a status server on 127.0.0.1.

A new user sees every colour, the menus and the notifications at once, without network access:
four made-up services (Statuspage-style ``summary.json`` built by ``trayapp.demo.payloads``) go from
all green through a degraded API, a major outage with an incident and its updates, a second
service in trouble, monitoring, recovery and a planned maintenance. Polling is every second
and one reading confirms a change, so the tray follows the story within a second or two.

Qt-free: this module builds the story, the server and the config; ``trayapp.cli.demo``
sets up the throw-away profile and runs the normal tray on it.

The story waits at its first scene (``HOLD``) until the tray has checked every service once;
``begin()`` then starts it (and restarts it, with ``--loop``), so a slow start never skips
scenes and the first changes are real news, not start-up state.

Each AI service also has an imitation API (``API_PATHS``), answering 200 with a small model
list, which the demo profile probes every second as the list-models presets do. In the "quiet
failure" scenes Gemini's API answers 503 while its status page stays green: the tray says
"outage seen by your checks, not yet acknowledged by the status page", then "confirmed by the
status page (it says partial outage)" once the page admits less than the checks see (the icon
stays at the worse), and the incident log records how long the page took.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

from trayapp.core.model import Severity, worst
from trayapp.core.tracker import TrackerConfig
from trayapp.demo.payloads import IncidentSpec, statuspage_summary
from trayapp.demo.replay import ReplayServer
from trayapp.demo.replay_routes import Reply, Request, Route, Step
from trayapp.engine.settings import EngineSettings

STORY_LENGTH = 180.0  # story seconds (real seconds at speed 1)
HOLD = 10_000_000.0  # offset of the story's real start: the first scene holds until begin()
MAX_SPEED = 10.0  # scenes are >= 10 story seconds apart and polls 1 s: faster would skip some
POLL_INTERVAL = 1  # seconds (the loopback floor)
MARKER = "# trayapp demo profile"  # first line of a config file the demo wrote

OK = Severity.OPERATIONAL
MAINT = Severity.MAINTENANCE
DEGRADED = Severity.DEGRADED
PARTIAL = Severity.PARTIAL_OUTAGE
MAJOR = Severity.MAJOR_OUTAGE


@dataclass(frozen=True, slots=True)
class DemoService:
    name: str
    slug: str  # path prefix on the demo server
    category: str
    components: tuple[str, ...]


SERVICES: tuple[DemoService, ...] = (
    DemoService("OpenAI (demo)", "openai", "AI APIs", ("API", "ChatGPT", "Playground")),
    DemoService("Anthropic (demo)", "anthropic", "AI APIs", ("API", "Claude.ai", "Console")),
    DemoService("Gemini (demo)", "gemini", "AI APIs", ("Gemini API", "AI Studio")),
    DemoService(
        "GitHub (demo)", "github", "Developer tools", ("Git operations", "API requests", "Actions")
    ),
)
API_PATHS: Mapping[str, str] = {s.slug: f"/{s.slug}/v1/models" for s in SERVICES}


@dataclass(frozen=True, slots=True)
class Scene:
    """From ``at`` (story seconds) on, ``service`` shows this; other services keep theirs.

    ``components`` lists the parts not operational; ``incident`` is the open incident, if any.
    ``api_down`` makes the service's imitation API answer 503 (whatever its page says).
    """

    at: float
    service: str  # slug
    caption: str
    components: Mapping[str, Severity] = field(default_factory=dict)
    incident: IncidentSpec | None = None
    api_down: bool = False


_OPENAI_INCIDENT = "Elevated error rates on the API"
_GITHUB_INCIDENT = "Delayed GitHub Actions runs"
_GEMINI_INCIDENT = "Increased error rates for the Gemini API"

STORY: tuple[Scene, ...] = (
    Scene(
        20,
        "openai",
        "OpenAI's API is degraded: a yellow triangle with !, a notification says so",
        {"API": DEGRADED},
        IncidentSpec(
            _OPENAI_INCIDENT,
            "investigating",
            DEGRADED,
            "We are investigating elevated error rates and slow responses on the API.",
            ("API",),
        ),
    ),
    Scene(
        40,
        "openai",
        "OpenAI has a major outage: a red-orange octagon with ✕, a critical notification",
        {"API": MAJOR, "ChatGPT": PARTIAL},
        IncidentSpec(
            _OPENAI_INCIDENT,
            "identified",
            MAJOR,
            "The issue has been identified: a faulty configuration change. We are rolling it "
            "back; API requests fail in the meantime.",
            ("API", "ChatGPT"),
            history=(("investigating", "We are investigating elevated error rates."),),
        ),
    ),
    Scene(
        60,
        "github",
        "GitHub Actions is partly down too (the icon stays red: the worst state wins)",
        {"Actions": PARTIAL},
        IncidentSpec(
            _GITHUB_INCIDENT,
            "investigating",
            PARTIAL,
            "Actions runs are queued for longer than usual. We are investigating.",
            ("Actions",),
        ),
    ),
    Scene(
        75,
        "gemini",
        "Gemini's API answers 503 while its page stays green: your checks see it first",
        api_down=True,
    ),
    Scene(
        88,
        "gemini",
        "Gemini's page admits a partial outage while every check fails: confirmed, the icon "
        "stays at the worse of the two, and the page's lag is logged",
        {"Gemini API": PARTIAL},
        IncidentSpec(
            _GEMINI_INCIDENT,
            "investigating",
            PARTIAL,
            "We are investigating elevated error rates on the Gemini API.",
            ("Gemini API",),
        ),
        api_down=True,
    ),
    Scene(
        98,
        "gemini",
        "Gemini's API answers again; its page still says partial outage",
        {"Gemini API": PARTIAL},
        IncidentSpec(
            _GEMINI_INCIDENT,
            "monitoring",
            PARTIAL,
            "A fix has been implemented and we are monitoring the results.",
            ("Gemini API",),
            history=(("investigating", "We are investigating elevated error rates."),),
        ),
    ),
    Scene(
        105,
        "openai",
        "OpenAI's fix is out (monitoring): GitHub's partial outage shows, an orange diamond",
        {},
        IncidentSpec(
            _OPENAI_INCIDENT,
            "monitoring",
            DEGRADED,
            "A fix has been deployed and error rates are back to normal. We are monitoring.",
            ("API", "ChatGPT"),
            history=(
                ("investigating", "We are investigating elevated error rates."),
                ("identified", "The issue has been identified: a faulty configuration change."),
            ),
        ),
    ),
    Scene(115, "gemini", "Gemini's API answers again and its page is green"),
    Scene(
        120,
        "github",
        "GitHub Actions is catching up: degraded, yellow",
        {"Actions": DEGRADED},
        IncidentSpec(
            _GITHUB_INCIDENT,
            "monitoring",
            DEGRADED,
            "Queued runs are being processed; new runs start normally.",
            ("Actions",),
            history=(("investigating", "Actions runs are queued for longer than usual."),),
        ),
    ),
    Scene(135, "github", "GitHub has recovered"),
    Scene(145, "openai", "OpenAI has recovered: everything is green again"),
    Scene(
        155,
        "anthropic",
        "Anthropic's console is in planned maintenance: a blue clock",
        {"Console": MAINT},
    ),
    Scene(170, "anthropic", "The maintenance is over: all green"),
)


# ----------------------------------------------------------------------------- the story, pure


def scenes_of(slug: str) -> list[Scene]:
    return [scene for scene in STORY if scene.service == slug]


def scene_at(slug: str, t: float) -> Scene | None:
    """The scene in force for ``slug`` at story second ``t`` (None: the all-green start)."""
    current = None
    for scene in scenes_of(slug):
        if scene.at <= t:
            current = scene
    return current


def severity_at(slug: str, t: float) -> Severity:
    """What the service's page reads as at story second ``t`` (components and incident)."""
    scene = scene_at(slug, t)
    if scene is None or (not scene.components and scene.incident is None):
        return OK
    levels = list(scene.components.values())
    if scene.incident is not None and isinstance(scene.incident.impact, Severity):
        levels.append(scene.incident.impact)
    return worst(levels, default=OK)


def overall_at(t: float) -> Severity:
    """The tray's colour at story second ``t``."""
    return worst(severity_at(s.slug, t) for s in SERVICES)


def captions() -> list[tuple[float, str]]:
    return [(0.0, "All four services are operational: a green check mark"), *(
        (scene.at, scene.caption) for scene in STORY
    )]  # fmt: skip


def api_url(base_url: str, slug: str) -> str:
    """The imitation API of a demo service, which the demo profile probes."""
    return base_url + API_PATHS[slug]


def config_text(base_url: str, speed: float) -> str:
    """The demo profile's config: the four services on the demo server, polled every second
    (the AI ones probed every second too), changes believed after one reading, no
    connectivity witness (no network access)."""
    group = round(min(5.0, 5.0 / speed), 2)
    lines = [
        f"{MARKER}: written by `trayapp demo`, deleted when the demo quits.",
        "",
        "[polling]",
        "confirm_worse = 1",
        "confirm_better = 1",
        "reference_urls = []  # loopback only: no connectivity witness on the internet",
        "",
        "[notifications]",
        f"group_window = {group}",
        "on_maintenance = true",
    ]
    for service in SERVICES:
        lines += [
            "",
            "[[watch]]",
            f"name = {json.dumps(service.name)}",
            f'url = "{base_url}/{service.slug}/api/v2/summary.json"',
            'format = "statuspage"',
            f'page = "{base_url}/{service.slug}/"',
            f"category = {json.dumps(service.category)}",
            f"interval = {POLL_INTERVAL}",
        ]
        if service.category == "AI APIs":  # probed like the catalog's list-models presets
            lines += [
                "",
                "[[watch.probe]]",
                'name = "list models"',
                f'url = "{api_url(base_url, service.slug)}"',
                f"interval = {POLL_INTERVAL}",
            ]
    return "\n".join(lines) + "\n"


def engine_settings(speed: float) -> EngineSettings:
    """Engine timings for the compressed story: a quick first round, backoff capped at a few
    (story) seconds so a probe sees the API come back within its scene, and flap detection
    scaled down so a story that changes every few seconds never reads as flapping."""
    return EngineSettings(
        first_round_spread=0.5,
        backoff_cap=max(2.0, 10.0 / speed),
        tracker=TrackerConfig(
            flap_window=timedelta(seconds=max(1.0, 5.0 / speed)),
            settle=timedelta(seconds=1),
        ),
    )


def update_interval(speed: float) -> timedelta:
    """At most one incident-update notification per service per (compressed) minute."""
    return timedelta(seconds=max(1.0, 60.0 / speed))


# ----------------------------------------------------------------------------- serving it


class Demo:
    """The demo's status server and story clock. ``start()`` serves, ``begin()`` starts the
    story (again), ``close()`` stops the server and joins its threads."""

    def __init__(self, speed: float = 1.0, loop: bool = False) -> None:
        if not 0 < speed <= MAX_SPEED:
            raise ValueError(f"speed must be above 0 and at most {MAX_SPEED:g}")
        self.speed = speed
        self.loop = loop
        self.started_at = datetime.now(UTC)  # wall time of story second 0 (for payload times)
        self._cache: dict[tuple[str, int, datetime], Reply] = {}
        self.server = ReplayServer(self.timeline(), routes=self._static_routes(), speed=speed)

    # ---- life cycle

    def start(self) -> Demo:
        self.server.start()
        return self

    def begin(self) -> float | None:
        """Start the story now; with ``loop``, the seconds until it should start again."""
        self.started_at = datetime.now(UTC)
        self.server.set_step(1)
        return STORY_LENGTH / self.speed if self.loop else None

    def close(self) -> None:
        self.server.stop()

    def __enter__(self) -> Demo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def story_time(self) -> float:
        """Story seconds since ``begin()`` (negative before it)."""
        return self.server.elapsed - HOLD

    # ---- the timeline

    def timeline(self) -> list[Step]:
        """Steps: 0 = the hold (all green), 1 = the story's start (all green), then scenes."""
        green = {self._summary_path(s.slug): self._route(s.slug, -1) for s in SERVICES}
        apis = {API_PATHS[s.slug]: _api_reply(False) for s in SERVICES}
        steps: list[Step] = [(0.0, {**green, **apis}), (HOLD, {**green, **apis})]
        for index, scene in enumerate(STORY):
            routes: dict[str, Route] = {self._summary_path(scene.service): self._route(
                scene.service, index
            )}  # fmt: skip
            if scene.api_down or _api_changes(scene):
                routes[API_PATHS[scene.service]] = _api_reply(scene.api_down)
            steps.append((HOLD + scene.at, routes))
        return steps

    def _summary_path(self, slug: str) -> str:
        return f"/{slug}/api/v2/summary.json"

    def _route(self, slug: str, index: int) -> Route:
        """A route rendering scene ``index`` of ``slug`` (-1: all green) with times relative to
        the current run of the story, cached so its ETag holds between polls."""

        def answer(request: Request) -> Reply:
            key = (slug, index, self.started_at)
            if key not in self._cache:
                self._cache[key] = self._render(slug, index)
            return self._cache[key]

        return answer

    def _render(self, slug: str, index: int) -> Reply:
        service = next(s for s in SERVICES if s.slug == slug)
        scene = STORY[index] if index >= 0 else None
        at = self.started_at + timedelta(seconds=(scene.at if scene else 0) / self.speed)
        states = {name: OK for name in service.components}
        incident = None
        if scene is not None and (scene.components or scene.incident):
            states.update(scene.components)
            incident = scene.incident
            if incident is not None:
                first = scenes_of(slug)[0].at  # the incident began with the service's first scene
                started = self.started_at + timedelta(seconds=first / self.speed)
                incident = replace(incident, started=started)
        page = f"{self.base_url}/{slug}/"
        body = statuspage_summary(service.name, states, incident, at=at, url=page.rstrip("/"))
        return Reply(body=_local_links(body, page), etag=True, last_modified=at)

    def _static_routes(self) -> dict[str, Route]:
        return {f"/{s.slug}/": _page(s) for s in SERVICES}


def _local_links(body: bytes, page: str) -> bytes:
    """Point incident links at the demo's own page: a click must not leave the computer."""
    data = json.loads(body)
    for incident in data.get("incidents", []):
        incident["shortlink"] = page
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _api_changes(scene: Scene) -> bool:
    """Whether the scene ends an API failure of its service (so the route must be reset)."""
    earlier = [s for s in scenes_of(scene.service) if s.at < scene.at]
    return bool(earlier) and earlier[-1].api_down and not scene.api_down


def _api_reply(down: bool) -> Reply:
    if down:
        error = {"error": {"type": "overloaded_error", "message": "Service unavailable (demo)"}}
        return Reply(status=503, body=json.dumps(error), retry_after=1)
    return Reply(body=json.dumps({"object": "list", "data": [{"id": "demo-model-1"}]}))


def _page(service: DemoService) -> Reply:
    name = escape(service.name)
    html = (
        "<!doctype html><meta charset=utf-8>"
        f"<title>{name} status</title><h1>{name}</h1>"
        "<p>This status page is part of <code>trayapp demo</code>: a made-up service whose "
        "outage story is served from your own computer. The tray reads "
        f"<code>/{service.slug}/api/v2/summary.json</code> on this server.</p>"
    )
    return Reply(body=html, content_type="text/html; charset=utf-8")


# ----------------------------------------------------------------------------- the profile


def profile_env(environ: Mapping[str, str], root: Path) -> dict[str, str]:
    """The variables to set so the demo never touches the user's files: config and data dirs
    under ``root``, unless the caller already redirected them."""
    out = {}
    for key, sub in (("TRAYAPP_CONFIG_DIR", "config"), ("TRAYAPP_DATA_DIR", "data")):
        if not environ.get(key, "").strip():
            out[key] = str(root / sub)
    return out


def write_config(path: Path, text: str) -> None:
    """Write the demo config, refusing to replace a config the demo did not write."""
    if path.exists() and not path.read_text(errors="replace").startswith(MARKER):
        raise FileExistsError(f"{path} exists and is not a demo config; not replacing it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def outline(speed: float) -> Sequence[str]:
    """The story as the demo prints it: '0:20  OpenAI's API is degraded...' in real time."""
    lines = []
    for at, caption in captions():
        seconds = round(at / speed)
        lines.append(f"{seconds // 60}:{seconds % 60:02d}  {caption}")
    return lines
