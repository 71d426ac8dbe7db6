"""``trayapp probe URL [--preset P] [--token-from NAME] ...``: run one active check and print it.

The token comes only from the keyring (``--token-from NAME``, filled by ``trayapp secret set
NAME``), never from the command line; a header that would carry a credential is refused.
The exit status is the verdict, so scripts can branch on it (EXIT_STATUS, also in --help).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import TYPE_CHECKING

from trayapp.errors import ConfigError, SecretStoreError, UsageError
from trayapp.text import clean

if TYPE_CHECKING:
    from trayapp.probes.classify import ProbeResult
    from trayapp.probes.spec import ProbeSpec

NAME = "probe"
HELP = "run one active check of an API (status, latency, your key) and say whose problem it is"
PRESET_NAMES = (
    "openai",
    "anthropic",
    "gemini",
    "openai-generate",
    "anthropic-generate",
    "gemini-generate",
)


# verdict -> exit status; 2 stays argparse's usage error
EXIT_STATUS = {"ok": 0, "degraded": 0, "theirs": 1, "yours": 3, "rate_limited": 4}
EXIT_KEYRING = EXIT_STATUS["yours"]  # the keyring cannot be used: a problem on this side
EPILOG = """\
exit status:
  0  ok or degraded (it answered, perhaps slowly)
  1  theirs: their server failed, or it could not be reached while the network works
  2  usage error (including --token-from naming no stored token)
  3  yours: your key, quota, request or network (or the keyring cannot be used)
  4  rate_limited: back off; not an outage"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "url",
        nargs="?",
        metavar="URL",
        help="the URL to probe; with --preset, a base URL to send the preset's request to "
        "(default: the provider's own API)",
    )
    parser.add_argument(
        "--preset",
        choices=PRESET_NAMES,
        metavar="P",
        help="a provider's list-models call: openai, anthropic or gemini; the *-generate "
        "variants make a one-token generation, which costs tokens (needs --costs-tokens)",
    )
    parser.add_argument(
        "--costs-tokens",
        action="store_true",
        help="allow a probe that spends tokens on your account (the *-generate presets)",
    )
    parser.add_argument(
        "--token-from",
        metavar="NAME",
        help="send the token stored in the keyring under NAME (see `trayapp secret set NAME`)",
    )
    parser.add_argument(
        "--auth",
        choices=("bearer", "x-api-key", "x-goog-api-key"),
        help="how to send the token (default: the preset's way, else Authorization: Bearer)",
    )
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="K:V",
        help="an extra request header (repeatable); credentials are refused: use --token-from",
    )
    parser.add_argument("--method", choices=("GET", "HEAD", "POST"), type=str.upper)
    parser.add_argument(
        "--expect", metavar="CODES", help='expected status codes: "200", "200,204", "200-299"'
    )
    parser.add_argument(
        "--slow-ms", type=int, metavar="N", help="latency above which the answer is 'degraded'"
    )
    parser.add_argument(
        "--condition",
        metavar="EXPR",
        help='a JSON condition on the body: "data.0.id exists", \'status == "ok"\', "count >= 1"',
    )
    parser.add_argument("--timeout", type=float, metavar="S", help="seconds to wait (10)")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print JSON: verdict (ok, degraded, theirs, yours, rate_limited), status, "
        "latency_ms, reason, cause, fix",
    )


def run(args: argparse.Namespace) -> int:
    import asyncio

    from trayapp.store import secrets

    try:
        spec = build_spec(args)
    except UsageError as exc:
        print(f"trayapp probe: {exc}", file=sys.stderr)
        return 2
    token = None
    if spec.token_name:
        try:
            token = secrets.get_secret(spec.token_name)
        except SecretStoreError as exc:
            print(f"trayapp probe: {exc}", file=sys.stderr)
            return EXIT_KEYRING
        if token is None:
            print(
                f"trayapp probe: no token is stored under {spec.token_name!r}: "
                f"run `trayapp secret set {spec.token_name}` first",
                file=sys.stderr,
            )
            return 2
    result = asyncio.run(_probe(spec, token))
    if args.json:
        payload = {"name": spec.name, "method": spec.method, "url": spec.url}
        data = {**result.to_json(), "fix": one_shot_fix(result.fix), **payload}
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(clean(render(spec, result), lines=True))
    return EXIT_STATUS[result.verdict]


