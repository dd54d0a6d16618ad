"""Every way a request can fail maps to one VoltError subclass, with what is known.

The mapping is shown on a query with retries off; what sending does on top of it
(retries, outcome unknown) is in test_delivery.py.
"""

from __future__ import annotations

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests.payloads import FROM, TO, URL, message_data
from volt_sdk import (
    APIError,
    APIStatusError,
    AuthenticationError,
    GraphQLError,
    MalformedResponseError,
    NotFoundError,
    RateLimitError,
    Volt,
    VoltConnectionError,
    VoltError,
    VoltTimeoutError,
)


def send(volt: Volt) -> object:
    return volt.get_message("msg_1")


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (401, AuthenticationError, "token was refused"),
        (403, AuthenticationError, "lacks a permission"),
        (500, APIStatusError, "HTTP 500"),
        (502, APIStatusError, "HTTP 502"),
        (404, APIStatusError, "HTTP 404"),
    ],
)
def test_an_http_error_status_becomes_a_typed_error_with_status_and_body_excerpt(
    httpx_mock: HTTPXMock, status: int, error: type[APIStatusError], words: str
) -> None:
    httpx_mock.add_response(status_code=status, text="upstream said no " * 40)
    with Volt(max_retries=0) as volt, pytest.raises(error) as info:
        send(volt)
    assert type(info.value) is error
    assert info.value.status_code == status
    assert words in str(info.value)
    assert info.value.body.startswith("upstream said no")
    assert len(info.value.body) <= 200
    assert info.value.operation == "GetMessage"


def test_a_429_is_a_rate_limit_error_carrying_retry_after_in_seconds(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(status_code=429, headers={"Retry-After": "7"}, text="slow down")
    with Volt(max_retries=0) as volt, pytest.raises(RateLimitError) as info:
        send(volt)
    assert info.value.retry_after == 7.0
    assert info.value.status_code == 429
    assert "retry after 7s" in str(info.value)


def test_a_429_retry_after_given_as_an_http_date_is_converted_to_seconds(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(
        status_code=429, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}
    )
    with Volt(max_retries=0) as volt, pytest.raises(RateLimitError) as info:
        send(volt)
    assert info.value.retry_after is not None
    assert info.value.retry_after > 365 * 24 * 3600


def test_a_429_without_retry_after_has_none(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=429)
    with Volt(max_retries=0) as volt, pytest.raises(RateLimitError) as info:
        send(volt)
    assert info.value.retry_after is None


def test_graphql_errors_keep_every_message_extension_and_the_partial_data(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(
        json={
            "data": {"message": None},
            "errors": [
                {"message": "first", "path": ["message"], "extensions": {"code": "FORBIDDEN"}},
                {"message": "second", "locations": [{"line": 1, "column": 2}]},
            ],
        }
    )
    with Volt(max_retries=0) as volt, pytest.raises(GraphQLError) as info:
        volt.get_message("msg_1")
    error = info.value
    assert error.messages == ["first", "second"]
    assert error.errors[0].extensions == {"code": "FORBIDDEN"}
    assert error.errors[0].code == "FORBIDDEN"
    assert error.errors[0].path == ("message",)
    assert error.errors[1].locations == ({"line": 1, "column": 2},)
    assert error.data == {"message": None}
    assert str(error) == "GetMessage: first; second"


def test_graphql_errors_sent_with_a_4xx_status_are_graphql_errors_with_that_status(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(
        status_code=400, json={"errors": [{"message": 'Variable "$to" got invalid value'}]}
    )
    with Volt(max_retries=0) as volt, pytest.raises(GraphQLError) as info:
        send(volt)
    assert info.value.status_code == 400
    assert info.value.messages == ['Variable "$to" got invalid value']


def test_a_401_with_graphql_errors_is_still_an_authentication_error_quoting_them(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(status_code=401, json={"errors": [{"message": "jwt expired"}]})
    with Volt(max_retries=0) as volt, pytest.raises(AuthenticationError) as info:
        send(volt)
    assert "jwt expired" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"text": "<!DOCTYPE html><html><body>Bad gateway</body></html>"}, "HTML page"),
        ({"text": "<html>oops</html>", "headers": {"content-type": "text/html"}}, "HTML page"),
        ({"text": "not json at all"}, "not a GraphQL JSON object"),
        ({"text": ""}, "empty body"),
        ({"json": [1, 2, 3]}, "not a GraphQL JSON object"),
        ({"json": {"hello": "world"}}, "without a data object"),
        ({"json": {"data": None}}, "without a data object"),
        ({"content": b"\xff\xfe\x00garbage"}, "not a GraphQL JSON object"),
    ],
)
def test_a_body_that_is_not_a_graphql_response_is_a_malformed_response_error(
    httpx_mock: HTTPXMock, kwargs: dict[str, object], words: str
) -> None:
    httpx_mock.add_response(status_code=200, **kwargs)  # type: ignore[arg-type]
    with Volt(max_retries=0) as volt, pytest.raises(MalformedResponseError) as info:
        send(volt)
    assert words in str(info.value)
    assert info.value.status_code == 200


