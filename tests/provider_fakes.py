"""Loopback imitations of the OpenAI, Anthropic and Gemini APIs, for probe tests.

Each fake is a callable route for ``trayapp.demo.replay.ReplayServer``: it checks the auth
header the way the provider does (OpenAI ``Authorization: Bearer``, Anthropic ``x-api-key`` plus
``anthropic-version``, Gemini ``x-goog-api-key``) and answers with the status codes, bodies and
headers the providers document for each case. Bodies are written here from the documented
shapes; ``mode`` switches the case a test wants. Also: an in-memory keyring for tokens.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import keyring
import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from trayapp.demo.replay_routes import Reply, Request

Provider = Literal["openai", "anthropic", "gemini"]
Mode = Literal[
    "ok", "slow", "overloaded", "server_error", "quota", "credit", "rate_limited", "forbidden",
    "hang", "html",
]  # fmt: skip
PROVIDERS: tuple[Provider, ...] = ("openai", "anthropic", "gemini")

LIST_PATH: dict[Provider, str] = {
    "openai": "/v1/models",
    "anthropic": "/v1/models",
    "gemini": "/v1beta/models",
}
GENERATE_PATH: dict[Provider, str] = {
    "openai": "/v1/chat/completions",
    "anthropic": "/v1/messages",
    "gemini": "/v1beta/models/gemini-2.5-flash-lite:generateContent",
}


def _json(status: int, data: Any, headers: dict[str, str] | None = None, **kw: Any) -> Reply:
    return Reply(status, json.dumps(data), headers=headers or {}, **kw)


@dataclass
class ProviderFake:
    """One provider's API. ``token`` is the only key it accepts; ``mode`` what it does."""

    provider: Provider
    token: str
    mode: Mode = "ok"
    slow_seconds: float = 0.3
    seen: list[Request] = field(default_factory=list)

    def routes(self) -> dict[str, Callable[[Request], Reply]]:
        return {LIST_PATH[self.provider]: self, GENERATE_PATH[self.provider]: self}

    def __call__(self, request: Request) -> Reply:
        self.seen.append(request)
        refused = self._auth(request)
        if refused is not None:
            return refused
        return getattr(self, f"_{self.provider}")(request)

    # ----- authentication, as each provider does it

    def _auth(self, request: Request) -> Reply | None:
        h = request.headers
        if self.provider == "openai":
            given = h.get("authorization", "")
            if not given:
                return _json(401, _openai_error(
                    "You didn't provide an API key. You need to provide your API key in an "
                    "Authorization header using Bearer auth.", "invalid_request_error", None,
                ))  # fmt: skip
            if given != f"Bearer {self.token}":
                key = given.removeprefix("Bearer ")
                return _json(401, _openai_error(
                    f"Incorrect API key provided: {key[:3]}*****{key[-4:]}. You can find your "
                    "API key at https://platform.openai.com/account/api-keys.",
                    "invalid_request_error", "invalid_api_key",
                ))  # fmt: skip
            return None
        if self.provider == "anthropic":
            if "anthropic-version" not in h:
                return _json(400, _anthropic_error(
                    "invalid_request_error", "anthropic-version: header is required"
                ))  # fmt: skip
            if h.get("x-api-key") != self.token:
                return _json(401, _anthropic_error("authentication_error", "invalid x-api-key"))
            return None
        given = h.get("x-goog-api-key")
        if given is None:
            return _json(403, _gemini_error(
                403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers "
                "without established identity). Please use API Key or other form of API "
                "consumer identity to call this API.",
            ))  # fmt: skip
        if given != self.token:
            return _json(400, _gemini_error(
                400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
                [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                  "domain": "googleapis.com",
                  "metadata": {"service": "generativelanguage.googleapis.com"}}],
            ))  # fmt: skip
        return None

    # ----- answers per provider and mode

    def _common(self, request: Request) -> Reply | None:
        if self.mode == "slow":
            return None  # answered normally, after a delay (see _ok)
        if self.mode == "hang":
            return Reply(hang=True)
        if self.mode == "html":
            return Reply(200, "<html><body>Sign in</body></html>", content_type="text/html")
        return None

    def _ok(self, data: Any) -> Reply:
        delay = self.slow_seconds if self.mode == "slow" else 0.0
        return _json(200, data, delay=delay)

    def _openai(self, request: Request) -> Reply:
        common = self._common(request)
        if common is not None:
            return common
        match self.mode:
            case "overloaded":
                return _json(503, _openai_error(
                    "The server is overloaded, please try again later.",
                    "service_unavailable_error", "server_is_overloaded",
                ))  # fmt: skip
            case "server_error":
                return _json(500, _openai_error(
                    "The server had an error while processing your request. Sorry about that!",
                    "server_error", None,
                ))  # fmt: skip
            case "quota" | "credit":
                return _json(429, _openai_error(
                    "You exceeded your current quota, please check your plan and billing "
                    "details.", "insufficient_quota", "insufficient_quota",
                ))  # fmt: skip
            case "rate_limited":
                return _json(429, _openai_error(
                    "Rate limit reached for gpt-4o-mini in organization org-lab on requests "
                    "per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s. You "
                    "can increase your rate limit by adding a payment method to your account at "
                    "https://platform.openai.com/account/billing.",
                    "requests", "rate_limit_exceeded",
                ), headers={"retry-after": "20", "x-ratelimit-remaining-requests": "0"},
                )  # fmt: skip
            case "forbidden":
                return _json(403, _openai_error(
                    "Country, region, or territory not supported", "request_forbidden",
                    "unsupported_country_region_territory",
                ))  # fmt: skip
        if request.method == "POST":
            return self._ok({
                "id": "chatcmpl-lab1", "object": "chat.completion", "created": 1730000000,
                "model": "gpt-4o-mini-2024-07-18",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                             "finish_reason": "length"}],
                "usage": {"prompt_tokens": 14, "completion_tokens": 1, "total_tokens": 15},
            })  # fmt: skip
        return self._ok({
            "object": "list",
            "data": [
                {"id": "gpt-4o-mini", "object": "model", "created": 1721172741,
                 "owned_by": "system"},
                {"id": "text-embedding-3-small", "object": "model", "created": 1705948997,
                 "owned_by": "system"},
            ],
        })  # fmt: skip

    def _anthropic(self, request: Request) -> Reply:
        common = self._common(request)
        if common is not None:
            return common
        match self.mode:
            case "overloaded":
                return _json(529, _anthropic_error("overloaded_error", "Overloaded"))
            case "server_error":
                return _json(500, _anthropic_error("api_error", "Internal server error"))
            case "quota":
                body = _anthropic_error(
                    "rate_limit_error",
                    "Your organization has reached its monthly spend limit for its usage tier.",
                )
                body["error"]["details"] = {"error_code": "enforced_spend_limit_reached"}
                return _json(429, body)
            case "credit":
                return _json(400, _anthropic_error(
                    "invalid_request_error", "Your credit balance is too low to access the "
                    "Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
                ))  # fmt: skip
            case "rate_limited":
                return _json(429, _anthropic_error(
                    "rate_limit_error", "This request would exceed the rate limit for your "
                    "organization of 50 requests per minute. Please try again later.",
                ), headers={"retry-after": "15",
                            "anthropic-ratelimit-requests-remaining": "0"},
                )  # fmt: skip
            case "forbidden":
                return _json(403, _anthropic_error(
                    "permission_error", "Your API key does not have permission to use the "
                    "specified resource.",
                ))  # fmt: skip
        if request.method == "POST":
            return self._ok({
                "id": "msg_lab1", "type": "message", "role": "assistant",
                "model": "claude-haiku-4-5", "content": [{"type": "text", "text": "ok"}],
                "stop_reason": "max_tokens", "stop_sequence": None,
                "usage": {"input_tokens": 14, "output_tokens": 1},
            })  # fmt: skip
        return self._ok({
            "data": [
                {"type": "model", "id": "claude-sonnet-4-5",
                 "display_name": "Claude Sonnet 4.5", "created_at": "2025-09-29T00:00:00Z"},
                {"type": "model", "id": "claude-haiku-4-5",
                 "display_name": "Claude Haiku 4.5", "created_at": "2025-10-01T00:00:00Z"},
            ],
            "has_more": False, "first_id": "claude-sonnet-4-5", "last_id": "claude-haiku-4-5",
        })  # fmt: skip

    def _gemini(self, request: Request) -> Reply:
        common = self._common(request)
        if common is not None:
            return common
        match self.mode:
            case "overloaded":
                return _json(503, _gemini_error(
                    503, "UNAVAILABLE", "The model is overloaded. Please try again later."
                ))  # fmt: skip
            case "server_error":
                return _json(500, _gemini_error(
                    500, "INTERNAL", "An internal error has occurred. Please retry."
                ))  # fmt: skip
            case "quota" | "credit":
                return _json(429, _gemini_error(
                    429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check "
                    "your plan and billing details.",
                ))  # fmt: skip
            case "rate_limited":
                # Gemini says "quota" for per-minute limits too; the retry delay is in the body
                return _json(429, _gemini_error(
                    429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check "
                    "your plan and billing details.",
                    [{"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
                        {"quotaMetric": "generativelanguage.googleapis.com/"
                         "generate_content_free_tier_requests",
                         "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},
                     {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "30s"}],
                ))  # fmt: skip
            case "forbidden":
                return _json(403, _gemini_error(
                    403, "PERMISSION_DENIED", "The caller does not have permission"
                ))  # fmt: skip
        if request.method == "POST":
            return self._ok({
                "candidates": [{"content": {"parts": [{"text": "ok"}], "role": "model"},
                                "finishReason": "MAX_TOKENS", "index": 0}],
                "usageMetadata": {"promptTokenCount": 7, "candidatesTokenCount": 1,
                                  "totalTokenCount": 8},
                "modelVersion": "gemini-2.5-flash-lite",
            })  # fmt: skip
        return self._ok({
            "models": [
                {"name": "models/gemini-2.5-flash", "version": "001",
                 "displayName": "Gemini 2.5 Flash", "inputTokenLimit": 1048576,
                 "outputTokenLimit": 65536,
                 "supportedGenerationMethods": ["generateContent", "countTokens"]},
                {"name": "models/gemini-2.5-flash-lite", "version": "001",
                 "displayName": "Gemini 2.5 Flash-Lite", "inputTokenLimit": 1048576,
                 "outputTokenLimit": 65536,
                 "supportedGenerationMethods": ["generateContent", "countTokens"]},
            ],
            "nextPageToken": "Ch1tb2RlbHMvZ2VtaW5pLTIuNS1mbGFzaC1saXRl",
        })  # fmt: skip


def _openai_error(message: str, type_: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def _anthropic_error(type_: str, message: str) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {"type": type_, "message": message},
        "request_id": "req_011CLabFakeRequest0001",
    }


def _gemini_error(
    code: int, status: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return {"error": error}


# --------------------------------------------------------------------------- keyring


class MemoryKeyring(KeyringBackend):
    """A keyring in a dict; never auto-selected, only installed by ``use_memory_keyring``."""

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


def use_memory_keyring(monkeypatch: pytest.MonkeyPatch) -> MemoryKeyring:
    """Install an in-memory keyring for one test (the process's own comes back afterwards)."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend
