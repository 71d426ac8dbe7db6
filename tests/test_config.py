"""The config file: defaults, validation with file and line, last-good retention, safe edits."""

from __future__ import annotations

import os
import sys
from datetime import time
from pathlib import Path

import pytest

from trayapp.core.model import Severity
from trayapp.core.settings import NotificationSettings, PollingSettings
from trayapp.errors import ConfigError
from trayapp.store import catalog, config, config_edits, config_values
from trayapp.store.config import ConfigFile
from trayapp.urls import is_loopback

FULL = """\
# my trayapp setup
[polling]
interval = 90
problem_interval = 45
jitter = 0.1
confirm_worse = 3
reference_urls = ["http://127.0.0.1:9/ok"]

[notifications]
quiet_hours = "22:30-07:00"
min_severity = "partial outage"
on_maintenance = true

[[watch]]
service = "github"
components = ["API Requests", "Git Operations"]
interval = 300

[[watch]]
service = "aws"
name = "AWS Frankfurt"
params = { region = "eu-central-1" }

# a local test page
[[watch]]
url = "http://127.0.0.1:8765/api/v2/summary.json"
format = "statuspage"
interval = 1
token = "local-status"

[[watch]]
url = "https://status.example.com"
format = "statuspage"
name = "Example"
category = "Internal"

[[watch]]
url = "https://status.example.org/feed.rss"
"""


def test_missing_file_gives_the_catalog_defaults(tmp_path: Path) -> None:
    loaded = config.load(tmp_path / "nope.toml")
    assert loaded.path is None
    assert [w.name for w in loaded.watches] == [e.name for e in catalog.defaults()]
    assert loaded.watches and loaded.watches[0] == catalog.defaults()[0].watch()
    assert loaded.polling == PollingSettings()
    assert loaded.notifications == NotificationSettings()


