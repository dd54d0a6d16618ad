"""Client configuration: environment fallbacks, refusals, and the token kept secret."""

from __future__ import annotations

import logging
import pickle
import traceback

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests.payloads import FROM, TO, TOKEN, URL, message_data
from volt_sdk import (
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    AsyncVolt,
    ConfigurationError,
    InvalidPhoneNumberError,
    Volt,
    VoltError,
)


def test_a_missing_token_is_a_configuration_error_naming_the_argument_and_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VOLT_API_TOKEN")
    with pytest.raises(ConfigurationError) as info:
        Volt()
    assert "token=" in str(info.value)
    assert "VOLT_API_TOKEN" in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("token", ["", "   "])
def test_a_blank_token_counts_as_missing(token: str) -> None:
    with pytest.raises(ConfigurationError, match="VOLT_API_TOKEN"):
        Volt(token=token)


def test_the_token_argument_wins_over_the_environment(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"data": {"createMessage": message_data()}})
    with Volt(token="from-argument") as volt:
        volt.send_message(to=TO, from_=FROM, body="hi")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["authorization"] == "Bearer from-argument"


def test_the_default_endpoint_is_the_documented_one() -> None:
    assert DEFAULT_BASE_URL == "https://api.respondflow.com/graphql"
    assert Volt().base_url == DEFAULT_BASE_URL


def test_volt_api_url_sets_the_endpoint(
    monkeypatch: pytest.MonkeyPatch, httpx_mock: HTTPXMock
) -> None:
    monkeypatch.setenv("VOLT_API_URL", "https://api.respondflow.com/v1.0/graphql")
    httpx_mock.add_response(
        url="https://api.respondflow.com/v1.0/graphql",
        json={"data": {"createMessage": message_data()}},
    )
    with Volt() as volt:
        assert volt.base_url == "https://api.respondflow.com/v1.0/graphql"
        volt.send_message(to=TO, from_=FROM, body="hi")


@pytest.mark.parametrize(
    "url",
    [
        "http://api.respondflow.com/graphql",
        "http://10.0.0.8:8000/graphql",
        "http://example.com/graphql",
    ],
)
def test_the_token_is_refused_over_plain_http_to_a_non_loopback_host(url: str) -> None:
    with pytest.raises(ConfigurationError, match="plain http"):
        Volt(base_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765/graphql",
        "http://localhost:8765/graphql",
        "http://[::1]:8765/graphql",
        "http://127.5.6.7/graphql",
        "https://sandbox.example.com/graphql",
    ],
)
def test_plain_http_is_allowed_for_loopback_hosts(url: str) -> None:
    assert Volt(base_url=url).base_url == url


@pytest.mark.parametrize("url", ["api.respondflow.com/graphql", "ftp://x/graphql", "https://"])
def test_a_base_url_that_is_not_absolute_http_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        Volt(base_url=url)


def test_the_default_timeout_is_bounded_and_documented() -> None:
    assert DEFAULT_TIMEOUT.read == 30.0
    assert DEFAULT_TIMEOUT.connect == 10.0


@pytest.mark.parametrize("timeout", [None, 0, -1, "5", True, httpx.Timeout(None)])
def test_an_unbounded_or_nonsense_timeout_is_refused(timeout: object) -> None:
    with pytest.raises(ConfigurationError, match="timeout"):
        Volt(timeout=timeout)  # type: ignore[arg-type]


def test_the_timeout_is_sent_with_every_request(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"data": {"createMessage": message_data()}})
    with Volt(timeout=3.5) as volt:
        volt.send_message(to=TO, from_=FROM, body="hi")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.extensions["timeout"] == {
        "connect": 3.5,
        "read": 3.5,
        "write": 3.5,
        "pool": 3.5,
    }