def build_spec(args: argparse.Namespace) -> ProbeSpec:
    """The probe the command line describes; UsageError when it cannot be run."""
    from dataclasses import replace

    from trayapp.errors import ConditionError
    from trayapp.probes.condition import parse_condition
    from trayapp.probes.spec import ProbeSpec, check_header, parse_expect, preset
    from trayapp.store.secrets import check_name
    from trayapp.urls import plain_text_secret

    if args.preset:
        if args.url is not None:
            _check_url(args.url)
        try:
            spec = preset(args.preset, args.url)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if spec.costs_tokens and not args.costs_tokens:
            raise UsageError(
                f"the {args.preset} probe generates text and costs tokens on your account: "
                "add --costs-tokens to run it"
            )
    elif args.url:
        _check_url(args.url)
        spec = ProbeSpec(name="probe", url=args.url)
    else:
        raise UsageError("give a URL to probe, or --preset openai|anthropic|gemini")
    headers = dict(spec.headers)
    for item in args.header:
        name, colon, value = item.partition(":")
        if not colon:
            raise UsageError("--header takes NAME:VALUE, e.g. --header 'X-Probe: tray'")
        try:
            name, value = check_header(name, value)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        headers[name] = value
    try:
        if args.token_from is not None:
            check_name(args.token_from)
        expect = parse_expect(args.expect) if args.expect else spec.expect
        condition = parse_condition(args.condition) if args.condition else spec.condition
    except (ValueError, ConditionError) as exc:
        raise UsageError(str(exc)) from None
    if args.slow_ms is not None and not 1 <= args.slow_ms <= 120_000:
        raise UsageError("--slow-ms must be between 1 and 120000")
    if args.timeout is not None and not 0.1 <= args.timeout <= 120:
        raise UsageError("--timeout must be between 0.1 and 120 seconds")
    if args.token_from is not None and (insecure := plain_text_secret(spec.url)):
        raise UsageError(insecure)
    return replace(
        spec,
        headers=tuple(headers.items()),
        expect=expect,
        condition=condition,
        method=args.method or spec.method,
        slow_ms=args.slow_ms or spec.slow_ms,
        timeout=args.timeout or spec.timeout,
        token_name=args.token_from,
        auth=args.auth or spec.auth,
    )


def _check_url(url: str) -> None:
    """Only http(s), and no credential in the URL itself (it would show in every output)."""
    from urllib.parse import parse_qsl, urlsplit

    from trayapp.probes.credentials import looks_like_secret

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError("the URL must be http:// or https:// with a host")
    query = parse_qsl(parts.query)
    if (
        parts.username
        or parts.password
        or any(k.lower() in ("key", "api_key", "token", "access_token") for k, _ in query)
        or any(looks_like_secret(v) for _, v in query)
    ):
        raise UsageError("the URL carries a credential: store it with `trayapp secret set NAME`")


async def _probe(spec: ProbeSpec, token: str | None) -> ProbeResult:
    from trayapp.net.fetch import any_answers, make_client
    from trayapp.probes.classify import with_witness
    from trayapp.probes.run import run_probe

    async with make_client(timeout=spec.timeout) as client:
        result = await run_probe(client, spec, token)
        if not result.connected and result.cause == "unreachable":
            result = with_witness(result, await any_answers(client, _reference_urls()))
    return result


def _reference_urls() -> tuple[str, ...]:
    """The connectivity witness's hosts, from the config (its defaults if it cannot be read)."""
    from trayapp.store import config

    try:
        return config.load().polling.reference_urls
    except ConfigError:
        from trayapp.core.settings import PollingSettings

        return PollingSettings().reference_urls


_MARK = {"ok": "✓", "degraded": "▲", "theirs": "✖", "yours": "!", "rate_limited": "…"}
_WHOSE = {
    "ok": "ok",
    "degraded": "degraded",
    "theirs": "their problem",
    "yours": "on your side",
    "rate_limited": "back off, not an outage",
}


def render(spec: ProbeSpec, result: ProbeResult) -> str:
    """A few plain lines: what was probed, the verdict and reason, and what to do."""
    lines = [
        f"{spec.title}: {spec.method} {spec.url}",
        f"  {_MARK[result.verdict]} {_WHOSE[result.verdict]}: {result.reason}",
    ]
    fix = one_shot_fix(result.fix)
    if fix:
        lines.append(f"  fix: {fix}")
    if result.retry_after is not None and result.verdict != "rate_limited":
        lines.append(f"  the server asks to wait {result.retry_after:g} s before trying again")
    return "\n".join(lines)


# the tray pauses a probe whose problem is yours and says so; a one-shot run has nothing to resume
_RESUMES = re.compile(r";\s*probing resumes when\b.*$", re.DOTALL)


def one_shot_fix(fix: str | None) -> str | None:
    """``fix`` as advice for a one-shot run: what to do, then run the probe again."""
    if not fix:
        return fix
    return _RESUMES.sub("", fix) + ", then run this probe again"