def test_an_existing_file_means_exactly_what_it_says(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# nothing watched on purpose\n[polling]\ninterval = 300\n")
    loaded = config.load(path)
    assert loaded.watches == ()
    assert loaded.polling.interval == 300
    assert loaded.path == path


def test_full_file(tmp_path: Path) -> None:
    loaded = config.loads(FULL, tmp_path / "config.toml")
    github, aws, local, example, feed = loaded.watches
    assert github.name == "GitHub" and github.format == "statuspage"
    assert github.url == catalog.find("github").endpoint
    assert github.components == ("API Requests", "Git Operations")
    assert github.interval == 300
    assert aws.name == "AWS Frankfurt" and aws.param_map["region"] == "eu-central-1"
    assert local.interval == 1 and local.name == "127.0.0.1:8765"
    assert local.page_url == "http://127.0.0.1:8765"
    assert example.url == "https://status.example.com/api/v2/summary.json"  # base URL expanded
    assert example.page_url == "https://status.example.com"
    assert example.category == "Internal" and example.interval is None
    assert feed.format == config_values.AUTO_FORMAT and feed.name == "status.example.org"
    assert loaded.tokens == (("127.0.0.1:8765", "local-status"),)
    assert loaded.token_for("127.0.0.1:8765") == "local-status"
    assert loaded.watch("aws frankfurt") is aws
    polling = loaded.polling
    assert (polling.interval, polling.problem_interval, polling.jitter) == (90, 45, 0.1)
    assert polling.confirm_worse == 3 and polling.confirm_better == 2
    assert polling.reference_urls == ("http://127.0.0.1:9/ok",)
    notes = loaded.notifications
    assert notes.quiet_hours == (time(22, 30), time(7, 0))
    assert notes.min_severity is Severity.PARTIAL_OUTAGE
    assert notes.on_maintenance and notes.on_recovery and notes.enabled


def test_defaults_are_sensible() -> None:
    polling = PollingSettings()
    assert (polling.interval, polling.problem_interval, polling.min_public_interval) == (
        120,
        60,
        30,
    )
    assert polling.jitter == 0.2 and polling.confirm_worse == polling.confirm_better == 2
    from trayapp.net import fetch

    assert polling.max_bytes == fetch.MAX_BYTES
    assert len(polling.reference_urls) >= 2
    assert all(u.startswith("https://") for u in polling.reference_urls)


BROKEN = [
    # (text, line, words in the problem)
    ("[polling]\ninterval = \n", 2, "TOML syntax error"),
    ('[[watch]]\nservice = "github\n', 2, "TOML syntax error"),
    ("[polling]\ninterval = 60\ninterval = 70\n", 3, "TOML syntax error"),
    ("[polling]\nintervall = 100\n", 2, "did you mean 'interval'"),
    ("[notifications]\nquiet_hour = '22:00-07:00'\n", 2, "did you mean 'quiet_hours'"),
    ('[[watch]]\nservice = "github"\ncomponent = ["API"]\n', 3, "did you mean 'components'"),
    ("[probe]\nurl = 'x'\n", 1, "unknown key 'probe'"),
    ("[polling]\ninterval = 10\n", 2, "below the 30 s floor for public hosts"),
    ("[polling]\nmin_public_interval = 5\n", 2, "between 30"),
    ('\n[[watch]]\nservice = "github"\ninterval = 5\n', 4, "below the 30 s floor"),
    ('[[watch]]\nurl = "http://127.0.0.1:8000/s.json"\ninterval = 0.5\n', 3, "1 s floor"),
    ('[[watch]]\nurl = "http://localhost/s.json"\ninterval = "fast"\n', 3, "must be a number"),
    ('[[watch]]\nservice = "githb"\n', 2, "did you mean 'github'"),
    ('[[watch]]\nurl = "https://x.example/s.json"\nformat = "statuspag"\n', 3, "'statuspage'"),
    ('[[watch]]\nurl = "ftp://x.example/s.json"\n', 2, "http:// or https://"),
    ('[[watch]]\nservice = "github"\nurl = "https://x.example/"\n', 3, "does not go with"),
    ('[[watch]]\nname = "x"\n', 1, "needs service"),
    ('[[watch]]\nservice = "github"\n\n[[watch]]\nservice = "GitHub"\n', 4, "line 1"),
    ('[[watch]]\nurl = "https://x.example/"\nformat = "uptimekuma"\n', 2, "full API URL"),
    ("[notifications]\nquiet_hours = '25:00-07:00'\n", 2, "22:00-07:00"),
    ("[notifications]\nmin_severity = 'bad'\n", 2, "min_severity must be one of"),
    ("[notifications]\nenabled = 'yes'\n", 2, "true or false"),
    ("[polling]\nconfirm_worse = 1.5\n", 2, "whole number"),
    ("watch = 3\n", 1, "[[watch]]"),
    ("polling = 3\n", 1, "must be a table"),
]


@pytest.mark.parametrize(("text", "line", "words"), BROKEN)
def test_errors_name_file_line_and_problem(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    error = caught.value
    assert (error.path, error.line) == (path, line), str(error)
    assert words in error.problem
    assert str(error) == f"{path}:{line}: {error.problem}"


SECRET = "s3cr3tVALUE-9f8e7d6c5b4a39281706"

SECRETS_IN_CONFIG = [
    (f'[[watch]]\nurl = "https://x.example/s.json"\ntoken = "{SECRET}"\n', 3),
    (f'[[watch]]\nurl = "https://x.example/s.json"\ntoken = "sk-{SECRET}"\n', 3),
    (f'[[watch]]\nservice = "github"\napi_key = "{SECRET}"\n', 3),
    (f'[[watch]]\nurl = "https://x.example/s.json"\npassword = "{SECRET}"\n', 3),
    (f'password = "{SECRET}"\n', 1),
    (f'[polling]\nSecret = "{SECRET}"\n', 2),
    (f'[[watch]]\nurl = "https://bot:{SECRET}@x.example/s.json"\n', 2),
    (f'[[watch]]\nurl = "https://x.example/s.json?api_key={SECRET}"\n', 2),
    (f'[[watch]]\nurl = "https://x.example/s.json"\nparams = {{ token = "{SECRET}" }}\n', 3),
    (f'[[watch]]\nurl = "https://x.example/s.json"\n[watch.params]\nproduct = "sk-{SECRET}"\n', 4),
]


@pytest.mark.parametrize(("text", "line"), SECRETS_IN_CONFIG)
def test_secrets_in_the_file_are_refused_without_repeating_them(
    tmp_path: Path, text: str, line: int
) -> None:
    with pytest.raises(ConfigError) as caught:
        config.loads(text, tmp_path / "config.toml")
    assert caught.value.line == line, str(caught.value)
    assert "trayapp secret set" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_filter_ids_shaped_like_tokens_are_kept(tmp_path: Path) -> None:
    """A Google Cloud product id mixes letters and digits too; it is a filter, not a secret."""
    text = (
        '[[watch]]\nurl = "https://status.cloud.google.com/incidents.json"\nformat = "gcp"\n'
        'params = { product = "Z0FZJAMvEB4j3NbCJs6B", product_name = "Vertex Gemini API" }\n'
    )
    loaded = config.loads(text, tmp_path / "config.toml")
    assert dict(loaded.watches[0].params)["product"] == "Z0FZJAMvEB4j3NbCJs6B"


def test_a_token_must_be_an_entry_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="keyring entry"):
        config.loads('[[watch]]\nservice = "github"\ntoken = "has spaces"\n', "c.toml")
    ok = config.loads('[[watch]]\nservice = "github"\ntoken = "github-token"\n', "c.toml")
    assert ok.token_for("GitHub") == "github-token"


def test_loopback_hosts_may_poll_every_second() -> None:
    for url in (
        "http://127.0.0.1:1/",
        "http://127.8.0.2/x",
        "http://[::1]:80/",
        "http://localhost/",
    ):
        assert is_loopback(url), url
        text = f'[[watch]]\nurl = "{url}"\nformat = "auto"\ninterval = 1\n'
        assert config.loads(text).watches[0].interval == 1
    assert not is_loopback("http://128.0.0.1/")
    assert not is_loopback("https://localhost.example.com/")


def test_a_raised_floor_also_lifts_catalog_intervals() -> None:
    text = "[polling]\nmin_public_interval = 600\ninterval = 600\nproblem_interval = 600\n"
    text += '[[watch]]\nservice = "gemini"\n'  # the catalog polls it every 300 s
    assert config.loads(text).watches[0].interval == 600


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"[polling]\ninterval = 60\n# caf\xe9\n")
    with pytest.raises(ConfigError, match="UTF-8") as caught:
        config.load(path)
    assert caught.value.line == 3
    directory = tmp_path / "dir.toml"
    directory.mkdir()
    with pytest.raises(ConfigError, match=str(directory)):
        config.load(directory)


