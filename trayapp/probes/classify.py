"""Whose problem an answer is: theirs, yours (key, quota, request) or rate limited, read from the
status, the headers and the body."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from trayapp.probes.condition import Condition
from trayapp.probes.spec import AUTH_ERRORS, NEUTRAL, PAUSING, Cause, ProbeSpec, ProbeVerdict

if TYPE_CHECKING:
    pass


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

    base: dict[str, Any] = {"status": status, "latency_ms": latency_ms, "slow_ms": spec.slow_ms}
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
