"""Active probes: check a service's own API, and say whose problem a failure is.

A status page tells what its operator admits; a probe tells what the API does for you right now.
Every probe result is classified, because the right reaction differs:

- **theirs**: 5xx, 529, their overload bodies (``overloaded_error``, ``server_is_overloaded``,
  ``UNAVAILABLE``), a timeout after connecting, a connection failure while the network works,
  and their edge refusing: a 401/403 whose body is a challenge (``cf-mitigated: challenge``,
  "Just a moment…"), an HTML page, empty or not JSON; for a preset, any 401/403 that is not
  the provider's documented key error (``AUTH_ERRORS``);
- **yours**: the key was rejected (the provider's documented authentication error; for a custom
  probe, a JSON 401/403 that is the same on consecutive tries), quota or spend limit reached
  (``insufficient_quota``, credit balance, usage limits), a request the API refuses as wrong
  (other 4xx), or you are offline (a connection failure while the witness fails too);
- **rate_limited**: a 429 without quota words: back off (Retry-After honoured), not an outage.

``classify`` is pure; ``run_probe`` sends one request through the shared edge
(``fetch.request``: one deadline, redirects that never carry the token to another origin),
and never sends a token over plain http:// to a host other than this machine. Tokens come only
from the keyring (the caller passes the value); they never appear in a reason, an exception
or a log line.

``ProbeState`` + ``probe_step`` fold results over time (confirm before flipping, p50 latency,
hold a confirmed "yours"); ``next_delay`` is the polite schedule. Nothing is parked for ever: a
"yours" is re-checked every ``YOURS_RECHECK`` (30 min), and at once on "Check now", on a token or
settings change and when the network comes back (the engine wakes it). While a probe is in
outage it runs every ``problem_interval`` (60 s by default), further apart only when the server
asks (Retry-After, 429), so "it's back" is seen within one interval plus confirmation.

JSON conditions (``json = "..."`` in the config, ``--condition`` on the command line) are tiny
expressions, parsed without eval::

    condition = path " exists" | path " " op " " value
    path      = segment *("." segment)   ; a key, or a list index (0, 1, -1 for the last)
    segment   = letters, digits, _ or -, or a "quoted key" for keys with dots or spaces
    op        = == | != | < | <= | > | >=
    value     = a JSON scalar: "text", 12, 1.5, true, false, null

    data.0.id exists        status == "ok"        count >= 1        "a.b".x != null

``==``/``!=`` compare strictly (true is not 1); ordering compares two numbers or two strings.
A missing path fails every operator.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from trayapp.probes.condition import Condition, parse_condition

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

ProbeVerdict = Literal["ok", "degraded", "theirs", "yours", "rate_limited"]
AuthScheme = Literal["bearer", "x-api-key", "x-goog-api-key"]
# One word for why a result is what it is (None for ok/degraded):
#   theirs: server, overloaded, timeout, unreachable, unexpected, edge (their edge refused)
#   yours: auth, quota, request, token_missing, offline
#   rate_limited: rate_limit;  unverified: a connection failure the witness could not judge
Cause = Literal[
    "server",
    "overloaded",
    "timeout",
    "unreachable",
    "unexpected",
    "edge",
    "auth",
    "quota",
    "request",
    "token_missing",
    "offline",
    "rate_limit",
    "unverified",
]

AUTH_SCHEMES: tuple[str, ...] = ("bearer", "x-api-key", "x-goog-api-key")
PROBE_FLOOR = 60.0  # seconds: no probe of a public host runs more often
COSTS_TOKENS_FLOOR = 1800.0  # a generation check spends tokens: at most every 30 min
DEFAULT_INTERVAL = 300.0
PROBLEM_INTERVAL = 60.0  # while in outage: how often a probe looks for the recovery
YOURS_RECHECK = 1800.0  # a confirmed "yours" (key, quota, settings) is re-checked this often
DEFAULT_SLOW_MS = 2000
MAX_BODY = 2 * 1024 * 1024  # model lists are tens of kB
LATENCY_SAMPLES = 5  # p50 over this many recent successful results
MIN_SLOW_SAMPLES = 2  # one slow answer is not "degraded"

# Causes that need the user to act: held as "yours", re-checked every YOURS_RECHECK.
PAUSING: frozenset[str] = frozenset({"auth", "quota", "request", "token_missing"})
# Results that say nothing about the service: they neither confirm nor clear anything.
NEUTRAL: frozenset[str] = frozenset({"offline", "unverified", "rate_limit"})

# Headers that would carry a credential: never from the config or the command line.
_SECRET_HEADER = re.compile(
    r"auth|token|secret|key|cookie|password|passwd|session|credential|signature", re.I
)
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}")
_HEADER_VALUE = re.compile(r"[\x20-\x7e]{0,512}")
_TOKEN_CHARS = re.compile(r"[\x21-\x7e]{1,4096}")


# --------------------------------------------------------------------------- JSON conditions


# --------------------------------------------------------------------------- specs and presets


@dataclass(frozen=True, slots=True)
class ProbeSpec:
    """One active check. ``headers`` never hold secrets: the token comes from the keyring entry
    ``token_name`` and is sent the ``auth`` way. ``interval`` is in seconds (see ``floor``)."""

    name: str
    url: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    expect: tuple[int, ...] = (200,)
    slow_ms: int = DEFAULT_SLOW_MS
    condition: Condition | None = None
    token_name: str | None = None
    auth: AuthScheme = "bearer"
    body: bytes | None = None  # sent as JSON (the generation presets)
    interval: float = DEFAULT_INTERVAL
    timeout: float = 10.0
    costs_tokens: bool = False
    preset: str | None = None
    label: str = ""  # a few words for menus: "OpenAI: list models"

    @property
    def floor(self) -> float:
        """The shortest interval this probe may run at on a public host."""
        return COSTS_TOKENS_FLOOR if self.costs_tokens else PROBE_FLOOR

    @property
    def title(self) -> str:
        text = self.label or self.name
        return f"{text} (costs tokens)" if self.costs_tokens and "costs" not in text else text


def _json_body(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


_PING = "Reply with one word: ok"
# fmt: off
PRESETS: Mapping[str, ProbeSpec] = {
    "openai": ProbeSpec(
        name="openai", url="https://api.openai.com/v1/models", auth="bearer",
        condition=parse_condition("data exists"), preset="openai",
        label="OpenAI API: list models",
    ),
    "anthropic": ProbeSpec(
        name="anthropic", url="https://api.anthropic.com/v1/models", auth="x-api-key",
        headers=(("anthropic-version", "2023-06-01"),),
        condition=parse_condition("data exists"), preset="anthropic",
        label="Anthropic API: list models",
    ),
    "gemini": ProbeSpec(
        name="gemini", url="https://generativelanguage.googleapis.com/v1beta/models",
        auth="x-goog-api-key", condition=parse_condition("models exists"), preset="gemini",
        label="Gemini API: list models",
    ),
    # Opt-in only: each run generates one token, billed to the user's account.
    "openai-generate": ProbeSpec(
        name="openai-generate", url="https://api.openai.com/v1/chat/completions",
        method="POST", auth="bearer",
        body=_json_body({"model": "gpt-4o-mini", "max_tokens": 1,
                         "messages": [{"role": "user", "content": _PING}]}),
        condition=parse_condition("choices.0 exists"), slow_ms=10_000, timeout=30.0,
        interval=3600.0, costs_tokens=True, preset="openai-generate",
        label="OpenAI API: one-token generation (costs tokens)",
    ),
    "anthropic-generate": ProbeSpec(
        name="anthropic-generate", url="https://api.anthropic.com/v1/messages",
        method="POST", auth="x-api-key", headers=(("anthropic-version", "2023-06-01"),),
        body=_json_body({"model": "claude-haiku-4-5", "max_tokens": 1,
                         "messages": [{"role": "user", "content": _PING}]}),
        condition=parse_condition("content exists"), slow_ms=10_000, timeout=30.0,
        interval=3600.0, costs_tokens=True, preset="anthropic-generate",
        label="Anthropic API: one-token generation (costs tokens)",
    ),
    "gemini-generate": ProbeSpec(
        name="gemini-generate",
        url="https://generativelanguage.googleapis.com/v1beta/models/"
        "gemini-2.5-flash-lite:generateContent",
        method="POST", auth="x-goog-api-key",
        body=_json_body({"contents": [{"parts": [{"text": _PING}]}],
                         "generationConfig": {"maxOutputTokens": 1}}),
        condition=parse_condition("candidates exists"), slow_ms=10_000, timeout=30.0,
        interval=3600.0, costs_tokens=True, preset="gemini-generate",
        label="Gemini API: one-token generation (costs tokens)",
    ),
}
# fmt: on
LIST_PRESETS: tuple[str, ...] = ("openai", "anthropic", "gemini")


def preset(name: str, base_url: str | None = None) -> ProbeSpec:
    """The preset ``name``; with ``base_url`` its path is appended to that origin (and prefix),
    so a test can point it at a loopback fake or a user at a gateway."""
    try:
        spec = PRESETS[name.strip().lower()]
    except KeyError:
        known = ", ".join(PRESETS)
        raise ValueError(f"unknown probe preset {name!r}; known: {known}") from None
    if base_url is None:
        return spec
    return replace(spec, url=rebase(spec.url, base_url))


def rebase(url: str, base_url: str) -> str:
    """``url``'s path and query on ``base_url``'s origin, after any prefix it has; a
    ``base_url`` that already ends with that path is taken as it is."""
    parts, base = urlsplit(url), urlsplit(base_url)
    if base.scheme not in ("http", "https") or not base.netloc:
        raise ValueError("a base URL must be an http:// or https:// URL with a host")
    prefix = base.path.rstrip("/")
    path = prefix if prefix.endswith(parts.path.rstrip("/")) else prefix + parts.path
    query = f"?{parts.query}" if parts.query else ""
    return f"{base.scheme}://{base.netloc}{path}{query}"


def check_header(name: str, value: str) -> tuple[str, str]:
    """A header a probe may carry from the config or the command line.

    Credentials are refused (by name or by shape); errors never repeat the value.
    """
    from trayapp.probes.credentials import looks_like_secret

    name = name.strip()
    if not _HEADER_NAME.fullmatch(name):
        raise ValueError("a header name is 1-64 letters, digits or -_ (e.g. X-Probe)")
    if _SECRET_HEADER.search(name) and name.lower() != "anthropic-version":
        raise ValueError(
            f"header {name} would carry a credential: store the token with "
            "`trayapp secret set NAME` and name it as the probe's token instead"
        )
    value = value.strip()
    if not _HEADER_VALUE.fullmatch(value):
        raise ValueError(f"header {name} must be one line of printable ASCII (at most 512)")
    if looks_like_secret(value):
        raise ValueError(
            f"the value of header {name} looks like a secret: store it with "
            "`trayapp secret set NAME` and name it as the probe's token instead"
        )
    return name, value


def parse_expect(text: str | Iterable[int]) -> tuple[int, ...]:
    """Expected status codes from "200", "200,204" or "200-299" (or a list of ints)."""
    if not isinstance(text, str):
        codes = list(text)
        if not codes or not all(isinstance(c, int) and not isinstance(c, bool) for c in codes):
            raise ValueError("expect must list HTTP status codes, e.g. [200, 204]")
    else:
        codes = []
        for piece in text.split(","):
            low, dash, high = piece.strip().partition("-")
            if not low.strip().isdigit() or (dash and not high.strip().isdigit()):
                raise ValueError('expect takes codes and ranges, e.g. "200", "200,204", "200-299"')
            first, last = int(low), int(high) if dash else int(low)
            if last < first or last - first > 299:
                raise ValueError(f"expect range {piece.strip()} is empty or too wide")
            codes.extend(range(first, last + 1))
    if not all(100 <= c <= 599 for c in codes):
        raise ValueError("expected status codes are between 100 and 599")
    return tuple(sorted(set(codes)))


def fingerprint(spec: ProbeSpec, token: str | None) -> str:
    """A short digest of the settings and the token: a paused probe resumes when it changes.

    One-way and truncated: it tells "changed" from "same", and gives nothing of the token away.
    """
    digest = hashlib.sha256(b"trayapp-probe\0" + repr(spec).encode())
    digest.update(b"\0" + (token or "").encode())
    return digest.hexdigest()[:16]


# --------------------------------------------------------------------------- results


# The documented authentication errors of each provider, by HTTP status: which identifier
# (OpenAI error.code or error.type, Anthropic error.type, Gemini error.status or
# ErrorInfo.reason) says "your key was rejected". Anything else at 401/403 from a preset's
# host is their edge or their bug, not your key.
#   OpenAI: 401 {"error": {"code": "invalid_api_key", "type": "invalid_request_error"}},
#           403 "unsupported_country_region_territory" (your region: also on your side)
#   Anthropic: 401 {"type": "error", "error": {"type": "authentication_error"}},
#              403 ... "permission_error"
#   Gemini: 401 {"error": {"status": "UNAUTHENTICATED"}}, 403 "PERMISSION_DENIED",
#           400 "INVALID_ARGUMENT" with ErrorInfo reason "API_KEY_INVALID"
AUTH_ERRORS: Mapping[str, Mapping[int, frozenset[str]]] = {
    "openai": {
        401: frozenset({"invalid_api_key", "invalid_authentication", "invalid_request_error"}),
        403: frozenset(
            {"invalid_api_key", "invalid_authentication", "unsupported_country_region_territory"}
        ),
    },
    "anthropic": {
        401: frozenset({"authentication_error"}),
        403: frozenset({"permission_error", "authentication_error"}),
    },
    "gemini": {
        400: frozenset({"API_KEY_INVALID"}),
        401: frozenset({"UNAUTHENTICATED", "API_KEY_INVALID"}),
        403: frozenset({"PERMISSION_DENIED", "API_KEY_INVALID"}),
    },
}


# --------------------------------------------------------------------------- one run


# --------------------------------------------------------------------------- state over time

Health = Literal["unknown", "ok", "degraded", "down", "yours"]
