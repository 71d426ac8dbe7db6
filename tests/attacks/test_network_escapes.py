"""Attack: a status page whose incident and component titles hold terminal escape sequences
(set the window title, clear the screen, a carriage return that paints a fake "✓ operational").
They passed raw through `check`, `watch` and `log`.

Held: no control character or escape sequence from a page reaches the terminal, the incident
log or a notification's text; the visible words stay.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.attacks.hostile_servers import Act, HostileServer, run_cli
from trayapp import formats
from trayapp.core.model import Event, Severity
from trayapp.demo import payloads
from trayapp.demo.payloads import IncidentSpec

EVIL_TITLE = "\x1b]0;pwned\x07Database down\x1b[2J\x1b[H\r  ✓ operational\x9b31m\u202e"
EVIL_COMPONENT = "API\x1b[8m hidden\x1b[0m"
PAYLOAD = payloads.statuspage_summary(
    "Lab\x1bc",
    {EVIL_COMPONENT: Severity.MAJOR_OUTAGE},
    IncidentSpec(EVIL_TITLE, impact=Severity.MAJOR_OUTAGE, update="first\x1b[1A\rline", id="evil"),
)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_the_parse_boundary_strips_every_remote_string() -> None:
    reading = formats.read("statuspage", PAYLOAD, formats.ParseContext(url="http://127.0.0.1/"))
    incident = reading.incidents[0]
    texts = [reading.page_name or "", incident.title, incident.latest_update or ""]
    texts += [c.name for c in reading.components] + list(incident.components)
    assert not [t for t in texts if CONTROL.search(t)], texts
    assert "Database down" in incident.title and reading.components[0].name == "API hidden"
    assert (
        Event(incident.started, "s", "status", Severity.UNKNOWN, message="a\x1b[2Jb").message
        == "ab"
    )  # type: ignore[arg-type]


def test_check_watch_and_log_print_no_escape(trayapp_env: dict[str, str]) -> None:
    route = {"/api/v2/summary.json": Act(200, PAYLOAD, {"Content-Type": "application/json"})}
    with HostileServer(route) as server:
        url = server.url("/api/v2/summary.json")
        table = run_cli(trayapp_env, "check", url, "--format", "statuspage")
        as_json = run_cli(trayapp_env, "check", url, "--format", "statuspage", "--json")
        config = Path(trayapp_env["TRAYAPP_CONFIG_DIR"]) / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(
            "[polling]\nconfirm_worse = 1\nreference_urls = []\n\n"
            f'[[watch]]\nname = "Lab"\nurl = "{url}"\nformat = "statuspage"\ninterval = 1\n'
        )
        watched = run_cli(trayapp_env, "watch", "--for", "4", "--verbose")
    logged = run_cli(trayapp_env, "log")
    for done in (table, as_json, watched, logged):
        assert done.returncode == 0, done.stderr
        assert not CONTROL.search(done.stdout.replace("\n", "")), done.stdout
    assert "Database down" in table.stdout and "Database down" in logged.stdout
    assert "Database down" in watched.stdout
    assert "\\u001b" not in as_json.stdout and "Database down" in as_json.stdout