# --------------------------------------------------------------------------- the live config


def test_the_config_file_tells_what_changed_on_disk_since_it_was_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    file = ConfigFile(path)
    path.write_text('[[watch]]\nservice = "github"\n')
    good = file.read()
    assert [w.name for w in good.watches] == ["GitHub"]
    assert not file.changed()

    path.write_text('[[watch]]\nservice = "github"\ninterval = 2\n')
    assert file.changed()
    with pytest.raises(ConfigError) as caught:
        file.read()
    assert caught.value.line == 3
    assert not file.changed()  # the broken version was seen; no reload loop on it

    path.write_text('[[watch]]\nservice = "slack"\n')
    os.utime(path, ns=(1, 1))  # a different stamp even on coarse-mtime filesystems
    assert file.changed()
    assert [w.name for w in file.read().watches] == ["Slack"]
    path.unlink()
    assert file.changed()  # vanished


# --------------------------------------------------------------------------- edits


def test_add_to_a_missing_file_writes_the_defaults_too(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    result = config_edits.add_watch(path, service="slack", interval=600)
    text = path.read_text()
    assert text.startswith("# trayapp configuration")
    names = [w.name for w in result.watches]
    assert names == [e.name for e in catalog.defaults()] + ["Slack"]
    assert config.load(path).watches == result.watches
    assert result.watches[-1].interval == 600
    assert "interval = 600\n" in text  # written as a whole number
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp file left


def test_add_keeps_comments_and_layout(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(FULL)
    result = config_edits.add_watch(
        path,
        url="http://127.0.0.1:9999/api/v2/summary.json",
        format="statuspage",
        name='Lab "B"',
        components=["API"],
        params={"product": "abc"},
        token="lab-token",
    )
    text = path.read_text()
    assert text.startswith(FULL.rstrip("\n"))  # everything before is untouched, comments too
    added = result.watches[-1]
    assert added.name == 'Lab "B"' and added.components == ("API",)
    assert added.param_map == {"product": "abc"} and result.token_for('Lab "B"') == "lab-token"
    assert 'params = {product = "abc"}' in text or 'params = { product = "abc" }' in text


def test_add_refuses_duplicates_and_bad_entries_without_touching_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(FULL)
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="already"):
        config_edits.add_watch(path, service="GITHUB")
    with pytest.raises(ConfigError, match="already"):
        config_edits.add_watch(path, url="https://other.example/x.json", name="example")
    with pytest.raises(ConfigError, match="floor") as caught:
        config_edits.add_watch(path, service="slack", interval=5)
    assert caught.value.line is None and str(caught.value).startswith(f"{path}: ")
    with pytest.raises(ConfigError, match="secret set"):
        config_edits.add_watch(path, service="slack", token="ghp_0123456789abcdefghijABCDEFGHIJ")
    with pytest.raises(ConfigError, match="unknown service"):
        config_edits.add_watch(path, service="nope-not-a-service")
    assert path.read_bytes() == before


def test_add_refuses_to_edit_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[polling\n")
    with pytest.raises(ConfigError) as caught:
        config_edits.add_watch(path, service="slack")
    assert caught.value.line == 1
    assert path.read_text() == "[polling\n"


REMOVABLE = """\
# header stays

[[watch]]
service = "github"

# about slack: goes with it
[[watch]]
service = "slack"
# interval = 60  (a disabled setting inside the slack table: goes too)

# about zoom: stays
[[watch]]
service = "zoom"
"""


def test_remove_takes_the_table_and_its_own_comments(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(REMOVABLE)
    result = config_edits.remove_watch(path, "Slack")
    assert [w.name for w in result.watches] == ["GitHub", "Zoom"]
    text = path.read_text()
    assert "slack" not in text.lower()
    assert "# header stays" in text and "# about zoom: stays" in text
    assert "\n\n\n" not in text
    assert config.load(path).watches == result.watches


def test_remove_by_alias_and_down_to_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(REMOVABLE)
    config_edits.remove_watch(path, "github")
    config_edits.remove_watch(path, "zoom")
    result = config_edits.remove_watch(path, "slack")
    assert result.watches == ()
    assert config.load(path).watches == ()  # an emptied file stays empty, no defaults
    assert "# header stays" in path.read_text()
    with pytest.raises(ConfigError, match="no watch named 'github'"):
        config_edits.remove_watch(path, "github")


def test_remove_from_a_missing_file_keeps_the_other_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    first, *rest = catalog.defaults()
    result = config_edits.remove_watch(path, first.name)
    assert [w.name for w in result.watches] == [e.name for e in rest]
    assert path.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_edits_write_through_a_symlinked_config(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "trayapp.toml"
    real.parent.mkdir()
    real.write_text('[[watch]]\nservice = "github"\n')
    real.chmod(0o640)
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    config_edits.add_watch(link, service="slack")
    assert link.is_symlink()
    assert "slack" in real.read_text()
    assert real.stat().st_mode & 0o777 == 0o640


# --------------------------------------------------------------------------- probes

PROBES = """\
[[watch]]
service = "openai"
token = "openai-key"
probe = "openai"

[[watch]]
service = "claude"
probe = ["anthropic"]

[[watch]]
url = "http://127.0.0.1:8765/api/v2/summary.json"
format = "statuspage"
name = "Lab"
token = "lab-page"
probe = "gemini"

[[watch.probe]]
name = "health"
url = "http://127.0.0.1:8765/health"
method = "head"
expect = "200-204"
slow_ms = 800
json = 'status == "ok"'
headers = { X-Probe = "tray" }
interval = 5
timeout = 3
token = "lab-api"
auth = "x-api-key"

[[watch.probe]]
preset = "openai-generate"
url = "http://127.0.0.1:8765/gateway"
costs_tokens = true
token = "lab-api"
"""


def test_probes_short_and_long(tmp_path: Path) -> None:
    loaded = config.loads(PROBES.replace('probe = "gemini"\n', ""), tmp_path / "c.toml")
    names = [w.name for w in loaded.watches]
    assert names == ["OpenAI", "Anthropic (Claude)", "Lab"]
    (openai,) = loaded.probes_for("OpenAI")
    assert openai.preset == "openai" and openai.url == "https://api.openai.com/v1/models"
    assert openai.token_name == "openai-key"  # a catalog service lends its token
    (claude,) = loaded.probes_for("Anthropic (Claude)")
    assert claude.auth == "x-api-key" and claude.token_name is None
    health, generate = loaded.probes_for("Lab")
    assert (health.name, health.method, health.expect) == (
        "health",
        "HEAD",
        (200, 201, 202, 203, 204),
    )
    assert (health.slow_ms, health.interval, health.timeout) == (800, 5.0, 3.0)
    assert health.condition is not None and health.condition.text == 'status == "ok"'
    assert health.headers == (("X-Probe", "tray"),) and health.auth == "x-api-key"
    assert health.token_name == "lab-api"
    assert (
        generate.costs_tokens
        and generate.url == "http://127.0.0.1:8765/gateway/v1/chat/completions"
    )
    assert generate.interval == 3600.0


def test_a_url_watch_does_not_lend_its_page_token_to_a_probe(tmp_path: Path) -> None:
    loaded = config.loads(PROBES.split("\n[[watch.probe]]")[0], tmp_path / "c.toml")
    (gemini,) = loaded.probes_for("Lab")
    assert gemini.preset == "gemini" and gemini.token_name is None
    assert loaded.token_for("Lab") == "lab-page"


def test_probe_floors(tmp_path: Path) -> None:
    public = '[[watch]]\nservice = "openai"\n[[watch.probe]]\npreset = "openai"\ninterval = {}\n'
    assert config.loads(public.format(60)).probes[0][1].interval == 60.0
    with pytest.raises(ConfigError, match="60 s floor for a probe") as caught:
        config.loads(public.format(30))
    assert caught.value.line == 5
    costly = public.replace('"openai"\ni', '"openai-generate"\ncosts_tokens = true\ni')
    assert config.loads(costly.format(1800)).probes[0][1].interval == 1800.0
    with pytest.raises(ConfigError, match="1800 s floor for a probe that costs tokens"):
        config.loads(costly.format(600))
    raised = "[polling]\nmin_public_interval = 300\ninterval = 300\nproblem_interval = 300\n"
    assert config.loads(raised + public.format(300)).probes[0][1].interval == 300.0
    with pytest.raises(ConfigError, match="300 s floor"):
        config.loads(raised + public.format(120))


PROBE_ERRORS = [
    ('probe = "openai-generate"\n', 3, "costs tokens"),
    ('probe = "nope"\n', 3, "unknown probe preset"),
    ("probe = 3\n", 3, "preset name"),
    ('[[watch.probe]]\npreset = "openai-generate"\n', 4, "costs_tokens = true"),
    ('[[watch.probe]]\npreset = "openai"\nintervall = 60\n', 5, "did you mean 'interval'"),
    ("[[watch.probe]]\nslow_ms = 5\n", 3, "preset = "),
    ('[[watch.probe]]\nurl = "ftp://x"\n', 4, "http"),
    ('[[watch.probe]]\nurl = "https://x.example/"\nmethod = "DELETE"\n', 5, "GET, HEAD, POST"),
    ('[[watch.probe]]\nurl = "https://x.example/"\nexpect = "2xx"\n', 5, "ranges"),
    ('[[watch.probe]]\nurl = "https://x.example/"\njson = "data ="\n', 5, "json: "),
    ('[[watch.probe]]\nurl = "https://x.example/"\nauth = "basic"\n', 5, "auth must be"),
    ('[[watch.probe]]\nurl = "https://x.example/"\nslow_ms = 0\n', 5, "slow_ms"),
    ('[[watch.probe]]\nurl = "https://x.example/"\n[[watch.probe]]\nurl = "https://x.example/"\n',
     1, "same name"),
    ('probe = { preset = "openai", interval = 1 }\n', 3, "floor"),  # inline: the probe line
]  # fmt: skip


@pytest.mark.parametrize(("tail", "line", "words"), PROBE_ERRORS)
def test_probe_errors_name_their_line(tail: str, line: int, words: str) -> None:
    text = '[[watch]]\nservice = "openai"\n' + tail
    with pytest.raises(ConfigError) as caught:
        config.loads(text, "c.toml")
    assert words in caught.value.problem
    assert caught.value.line == line, str(caught.value)


def test_probe_table_errors_land_on_the_right_watch() -> None:
    text = (
        '[[watch]]\nservice = "openai"\n[[watch.probe]]\npreset = "openai"\n\n'
        '[[watch]]\nservice = "claude"\n[[watch.probe]]\npreset = "anthropic"\ninterval = 2\n'
    )
    with pytest.raises(ConfigError) as caught:
        config.loads(text, "c.toml")
    assert caught.value.line == 10


@pytest.mark.parametrize(
    "tail",
    [
        f'[[watch.probe]]\nurl = "https://x.example/"\n'
        f'headers = {{ Authorization = "Bearer {SECRET}" }}\n',
        f'[[watch.probe]]\nurl = "https://x.example/"\nheaders = {{ X-Api-Key = "{SECRET}" }}\n',
        f'[[watch.probe]]\nurl = "https://x.example/"\nheaders = {{ X-Probe = "{SECRET}" }}\n',
        f'[[watch.probe]]\nurl = "https://x.example/"\ntoken = "{SECRET}"\n',
        f'[[watch.probe]]\nurl = "https://x.example/"\napi_key = "{SECRET}"\n',
        f'[[watch.probe]]\nurl = "https://x.example/?key={SECRET}"\n',
        f'probe = {{ preset = "openai", token = "sk-{SECRET}" }}\n',
    ],
)
def test_probe_secrets_are_refused_without_repeating_them(tail: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config.loads('[[watch]]\nservice = "openai"\n' + tail, "c.toml")
    assert "trayapp secret set" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert caught.value.line is not None


def test_a_catalog_service_with_a_token_gets_its_probe_preset(tmp_path: Path) -> None:
    cfg = config.loads('[[watch]]\nservice = "openai"\ntoken = "openai-key"\n', tmp_path / "c.toml")
    (spec,) = cfg.probes_for("OpenAI")
    assert spec.preset == "openai"
    assert spec.token_name == "openai-key"
    without = config.loads('[[watch]]\nservice = "openai"\n', tmp_path / "c.toml")
    assert without.probes_for("OpenAI") == ()
