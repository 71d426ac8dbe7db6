"""``trayapp probe`` against loopback imitations of the providers, with tokens from an in-memory
keyring; and the session-wide scan: the token appears in no output, log, config or database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.provider_fakes import MemoryKeyring, ProviderFake, use_memory_keyring
from trayapp.cli import main as cli
from trayapp.cli import probe as probe_command
from trayapp.core.model import Event, Severity
from trayapp.core.verdict import decide, follow_acknowledgement
from trayapp.demo.replay import ReplayServer
from trayapp.demo.replay_routes import Reply, refused_url
from trayapp.errors import SecretStoreError
from trayapp.net.fetch import make_client
from trayapp.probes.run import run_probe
from trayapp.probes.spec import preset
from trayapp.probes.state import ProbeState, probe_step
from trayapp.store import config, incident_log, paths, secrets

TOKEN = "sk-test-3f9a1c77e2b94d0c8a5e6f7081920abc"


@pytest.fixture
def keyring_memory(monkeypatch: pytest.MonkeyPatch) -> MemoryKeyring:
    return use_memory_keyring(monkeypatch)


@pytest.fixture
def command(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register ``probe`` the way the integrator will (cli.COMMANDS), for this test only."""
    monkeypatch.setitem(cli.COMMANDS, "probe", ("trayapp.cli.probe", probe_command.HELP))


@pytest.fixture
def env(trayapp_env: dict[str, str], keyring_memory: MemoryKeyring, command: None) -> MemoryKeyring:
    """Config and data in tmp_path, a witness that never leaves loopback, tokens in memory."""
    config_file = paths.config_file(ensure=True)
    config_file.write_text(
        '[polling]\nreference_urls = ["http://127.0.0.1:9/unused"]\n\n'
        '[[watch]]\nservice = "openai"\ntoken = "openai-test"\nprobe = "openai"\n'
    )
    secrets.set_secret("openai-test", TOKEN)
    secrets.set_secret("gemini-test", TOKEN)
    return keyring_memory


