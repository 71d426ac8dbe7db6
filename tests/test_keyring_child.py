"""The tray's keyring child: a real child process with a real (test) keyring backend; the
secret goes in over stdin and back over stdout, and failures are KeyringErrors in words."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from trayapp.engine.tokens import TokenCache
from trayapp.errors import SecretStoreError
from trayapp.store import secrets

TOKEN = "sk-test-child-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def store_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keyring.json"
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.child_keyring.JsonFileKeyring")
    monkeypatch.setenv("TRAYAPP_TEST_KEYRING", str(path))
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    return path


def test_round_trip_through_the_child_never_via_argv_or_environment(store_file: Path) -> None:
    assert secrets.get_secret_apart("api-token") is None
    secrets.set_secret_apart("api-token", TOKEN)
    stored = json.loads(store_file.read_text())
    assert stored["trayapp/api-token"] == TOKEN
    assert all(TOKEN not in arg for arg in stored["argv"])
    assert all(TOKEN not in value for value in stored["environ"].values())
    assert secrets.get_secret_apart("api-token") == TOKEN
    assert secrets.delete_secret_apart("api-token") is True
    assert secrets.delete_secret_apart("api-token") is False
    assert secrets.get_secret_apart("api-token") is None


def test_failures_are_keyring_errors_that_say_why_and_never_quote_the_secret(
    store_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SecretStoreError, match="could not store") as caught:
        secrets.set_secret_apart("leaky", TOKEN)
    assert TOKEN not in str(caught.value)
    with pytest.raises(ValueError):
        secrets.get_secret_apart("-not a name")
    with pytest.raises(SecretStoreError, match="empty"):
        secrets.set_secret_apart("fine", "")
    monkeypatch.setattr(secrets, "CHILD_TIMEOUT", 1.0)
    with pytest.raises(SecretStoreError, match="did not answer within 1 s"):
        secrets.get_secret_apart("slow")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    with pytest.raises(SecretStoreError, match="no system keyring is available"):
        secrets.get_secret_apart("api-token")


def test_the_token_cache_reads_once_until_forgotten() -> None:
    reads: list[str] = []

    def lookup(name: str) -> str | None:
        reads.append(name)
        return None if name == "absent" else f"value-of-{name}"

    cache = TokenCache(lookup)
    assert [cache("a"), cache("a"), cache("absent"), cache("absent")] == [
        "value-of-a", "value-of-a", None, None,
    ]  # fmt: skip
    assert reads == ["a", "absent"]
    cache.forget("a")
    assert cache("a") == "value-of-a" and cache("absent") is None
    assert reads == ["a", "absent", "a"]
    cache.forget()
    cache("a"), cache("absent")
    assert reads == ["a", "absent", "a", "a", "absent"]


def test_a_read_that_started_before_forget_is_not_kept() -> None:
    started, release = threading.Event(), threading.Event()
    values = iter(["old", "new"])

    def lookup(name: str) -> str | None:
        started.set()
        release.wait(10)
        return next(values)

    cache = TokenCache(lookup)
    reader = threading.Thread(target=cache, args=("a",))
    reader.start()
    assert started.wait(10)
    cache.forget()  # never waits for the read in progress
    release.set()
    reader.join(10)
    assert cache("a") == "new"


def test_a_failed_read_is_not_kept() -> None:
    calls = 0

    def lookup(name: str) -> str | None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise SecretStoreError("the keyring is locked")
        return "value"

    cache = TokenCache(lookup)
    with pytest.raises(SecretStoreError):
        cache("a")
    assert cache("a") == "value"


async def test_the_engine_reads_a_token_once_and_again_after_a_change_or_check_now() -> None:
    """Probe runs every 0.1 s share one read; a token change and Check now read afresh."""
    from tests.test_engine import (
        MODELS,
        OK_BODY,
        SUMMARY,
        fast,
        probe_calls,
        running,
        until,
        watch,
    )
    from trayapp.demo.replay import ReplayServer
    from trayapp.demo.replay_routes import Reply
    from trayapp.engine.scheduler import Engine
    from trayapp.probes import spec as probe

    reads: list[str] = []

    def lookup(name: str) -> str | None:
        reads.append(name)
        return "sk-test-key"

    routes = {SUMMARY: Reply(body=OK_BODY), "/v1/models": Reply(body=MODELS)}
    with ReplayServer(routes, speed=0) as server:
        spec = probe.preset("openai", server.url("/"))
        engine = Engine(
            [watch(server.url(SUMMARY))],
            fast(),
            probes={"Example": [replace(spec, interval=0.1, token_name="openai")]},
            token_lookup=lookup,
        )
        async with running(engine):
            await until(lambda: probe_calls(server) >= 4)
            assert len(reads) == 1
            engine.tokens_changed()
            await until(lambda: len(reads) == 2)
            engine.check_now()
            await until(lambda: len(reads) == 3)
            before = probe_calls(server)
            await until(lambda: probe_calls(server) >= before + 3)
            assert len(reads) == 3


async def test_a_probe_held_on_a_rejected_key_reads_its_token_again_at_each_recheck() -> None:
    """A key rotated outside trayapp (seahorse, secret-tool) is picked up by the slow recheck."""
    from tests.test_engine import (
        BAD_KEY,
        OK_BODY,
        SUMMARY,
        fast,
        probe_calls,
        running,
        until,
        verdict_kind,
        watch,
    )
    from trayapp.core.tracker import TrackerConfig
    from trayapp.demo.replay import ReplayServer
    from trayapp.demo.replay_routes import Reply
    from trayapp.engine.scheduler import Engine
    from trayapp.probes import spec as probe

    reads: list[str] = []

    def lookup(name: str) -> str | None:
        reads.append(name)
        return "sk-test-wrong"

    routes = {SUMMARY: Reply(body=OK_BODY), "/v1/models": Reply(status=401, body=BAD_KEY)}
    with ReplayServer(routes, speed=0) as server:
        spec = probe.preset("openai", server.url("/"))
        engine = Engine(
            [watch(server.url(SUMMARY))],
            fast(tracker=TrackerConfig(confirm_worse=2, confirm_better=2), yours_recheck=0.5),
            probes={"Example": [replace(spec, interval=0.1, token_name="openai")]},
            token_lookup=lookup,
        )
        async with running(engine):
            await until(lambda: verdict_kind(engine) == "yours")
            held, read = probe_calls(server), len(reads)
            await until(lambda: probe_calls(server) >= held + 2, timeout=10)
            assert len(reads) >= read + 2  # each recheck asked the keyring