def test_data_of_the_wrong_shape_is_a_malformed_response_error_not_a_pydantic_error(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(json={"data": {"message": {"id": 5, "body": ["no"]}}})
    with Volt(max_retries=0) as volt, pytest.raises(MalformedResponseError) as info:
        send(volt)
    assert "does not match the schema" in str(info.value)
    assert info.value.__cause__ is None


def test_a_mutation_that_returns_null_without_errors_is_a_malformed_response(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(json={"data": {"createMessage": None}})
    with Volt() as volt, pytest.raises(MalformedResponseError, match="null for createMessage"):
        volt.send_message(to=TO, from_=FROM, body="hi")


@pytest.mark.parametrize(
    ("call", "resource", "data"),
    [
        (lambda v: v.get_message("msg_404"), "message", {"message": None}),
        (lambda v: v.get_wave("wave_404"), "wave", {"wave": None}),
        (
            lambda v: v.get_contact(phone_number=TO, primary_phone=FROM),
            "contact",
            {"contact": None},
        ),
        (lambda v: v.get_list(primary_phone=FROM, name="none"), "list", {"list": None}),
        (lambda v: v.get_conversation(to=TO, from_=FROM), "conversation", {"conversation": None}),
        (lambda v: v.delete_webhook("wh_404"), "webhook", {"deleteWebhook": None}),
    ],
)
def test_a_lookup_whose_result_is_null_raises_not_found_naming_what_was_looked_up(
    httpx_mock: HTTPXMock, call: object, resource: str, data: dict[str, object]
) -> None:
    httpx_mock.add_response(json={"data": data})
    with Volt(max_retries=0) as volt, pytest.raises(NotFoundError) as info:
        call(volt)  # type: ignore[operator]
    assert info.value.resource == resource
    assert str(info.value).startswith(f"{resource} not found")


@pytest.mark.parametrize(
    ("exc", "error", "phase"),
    [
        (httpx.ConnectTimeout("timed out"), VoltTimeoutError, "connect"),
        (httpx.ReadTimeout("timed out"), VoltTimeoutError, "read"),
        (httpx.WriteTimeout("timed out"), VoltTimeoutError, "write"),
        (httpx.PoolTimeout("timed out"), VoltTimeoutError, "pool"),
        (httpx.ConnectError("refused"), VoltConnectionError, None),
        (httpx.RemoteProtocolError("peer closed"), VoltConnectionError, None),
        (httpx.ReadError("reset"), VoltConnectionError, None),
    ],
)
def test_transport_failures_become_timeout_or_connection_errors(
    httpx_mock: HTTPXMock, exc: httpx.HTTPError, error: type[VoltError], phase: str | None
) -> None:
    httpx_mock.add_exception(exc)
    with Volt(max_retries=0) as volt, pytest.raises(error) as info:
        send(volt)
    assert type(info.value) is error
    assert info.value.request is not None  # type: ignore[attr-defined]
    if phase is not None:
        assert info.value.phase == phase  # type: ignore[attr-defined]
    assert "GetMessage" in str(info.value)


@pytest.mark.anyio
async def test_the_async_client_maps_errors_the_same_way(httpx_mock: HTTPXMock) -> None:
    from volt_sdk import AsyncVolt

    httpx_mock.add_response(status_code=503, text="maintenance")
    httpx_mock.add_exception(httpx.ReadTimeout("timed out"))
    async with AsyncVolt(max_retries=0) as volt:
        with pytest.raises(APIStatusError) as status_info:
            await volt.get_message("msg_1")
        with pytest.raises(VoltTimeoutError):
            await volt.get_message("msg_1")
    assert status_info.value.status_code == 503


def test_every_error_raised_to_a_user_is_a_volt_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"data": {"message": message_data()}})
    httpx_mock.add_response(status_code=500)
    with Volt(max_retries=0) as volt:
        send(volt)
        with pytest.raises(VoltError) as info:
            send(volt)
    assert isinstance(info.value, APIError)


def test_a_request_id_header_is_kept_on_api_errors(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=500, headers={"x-request-id": "req-77"})
    with Volt(max_retries=0) as volt, pytest.raises(APIStatusError) as info:
        send(volt)
    assert info.value.request_id == "req-77"


def test_urls_are_checked_before_the_first_request(httpx_mock: HTTPXMock) -> None:
    # No response is registered: a request here would fail the test.
    with pytest.raises(VoltError):
        Volt(base_url=URL.replace("https", "ftp"))
