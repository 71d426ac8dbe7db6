"""Probes: JSON conditions, classification of every documented answer, runs against loopback
imitations of OpenAI, Anthropic and Gemini, redirects that must not carry the token, the
probe state machine and its polite schedule."""

from __future__ import annotations

import json
import logging
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.provider_fakes import GENERATE_PATH, LIST_PATH, PROVIDERS, ProviderFake
from trayapp.demo.replay import ReplayServer
from trayapp.demo.replay_routes import Reply, Request, refused_url
from trayapp.errors import ConditionError
from trayapp.net.fetch import make_client
from trayapp.probes.classify import ProbeResult, classify, with_witness
from trayapp.probes.condition import parse_condition
from trayapp.probes.run import run_probe, scrub
from trayapp.probes.spec import (
    COSTS_TOKENS_FLOOR,
    PRESETS,
    PROBE_FLOOR,
    YOURS_RECHECK,
    ProbeSpec,
    check_header,
    fingerprint,
    parse_expect,
    preset,
    rebase,
)
from trayapp.probes.state import ProbeState, next_delay, probe_step, resume_if_changed

TOKEN = "sk-test-3f9a1c77e2b94d0c8a5e6f7081920abc"
T0 = datetime(2025, 6, 2, 14, 2, tzinfo=UTC)


# --------------------------------------------------------------------------- JSON conditions

DOC = {
    "status": "ok",
    "count": 3,
    "ratio": 0.5,
    "live": True,
    "none": None,
    "data": [{"id": "gpt-4o-mini"}, {"id": "last"}],
    "a.b": {"x": 1},
}


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("data.0.id exists", True),
        ("data.5.id exists", False),
        ('data.-1.id == "last"', True),
        ('status == "ok"', True),
        ('status != "ok"', False),
        ("count >= 1", True),
        ("count > 3", False),
        ("count <= 3", True),
        ("ratio < 1", True),
        ("count == 3.0", True),
        ("live == true", True),
        ("live == 1", False),  # strict: true is not 1
        ("count == true", False),
        ("none == null", True),
        ('"a.b".x == 1', True),
        ("missing.key exists", False),
        ("missing != 1", False),  # a missing path fails every operator
        ('status > "a"', True),  # two strings compare
        ("status > 1", False),  # a string and a number do not
        ("data.x exists", False),  # a key into a list
    ],
)
def test_conditions(text: str, holds: bool) -> None:
    condition = parse_condition(text)
    assert condition.check(DOC)[0] is holds


@pytest.mark.parametrize(
    "text",
    [
        "",
        "data",
        "__import__('os').system('true') == 1",
        "count === 1",
        "count == [1]",
        "count == {}",
        "count >= true",
        "status == ok",  # not JSON: strings are quoted
        "count ~ 1",
    ],
)
def test_bad_conditions_are_refused_without_being_evaluated(text: str) -> None:
    with pytest.raises(ConditionError):
        parse_condition(text)


def test_a_failed_condition_says_what_it_found() -> None:
    holds, why = parse_condition('status == "ok"').check({"status": "degraded"})
    assert not holds and why == 'status is "degraded"'
    assert parse_condition("data exists").check({"data": []}) == (True, "")
    assert parse_condition("data.0 exists").check({"data": []})[1] == "data.0 is missing"


# --------------------------------------------------------------------------- specs


def test_expect_codes_and_ranges() -> None:
    assert parse_expect("200") == (200,)
    assert parse_expect("204, 200") == (200, 204)
    assert parse_expect("200-204") == (200, 201, 202, 203, 204)
    assert parse_expect([200, 401]) == (200, 401)
    for bad in ("", "ok", "200-", "299-200", "99", "200-700", [True]):
        with pytest.raises(ValueError):
            parse_expect(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Authorization", "Bearer abc"),
        ("x-api-key", "whatever"),
        ("X-Goog-Api-Key", "whatever"),
        ("Cookie", "session=q7v9"),
        ("X-Auth-Token", "t0k3nvalue"),
        ("X-Probe", TOKEN),  # a harmless name with a credential-shaped value
        ("X-Probe", "ghp_0123456789abcdefghijABCDEFGHIJ"),
    ],
)
def test_headers_that_would_carry_a_credential_are_refused_without_echo(
    name: str, value: str
) -> None:
    with pytest.raises(ValueError) as caught:
        check_header(name, value)
    assert "trayapp secret set" in str(caught.value)
    assert value not in str(caught.value)


def test_plain_headers_pass() -> None:
    assert check_header(" X-Probe ", " tray ") == ("X-Probe", "tray")
    assert check_header("anthropic-version", "2023-06-01") == ("anthropic-version", "2023-06-01")
    with pytest.raises(ValueError):
        check_header("Bad Name", "x")
    with pytest.raises(ValueError):
        check_header("X-Probe", "two\nlines")


def test_presets_send_the_documented_requests() -> None:
    assert preset("openai").url == "https://api.openai.com/v1/models"
    assert preset("openai").auth == "bearer"
    anthropic = preset("anthropic")
    assert anthropic.url == "https://api.anthropic.com/v1/models"
    assert anthropic.auth == "x-api-key"
    assert dict(anthropic.headers) == {"anthropic-version": "2023-06-01"}
    gemini = preset("Gemini")
    assert gemini.url == "https://generativelanguage.googleapis.com/v1beta/models"
    assert gemini.auth == "x-goog-api-key"
    for name, spec in PRESETS.items():
        assert spec.costs_tokens == name.endswith("-generate"), name
        if spec.costs_tokens:
            assert spec.method == "POST" and spec.body and "costs tokens" in spec.title
            assert spec.floor == COSTS_TOKENS_FLOOR and spec.interval >= COSTS_TOKENS_FLOOR
            body = json.loads(spec.body)
            one = body.get("max_tokens", body.get("generationConfig", {}).get("maxOutputTokens"))
            assert one == 1, name
        else:
            assert spec.method == "GET" and spec.body is None and spec.floor == PROBE_FLOOR
    with pytest.raises(ValueError, match="known: openai"):
        preset("nope")


def test_rebase_points_a_preset_elsewhere() -> None:
    url = "https://api.openai.com/v1/models"
    assert rebase(url, "http://127.0.0.1:8000") == "http://127.0.0.1:8000/v1/models"
    assert rebase(url, "http://127.0.0.1:8000/") == "http://127.0.0.1:8000/v1/models"
    assert rebase(url, "https://gw.example/openai") == "https://gw.example/openai/v1/models"
    assert rebase(url, "https://gw.example/v1/models") == "https://gw.example/v1/models"
    with pytest.raises(ValueError):
        rebase(url, "ftp://x")


def test_fingerprint_changes_with_the_token_or_the_settings_only() -> None:
    spec = preset("openai")
    same = fingerprint(spec, TOKEN)
    assert fingerprint(spec, TOKEN) == same
    assert fingerprint(spec, TOKEN + "x") != same
    assert fingerprint(replace(spec, slow_ms=1), TOKEN) != same
    assert TOKEN not in same and len(same) == 16


# --------------------------------------------------------------------------- classification


def _body(data: Any) -> bytes:
    return json.dumps(data).encode()


OPENAI_QUOTA = _body(
    {"error": {"message": "You exceeded your current quota, please check your plan and billing "
               "details.", "type": "insufficient_quota", "param": None,
               "code": "insufficient_quota"}}
)  # fmt: skip
OPENAI_SPEND = _body(
    {"error": {"message": "Project spend limit reached.", "type": "insufficient_quota",
               "code": "project_spend_limit_exceeded"}}
)  # fmt: skip
OPENAI_RATE = _body(
    {"error": {"message": "Rate limit reached for requests. Add a payment method at "
               "https://platform.openai.com/account/billing.", "type": "requests",
               "code": "rate_limit_exceeded"}}
)  # fmt: skip
ANTHROPIC = {
    kind: _body({"type": "error", "error": {"type": kind, "message": "x"}})
    for kind in ("overloaded_error", "api_error", "authentication_error", "rate_limit_error",
                 "permission_error")
}  # fmt: skip
ANTHROPIC_SPEND = _body(
    {"type": "error", "error": {"type": "rate_limit_error", "message": "monthly limit",
                                "details": {"error_code": "enforced_spend_limit_reached"}}}
)  # fmt: skip
ANTHROPIC_USAGE = _body(
    {"type": "error", "error": {"type": "invalid_request_error", "message": "You have reached "
     "your specified API usage limits. You will regain access on 2025-07-01 at 00:00 UTC."}}
)  # fmt: skip
GEMINI_RETRY = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "41s"}]


def _gemini(code: int, status: str, message: str = "x", details: Any = None) -> bytes:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return _body({"error": error})


