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
import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from trayapp.errors import ConditionError, FetchError
from trayapp.net.backoff import backoff_delay
from trayapp.urls import plain_text_secret

if TYPE_CHECKING:
    import httpx

    from trayapp.errors import FetchError

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

Op = Literal["exists", "==", "!=", "<", "<=", ">", ">="]
_SEGMENT = r'(?:"[^"]*"|[A-Za-z0-9_-]+)'
_CONDITION = re.compile(
    rf"\s*(?P<path>{_SEGMENT}(?:\.{_SEGMENT})*)\s+"
    r"(?:(?P<exists>exists)|(?P<op>==|!=|<=|>=|<|>)\s*(?P<value>.+?))\s*"
)
_MISSING = object()


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed JSON condition: ``path`` of keys (str) and list indices (int), an operator and,
    except for ``exists``, a JSON scalar to compare with."""

    path: tuple[str | int, ...]
    op: Op
    value: str | int | float | bool | None = None
    text: str = ""

    def check(self, data: Any) -> tuple[bool, str]:
        """Whether ``data`` (parsed JSON) satisfies the condition, and a few words on why not."""
        found = _walk(data, self.path)
        where = self.path_text
        if found is _MISSING:
            return False, f"{where} is missing"
        if self.op == "exists":
            return True, ""
        if self.op in ("==", "!="):
            equal = _strict_equal(found, self.value)
            return (equal if self.op == "==" else not equal), f"{where} is {_show(found)}"
        if not _orderable(found, self.value):
            return False, f"{where} is {_show(found)}, which cannot be compared with {self.op}"
        holds = {
            "<": found < self.value,  # type: ignore[operator]
            "<=": found <= self.value,  # type: ignore[operator]
            ">": found > self.value,  # type: ignore[operator]
            ">=": found >= self.value,  # type: ignore[operator]
        }[self.op]
        return holds, f"{where} is {_show(found)}"

    @property
    def path_text(self) -> str:
        return ".".join(
            str(p) if isinstance(p, int) or re.fullmatch(r"[A-Za-z0-9_-]+", p) else f'"{p}"'
            for p in self.path
        )


def parse_condition(text: str) -> Condition:
    """Parse ``text`` (see the module docstring); ConditionError says what is accepted."""
    match = _CONDITION.fullmatch(text or "")
    if not match:
        raise ConditionError(
            'a JSON condition is "PATH exists" or "PATH OP VALUE" with OP one of '
            '== != < <= > >= and VALUE a JSON scalar, e.g. data.0.id exists, status == "ok"'
        )
    path = tuple(_segment(s) for s in re.findall(_SEGMENT, match.group("path")))
    if match.group("exists"):
        return Condition(path, "exists", text=text.strip())
    raw = match.group("value")
    try:
        value = json.loads(raw)
    except ValueError:
        raise ConditionError(
            f"the value to compare with must be JSON: a quoted string, a number, true, false "
            f"or null (got {raw[:40]!r})"
        ) from None
    if isinstance(value, list | dict):
        raise ConditionError("the value to compare with must be a string, number, bool or null")
    op: Op = match.group("op")  # type: ignore[assignment]
    if op not in ("==", "!=") and not _orderable(value, value):
        raise ConditionError(f"{op} compares numbers or strings, not {raw.strip()}")
    return Condition(path, op, value, text=text.strip())


def _segment(raw: str) -> str | int:
    if raw.startswith('"'):
        return raw[1:-1]
    return int(raw) if re.fullmatch(r"-?\d+", raw) else raw


def _walk(data: Any, path: Sequence[str | int]) -> Any:
    current = data
    for segment in path:
        if isinstance(current, dict):
            current = current.get(str(segment), _MISSING)
        elif isinstance(current, list) and isinstance(segment, int):
            in_range = -len(current) <= segment < len(current)
            current = current[segment] if in_range else _MISSING
        else:
            return _MISSING
        if current is _MISSING:
            return _MISSING
    return current


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _strict_equal(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    return type(a) is type(b) and a == b


def _orderable(a: Any, b: Any) -> bool:
    return (_is_number(a) and _is_number(b)) or (isinstance(a, str) and isinstance(b, str))


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


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


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one probe run found. ``reason`` is one line that never holds the token or a header
    value; ``fix`` says what to do when the verdict is "yours"."""

    verdict: ProbeVerdict
    status: int | None
    latency_ms: float | None
    reason: str
    cause: Cause | None = None
    retry_after: float | None = None  # seconds the server asked us to wait
    connected: bool = True  # False: no connection was made (the witness decides whose it is)
    fix: str | None = None
    slow_ms: int | None = None  # the threshold it was judged against
    signature: str | None = None  # digest of a custom probe's 401/403 (consecutive tries agree)

    @property
    def succeeded(self) -> bool:
        return self.verdict in ("ok", "degraded")

    @property
    def pauses(self) -> bool:
        """True when probing again cannot help until the user changes the token or settings."""
        return self.verdict == "yours" and self.cause in PAUSING

    @property
    def neutral(self) -> bool:
        """True when the result says nothing about the service (offline, rate limited...)."""
        return self.cause in NEUTRAL

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "status": self.status,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1),
            "reason": self.reason,
            "cause": self.cause,
            "retry_after": self.retry_after,
            "connected": self.connected,
            "fix": self.fix,
        }


_OVERLOAD_WORDS = ("overloaded", "unavailable")
_AUTH_WORDS = ("api_key_invalid", "invalid_api_key", "api key not valid")  # a key error at 400
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
_CHALLENGE_WORDS = ("just a moment", "cf-chl", "challenge-platform", "attention required")
# Quota, credit or spend limits: these do not pass by waiting a few seconds.
_QUOTA_HARD = (
    "insufficient_quota",
    "credit_balance",
    "credit balance",
    "spend_limit",
    "spend limit",
    "spending limit",
    "usage_limit",
    "usage limits",
    "billing_",
    "insufficient credits",
    "purchase credits",
)
# Words that mean a quota problem only when the server gives no time to wait (Gemini says
# "exceeded your current quota" for per-minute limits too, with a retry delay). Not "billing":
# OpenAI's plain rate-limit message links to the billing page.
_QUOTA_SOFT = ("exceeded your current quota", "quota exceeded")
_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,59}")
_STATUS_WORDS = {
    400: "bad request",
    401: "unauthorized",
    402: "payment required",
    403: "forbidden",
    404: "not found",
    405: "method not allowed",
    429: "too many requests",
}


@dataclass(frozen=True, slots=True)
class _ErrorBody:
    """What a provider's error body says, reduced to matchable text and short identifiers."""

    text: str  # every string under "error", lower-cased (matched, never shown)
    words: tuple[str, ...]  # identifiers safe to show: type, code, status, reason
    retry_delay: float | None  # Gemini's RetryInfo.retryDelay, in seconds


def read_error(body: bytes) -> _ErrorBody:
    """Read the error shapes of OpenAI, Anthropic and Gemini (and anything JSON-like)."""
    try:
        data = json.loads(body.decode("utf-8", "replace")) if body else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        text = body[:2000].decode("utf-8", "replace").lower()
        return _ErrorBody(text=text, words=(), retry_delay=None)
    error = data.get("error", data)
    strings: list[str] = []
    _collect(error, strings, depth=0)
    words: list[str] = []
    candidates: list[Any] = []
    if isinstance(error, dict):
        details = error.get("details")
        candidates = [error.get("type"), error.get("code"), error.get("status")]
        if isinstance(details, dict):  # Anthropic: error.details.error_code
            candidates.append(details.get("error_code"))
        elif isinstance(details, list):  # Gemini: ErrorInfo.reason
            candidates += [d.get("reason") for d in details if isinstance(d, dict)]
    elif isinstance(error, str):
        candidates = [error]
    for candidate in candidates:
        if isinstance(candidate, str) and _IDENT.fullmatch(candidate) and candidate not in words:
            words.append(candidate)
    return _ErrorBody(text=" ".join(strings).lower(), words=tuple(words), retry_delay=_delay(error))


def _collect(value: Any, out: list[str], depth: int) -> None:
    if depth > 6 or len(out) > 200:
        return
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, out, depth + 1)
    elif isinstance(value, list):
        for item in value[:20]:
            _collect(item, out, depth + 1)


