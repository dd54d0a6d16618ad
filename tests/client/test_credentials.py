"""Credentials: the token is checked when the client is built, and never shows in any text."""

from __future__ import annotations

import traceback

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests.payloads import FROM, TO
from volt_sdk import (
    AsyncVolt,
    ConfigurationError,
    MessageOutcomeUnknownError,
    Volt,
    VoltConnectionError,
)

SECRET = "tok_5e3c2a9b7d1f4e6a8c0b2d4f6a8c0e1f"


@pytest.mark.parametrize("bad", ["\x00", "\x0b", "\x0c", "\x7f", "\u00e9", " ", "\t"], ids=repr)
@pytest.mark.parametrize("client", [Volt, AsyncVolt])
def test_a_token_that_cannot_go_in_a_header_is_refused_when_the_client_is_built(
    client: type[Volt] | type[AsyncVolt], bad: str
) -> None:
    token = SECRET[:10] + bad + SECRET[10:]
    with pytest.raises(ConfigurationError) as info:
        client(token=token)
    text = "".join(traceback.format_exception(info.value)) + repr(info.value)
    assert "token" in str(info.value)
    assert SECRET[:10] not in text
    assert SECRET[10:] not in text


@pytest.mark.parametrize(
    "url",
    [
        "https://user:hunter2hunter2@api.respondflow.com/graphql",
        "https://hunter2hunter2@api.respondflow.com/graphql",
        "http://user:hunter2hunter2@127.0.0.1:8000/graphql",
    ],
)
def test_a_password_in_base_url_is_refused_without_being_shown(url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Volt(base_url=url)
    text = "".join(traceback.format_exception(info.value)) + repr(info.value)
    assert "base_url" in str(info.value)
    assert "user name or password" in str(info.value)
    assert "hunter2hunter2" not in text


def test_a_password_in_an_invalid_base_url_is_not_shown_either() -> None:
    with pytest.raises(ConfigurationError) as info:
        Volt(base_url="https://user:hunter2hunter2@exa mple.com:99999/graphql")
    assert "hunter2hunter2" not in str(info.value)


def test_a_request_refused_before_it_left_is_not_an_uncertain_send(
    httpx_mock: HTTPXMock,
) -> None:
    # httpx refuses some requests locally (an illegal header, say): nothing left,
    # so the send failed for sure and must not be reported "outcome unknown".
    httpx_mock.add_exception(httpx.LocalProtocolError(f"Illegal header value b'Bearer {SECRET}'"))
    with Volt(token=SECRET, max_retries=0) as volt, pytest.raises(VoltConnectionError) as info:
        volt.send_message(to=TO, from_=FROM, body="hi")
    assert not isinstance(info.value, MessageOutcomeUnknownError)
    assert info.value.request_sent is False
    text = "".join(traceback.format_exception(info.value)) + repr(info.value)
    assert SECRET not in text  # httpx's exception quoted it: it is not chained