CASES = [
    # (status, headers, body, verdict, cause)
    (200, {}, _body({"data": []}), "ok", None),
    (503, {}, _body({"error": {"type": "service_unavailable_error",
                              "code": "server_is_overloaded"}}), "theirs", "overloaded"),
    (500, {}, _body({"error": {"type": "server_error", "code": None}}), "theirs", "server"),
    (502, {}, b"<html>Bad gateway</html>", "theirs", "server"),
    (504, {}, b"", "theirs", "server"),
    (408, {}, b"", "theirs", "server"),
    (529, {}, ANTHROPIC["overloaded_error"], "theirs", "overloaded"),
    (529, {}, b"", "theirs", "overloaded"),  # 529 means overloaded, body or not
    (500, {}, ANTHROPIC["api_error"], "theirs", "server"),
    (503, {}, _gemini(503, "UNAVAILABLE", "The model is overloaded."), "theirs", "overloaded"),
    (500, {}, _gemini(500, "INTERNAL"), "theirs", "server"),
    (429, {}, _body({"error": {"type": "server_is_overloaded"}}), "theirs", "overloaded"),
    (401, {}, _body({"error": {"code": "invalid_api_key"}}), "yours", "auth"),
    (403, {}, ANTHROPIC["permission_error"], "yours", "auth"),
    (401, {}, ANTHROPIC["authentication_error"], "yours", "auth"),
    (400, {}, _gemini(400, "INVALID_ARGUMENT", "API key not valid.",
                      [{"reason": "API_KEY_INVALID"}]), "yours", "auth"),
    (401, {}, _gemini(401, "UNAUTHENTICATED"), "yours", "auth"),
    (403, {}, _gemini(403, "PERMISSION_DENIED"), "yours", "auth"),
    (429, {}, OPENAI_QUOTA, "yours", "quota"),
    (429, {"retry-after": "5"}, OPENAI_SPEND, "yours", "quota"),  # hard code beats a wait
    (429, {}, ANTHROPIC_SPEND, "yours", "quota"),
    (400, {}, ANTHROPIC_USAGE, "yours", "quota"),
    (402, {}, _body({"type": "error", "error": {"type": "billing_error"}}), "yours", "quota"),
    (429, {}, _gemini(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please "
                      "check your plan and billing details."), "yours", "quota"),
    (429, {"retry-after": "20"}, OPENAI_RATE, "rate_limited", "rate_limit"),
    (429, {}, OPENAI_RATE, "rate_limited", "rate_limit"),  # "billing" in a URL is not a quota
    (429, {"retry-after": "15"}, ANTHROPIC["rate_limit_error"], "rate_limited", "rate_limit"),
    (429, {}, _gemini(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please "
                      "check your plan and billing details.", GEMINI_RETRY),
     "rate_limited", "rate_limit"),
    (404, {}, _body({"error": {"type": "not_found_error"}}), "yours", "request"),
    (405, {}, b"", "yours", "request"),
    (204, {}, b"", "yours", "request"),  # a success the probe does not expect: fix expect
]  # fmt: skip


@pytest.mark.parametrize(("status", "headers", "body", "verdict", "cause"), CASES)
def test_classification(
    status: int, headers: dict[str, str], body: bytes, verdict: str, cause: str | None
) -> None:
    spec = ProbeSpec(name="p", url="https://api.example/v1/models", token_name="key")
    result = classify(status, headers, body, 120.0, spec, now=T0)
    assert (result.verdict, result.cause) == (verdict, cause), result.reason
    assert result.status == status and result.connected
    assert (result.fix is not None) == (verdict == "yours")
    assert "\n" not in result.reason and len(result.reason) <= 300


