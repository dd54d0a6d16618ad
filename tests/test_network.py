"""One loopback rule: the client's plain-http check and the sandbox's warning both follow it."""

from __future__ import annotations

import logging

import httpx
import pytest

from volt_sdk import ConfigurationError, Volt
from volt_sdk._network import is_loopback_host
from volt_sdk.sandbox import Sandbox

LOOPBACK = [
    "127.0.0.1",
    "127.0.0.2",
    "127.5.6.7",
    "127.255.255.254",
    "::1",
    "0:0:0:0:0:0:0:1",
    "localhost",
    "LOCALHOST",
    "LocalHost",
    "localhost.",
    "LOCALHOST.",
]
NOT_LOOPBACK = [
    # Names other than localhost itself are resolved by DNS.
    "foo.localhost",
    "FOO.LOCALHOST",
    "foo.localhost.",
    "localhost.localdomain",
    "localhost..",
    "mylocalhost",
    "example.com",
    "api.respondflow.com",
    # Not loopback addresses.
    "10.0.0.8",
    "128.0.0.1",
    "192.168.1.10",
    "0.0.0.0",
    "::",
    "::2",
    # Loopback only by some readings: IPv4-mapped, shorthand, padded, trailing dot.
    "::ffff:127.0.0.1",
    "127.1",
    "127.000.000.001",
    "2130706433",
    "127.0.0.1.",
    # Neither caller gets brackets (httpx.URL.host has none, the sandbox binds the host as given).
    "[::1]",
    "",
]


@pytest.mark.parametrize("host", LOOPBACK)
def test_loopback_addresses_and_the_name_localhost_are_loopback(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize("host", NOT_LOOPBACK)
def test_every_other_host_is_not_loopback(host: str) -> None:
    assert not is_loopback_host(host)


def _url(host: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:8000/graphql"


def _parses(url: str) -> bool:
    try:
        httpx.URL(url)
    except httpx.InvalidURL:
        return False
    return True


# The hosts a URL can carry to the check: not a bracketed or empty one, nor one that
# httpx refuses first (127.000.000.001).
URL_HOSTS = [h for h in LOOPBACK + NOT_LOOPBACK if h and not h.startswith("[") and _parses(_url(h))]


@pytest.mark.parametrize("host", URL_HOSTS)
def test_the_client_sends_the_token_over_plain_http_only_to_a_loopback_host(host: str) -> None:
    url = _url(host)
    if is_loopback_host(host):
        with Volt(base_url=url) as volt:
            assert volt.base_url.startswith("http://")
    else:
        with pytest.raises(ConfigurationError, match="plain http"):
            Volt(base_url=url)


def test_the_client_refuses_a_subdomain_of_localhost_and_accepts_any_127_address() -> None:
    with pytest.raises(ConfigurationError, match="plain http"):
        Volt(base_url="http://foo.localhost/graphql")
    with Volt(base_url="http://127.0.0.2:8000/graphql") as volt:
        assert volt.base_url == "http://127.0.0.2:8000/graphql"


@pytest.mark.parametrize("host", LOOPBACK + NOT_LOOPBACK)
def test_the_sandbox_warns_when_it_would_listen_beyond_loopback(
    host: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="volt_sdk.sandbox"):
        Sandbox(host=host).close()  # not started: nothing binds
    assert ("not loopback" in caplog.text) is not is_loopback_host(host)
