"""``trayapp watch add|remove|list`` in a real process, against a config in tmp_path.

URLs are detected over loopback only: a small http.server speaks a Statuspage summary.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support import StaticServer
from trayapp.cli import watch as watch_command
from trayapp.store import catalog

SUMMARY = {
    "page": {
        "id": "lab0page0id",
        "name": "Lab Status",
        "url": "http://127.0.0.1",
        "time_zone": "Etc/UTC",
        "updated_at": "2024-05-02T10:00:00.000Z",
    },
    "status": {"indicator": "minor", "description": "Minor Service Outage"},
    "components": [
        {
            "id": "c1",
            "name": "API",
            "status": "degraded_performance",
            "group": False,
            "group_id": None,
            "position": 1,
        },
        {
            "id": "c2",
            "name": "Dashboard",
            "status": "operational",
            "group": False,
            "group_id": None,
            "position": 2,
        },
    ],
    "incidents": [
        {
            "id": "i1",
            "name": "Slow API responses",
            "status": "investigating",
            "impact": "minor",
            "created_at": "2024-05-02T09:50:00.000Z",
            "updated_at": "2024-05-02T10:00:00.000Z",
            "shortlink": "http://127.0.0.1/i1",
            "incident_updates": [],
            "components": [],
        }
    ],
    "scheduled_maintenances": [],
}


def trayapp(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trayapp", "watch", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def listed(env: dict[str, str]) -> dict[str, Any]:
    done = trayapp(env, "list", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def config_file(env: dict[str, str]) -> Path:
    return Path(env["TRAYAPP_CONFIG_DIR"]) / "config.toml"


def test_list_without_a_config_shows_the_defaults(trayapp_env: dict[str, str]) -> None:
    document = listed(trayapp_env)
    assert document["config_file"] == str(config_file(trayapp_env))
    assert document["exists"] is False
    assert [w["name"] for w in document["watches"]] == [e.name for e in catalog.defaults()]
    done = trayapp(trayapp_env, "list")
    assert "built-in defaults" in done.stdout and str(config_file(trayapp_env)) in done.stdout
    assert not config_file(trayapp_env).exists()  # listing writes nothing


def test_add_and_remove_catalog_services(trayapp_env: dict[str, str]) -> None:
    path = config_file(trayapp_env)
    done = trayapp(trayapp_env, "add", "slack", "--interval", "600", "--component", "Messaging")
    assert done.returncode == 0, done.stderr
    assert "Slack" in done.stdout and str(path) in done.stdout
    watches = {w["name"]: w for w in listed(trayapp_env)["watches"]}
    assert watches["Slack"]["interval"] == 600
    assert watches["Slack"]["components"] == ["Messaging"]
    assert set(watches) >= {e.name for e in catalog.defaults()}  # the defaults were kept

    again = trayapp(trayapp_env, "add", "Slack")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Slack is already watched: nothing changed.")
    assert [w["name"] for w in listed(trayapp_env)["watches"]].count("Slack") == 1

    done = trayapp(trayapp_env, "remove", "slack")
    assert done.returncode == 0, done.stderr
    assert "Slack" not in [w["name"] for w in listed(trayapp_env)["watches"]]
    missing = trayapp(trayapp_env, "remove", "slack")
    assert missing.returncode == 1 and "no watch named 'slack'" in missing.stderr


def test_add_refuses_what_the_config_would_reject(trayapp_env: dict[str, str]) -> None:
    done = trayapp(trayapp_env, "add", "slack", "--interval", "5")
    assert done.returncode == 1 and "30 s floor" in done.stderr
    done = trayapp(trayapp_env, "add", "slak")
    assert done.returncode == 2 and "did you mean 'slack'" in done.stderr
    done = trayapp(trayapp_env, "add", "slack", "--format", "statuspage")
    assert done.returncode == 2 and "only for URLs" in done.stderr
    assert not config_file(trayapp_env).exists()


def test_add_a_url_runs_detection_first(trayapp_env: dict[str, str], tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "api" / "v2").mkdir(parents=True)
    (site / "api" / "v2" / "summary.json").write_text(json.dumps(SUMMARY))
    (site / "index.html").write_text(
        "<!doctype html><html><head><title>Lab Status</title></head>"
        "<body><h1>Lab Status</h1></body></html>"
    )
    with StaticServer(site) as server:
        page = server.url("/").rstrip("/")
        done = trayapp(trayapp_env, "add", page, "--name", "Lab", "--interval", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "statuspage" in done.stdout
    lab = next(w for w in listed(trayapp_env)["watches"] if w["name"] == "Lab")
    assert lab["format"] == "statuspage"
    assert lab["url"] == f"{page}/api/v2/summary.json"
    assert lab["interval"] == 1  # loopback: no public floor


def test_add_a_url_with_format_skips_detection(trayapp_env: dict[str, str]) -> None:
    # nothing listens on this port: with --format no request is made
    url = "http://127.0.0.1:9/api/v2/summary.json"
    done = trayapp(trayapp_env, "add", url, "--format", "statuspage")
    assert done.returncode == 0, done.stderr
    added = next(w for w in listed(trayapp_env)["watches"] if w["url"] == url)
    assert added["name"] == "127.0.0.1:9" and added["format"] == "statuspage"


def test_detection_failure_saves_nothing(trayapp_env: dict[str, str], tmp_path: Path) -> None:
    site = tmp_path / "plain"
    site.mkdir()
    (site / "index.html").write_text("<html><body>just a page</body></html>")
    with StaticServer(site) as server:
        done = trayapp(trayapp_env, "add", server.url("/"))
    assert done.returncode == 1
    assert "--format" in done.stderr
    assert not config_file(trayapp_env).exists()


def test_broken_config_is_reported_with_file_and_line(trayapp_env: dict[str, str]) -> None:
    path = config_file(trayapp_env)
    path.parent.mkdir(parents=True)
    path.write_text('[[watch]]\nservice = "github"\nintervall = 300\n')
    done = trayapp(trayapp_env, "list")
    assert done.returncode == 1
    assert f"{path}:3: unknown key 'intervall'" in done.stderr
    assert "did you mean 'interval'" in done.stderr
    done = trayapp(trayapp_env, "add", "slack")
    assert done.returncode == 1 and f"{path}:3:" in done.stderr
    assert "slack" not in path.read_text()
    done = trayapp(trayapp_env, "--for", "1")  # the engine: 1 as well, not a usage error (2)
    assert done.returncode == 1 and f"{path}:3: unknown key 'intervall'" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "trayapp", "check"],
        capture_output=True, text=True, env=trayapp_env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and f"{path}:3: unknown key 'intervall'" in done.stderr


def test_no_action_means_the_engine_with_its_options() -> None:
    parser = argparse.ArgumentParser()
    watch_command.add_arguments(parser)
    args = parser.parse_args(["--for", "2.5", "-v"])
    assert (args.action, args.duration, args.verbose) == (None, 2.5, 1)
    args = parser.parse_args([])
    assert (args.action, args.duration, args.verbose) == (None, None, 0)
    with pytest.raises(SystemExit):
        parser.parse_args(["add", "x", "--format", "nonsense"])


def test_adding_a_watched_service_again_sets_the_options_given(
    trayapp_env: dict[str, str],
) -> None:
    done = trayapp(trayapp_env, "add", "github", "--interval", "600", "--component", "Git")
    assert done.returncode == 0, done.stderr
    assert "GitHub is already watched: set its interval 600 s and components Git." in done.stdout
    (github,) = [w for w in listed(trayapp_env)["watches"] if w["name"] == "GitHub"]
    assert (github["interval"], github["components"]) == (600, ["Git"])
    done = trayapp(trayapp_env, "add", "github", "--interval", "5")  # below the public floor
    assert done.returncode == 1 and "30 s" in done.stderr
    (github,) = [w for w in listed(trayapp_env)["watches"] if w["name"] == "GitHub"]
    assert github["interval"] == 600  # the file was left as it was


def test_adding_a_service_already_watched_changes_nothing(trayapp_env: dict[str, str]) -> None:
    """GitHub is a default: `watch add github` says so, and never invites a duplicate."""
    done = trayapp(trayapp_env, "add", "github")
    assert done.returncode == 0, done.stderr
    assert "GitHub is already watched: nothing changed." in done.stdout
    assert "pick another name" not in done.stdout + done.stderr
    assert not config_file(trayapp_env).exists()  # the defaults are still just defaults

    path = config_file(trayapp_env)
    path.parent.mkdir(parents=True)
    path.write_text('[[watch]]\nservice = "github"\nname = "Code host"\n')
    done = trayapp(trayapp_env, "add", "GitHub")
    assert done.returncode == 0, done.stderr
    assert "GitHub is already watched as 'Code host': nothing changed." in done.stdout
    # a second watch of it, by a name of the user's choosing, is still possible
    done = trayapp(trayapp_env, "add", "github", "--name", "Git only", "--component", "Git")
    assert done.returncode == 0, done.stderr
    names = [w["name"] for w in listed(trayapp_env)["watches"]]
    assert names == ["Code host", "Git only"]
    done = trayapp(trayapp_env, "add", "github", "--name", "code HOST")
    assert done.returncode == 1 and "pick another name" in done.stderr  # a name the user chose


def test_one_feed_with_other_filters_is_another_service(trayapp_env: dict[str, str]) -> None:
    """Gemini (a default) and Google Cloud read the same feed with different filters."""
    gemini, gcp = catalog.find("gemini"), catalog.find("gcp")
    assert gemini and gcp and (gemini.endpoint, gemini.format) == (gcp.endpoint, gcp.format)
    done = trayapp(trayapp_env, "add", "gcp")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Watching Google Cloud (gcp, ")
    names = [w["name"] for w in listed(trayapp_env)["watches"]]
    assert {"Google Gemini API", "Google Cloud"} <= set(names)


def test_adding_a_url_already_watched_changes_nothing(trayapp_env: dict[str, str]) -> None:
    url = "http://127.0.0.1:9/api/v2/summary.json"
    assert trayapp(trayapp_env, "add", url, "--format", "statuspage").returncode == 0
    done = trayapp(trayapp_env, "add", "http://127.0.0.1:9/", "--format", "statuspage")
    assert done.returncode == 0, done.stderr
    assert "already watched as '127.0.0.1:9'" in done.stdout
    assert [w["url"] for w in listed(trayapp_env)["watches"]].count(url) == 1


def test_catalog_lists_every_service_with_its_format(trayapp_env: dict[str, str]) -> None:
    done = trayapp(trayapp_env, "catalog", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["id"] for r in rows] == [e.id for e in catalog.all_entries()]
    assert len(rows) >= 1000
    github = next(r for r in rows if r["id"] == "github")
    assert {k: github[k] for k in ("name", "category", "format", "default")} == {
        "name": "GitHub",
        "category": "Developer tools",
        "format": "statuspage",
        "default": True,
    }
    assert {r["id"] for r in rows if r["default"]} == {e.id for e in catalog.defaults()}

    table = trayapp(trayapp_env, "catalog")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "CATEGORY", "FORMAT", "DEFAULT"]
    slack = next(line for line in lines if line.startswith("slack "))
    assert "Communication" in slack and "slack" in slack.split()[-1]  # no "yes": not a default
    assert next(line for line in lines if line.startswith("github ")).endswith("yes")
    assert all(line == line.rstrip() for line in lines)


@pytest.mark.parametrize(
    "argv",
    [["--for", "-5"], ["--for", "0"], ["--for", "soon"], ["add", "slack", "--interval", "-1"]],
)
def test_durations_must_be_positive(trayapp_env: dict[str, str], argv: list[str]) -> None:
    done = trayapp(trayapp_env, *argv)
    assert done.returncode == 2 and done.stdout == ""
    assert "expected seconds above 0" in done.stderr
    assert not config_file(trayapp_env).exists()


def test_watching_in_the_terminal_says_what_and_for_how_long(
    trayapp_env: dict[str, str],
) -> None:
    """Nothing listens on the watched port: the engine runs, reads 'unreachable', and stops."""
    path = config_file(trayapp_env)
    path.parent.mkdir(parents=True)
    path.write_text(
        '[polling]\nreference_urls = ["http://127.0.0.1:9/witness"]\n\n'
        '[[watch]]\nurl = "http://127.0.0.1:9/api/v2/summary.json"\nformat = "statuspage"\n'
    )
    done = trayapp(trayapp_env, "--for", "0.5")
    assert done.returncode == 0, done.stderr
    database = Path(trayapp_env["TRAYAPP_DATA_DIR"]) / "incidents.sqlite3"
    first = done.stdout.splitlines()[0]
    assert first == f"Watching 1 service; events go to {database}. Stops after 0.5 s."


def test_watching_stops_when_the_reader_goes_away(trayapp_env: dict[str, str]) -> None:
    """`trayapp watch | head -1`: the next line finds the pipe closed, and the engine stops."""
    path = config_file(trayapp_env)
    path.parent.mkdir(parents=True)
    path.write_text(
        '[polling]\nreference_urls = ["http://127.0.0.1:9/witness"]\n\n'
        '[[watch]]\nurl = "http://127.0.0.1:9/api/v2/summary.json"\nformat = "statuspage"\n'
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "trayapp", "watch", "--for", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=trayapp_env,
    )
    assert child.stdout is not None and child.stderr is not None
    assert child.stdout.readline().startswith("Watching 1 service;")
    child.stdout.close()  # like head after its first line
    try:
        code = child.wait(timeout=30)  # not the 60 s asked for
    finally:
        child.kill()
    assert code == 141
    assert "Traceback" not in child.stderr.read()
    child.stderr.close()


def test_catalog_search_ranks_what_a_user_means(trayapp_env: dict[str, str]) -> None:
    done = trayapp(trayapp_env, "catalog", "strpe", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows[0]["name"] == "Stripe" and rows[0]["verified"] is False
    assert rows[0]["source"].startswith(("inket/stts@", "instatushq/out@", "lwindolf/"))
    table = trayapp(trayapp_env, "catalog", "icloud", "mail")
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[1].split()[0] == "apple-icloud-mail"
    nothing = trayapp(trayapp_env, "catalog", "zzqqxxj")
    assert nothing.returncode == 1 and "No catalog service matches" in nothing.stdout


def test_add_takes_the_best_unique_match_and_asks_when_there_is_none(
    trayapp_env: dict[str, str],
) -> None:
    done = trayapp(trayapp_env, "add", "icloud", "mail")
    assert done.returncode == 0, done.stderr
    assert "Taking" not in done.stdout  # 'icloud mail' is the entry's own alias
    watch = next(w for w in listed(trayapp_env)["watches"] if w["name"] == "Apple iCloud Mail")
    assert (watch["format"], watch["params"]) == ("apple", {"service": "iCloud Mail"})
    assert "apple-icloud-mail" not in config_file(trayapp_env).read_text()  # written whole

    typo = trayapp(trayapp_env, "add", "strpe")  # a typo is offered, not taken
    assert typo.returncode == 2 and "did you mean 'stripe'" in typo.stderr
    host = trayapp(trayapp_env, "add", "stripestatus")
    assert host.returncode == 0, host.stderr
    assert "Taking Stripe (stripe) for 'stripestatus'." in host.stdout

    before = config_file(trayapp_env).read_text()
    unclear = trayapp(trayapp_env, "add", "git")
    assert unclear.returncode == 2
    assert "could mean several services" in unclear.stderr
    assert "github" in unclear.stderr and "gitlab" in unclear.stderr
    assert config_file(trayapp_env).read_text() == before


def test_a_generated_entry_is_written_with_its_category_and_unverified(
    trayapp_env: dict[str, str],
) -> None:
    from trayapp.store import config, config_edits

    done = trayapp(trayapp_env, "add", "stripe")
    assert done.returncode == 0, done.stderr
    path = config_file(trayapp_env)
    stripe = config.load(path).watch("Stripe")
    assert stripe is not None
    # the category gives it an "alternatives that are up" group; unverified: re-detected once
    assert (stripe.category, stripe.verified) == ("Payments", False)
    assert 'category = "Payments"' in path.read_text() and "verified = false" in path.read_text()

    other = next(e for e in catalog.all_entries() if e.category == "Other" and not e.verified)
    result = config_edits.add_watch(path, **other.config_fields())
    added = result.watch(other.name)
    assert added is not None and added.category is None and not added.verified