def test_rate_limits_carry_the_wait() -> None:
    spec = ProbeSpec(name="p", url="https://api.example/")
    header = classify(429, {"retry-after": "20"}, OPENAI_RATE, 5.0, spec, now=T0)
    assert header.retry_after == 20.0 and "wait 20 s" in header.reason
    millis = classify(429, {"retry-after-ms": "1500"}, b"", 5.0, spec, now=T0)
    assert millis.retry_after == 1.5
    date = (T0 + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert classify(429, {"retry-after": date}, b"", 5.0, spec, now=T0).retry_after == 90.0
    body = _gemini(429, "RESOURCE_EXHAUSTED", "quota", GEMINI_RETRY)
    assert classify(429, {}, body, 5.0, spec, now=T0).retry_after == 41.0
    overloaded = classify(529, {"retry-after": "30"}, ANTHROPIC["overloaded_error"], 5, spec)
    assert overloaded.retry_after == 30.0


def test_latency_conditions_and_expectations() -> None:
    spec = ProbeSpec(
        name="p", url="https://x.example/", slow_ms=500, expect=(200, 401),
        condition=parse_condition('status == "ok"'),
    )  # fmt: skip
    ok = classify(200, {}, b'{"status": "ok"}', 499.0, spec)
    assert ok.verdict == "ok" and ok.reason == "HTTP 200 in 499 ms"
    slow = classify(200, {}, b'{"status": "ok"}', 2300.0, spec)
    assert slow.verdict == "degraded" and "2,300 ms" in slow.reason and slow.slow_ms == 500
    wrong = classify(200, {}, b'{"status": "degraded"}', 10.0, spec)
    assert (wrong.verdict, wrong.cause) == ("theirs", "unexpected")
    assert 'status is "degraded"' in wrong.reason
    html = classify(200, {}, b"<html>login</html>", 10.0, spec)
    assert html.verdict == "theirs" and "not JSON" in html.reason
    expected_401 = classify(401, {}, b'{"status": "ok"}', 10.0, spec)  # listed in expect
    assert expected_401.verdict == "ok"


def test_auth_reasons_say_whether_a_key_was_sent() -> None:
    spec = ProbeSpec(name="p", url="https://x.example/", token_name="openai")
    refused = _body({"error": "unauthorized"})
    sent = classify(401, {}, refused, 1.0, spec)
    assert sent.reason.startswith("your key was rejected")
    assert "trayapp secret set openai" in (sent.fix or "")
    none = classify(401, {}, refused, 1.0, replace(spec, token_name=None))
    assert none.reason.startswith("the API wants a key and the probe sends none")


def test_reasons_never_quote_free_text_from_the_body() -> None:
    spec = ProbeSpec(name="p", url="https://x.example/", token_name="k")
    body = _body({"error": {"type": "server_error", "message": f"you sent {TOKEN}"}})
    result = classify(500, {}, body, 1.0, spec)
    assert "you sent" not in result.reason and TOKEN not in result.reason


def test_the_witness_settles_connection_failures() -> None:
    failed = ProbeResult(
        "theirs", None, None, "could not reach their API: connection refused",
        cause="unreachable", connected=False,
    )  # fmt: skip
    offline = with_witness(failed, False)
    assert (offline.verdict, offline.cause) == ("yours", "offline") and not offline.pauses
    assert offline.reason.startswith("you are offline (connection refused")
    assert with_witness(failed, True) == failed
    assert with_witness(failed, None).cause == "unverified"
    assert with_witness(failed, None).neutral
    answered = classify(500, {}, b"", 1.0, ProbeSpec(name="p", url="https://x.example/"))
    assert with_witness(answered, False) == answered  # it connected: not a witness question


def test_scrub() -> None:
    assert scrub(f"a {TOKEN} b\n c", [TOKEN]) == "a *** b c"
    assert scrub(f"x {TOKEN}", [f" {TOKEN}\n"]) == "x ***"
    assert scrub("abc", [None, "", "ab"]) == "abc"  # too short to be a token: left alone


# --------------------------------------------------------------------------- runs against fakes


@pytest.fixture
async def client():
    async with make_client(timeout=5.0) as opened:
        yield opened


MODES = [
    ("ok", "ok", None),
    ("overloaded", "theirs", "overloaded"),
    ("server_error", "theirs", "server"),
    ("quota", "yours", "quota"),
    ("credit", "yours", "quota"),
    ("rate_limited", "rate_limited", "rate_limit"),
    ("forbidden", "yours", "auth"),
    ("html", "theirs", "unexpected"),
]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_every_case_against_each_providers_imitation(provider: str, client: Any) -> None:
    fake = ProviderFake(provider, TOKEN)  # type: ignore[arg-type]
    with ReplayServer(fake.routes()) as server:
        spec = replace(preset(provider, server.base_url), token_name=f"{provider}-key")
        for mode, verdict, cause in MODES:
            fake.mode = mode  # type: ignore[assignment]
            result = await run_probe(client, spec, TOKEN)
            assert (result.verdict, result.cause) == (verdict, cause), (mode, result.reason)
            assert TOKEN not in result.reason
        fake.mode = "ok"
        wrong = await run_probe(client, spec, "sk-wrong-0000000000000000000000000000")
        assert (wrong.verdict, wrong.cause) == ("yours", "auth")
        assert wrong.reason.startswith("your key was rejected") and wrong.pauses
        assert f"trayapp secret set {provider}-key" in (wrong.fix or "")
        bare = await run_probe(client, replace(spec, token_name=None), None)
        assert (bare.verdict, bare.cause) == ("yours", "auth")
        assert bare.reason.startswith("the API wants a key")
    rate = [r for r in fake.seen if r.path == LIST_PATH[provider]]
    assert len(rate) == len(MODES) + 2  # one request per run: no hidden retries


async def test_each_provider_gets_its_own_auth_header(client: Any) -> None:
    expected = {
        "openai": ("authorization", f"Bearer {TOKEN}"),
        "anthropic": ("x-api-key", TOKEN),
        "gemini": ("x-goog-api-key", TOKEN),
    }
    for provider in PROVIDERS:
        fake = ProviderFake(provider, TOKEN)
        with ReplayServer(fake.routes()) as server:
            result = await run_probe(client, preset(provider, server.base_url), TOKEN)
        assert result.verdict == "ok", (provider, result.reason)
        headers = fake.seen[-1].headers
        name, value = expected[provider]
        assert headers[name] == value
        others = {"authorization", "x-api-key", "x-goog-api-key"} - {name}
        assert not others & set(headers), provider
        if provider == "anthropic":
            assert headers["anthropic-version"] == "2023-06-01"


async def test_generation_presets_post_one_token(client: Any) -> None:
    for provider in PROVIDERS:
        fake = ProviderFake(provider, TOKEN)
        with ReplayServer(fake.routes()) as server:
            spec = preset(f"{provider}-generate", server.base_url)
            result = await run_probe(client, spec, TOKEN)
        assert result.verdict == "ok", (provider, result.reason)
        request = fake.seen[-1]
        assert request.method == "POST" and request.path == GENERATE_PATH[provider]
        assert request.headers["content-type"] == "application/json"
        body = json.loads(request.body)
        assert body.get("max_tokens", body.get("generationConfig", {}).get("maxOutputTokens")) == 1


async def test_slow_answers_are_degraded_and_silence_is_theirs(client: Any) -> None:
    fake = ProviderFake("openai", TOKEN, mode="slow", slow_seconds=0.25)
    with ReplayServer(fake.routes()) as server:
        spec = replace(preset("openai", server.base_url), slow_ms=100, timeout=2.0)
        slow = await run_probe(client, spec, TOKEN)
        assert slow.verdict == "degraded" and slow.latency_ms and slow.latency_ms >= 250
        fake.mode = "hang"
        hung = await run_probe(client, replace(spec, timeout=0.3), TOKEN)
    assert (hung.verdict, hung.cause, hung.connected) == ("theirs", "timeout", True)
    assert "did not answer" in hung.reason


async def test_a_refused_connection_needs_the_witness(client: Any) -> None:
    spec = ProbeSpec(name="p", url=refused_url("/v1/models"), token_name="k")
    result = await run_probe(client, spec, TOKEN)
    assert (result.verdict, result.cause, result.connected) == ("theirs", "unreachable", False)
    assert "connection refused" in result.reason
    assert with_witness(result, False).reason.startswith("you are offline")


async def test_a_missing_or_unsendable_token_sends_nothing(client: Any) -> None:
    fake = ProviderFake("openai", TOKEN)
    with ReplayServer(fake.routes()) as server:
        spec = replace(preset("openai", server.base_url), token_name="openai")
        missing = await run_probe(client, spec, None)
        assert (missing.verdict, missing.cause) == ("yours", "token_missing")
        assert "trayapp secret set openai" in (missing.fix or "") and missing.pauses
        broken = f"{TOKEN}\nX-Evil: 1"
        unsendable = await run_probe(client, spec, broken)
        assert (unsendable.verdict, unsendable.cause) == ("yours", "auth")
        assert TOKEN not in unsendable.reason
        padded = await run_probe(client, spec, f"  {TOKEN}\n")  # pasted with whitespace
        assert padded.verdict == "ok"
    assert len(fake.seen) == 1


# --------------------------------------------------------------------------- redirects


class Recorder:
    """A route that remembers the headers it saw and answers with ``reply``."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.seen: list[Request] = []

    def __call__(self, request: Request) -> Reply:
        self.seen.append(request)
        return self.reply


SECRET_HEADERS = {"authorization", "x-api-key", "x-goog-api-key"}


@pytest.mark.parametrize("auth", ["bearer", "x-api-key", "x-goog-api-key"])
async def test_a_cross_origin_redirect_drops_the_token(auth: str, client: Any) -> None:
    other = Recorder(Reply(200, '{"data": []}'))
    with ReplayServer({"/models": other}) as elsewhere:
        origin = Recorder(Reply(302, redirect=elsewhere.url("/models")))
        with ReplayServer({"/v1/models": origin}) as home:
            spec = ProbeSpec(
                name="p", url=home.url("/v1/models"), token_name="k", auth=auth,  # type: ignore[arg-type]
                headers=(("X-Probe", "tray"),),
            )  # fmt: skip
            result = await run_probe(client, spec, TOKEN)
    assert result.verdict == "ok"
    assert SECRET_HEADERS & set(origin.seen[0].headers)  # sent to its own origin
    assert other.seen, "the redirect was not followed"
    assert not SECRET_HEADERS & set(other.seen[0].headers)  # never to another
    assert TOKEN not in json.dumps(dict(other.seen[0].headers))
    assert other.seen[0].headers["x-probe"] == "tray"  # plain headers go on


async def test_same_origin_redirects_keep_the_token_until_one_leaves(client: Any) -> None:
    final = Recorder(Reply(401, '{"error": {"code": "invalid_api_key"}}'))
    with ReplayServer({"/back": final}) as elsewhere:
        hop = Recorder(Reply(307, redirect="/v1/models/"))  # relative, same origin
        with ReplayServer() as home:
            away = Recorder(Reply(302, redirect=elsewhere.url("/back")))
            home.set_route("/v1/models", hop)
            home.set_route("/v1/models/", away)
            spec = ProbeSpec(name="p", url=home.url("/v1/models"), token_name="k")
            result = await run_probe(client, spec, TOKEN)
    assert hop.seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert away.seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in final.seen[0].headers
    # the other host's 401 is about a request without the key, and says so
    assert result.verdict == "yours" and "sends none" in result.reason


async def test_a_redirect_to_another_port_is_another_origin(client: Any) -> None:
    with ReplayServer() as a, ReplayServer() as b:
        target = Recorder(Reply(200, "{}"))
        b.set_route("/x", target)
        a.set_route("/x", Reply(301, redirect=b.url("/x")))
        spec = ProbeSpec(name="p", url=a.url("/x"), token_name="k", auth="x-api-key")
        assert (await run_probe(client, spec, TOKEN)).verdict == "ok"
    assert "x-api-key" not in target.seen[0].headers


async def test_redirect_limits_and_method_changes(client: Any) -> None:
    with ReplayServer() as server:
        server.set_route("/loop", Reply(302, redirect="/loop"))
        looped = await run_probe(client, ProbeSpec(name="p", url=server.url("/loop")), None)
        assert looped.verdict == "theirs" and "redirects" in looped.reason
        assert server.stats.by_path["/loop"] == 6  # the first request and 5 hops, no more
        landing = Recorder(Reply(200, "{}"))
        server.set_route("/post", Reply(303, redirect="/landing"))
        server.set_route("/landing", landing)
        spec = ProbeSpec(name="p", url=server.url("/post"), method="POST", body=b"{}")
        assert (await run_probe(client, spec, None)).verdict == "ok"
        assert landing.seen[0].method == "GET" and landing.seen[0].body == b""
        server.set_route("/ftp", Reply(302, redirect="ftp://127.0.0.1/x"))
        ftp = await run_probe(client, ProbeSpec(name="p", url=server.url("/ftp")), None)
        assert ftp.verdict == "theirs" and "http" in ftp.reason


async def test_oversized_answers_are_cut_off(client: Any) -> None:
    with ReplayServer({"/big": Reply(200, b"x", huge=300_000, chunked=True)}) as server:
        spec = ProbeSpec(name="p", url=server.url("/big"))
        result = await run_probe(client, spec, None, max_bytes=100_000)
    assert result.verdict == "theirs" and "over 100,000 bytes" in result.reason


async def test_the_token_never_reaches_logs(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake = ProviderFake("anthropic", TOKEN)
    with ReplayServer(fake.routes()) as server:
        spec = replace(preset("anthropic", server.base_url), token_name="anthropic")
        for mode in ("ok", "overloaded", "quota"):
            fake.mode = mode  # type: ignore[assignment]
            await run_probe(client, spec, TOKEN)
        await run_probe(client, spec, TOKEN + "\x00")
    assert caplog.records, "nothing was logged at all: the check would prove nothing"
    assert TOKEN not in caplog.text


# --------------------------------------------------------------------------- state over time


def ok(ms: float = 100.0, slow_ms: int = 2000) -> ProbeResult:
    return ProbeResult("ok", 200, ms, f"HTTP 200 in {ms} ms", slow_ms=slow_ms)


def slow(ms: float, slow_ms: int = 2000) -> ProbeResult:
    return ProbeResult("degraded", 200, ms, "slow", slow_ms=slow_ms)


THEIRS = ProbeResult("theirs", 503, 30.0, "their API is overloaded", cause="overloaded")
RATE = ProbeResult("rate_limited", 429, 5.0, "rate limited", cause="rate_limit", retry_after=40)
OFFLINE = ProbeResult("yours", None, None, "you are offline", cause="offline", connected=False)
BAD_KEY = ProbeResult("yours", 401, 5.0, "your key was rejected", cause="auth", fix="set it")


def minute(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def fold(results: list[ProbeResult], start: ProbeState | None = None) -> ProbeState:
    state = start or ProbeState()
    for n, result in enumerate(results):
        state = probe_step(state, result, minute(n), fingerprint="fp1")
    return state


def test_the_first_success_counts_at_once_and_outages_need_confirming() -> None:
    assert fold([ok()]).health == "ok"
    assert fold([THEIRS]).health == "unknown"  # one failure proves nothing yet
    down = fold([ok(), THEIRS, THEIRS])
    assert down.health == "down" and down.down_since == minute(1) and down.since == minute(2)
    assert fold([ok(), THEIRS, ok(), THEIRS]).health == "ok"  # never two in a row
    still = fold([ok(), THEIRS, THEIRS, ok()])
    assert still.health == "down"  # recovery needs confirming too
    back = fold([ok()], still)
    assert back.health == "ok" and back.down_since is None


def test_neutral_results_neither_count_nor_reset() -> None:
    state = fold([ok(), THEIRS, RATE, OFFLINE, THEIRS])
    assert state.health == "down" and state.down_since == minute(1)
    assert state.failures == 4 and state.retry_after is None
    limited = fold([ok(), RATE])
    assert limited.health == "ok" and limited.retry_after == 40 and limited.failures == 1


def test_p50_latency_decides_degraded() -> None:
    assert fold([slow(2300)]).health == "ok"  # one slow answer is not a trend
    state = fold([ok(100), slow(2300), slow(2500)])
    assert state.health == "degraded" and state.p50 == 2300
    assert fold([ok(100)] * 6, state).health == "ok"  # only the recent samples count


def test_a_rejected_key_is_held_until_the_key_or_settings_change() -> None:
    once = fold([ok(), BAD_KEY])
    assert not once.paused  # a single 401 can be a glitch on their side
    paused = fold([ok(), BAD_KEY, BAD_KEY])
    assert paused.paused and paused.health == "yours"
    assert paused.paused_reason == "your key was rejected" and paused.paused_fix == "set it"
    assert resume_if_changed(paused, "fp1") is paused
    fresh = resume_if_changed(paused, "fp2")
    assert not fresh.paused and fresh.health == "ok" and fresh.failures == 0
    assert "fp1" not in repr(paused)  # the fingerprint stays out of reprs and logs


def test_probe_step_refuses_a_zero_confirmation() -> None:
    with pytest.raises(ValueError):
        probe_step(ProbeState(), ok(), T0, confirm=0)


# --------------------------------------------------------------------------- schedule


def test_the_schedule_is_polite() -> None:
    rng = random.Random(7)
    spec = replace(preset("openai"), interval=300.0)
    healthy = [next_delay(spec, ProbeState(down=False), rng) for _ in range(500)]
    assert all(240 <= d <= 360 for d in healthy) and max(healthy) - min(healthy) > 60
    retry = [next_delay(spec, ProbeState(failures=1), rng) for _ in range(500)]
    assert all(PROBE_FLOOR <= d <= 2 * PROBE_FLOOR for d in retry)
    backing = [next_delay(spec, ProbeState(failures=6), rng) for _ in range(500)]
    assert all(300 <= d <= 3600 for d in backing) and max(backing) > 1200
    capped = [next_delay(spec, ProbeState(failures=60), rng) for _ in range(100)]
    assert all(d <= 3600 for d in capped)
    waited = next_delay(spec, ProbeState(failures=1, retry_after=900), rng)
    assert waited == 900
    huge = next_delay(spec, ProbeState(failures=1, retry_after=10**9), rng)
    assert huge == 6 * 3600
    assert next_delay(spec, ProbeState(paused=True), rng) == YOURS_RECHECK  # never for ever


def test_no_schedule_goes_below_the_floor() -> None:
    rng = random.Random(3)
    tight = replace(preset("openai"), interval=1.0)
    assert min(next_delay(tight, ProbeState(failures=n), rng) for n in range(8)) >= PROBE_FLOOR
    generate = preset("openai-generate")
    delays = [next_delay(generate, ProbeState(failures=n), rng) for n in range(8)]
    assert min(delays) >= COSTS_TOKENS_FLOOR  # type: ignore[type-var]
    local = ProbeSpec(name="p", url="http://127.0.0.1:1/", interval=2.0)
    assert next_delay(local, ProbeState(), rng, floor=1.0) <= 2.4  # type: ignore[operator]


async def test_a_failing_key_is_held_as_yours_and_re_checked_slowly(client: Any) -> None:
    """A small scheduler loop over the pure parts: after a confirmed key error the probe is
    re-checked every 30 min, never parked for ever; a new token gets it going again."""
    fake = ProviderFake("gemini", TOKEN)
    rng = random.Random(1)
    with ReplayServer(fake.routes()) as server:
        spec = replace(preset("gemini", server.base_url), token_name="gemini")
        token = "AIzaWrongWrongWrongWrongWrongWrong123"
        state, now, delays = ProbeState(), T0, []
        for _ in range(4):
            state = resume_if_changed(state, fingerprint(spec, token))
            result = await run_probe(client, spec, token)
            state = probe_step(state, result, now, fingerprint=fingerprint(spec, token))
            delays.append(next_delay(spec, state, rng))
            now += timedelta(seconds=delays[-1])
        assert state.paused and len(fake.seen) == 4
        assert state.paused_reason and state.paused_reason.startswith("your key was rejected")
        assert delays[1:] == [YOURS_RECHECK] * 3  # held: slow, but still looking
        token = TOKEN  # the user stored a new key
        state = resume_if_changed(state, fingerprint(spec, token))
        assert not state.paused
        state = probe_step(state, await run_probe(client, spec, token), now)
    assert state.health == "ok" and len(fake.seen) == 5


# --------------------------------------------------------------------------- whose 401/403

CHALLENGE = b"<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>"


@pytest.mark.parametrize(
    ("headers", "body", "why"),
    [
        ({"content-type": "text/html"}, CHALLENGE, "a challenge page"),
        ({"cf-mitigated": "challenge"}, b"{}", "a challenge page"),
        ({"content-type": "text/html"}, b"<html><body>Forbidden</body></html>", "an HTML page"),
        ({}, b"", "an empty body"),
        ({}, b"Forbidden", "a body that is not JSON"),
    ],
)
@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("name", ["openai", "anthropic", "gemini", None])
def test_their_edge_refusing_is_theirs(
    status: int, headers: dict[str, str], body: bytes, why: str, name: str | None
) -> None:
    spec = preset(name) if name else ProbeSpec(name="p", url="https://x.example/", token_name="k")
    result = classify(status, headers, body, 5.0, spec, sent_token=True)
    assert (result.verdict, result.cause) == ("theirs", "edge"), result.reason
    assert result.reason == f"their edge refused the request (HTTP {status}, {why})"


DOCUMENTED = [
    ("openai", 401, {"error": {"message": "Incorrect API key provided: sk-***.",
                               "type": "invalid_request_error", "code": "invalid_api_key"}}),
    ("anthropic", 401, {"type": "error", "error": {"type": "authentication_error",
                                                   "message": "invalid x-api-key"}}),
    ("anthropic", 403, {"type": "error", "error": {"type": "permission_error", "message": "x"}}),
    ("gemini", 401, {"error": {"code": 401, "message": "x", "status": "UNAUTHENTICATED"}}),
    ("gemini", 403, {"error": {"code": 403, "message": "x", "status": "PERMISSION_DENIED"}}),
    ("gemini", 400, {"error": {"code": 400, "message": "API key not valid.",
                               "status": "INVALID_ARGUMENT",
                               "details": [{"reason": "API_KEY_INVALID"}]}}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "status", "data"), DOCUMENTED)
def test_each_presets_documented_key_error_is_yours(name: str, status: int, data: Any) -> None:
    for spec in (preset(name), preset(f"{name}-generate")):
        result = classify(status, {"content-type": "application/json"}, _body(data), 5.0, spec)
        assert (result.verdict, result.cause) == ("yours", "auth"), result.reason
        assert result.signature is None  # documented: no need to see it twice


@pytest.mark.parametrize(("name", "status", "data"), DOCUMENTED)
def test_another_providers_key_error_is_not_a_presets_key_error(
    name: str, status: int, data: Any
) -> None:
    """Each preset keeps its own identifiers: Gemini's shape at OpenAI's host is not OpenAI's
    documented key error (a proxy or edge in between answered)."""
    other = "gemini" if name != "gemini" else "openai"
    result = classify(status, {}, _body(data), 5.0, preset(other))
    assert result.verdict != "yours" or result.cause != "auth", (other, result.reason)


def test_a_custom_probe_needs_the_same_refusal_on_consecutive_tries() -> None:
    spec = ProbeSpec(name="p", url="https://x.example/", token_name="k")
    first = classify(401, {}, _body({"error": "bad token"}), 5.0, spec)
    other = classify(401, {}, _body({"error": "try later", "id": 7}), 5.0, spec)
    assert first.verdict == other.verdict == "yours" and first.signature != other.signature
    alternating = fold([ok(), first, other, first, other])
    assert not alternating.paused and alternating.health == "ok"
    same = fold([ok(), first, first])
    assert same.paused and same.health == "yours"


def test_in_outage_the_probe_looks_every_problem_interval_unless_asked_to_wait() -> None:
    rng = random.Random(5)
    spec = replace(preset("openai"), interval=300.0)
    down = ProbeState(down=True, failures=12)
    delays = [next_delay(spec, down, rng) for _ in range(500)]
    assert all(48 <= d <= 60 for d in delays)  # never above one problem interval
    confirming = ProbeState(down=True, pending="up", pending_count=1)
    assert all(48 <= next_delay(spec, confirming, rng) <= 60 for _ in range(100))
    told = next_delay(spec, replace(down, retry_after=600), rng)
    assert told == 600  # the server asked for patience
    limited = replace(down, last=RATE)
    assert min(next_delay(spec, limited, rng) for _ in range(100)) >= 300  # 429: back off