def test_a_user_http_client_still_gets_the_bearer_token_and_keeps_its_own_settings(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(json={"data": {"createMessage": message_data()}})
    own = httpx.Client(headers={"X-Team": "growth"}, timeout=4.0)
    with Volt(http_client=own) as volt:
        volt.send_message(to=TO, from_=FROM, body="hi")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["x-team"] == "growth"
    assert request.extensions["timeout"]["read"] == 4.0
    # Not ours to close.
    assert not own.is_closed
    own.close()


@pytest.mark.anyio
async def test_a_user_async_http_client_gets_the_token_and_is_left_open(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(json={"data": {"createMessage": message_data()}})
    own = httpx.AsyncClient()
    async with AsyncVolt(http_client=own) as volt:
        await volt.send_message(to=TO, from_=FROM, body="hi")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert not own.is_closed
    await own.aclose()


def test_the_wrong_kind_of_http_client_is_refused() -> None:
    with pytest.raises(VoltError, match=r"httpx\.Client"):
        Volt(http_client=httpx.AsyncClient())  # type: ignore[arg-type]
    with pytest.raises(VoltError, match=r"httpx\.AsyncClient"):
        AsyncVolt(http_client=httpx.Client())  # type: ignore[arg-type]


def test_default_region_lets_national_numbers_through(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"data": {"createMessage": message_data()}})
    with Volt(default_region="us") as volt:
        volt.send_message(to="(555) 555-0145", from_="555.555.0123", body="hi")
    request = httpx_mock.get_request()
    assert request is not None
    assert b'"to": "+15555550145"' in request.content
    assert b'"from": "+15555550123"' in request.content


def test_without_default_region_a_national_number_is_refused_before_any_request(
    httpx_mock: HTTPXMock,
) -> None:
    with Volt() as volt, pytest.raises(InvalidPhoneNumberError) as info:
        volt.send_message(to="(555) 555-0145", from_=FROM, body="hi")
    assert info.value.argument == "to"
    assert httpx_mock.get_requests() == []


def test_an_unknown_default_region_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="default_region"):
        Volt(default_region="XX")


def test_strict_numbers_refuses_the_fictional_example_numbers(httpx_mock: HTTPXMock) -> None:
    with Volt(strict_numbers=True) as volt, pytest.raises(InvalidPhoneNumberError) as info:
        volt.send_message(to=TO, from_=FROM, body="hi")
    assert info.value.reason == "not_valid"
    assert httpx_mock.get_requests() == []


# -- the token stays secret ---------------------------------------------------------


def test_the_token_never_appears_in_the_repr_of_a_client_or_its_parts() -> None:
    volt = Volt()
    texts = [repr(volt), str(volt), repr(volt._config), repr(volt._gql._executor._wire.auth)]  # type: ignore[attr-defined]
    for text in texts:
        assert TOKEN not in text


def test_the_token_never_appears_in_an_error_or_its_traceback(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=401, json={"errors": [{"message": "bad token"}]})
    httpx_mock.add_exception(httpx.ConnectError("refused"))
    with Volt(max_retries=0) as volt:
        for _ in range(2):
            with pytest.raises(VoltError) as info:
                volt.send_message(to=TO, from_=FROM, body="hi")
            rendered = "".join(traceback.format_exception(info.value))
            assert TOKEN not in rendered
            assert TOKEN not in repr(info.value)


def test_a_bad_token_is_refused_without_quoting_it() -> None:
    with pytest.raises(ConfigurationError) as info:
        Volt(token="secret with spaces")
    assert "secret" not in str(info.value)


def test_the_token_never_appears_in_debug_logs(
    httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    httpx_mock.add_response(json={"data": {"createMessage": message_data()}})
    with caplog.at_level(logging.DEBUG), Volt() as volt:
        volt.send_message(to=TO, from_=FROM, body="hi")
    assert any("CreateMessage" in r.getMessage() for r in caplog.records)
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


def test_the_config_does_not_pickle_the_token_into_its_repr() -> None:
    config = Volt()._config
    assert TOKEN not in repr(pickle.loads(pickle.dumps(config)))


def test_clients_are_closed_by_their_context_managers() -> None:
    with Volt() as volt:
        pass
    assert volt._http.is_closed


def test_the_url_used_in_tests_is_the_default() -> None:
    assert URL == DEFAULT_BASE_URL
