"""Attack: `check URL` or `detect URL` for a URL that answers 404 or truncated JSON silently read
the site's /api/v2/summary.json instead, and printed that state under the URL given.

Held: such a URL is `unknown` with the reason (detect exits 1), and the message names the API
the site does answer as a hint; nothing is printed for a URL that was not asked about.
"""

from __future__ import annotations

import json

import pytest

from tests.attacks.hostile_servers import Act, HostileServer, json_act, run_cli
from trayapp.core.model import Severity
from trayapp.demo import payloads

MAJOR = payloads.statuspage_summary("Lab", {"API": Severity.MAJOR_OUTAGE})
ROUTES = {
    "/api/v2/summary.json": Act(200, MAJOR, {"Content-Type": "application/json"}),
    "/status.json": json_act({"error": "not found"}, status=404),
    "/broken.json": Act(200, MAJOR[: len(MAJOR) // 2], {"Content-Type": "application/json"}),
}


@pytest.mark.parametrize(
    ("path", "why"), [("/status.json", "HTTP 404"), ("/broken.json", "invalid JSON, truncated?")]
)
def test_check_and_detect_answer_only_for_the_url_given(
    trayapp_env: dict[str, str], path: str, why: str
) -> None:
    with HostileServer(ROUTES) as server:
        url = server.url(path)
        checked = run_cli(trayapp_env, "check", url, "--json")
        detected = run_cli(trayapp_env, "detect", url)
    row = json.loads(checked.stdout)[0]
    assert (row["name"], row["severity"], row["components"]) == (url, "unknown", [])
    hint = f"its site answers at {server.url('/api/v2/summary.json')} (statuspage)"
    assert f"gave no status payload ({why})" in row["error"] and hint in row["error"]
    assert detected.returncode == 1 and hint in detected.stderr
    assert "format:" not in detected.stdout
