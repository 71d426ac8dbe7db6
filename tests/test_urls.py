"""Which hosts need the internet: pure facts about URLs (nothing is contacted)."""

from __future__ import annotations

import pytest

from trayapp.store.config import loads
from trayapp.urls import is_local, needs_internet

PUBLIC_REFERENCES = ("https://www.example.com/", "https://1.1.1.1/")


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8080/", True),
        ("http://[::1]/", True),
        ("http://localhost/", True),
        ("http://192.168.1.20/status", True),
        ("http://10.0.0.5/", True),
        ("http://172.16.4.4/", True),
        ("http://[fd00::5]/", True),
        ("http://169.254.10.1/", True),
        ("http://nas.local/", True),
        ("https://status.openai.com/", False),
        ("http://8.8.8.8/", False),
        ("http://172.32.0.1/", False),
    ],
)
def test_local_hosts_are_this_machine_private_and_link_local(url: str, local: bool) -> None:
    assert is_local(url) is local


def test_a_local_host_needs_no_internet_only_when_the_references_are_public() -> None:
    assert not needs_internet("http://192.168.1.20/", PUBLIC_REFERENCES)
    assert needs_internet("https://status.openai.com/", PUBLIC_REFERENCES)
    # tests and the demo: loopback references stand for the internet, and so do loopback pages
    assert needs_internet("http://127.0.0.1:9/", ("http://127.0.0.1:8/ping",))
    assert needs_internet("http://192.168.1.20/", ())  # no witness: every source counts


def test_the_config_names_the_services_that_need_no_internet() -> None:
    config = loads(
        "\n".join(
            [
                "[[watch]]",
                'name = "NAS"',
                'url = "http://192.168.1.20/api/v2/summary.json"',
                'format = "statuspage"',
                "[[watch]]",
                'name = "Gateway"',
                'url = "http://10.0.0.2/api/v2/summary.json"',
                'format = "statuspage"',
                "[[watch.probe]]",
                'name = "public API"',
                'url = "https://api.example.com/v1/models"',
                "[[watch]]",
                'name = "GitHub"',
                'url = "https://www.githubstatus.com/api/v2/summary.json"',
                'format = "statuspage"',
            ]
        )
    )
    assert config.local_services() == {"NAS"}  # a public probe makes Gateway need it
