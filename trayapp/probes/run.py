"""Running one probe: its request through the network edge, the token sent only where it may go and
scrubbed from every word, the answer classified."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from trayapp.errors import FetchError
from trayapp.probes.classify import ProbeResult, _token_missing, classify
from trayapp.probes.spec import _TOKEN_CHARS, MAX_BODY, ProbeSpec
from trayapp.urls import plain_text_secret

if TYPE_CHECKING:
    import httpx

    from trayapp.errors import FetchError


log = logging.getLogger(__name__)


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
