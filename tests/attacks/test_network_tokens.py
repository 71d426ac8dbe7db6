"""Attack: an API token sent in clear text to http:// on a host other than this machine, three
ways: `trayapp probe --token-from`, a preset's base URL, a probe in the config.

Held: each is refused before any request, with the reason; http:// to loopback (a local gateway
or an imitation of the API) still carries the token. The hosts named are under ``.invalid``
(RFC 6761: never resolves), so even a regression could not send the token anywhere.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.attacks.hostile_servers import (
    GUARD,
    HostileServer,
    json_act,
    loopback_only_client,
    run_cli,
)
from trayapp.errors import ConfigError
from trayapp.probes.run import run_probe
from trayapp.probes.spec import ProbeSpec, preset
from trayapp.store import config

TOKEN = "sk-attack-0123456789abcdef0123456789abcdef"
REMOTE = "http://api.gateway.invalid"


@pytest.mark.parametrize(
    "args",
    [
        [f"{REMOTE}/v1/models", "--token-from", "openai"],
        ["--preset", "openai", REMOTE, "--token-from", "openai"],
    ],
)
def test_the_cli_refuses_a_token_over_plain_http(
    trayapp_env: dict[str, str], args: list[str]
) -> None:
    done = run_cli(trayapp_env, "probe", *args)
    assert done.returncode == 2
    assert "refusing to send a token to api.gateway.invalid over plain http://" in done.stderr


def test_the_config_refuses_a_token_over_plain_http(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[watch]]\nservice = "openai"\n\n'
        f'[[watch.probe]]\npreset = "openai"\nurl = "{REMOTE}"\ntoken = "openai"\n'
    )
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    message = str(caught.value)
    assert f"{path}:6:" in message  # the file and the url line
    assert "over plain http://" in message


async def test_run_probe_refuses_and_sends_nothing() -> None:
    async with loopback_only_client() as client, asyncio.timeout(GUARD):
        spec = preset("openai", REMOTE)
        result = await run_probe(client, spec, TOKEN)
    assert (result.verdict, result.cause) == ("yours", "request")
    assert "over plain http://" in result.reason and TOKEN not in result.reason


async def test_loopback_over_http_still_carries_the_token() -> None:
    with HostileServer({"/v1/models": json_act({"data": []})}) as server:
        async with loopback_only_client() as client, asyncio.timeout(GUARD):
            spec = ProbeSpec(name="p", url=server.url("/v1/models"), token_name="k")
            result = await run_probe(client, spec, TOKEN)
    assert result.verdict == "ok", result.reason
    assert json.dumps(result.to_json()).count(TOKEN) == 0