def probe_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = cli.main(["probe", *argv, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def test_ok_and_the_json_shape(env: MemoryKeyring, capsys: pytest.CaptureFixture[str]) -> None:
    fake = ProviderFake("openai", TOKEN)
    with ReplayServer(fake.routes()) as server:
        code, data = probe_json(
            capsys, server.base_url, "--preset", "openai", "--token-from", "openai-test"
        )
    assert code == 0
    assert data["verdict"] == "ok" and data["status"] == 200
    assert isinstance(data["latency_ms"], float) and data["latency_ms"] >= 0
    assert data["reason"].startswith("HTTP 200 in ")
    assert data["url"] == f"{server.base_url}/v1/models" and data["method"] == "GET"
    assert fake.seen[0].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("mode", "verdict", "status", "exit_status"),
    [
        ("ok", "ok", 200, 0),
        ("overloaded", "theirs", 503, 1),
        ("quota", "yours", 429, 3),
        ("rate_limited", "rate_limited", 429, 4),
        ("server_error", "theirs", 500, 1),
    ],
)
def test_the_exit_status_is_the_verdict(
    env: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    mode: str,
    verdict: str,
    status: int,
    exit_status: int,
) -> None:
    fake = ProviderFake("gemini", TOKEN, mode=mode)  # type: ignore[arg-type]
    with ReplayServer(fake.routes()) as server:
        code, data = probe_json(
            capsys, server.base_url, "--preset", "gemini", "--token-from", "gemini-test"
        )
    assert (data["verdict"], data["status"]) == (verdict, status)
    assert code == exit_status
    if verdict == "rate_limited":
        assert data["retry_after"] == 30.0
    assert fake.seen[0].headers["x-goog-api-key"] == TOKEN


def test_a_rejected_key_says_yours_and_what_to_fix(
    env: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets.set_secret("openai-test", "sk-test-wrongwrongwrongwrong00000000")
    with ReplayServer(ProviderFake("openai", TOKEN).routes()) as server:
        code = cli.main(["probe", server.base_url, "--preset", "openai", "--token-from",
                         "openai-test"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 3
    assert "on your side: your key was rejected (HTTP 401" in out
    assert "fix: store a new one with `trayapp secret set openai-test`" in out
    # the tray pauses such a probe until its key changes; a one-shot command resumes nothing
    assert "resumes" not in out and "then run this probe again" in out


@pytest.mark.parametrize("mode", ["quota", "forbidden"])
def test_one_shot_advice_never_talks_about_resuming(
    env: MemoryKeyring, capsys: pytest.CaptureFixture[str], mode: str
) -> None:
    fake = ProviderFake("openai", TOKEN, mode=mode)  # type: ignore[arg-type]
    with ReplayServer(fake.routes()) as server:
        argv = ["probe", server.base_url, "--preset", "openai", "--token-from", "openai-test"]
        assert cli.main(argv) == 3
        text = capsys.readouterr().out
        code, data = probe_json(capsys, *argv[1:])
    assert code == 3 and data["verdict"] == "yours" and data["fix"]
    assert "  fix: " in text
    for said in (text, data["fix"]):
        assert "probing resumes" not in said and said.count("run this probe again") == 1


def test_the_help_lists_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["probe", "--help"])
    out = capsys.readouterr().out
    assert "exit status:" in out
    for line in ("0  ok or degraded", "1  theirs", "2  usage error", "3  yours", "4  rate_limited"):
        assert line in out


def test_a_plain_url_with_expectations(
    env: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    health = Reply(200, '{"status": "ok", "checks": 4}')
    with ReplayServer({"/health": health, "/teapot": Reply(418, "")}) as server:
        code, data = probe_json(
            capsys, server.url("/health"), "--expect", "200-204", "--condition", "checks >= 4",
            "--slow-ms", "5000", "--header", "X-Probe: tray",
        )  # fmt: skip
        assert code == 0 and data["verdict"] == "ok"
        code, data = probe_json(capsys, server.url("/health"), "--condition", "checks > 4")
        assert data["verdict"] == "theirs" and "checks is 4" in data["reason"]
        code, data = probe_json(capsys, server.url("/teapot"))
        assert data["verdict"] == "yours" and data["status"] == 418
        assert server.stats.hits[0].method == "GET"


def test_offline_is_reported_as_such(
    env: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    paths.config_file().write_text(f'[polling]\nreference_urls = ["{refused_url("/ok")}"]\n')
    code, data = probe_json(capsys, refused_url("/v1/models"))
    assert code == 3
    assert (data["verdict"], data["cause"], data["status"]) == ("yours", "offline", None)
    assert data["reason"].startswith("you are offline") and data["connected"] is False
    with ReplayServer({"/ok": Reply(204)}) as reference:
        paths.config_file().write_text(f'[polling]\nreference_urls = ["{reference.url("/ok")}"]\n')
        code, data = probe_json(capsys, refused_url("/v1/models"))
    assert (data["verdict"], data["cause"], code) == ("theirs", "unreachable", 1)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        ([], "give a URL"),
        (["ftp://127.0.0.1/x"], "http"),
        (["--preset", "openai-generate"], "--costs-tokens"),
        (["http://127.0.0.1:9/", "--header", f"Authorization: Bearer {TOKEN}"], "credential"),
        (["http://127.0.0.1:9/", "--header", f"X-Probe: {TOKEN}"], "looks like a secret"),
        (["http://127.0.0.1:9/", "--header", "no-colon"], "NAME:VALUE"),
        ([f"http://127.0.0.1:9/?key={TOKEN}"], "credential"),
        ([f"http://user:{TOKEN}@127.0.0.1:9/"], "credential"),
        (["http://127.0.0.1:9/", "--expect", "2xx"], "expect"),
        (["http://127.0.0.1:9/", "--condition", "data ="], "JSON condition"),
        (["http://127.0.0.1:9/", "--slow-ms", "0"], "--slow-ms"),
        (["http://127.0.0.1:9/", "--token-from", "no such name"], "secret name"),
        (["http://127.0.0.1:9/", "--token-from", "not-stored"], "trayapp secret set not-stored"),
    ],
)
def test_usage_errors_exit_2_without_echoing_secrets(
    env: MemoryKeyring, capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    assert cli.main(["probe", *argv]) == 2
    captured = capsys.readouterr()
    assert words in captured.err and captured.out == ""
    assert TOKEN not in captured.err


def test_argparse_usage_errors_exit_2(env: MemoryKeyring) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["probe", "http://127.0.0.1:9/", "--preset", "nope"])
    assert caught.value.code == 2


def test_a_keyring_that_cannot_be_used_exits_3(
    trayapp_env: dict[str, str], command: None, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from keyring.backends import fail

    monkeypatch.setattr(secrets, "_backend", lambda: fail.Keyring())
    monkeypatch.setattr(
        secrets,
        "get_secret",
        lambda name: (_ for _ in ()).throw(SecretStoreError("no system keyring")),
    )
    assert cli.main(["probe", "http://127.0.0.1:9/", "--token-from", "x"]) == 3  # yours
    assert "no system keyring" in capsys.readouterr().err


# --------------------------------------------------------------------------- the leak scan


def test_the_token_appears_nowhere_after_a_session_that_used_it(
    env: MemoryKeyring,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A session with a token: the CLI in every case (text and JSON), probes run in-process
    with logging at DEBUG into the app's log directory, an incident log written from the
    results. Then every captured byte and every file under tmp_path is searched."""
    caplog.set_level(logging.DEBUG)
    log_file = paths.log_dir(ensure=True) / "trayapp.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    previous_level = root.level
    root.setLevel(logging.DEBUG)
    outputs: list[str] = []
    try:
        fakes = {p: ProviderFake(p, TOKEN) for p in ("openai", "anthropic", "gemini")}
        with contextlib.ExitStack() as stack:
            base = {p: stack.enter_context(ReplayServer(f.routes())).base_url
                    for p, f in fakes.items()}  # fmt: skip
            secrets.set_secret("anthropic-test", TOKEN)
            secrets.set_secret("bad-token", f"{TOKEN}\nX-Injected: 1")
            for provider, entry in (("openai", "openai-test"), ("anthropic", "anthropic-test"),
                                    ("gemini", "gemini-test")):  # fmt: skip
                for mode in ("ok", "overloaded", "quota", "rate_limited", "forbidden", "html"):
                    fakes[provider].mode = mode  # type: ignore[assignment]
                    for extra in ([], ["--json"]):
                        cli.main(["probe", base[provider], "--preset", provider,
                                  "--token-from", entry, *extra])  # fmt: skip
                        outputs.append(_drain(capsys))
                fakes[provider].mode = "ok"
            cli.main(["probe", base["openai"], "--preset", "openai", "--token-from", "bad-token"])
            outputs.append(_drain(capsys))
            cli.main(["probe", base["anthropic"], "--preset", "anthropic-generate",
                      "--costs-tokens", "--token-from", "anthropic-test"])  # fmt: skip
            outputs.append(_drain(capsys))
            cli.main(["probe", base["openai"], "--preset", "openai", "--header",
                      f"X-Probe: {TOKEN}", "--token-from", "openai-test"])  # fmt: skip
            outputs.append(_drain(capsys))
            # the engine's side: probes in-process, verdicts, events and acknowledgements logged
            asyncio.run(_engine_session(base["openai"], fakes["openai"]))
            requests = sum(len(f.seen) for f in fakes.values())
            assert requests >= 3 * 12 + 1 + 5, requests  # the token really went out, many times
        config.load()  # the config names the entry, never the value
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
        handler.close()

    assert any('"verdict": "yours"' in o for o in outputs)  # the scan covers real cases
    assert any("overloaded" in o for o in outputs)
    captured = "\n".join(outputs) + caplog.text
    assert TOKEN not in captured
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"config.toml", "trayapp.log", "incidents.sqlite3"} <= names, names
    assert log_file.stat().st_size > 0
    for path in files:
        data = path.read_bytes()
        assert TOKEN.encode() not in data, path
        assert TOKEN.encode("utf-16-le") not in data, path
    assert env.items[("trayapp", "openai-test")] == TOKEN  # only the keyring holds it


def _drain(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    return captured.out + captured.err


async def _engine_session(base_url: str, fake: ProviderFake) -> None:
    """What the engine will do with a probe: run it, fold it, decide, log events and lags."""
    with incident_log.open(paths.database_file(ensure=True)) as log:
        async with make_client() as client:
            spec = replace(preset("openai", base_url), token_name="openai-test")
            state, ack = ProbeState(), None
            token = secrets.get_secret("openai-test")
            for n, mode in enumerate(["ok", "overloaded", "overloaded", "ok", "ok"]):
                fake.mode = mode  # type: ignore[assignment]
                now = datetime(2025, 6, 2, 14, n, tzinfo=UTC)
                result = await run_probe(client, spec, token)
                state = probe_step(state, result, now)
                found = decide(Severity.OPERATIONAL, now, [state], False, now)
                message = f"{found.text}: {result.reason}"
                log.record([Event(now, "OpenAI", "status", found.severity, message=message)])
                ack, write = follow_acknowledgement(ack, "OpenAI", found, now)
                if write is not None:
                    log.record_acknowledgement(write)
            assert log.acknowledgements("OpenAI"), "the session logged no outage"
