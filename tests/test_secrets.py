"""The keyring wrapper, against an in-memory backend registered only inside each test.

The real Secret Service is exercised by the desktop harness; here the real keyring API runs
against a backend that never touches disk or D-Bus, and the unsafe backends must be refused.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from collections.abc import Iterator

import keyring
import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

from trayapp.cli import secret as secret_command
from trayapp.errors import SecretStoreError
from trayapp.probes import credentials
from trayapp.store import secrets

TOKEN = "sk-test-3f9a1c77e2b94d0c8a5e6f7081920abc"


class MemoryKeyring(KeyringBackend):
    """A keyring in a dict; never auto-selected (not viable), only set explicitly by a test."""

    priority = 1
    viable = False

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt's plain-text file backend."""


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")


class LeakyKeyring(MemoryKeyring):
    """A backend whose errors quote what it was given: the wrapper must not pass that on."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"D-Bus said no to storing {password!r} for {username}")


def _use(monkeypatch: pytest.MonkeyPatch, backend: KeyringBackend) -> KeyringBackend:
    # remember the process's backend so it comes back after the test, then install ours
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    _use(monkeypatch, backend)
    yield backend


def test_round_trip_under_the_trayapp_service(memory: MemoryKeyring) -> None:
    assert secrets.get_secret("github-token") is None
    secrets.set_secret("github-token", TOKEN)
    assert memory.items == {("trayapp", "github-token"): TOKEN}
    assert secrets.get_secret("github-token") == TOKEN
    secrets.set_secret("github-token", "replaced-value")
    assert secrets.get_secret("github-token") == "replaced-value"
    assert secrets.delete_secret("github-token") is True
    assert secrets.get_secret("github-token") is None
    assert secrets.delete_secret("github-token") is False


def test_names_are_checked_and_empty_values_refused(memory: MemoryKeyring) -> None:
    for bad in ("", " lead", "has space", "x" * 65, "new\nline", "-dash-first"):
        with pytest.raises(ValueError):
            secrets.set_secret(bad, TOKEN)
    with pytest.raises(SecretStoreError, match="empty"):
        secrets.set_secret("fine", "")
    assert memory.items == {}
    assert secrets.check_name("ops@example.com:prod_1.2") == "ops@example.com:prod_1.2"


@pytest.mark.parametrize(
    ("backend", "words"),
    [
        (null.Keyring(), "disabled"),
        (fail.Keyring(), "no system keyring"),
        (PlaintextKeyring(), "plain text"),
    ],
)
def test_unsafe_backends_are_refused(
    monkeypatch: pytest.MonkeyPatch, backend: KeyringBackend, words: str
) -> None:
    _use(monkeypatch, backend)
    for call in (
        lambda: secrets.get_secret("x"),
        lambda: secrets.set_secret("x", TOKEN),
        lambda: secrets.delete_secret("x"),
    ):
        with pytest.raises(SecretStoreError, match=words) as caught:
            call()
        assert TOKEN not in str(caught.value)
    if isinstance(backend, MemoryKeyring):
        assert backend.items == {}  # nothing reached the plain-text store


def test_keyrings_alt_backends_are_recognised_by_name() -> None:
    for module, name, words in [
        ("keyrings.alt.file", "PlaintextKeyring", "plain-text file"),
        ("keyrings.alt.file", "EncryptedKeyring", "terminal"),
    ]:
        cls = type(name, (MemoryKeyring,), {"__module__": module, "__qualname__": name})
        reason = secrets.unsafe_reason(cls())
        assert reason is not None and words in reason
    assert secrets.unsafe_reason(MemoryKeyring()) is None


def test_a_chain_uses_its_best_safe_member(monkeypatch: pytest.MonkeyPatch) -> None:
    safe = MemoryKeyring()

    class Chain(ChainerBackend):
        viable = False
        backends = (PlaintextKeyring(), safe)

    _use(monkeypatch, Chain())
    secrets.set_secret("chained", TOKEN)
    assert safe.items == {("trayapp", "chained"): TOKEN}
    assert Chain.backends[0].items == {}

    class UnsafeChain(ChainerBackend):
        viable = False
        backends = (null.Keyring(),)

    _use(monkeypatch, UnsafeChain())
    with pytest.raises(SecretStoreError, match="disabled"):
        secrets.get_secret("chained")

    class EmptyChain(ChainerBackend):
        viable = False
        backends = ()

    _use(monkeypatch, EmptyChain())
    with pytest.raises(SecretStoreError, match="no system keyring"):
        secrets.get_secret("chained")


def test_locked_keyring_gives_a_plain_message(monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, LockedKeyring())
    with pytest.raises(SecretStoreError, match="locked") as caught:
        secrets.set_secret("x", TOKEN)
    assert TOKEN not in str(caught.value)
    with pytest.raises(SecretStoreError, match="unlock it"):
        secrets.get_secret("x")


def test_backend_errors_never_carry_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, LeakyKeyring())
    with pytest.raises(SecretStoreError) as caught:
        secrets.set_secret("leaky", TOKEN)
    message = str(caught.value)
    assert "RuntimeError" in message and "D-Bus said no" in message
    assert TOKEN not in message and TOKEN[:12] not in message
    # nor hidden in the exception chain a traceback would print
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize(
    "value",
    [
        TOKEN,
        "ghp_0123456789abcdefghijABCDEFGHIJ012345",
        "xoxb-1234-5678-abcdef",
        "Bearer abc",
        "eyJhbGciOiJIUzI1NiJ9.e30.abc",
        "3f9a1c77e2b94d0c8a5e6f7081920abc",
    ],
)
def test_secret_shaped_values_are_recognised(value: str) -> None:
    assert credentials.looks_like_secret(value)


@pytest.mark.parametrize(
    "value", ["github-token", "openai.prod", "internal_status_page_token", "ops@example.com"]
)
def test_entry_names_do_not_look_like_secrets(value: str) -> None:
    assert not credentials.looks_like_secret(value)


# --------------------------------------------------------------------------- the command


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    secret_command.add_arguments(parser)
    return secret_command.run(parser.parse_args(argv))


def test_secret_command_reads_piped_stdin_and_never_prints_it(
    memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(TOKEN + "\n"))
    assert _run("set", "status-token") == 0
    assert memory.items == {("trayapp", "status-token"): TOKEN}
    assert _run("check", "status-token") == 0
    assert _run("check", "other") == 1
    assert _run("delete", "status-token") == 0
    assert _run("delete", "status-token") == 1
    assert _run("check", "status-token") == 1
    out = capsys.readouterr()
    assert 'token = "status-token"' in out.out
    assert TOKEN not in out.out + out.err
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    assert _run("set", "empty") == 1
    assert _run("set", "bad name") == 2
    assert memory.items == {}


def test_secret_command_refuses_the_null_backend_in_a_real_process(
    trayapp_env: dict[str, str],
) -> None:
    env = {**trayapp_env, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    done = subprocess.run(
        [sys.executable, "-m", "trayapp", "secret", "set", "status-token"],
        input=TOKEN + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 3  # the keyring failed: not the "not stored" of `check` (1)
    assert "disabled" in done.stderr
    check = subprocess.run(
        [sys.executable, "-m", "trayapp", "secret", "check", "status-token"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert check.returncode == 3 and "disabled" in check.stderr
    assert TOKEN not in done.stdout + done.stderr
