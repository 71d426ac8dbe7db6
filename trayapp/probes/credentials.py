"""What a credential looks like ('sk-', 'ghp_', 'Bearer ', long runs of letters and digits), so a
token pasted where a keyring entry's name belongs, or into a header, is refused."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


# Prefixes of well-known generated credentials (OpenAI/Anthropic, GitHub, GitLab, Slack, AWS, JWT).
_SECRET_PREFIXES = (
    "sk-",
    "sk_",
    "pk_live_",
    "rk_live_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "AKIA",
    "ASIA",
    "eyJ",
)


_AUTH_SCHEMES = ("bearer ", "basic ", "token ")


_TOKEN_RUN = re.compile(r"[A-Za-z0-9+/=_]{20,}")


def looks_like_secret(value: str) -> bool:
    """True for values shaped like a credential rather than the name of one.

    Used to refuse tokens pasted into the config file where a keyring entry name belongs.
    """
    text = value.strip()
    if has_credential_prefix(text):
        return True
    return any(
        re.search(r"\d", run) and re.search(r"[A-Za-z]", run) for run in _TOKEN_RUN.findall(text)
    )


def has_credential_prefix(value: str) -> bool:
    """True for values that open like a known credential ('sk-', 'ghp_', 'Bearer ', ...).

    Narrower than `looks_like_secret`: mixed letters and digits alone are also the shape of
    ordinary identifiers (a Google Cloud product id), so filters are checked with this one.
    """
    text = value.strip()
    return text.startswith(_SECRET_PREFIXES) or text.lower().startswith(_AUTH_SCHEMES)