def _delay(error: Any) -> float | None:
    """Gemini puts the wait in the body: details[].retryDelay = "30s"."""
    if not isinstance(error, dict) or not isinstance(error.get("details"), list):
        return None
    for detail in error["details"]:
        if isinstance(detail, dict) and isinstance(detail.get("retryDelay"), str):
            match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)s\s*", detail["retryDelay"])
            if match:
                return float(match.group(1))
    return None


def classify(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    latency_ms: float,
    spec: ProbeSpec,
    *,
    now: datetime | None = None,
    sent_token: bool | None = None,
) -> ProbeResult:
    """Judge one HTTP answer to ``spec``'s request: ok, degraded, theirs, yours or rate_limited.

    Pure. ``headers`` have lower-case names; ``sent_token`` says whether the request carried a
    token (default: whether the spec names one). Reasons quote only status codes, the
    providers' error identifiers and (for a failed condition) a short JSON scalar, never free
    text.
    """
    from trayapp.net.retry_after import parse_retry_after

    base = {"status": status, "latency_ms": latency_ms, "slow_ms": spec.slow_ms}
    took = f"HTTP {status} in {_ms(latency_ms)}"
    if status in spec.expect:
        problem = _condition_problem(spec.condition, body)
        if problem:
            return ProbeResult(
                "theirs", reason=f"HTTP {status} but {problem}", cause="unexpected", **base
            )
        if latency_ms > spec.slow_ms:
            reason = f"slow: {took} (over {_ms(spec.slow_ms)})"
            return ProbeResult("degraded", reason=reason, **base)
        return ProbeResult("ok", reason=took, **base)

    error = read_error(body)
    code = f"HTTP {status}" + (f", {', '.join(error.words[:2])}" if error.words else "")
    retry_after = parse_retry_after(dict(headers), now or datetime.now(UTC))
    if retry_after is None:
        retry_after = error.retry_delay
    quota_hard = any(w in error.text for w in _QUOTA_HARD)
    quota_soft = any(w in error.text for w in _QUOTA_SOFT)
    overloaded = status == 529 or any(w in error.text for w in _OVERLOAD_WORDS)

    if status in (401, 403) or (status == 400 and any(w in error.text for w in _AUTH_WORDS)):
        if status == 403 and quota_hard:
            return _quota(code, base, spec)
        refusal = edge_refusal(headers, body)
        if refusal is not None:
            return ProbeResult(
                "theirs", reason=f"their edge refused the request (HTTP {status}, {refusal})",
                cause="edge", retry_after=retry_after, **base,
            )  # fmt: skip
        family = (spec.preset or "").split("-")[0]
        if family in AUTH_ERRORS and not AUTH_ERRORS[family].get(status, frozenset()) & set(
            error.words
        ):
            if status == 400:
                return _refused(status, code, base)
            return ProbeResult(
                "theirs", reason=f"their API refused the request ({code}), which is not "
                "its documented key error", cause="edge", retry_after=retry_after, **base,
            )  # fmt: skip
        sent = bool(spec.token_name) if sent_token is None else sent_token
        result = _auth(code, base, spec, sent)
        if family in AUTH_ERRORS:
            return result
        # a custom probe: "yours" only once the same answer comes on consecutive tries
        return replace(result, signature=_signature(status, body))
    if status == 402 or quota_hard or (status == 429 and quota_soft and retry_after is None):
        return _quota(code, base, spec)
    if overloaded and (status >= 500 or status == 429):
        return ProbeResult(
            "theirs", reason=f"their API is overloaded ({code})", cause="overloaded",
            retry_after=retry_after, **base,
        )  # fmt: skip
    if status == 429:
        wait = f": wait {_seconds(retry_after)}" if retry_after is not None else ""
        return ProbeResult(
            "rate_limited", reason=f"rate limited ({code}){wait}", cause="rate_limit",
            retry_after=retry_after, **base,
        )  # fmt: skip
    if status >= 500 or status == 408:
        return ProbeResult(
            "theirs", reason=f"their server failed ({code})", cause="server",
            retry_after=retry_after, **base,
        )  # fmt: skip
    if 400 <= status < 500:
        return _refused(status, code, base)
    expected = ", ".join(str(c) for c in spec.expect[:5])
    return ProbeResult(
        "yours", reason=f"got {code} where the probe expects {expected}", cause="request",
        fix="check the probe's URL and expect codes; it is re-checked every 30 min and at "
        "once when they change",
        **base,
    )  # fmt: skip


def edge_refusal(headers: Mapping[str, str], body: bytes) -> str | None:
    """Why a 401/403 is the provider's edge (CDN, WAF, load balancer) refusing rather than its
    API judging the key: a challenge, an HTML page, an empty or non-JSON body. None: JSON."""
    head = body[:4096].decode("utf-8", "replace").lower()
    if headers.get("cf-mitigated", "").strip().lower() == "challenge" or any(
        w in head for w in _CHALLENGE_WORDS
    ):
        return "a challenge page"
    if not body.strip():
        return "an empty body"
    if "html" in headers.get("content-type", "").lower() or head.lstrip().startswith("<"):
        return "an HTML page"
    try:
        json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "a body that is not JSON"
    return None


def _signature(status: int, body: bytes) -> str:
    """A short digest of an answer: "the same response on consecutive tries"."""
    return hashlib.sha256(str(status).encode() + b"\0" + body[:65536]).hexdigest()[:16]


def _refused(status: int, code: str, base: dict[str, Any]) -> ProbeResult:
    words = _STATUS_WORDS.get(status, "refused")
    return ProbeResult(
        "yours", reason=f"the request was refused ({code}, {words})", cause="request",
        fix="check the probe's URL, method and headers; it is re-checked every 30 min and at "
        "once when they change",
        **base,
    )  # fmt: skip


def _auth(code: str, base: dict[str, Any], spec: ProbeSpec, sent: bool) -> ProbeResult:
    if sent:
        return ProbeResult(
            "yours", reason=f"your key was rejected ({code})", cause="auth",
            fix=f"store a new one with `trayapp secret set {spec.token_name or 'NAME'}`",
            **base,
        )  # fmt: skip
    return ProbeResult(
        "yours", reason=f"the API wants a key and the probe sends none ({code})", cause="auth",
        fix='store one with `trayapp secret set NAME` and give the probe token = "NAME"',
        **base,
    )  # fmt: skip


def _quota(code: str, base: dict[str, Any], spec: ProbeSpec) -> ProbeResult:
    return ProbeResult(
        "yours", reason=f"quota or spend limit reached ({code})", cause="quota",
        fix="add credits or raise the spend limit in your account (it is re-checked every 30 "
        "min, and at once on Check now)",
        **base,
    )  # fmt: skip


def _condition_problem(condition: Condition | None, body: bytes) -> str | None:
    if condition is None:
        return None
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return f"the body is not JSON, so {condition.text!r} cannot hold"
    holds, why = condition.check(data)
    return None if holds else f"{condition.text!r} does not hold: {why}"


def _ms(value: float) -> str:
    return f"{value:,.0f} ms"


def _seconds(value: float) -> str:
    return f"{math.ceil(value):,} s"


def with_witness(result: ProbeResult, network: bool | None) -> ProbeResult:
    """Settle a result that made no connection, using the connectivity witness's answer.

    Network down: you are offline (yours, not an outage). Network up: their API is unreachable
    (theirs). Can't tell yet: "unverified", which neither confirms nor clears anything.
    """
    if result.connected or result.cause != "unreachable":
        return result
    if network is False:
        detail = result.reason.removeprefix("could not reach their API: ")
        return replace(
            result,
            verdict="yours",
            cause="offline",
            reason=f"you are offline ({detail}; the reference hosts fail too)",
            fix="check your network connection",
        )
    if network is None:
        return replace(result, cause="unverified")
    return result


def _token_missing(spec: ProbeSpec) -> ProbeResult:
    return ProbeResult(
        "yours", status=None, latency_ms=None, cause="token_missing", connected=False,
        reason=f"no token is stored under {spec.token_name!r}",
        fix=f"store it with `trayapp secret set {spec.token_name}`",
    )  # fmt: skip


# --------------------------------------------------------------------------- one run


def auth_headers(spec: ProbeSpec, token: str | None) -> dict[str, str]:
    """The header that carries ``token`` the way ``spec`` says (empty without a token)."""
    if not token:
        return {}
    if spec.auth == "x-api-key":
        return {"x-api-key": token}
    if spec.auth == "x-goog-api-key":
        return {"x-goog-api-key": token}
    return {"Authorization": f"Bearer {token}"}


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every secret (and its stripped form) replaced by ***, on one line."""
    for secret in secrets:
        for form in {secret or "", (secret or "").strip()}:
            if len(form) >= 4:
                text = text.replace(form, "***")
    line = " ".join(text.split())
    return line if len(line) <= 300 else line[:299] + "…"


async def run_probe(
    client: httpx.AsyncClient,
    spec: ProbeSpec,
    token: str | None,
    *,
    max_bytes: int = MAX_BODY,
) -> ProbeResult:
    """Send ``spec``'s request once and classify the answer; never raises for network trouble.

    Redirects are followed here (at most 5), not by the client: once a redirect leaves the
    probe's origin (scheme, host, port), the token header is dropped for good. A result with
    ``connected=False`` still needs ``with_witness``.
    """
    if spec.token_name and not token:
        return _token_missing(spec)
    if token is not None and not _TOKEN_CHARS.fullmatch(token.strip()):
        return ProbeResult(
            "yours", status=None, latency_ms=None, cause="auth", connected=False,
            reason="the stored token holds characters that cannot be sent in a header",
            fix=f"store it again with `trayapp secret set {spec.token_name or 'NAME'}`",
        )  # fmt: skip
    token = token.strip() if token else None
    insecure = plain_text_secret(spec.url) if token else None
    if insecure:
        return ProbeResult(
            "yours", status=None, latency_ms=None, cause="request", connected=False,
            reason=insecure, fix="change the probe's URL to https://; probing resumes then",
        )  # fmt: skip
    try:
        result = await _send(client, spec, token, max_bytes)
    except Exception as exc:  # a bug must not leak the token or end a probe loop
        log.warning("probe %s failed unexpectedly: %s", spec.name, type(exc).__name__)
        result = ProbeResult(
            "theirs", None, None, f"the probe failed unexpectedly ({type(exc).__name__})",
            cause="unverified", connected=False,
        )  # fmt: skip
    result = replace(result, reason=scrub(result.reason, [token]))
    log.debug("probe %s: %s %s", spec.name, result.verdict, result.reason)
    return result


async def _send(
    client: httpx.AsyncClient, spec: ProbeSpec, token: str | None, max_bytes: int
) -> ProbeResult:
    """One request through the shared edge (deadline, redirects, size cap), then classified."""
    from trayapp.net import fetch

    try:
        response = await fetch.request(
            client,
            spec.method.upper(),
            spec.url,
            headers=dict(spec.headers),
            secret_headers=auth_headers(spec, token),
            content=spec.body,
            max_bytes=max_bytes,
            deadline=spec.timeout,
        )
    except FetchError as exc:
        return _fetch_failed(spec, exc, max_bytes)
    return classify(
        response.status,
        response.headers,
        response.body,
        response.elapsed * 1000,
        spec,
        sent_token=response.sent_secret,
    )


def _fetch_failed(spec: ProbeSpec, exc: FetchError, max_bytes: int) -> ProbeResult:
    """A request that got no usable answer, judged: whose problem it may be."""
    kind, connected = exc.kind, exc.connected
    if kind == "pool":  # our own connection pool was full: says nothing about them
        return ProbeResult(
            "theirs", None, None, "no free connection in the client's pool",
            cause="unverified", connected=False,
        )  # fmt: skip
    if kind == "timeout" and connected:
        return ProbeResult(
            "theirs", None, spec.timeout * 1000, f"their server accepted the connection but did "
            f"not answer within {spec.timeout:g} s", cause="timeout", slow_ms=spec.slow_ms,
        )  # fmt: skip
    if kind == "too_large":
        return _failed(spec, f"the answer is over {max_bytes:,} bytes", True)
    return _failed(spec, str(exc), connected)


def _failed(spec: ProbeSpec, message: str, connected: bool) -> ProbeResult:
    """A request without a usable answer: theirs once connected, else the witness decides."""
    if connected:
        return ProbeResult(
            "theirs", None, None, f"their API answered badly: {message}", cause="server",
            slow_ms=spec.slow_ms,
        )  # fmt: skip
    return ProbeResult(
        "theirs", None, None, f"could not reach their API: {message}", cause="unreachable",
        connected=False, slow_ms=spec.slow_ms,
    )  # fmt: skip


# --------------------------------------------------------------------------- state over time

Health = Literal["unknown", "ok", "degraded", "down", "yours"]


@dataclass(frozen=True, slots=True)
class ProbeState:
    """What one probe's results add up to. Pure data; ``probe_step`` makes the next one.

    ``down`` is the confirmed state (None before the first). ``down_since`` is the time of the
    first failing result of the confirmed outage: when your checks first saw it. ``paused``
    means a confirmed "yours" (key, quota, settings): held, and re-checked on a slow cadence;
    an outage it interrupts stays open (only an expected answer ends one).
    """

    down: bool | None = None
    since: datetime | None = None  # when ``down`` last changed
    down_since: datetime | None = None
    pending: Literal["up", "down", "yours"] | None = None
    pending_count: int = 0
    pending_since: datetime | None = None
    pending_signature: str | None = None  # the "yours" answer being confirmed (custom probes)
    latencies: tuple[float, ...] = ()  # recent successful latencies, ms, newest last
    slow_ms: int | None = None
    failures: int = 0  # unsuccessful results in a row (for backoff)
    retry_after: float | None = None
    paused: bool = False
    paused_reason: str | None = None
    paused_fix: str | None = None
    paused_cause: Cause | None = None
    paused_for: str | None = field(default=None, repr=False)  # fingerprint of token + settings
    last: ProbeResult | None = None
    last_at: datetime | None = None
    next_at: datetime | None = None  # when the next run is due (set by the scheduler)

    @property
    def p50(self) -> float | None:
        """Median latency of recent successful results (ms), None before any."""
        import statistics  # with decimal and fractions: not for a tray without probes

        return statistics.median(self.latencies) if self.latencies else None

    @property
    def slow(self) -> bool:
        p50 = self.p50
        return (
            p50 is not None
            and self.slow_ms is not None
            and len(self.latencies) >= MIN_SLOW_SAMPLES
            and p50 > self.slow_ms
        )

    @property
    def health(self) -> Health:
        if self.paused:
            return "yours"
        if self.down is None:
            return "unknown"
        if self.down:
            return "down"
        return "degraded" if self.slow else "ok"

    @property
    def in_outage(self) -> bool:
        """Down, or a change of state being confirmed: look again every problem interval."""
        return bool(self.down) or self.pending in ("up", "down")


def probe_step(
    state: ProbeState,
    result: ProbeResult,
    now: datetime,
    confirm: int = 2,
    *,
    fingerprint: str | None = None,
) -> ProbeState:
    """Fold one result into ``state``.

    Like the tracker: the first success is adopted at once; "down" and "yours" need ``confirm``
    results in a row (a custom probe's "yours" the same answer each time), and so does recovery.
    Neutral results (offline, unverified, rate limited) neither count nor reset. A confirmed
    "yours" holds the probe (``paused``) for ``fingerprint``; any other answer ends the hold.
    An outage ends only with expected answers: a "yours" after it keeps ``down``.
    """
    if confirm < 1:
        raise ValueError("confirm must be at least 1")
    state = replace(state, last=result, last_at=now, slow_ms=result.slow_ms or state.slow_ms)
    if result.succeeded:
        latencies = state.latencies
        if result.latency_ms is not None:
            latencies = (*latencies, result.latency_ms)[-LATENCY_SAMPLES:]
        state = replace(_unpause(state), failures=0, retry_after=None, latencies=latencies)
        if state.down is None:
            return _settle(state, down=False, now=now)
        if not state.down:
            return _clear_pending(state)
        return _count(state, "up", now, confirm)
    state = replace(state, failures=state.failures + 1, retry_after=result.retry_after)
    if result.neutral:
        return state
    if result.verdict == "yours":
        if state.paused:
            return state
        if state.pending == "yours" and state.pending_signature != result.signature:
            state = _clear_pending(state)  # a different answer: not "the same on each try"
        state = replace(_count(state, "yours", now, confirm), pending_signature=result.signature)
        if state.pending == "yours" and state.pending_count >= confirm:
            return replace(
                _clear_pending(state),
                paused=True,
                paused_reason=result.reason,
                paused_fix=result.fix,
                paused_cause=result.cause,
                paused_for=fingerprint,
            )
        return state
    state = _unpause(state)
    if state.down:
        return _clear_pending(state)
    return _count(state, "down", now, confirm)


def _count(
    state: ProbeState, kind: Literal["up", "down", "yours"], now: datetime, confirm: int
) -> ProbeState:
    if state.pending == kind:
        state = replace(state, pending_count=state.pending_count + 1)
    else:
        state = replace(state, pending=kind, pending_count=1, pending_since=now)
    if kind == "yours" or state.pending_count < confirm:
        return state
    return _settle(state, down=kind == "down", now=now)


def _settle(state: ProbeState, *, down: bool, now: datetime) -> ProbeState:
    first = state.pending_since or now
    return replace(_clear_pending(state), down=down, since=now, down_since=first if down else None)


def _clear_pending(state: ProbeState) -> ProbeState:
    return replace(state, pending=None, pending_count=0, pending_since=None, pending_signature=None)


def _unpause(state: ProbeState) -> ProbeState:
    if not state.paused:
        return state
    return replace(
        state,
        paused=False,
        paused_reason=None,
        paused_fix=None,
        paused_cause=None,
        paused_for=None,
    )


def resume_if_changed(state: ProbeState, current_fingerprint: str) -> ProbeState:
    """A held "yours" is dropped once the token or the settings changed (the next result
    decides again); the rest of the state (an open outage) is kept."""
    if state.paused and state.paused_for != current_fingerprint:
        return replace(_unpause(state), failures=0)
    return state


def next_delay(
    spec: ProbeSpec,
    state: ProbeState,
    rng: random.Random,
    *,
    floor: float | None = None,
    problem_interval: float = PROBLEM_INTERVAL,
    jitter: float = 0.2,
    quick_retries: int = 2,
    cap: float = 3600.0,
    retry_after_cap: float = 6 * 3600.0,
    yours_recheck: float = YOURS_RECHECK,
) -> float:
    """Seconds until the probe runs again.

    Healthy: the interval ±jitter. In outage (or confirming a change): every
    ``problem_interval`` (jittered below it, never above), so a recovery is seen within one.
    After a first failure, up to ``quick_retries`` retries come sooner (uniform over
    [floor, 2·floor]) to confirm or clear it. Rate limited (429), or failures that confirm
    nothing (unverified): exponential backoff up to ``cap`` (``backoff_delay``). A held "yours":
    every ``yours_recheck``. Retry-After is honoured (clamped to ``retry_after_cap``). Never
    below ``floor`` (the spec's floor unless a caller passes one, e.g. a loopback test server):
    never a tight loop.
    """
    low = spec.floor if floor is None else floor
    base = max(spec.interval, low)
    limited = state.last is not None and state.last.cause == "rate_limit"
    if state.paused:
        delay = max(yours_recheck, base)
    elif state.failures == 0 and not state.in_outage:
        delay = base * rng.uniform(1 - jitter, 1 + jitter)
    elif state.in_outage and not limited:
        often = min(problem_interval, base)  # jittered below it (never below the floor)
        delay = often * rng.uniform(1 - jitter, 1 - jitter / 4)
    elif state.failures <= quick_retries and not limited:
        delay = rng.uniform(low, min(2 * low, base))
    else:
        delay = backoff_delay(base, state.failures - quick_retries, cap, rng)
    if state.retry_after:
        delay = max(delay, min(state.retry_after, retry_after_cap))
    return max(delay, low)
