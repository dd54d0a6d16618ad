"""How ``_wire/_response.py`` turns an answer, or a failure to get one, into data or an error.

Pinned word for word: what each error says, which status counts as success,
what an error keeps of the answer (its operation, partial data and body, readable
after the stream is closed), GraphQL ``errors`` of any shape, and ``Retry-After``
as an HTTP date. Most tests call ``decode`` directly (they run in a millisecond,
which keeps ``make mutation`` short); a few go through the client's executor.
"""

from __future__ import annotations

import email.utils
import json

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests.payloads import URL, message_data
from volt_sdk import (
    APIStatusError,
    AuthenticationError,
    GraphQLError,
    MalformedResponseError,
    RateLimitError,
    Volt,
    VoltConnectionError,
    VoltTimeoutError,
)
from volt_sdk._config import BearerAuth
from volt_sdk._errors import APIError
from volt_sdk._text import body_excerpt
from volt_sdk._wire._response import deadline_error, decode, parse_retry_after, transport_error

GET = "GetMessage"


def answer(status: int, body: str | bytes | object = b"", **headers: str) -> httpx.Response:
    """A response as the executor hands it over; a ``body`` that is not text is sent as JSON."""
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return httpx.Response(status, content=body, headers=headers, request=httpx.Request("POST", URL))


def failure(status: int, body: str | bytes | object = b"", **headers: str) -> APIError:
    """The error ``decode`` raises for this answer."""
    response = answer(status, body, **headers)
    with pytest.raises(APIError) as caught:
        decode(response, response.content, GET)
    return caught.value


def sent(httpx_mock: HTTPXMock, **response: object) -> APIError:
    """The error a query raises, through the client, when Volt gives ``response``."""
    httpx_mock.add_response(**response)  # type: ignore[arg-type]
    with Volt(max_retries=0) as volt, pytest.raises(APIError) as caught:
        volt.get_message("msg_1")
    return caught.value


# -- success is 2xx and a data object -----------------------------------------------------


@pytest.mark.parametrize("status", [200, 204, 299])
def test_any_2xx_with_a_data_object_is_success(status: int) -> None:
    data = {"message": message_data()}
    response = answer(status, {"data": data})
    assert decode(response, response.content, GET) == data


@pytest.mark.parametrize("status", [199, 300, 301, 304])
def test_a_status_outside_2xx_is_an_error_even_with_data(status: int) -> None:
    error = failure(status, {"data": {"message": message_data()}})
    assert type(error) is APIStatusError
    assert (error.status_code, error.operation) == (status, GET)


def test_the_client_returns_the_data_of_a_2xx(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=201, json={"data": {"message": message_data()}})
    with Volt(max_retries=0) as volt:
        assert volt.get_message("msg_1").id == "msg_1"


# -- what a status error says -------------------------------------------------------------


def test_a_5xx_quotes_its_body_and_keeps_it(httpx_mock: HTTPXMock) -> None:
    error = failure(503, "down for\n maintenance")
    assert type(error) is APIStatusError
    assert error.message == "GetMessage: HTTP 503 from Volt: down for maintenance"
    assert (error.body, error.operation) == ("down for maintenance", GET)


def test_a_5xx_body_that_is_not_utf8_is_quoted_with_replacement_characters() -> None:
    error = failure(502, b"bad \xff gateway")
    assert isinstance(error, APIStatusError)
    assert error.body == "bad \ufffd gateway"
    assert error.message == "GetMessage: HTTP 502 from Volt: bad \ufffd gateway"


def test_a_5xx_without_a_body_says_only_its_status() -> None:
    assert failure(503).message == "GetMessage: HTTP 503 from Volt"


def test_a_5xx_carrying_graphql_errors_quotes_their_messages() -> None:
    body = json.dumps({"errors": [{"message": "database down"}, {"message": "try later"}]})
    error = failure(503, body)
    assert type(error) is APIStatusError
    assert error.message == "GetMessage: HTTP 503 from Volt: database down; try later"
    assert error.body == body  # the excerpt of the body as sent


@pytest.mark.parametrize(
    ("status", "what"),
    [(401, "the API token was refused"), (403, "the API token lacks a permission")],
)
def test_a_refused_token_says_which_refusal_it_is(status: int, what: str) -> None:
    error = failure(status, "nope")
    assert type(error) is AuthenticationError
    assert error.message == (
        f"GetMessage: HTTP {status}, {what} (check VOLT_API_TOKEN and its scopes): nope"
    )
    assert (error.body, error.operation) == ("nope", GET)


def test_a_429_without_retry_after_does_not_say_when_to_retry() -> None:
    error = failure(429, "slow down")
    assert isinstance(error, RateLimitError)
    assert error.message == "GetMessage: HTTP 429, rate limited by Volt: slow down"
    assert (error.retry_after, error.body, error.operation) == (None, "slow down", GET)


def test_a_429_with_retry_after_says_it() -> None:
    error = failure(429, **{"Retry-After": "2.5"})
    assert isinstance(error, RateLimitError)
    assert error.message == "GetMessage: HTTP 429, rate limited by Volt; retry after 2.5s"
    assert error.retry_after == 2.5


@pytest.mark.parametrize("status", [400, 422, 499])
def test_graphql_errors_with_a_4xx_are_a_graphql_error_with_the_partial_data(
    status: int,
) -> None:
    body = {"errors": [{"message": "bad $to"}], "data": {"message": None}}
    error = failure(status, body)
    assert type(error) is GraphQLError
    assert (error.status_code, error.operation, error.messages) == (status, GET, ["bad $to"])
    assert error.data == {"message": None}
    assert error.response is not None
    assert error.response.json() == body


@pytest.mark.parametrize("status", [500, 501])
def test_graphql_errors_with_a_5xx_stay_a_status_error(status: int) -> None:
    error = failure(status, {"errors": [{"message": "boom"}]})
    assert type(error) is APIStatusError
    assert error.message == f"GetMessage: HTTP {status} from Volt: boom"


def test_graphql_errors_with_a_200_keep_the_operation_the_data_and_the_answer() -> None:
    body = {"errors": [{"message": "no"}], "data": {"message": None}}
    error = failure(200, body)
    assert type(error) is GraphQLError
    assert (error.operation, error.messages, error.data) == (GET, ["no"], {"message": None})
    assert error.response is not None
    assert error.response.json() == body


# -- an answer that is not a GraphQL response ---------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers", "what"),
    [
        pytest.param(
            "Service Unavailable",
            {"content-type": "text/html; charset=utf-8"},
            "an HTML page, not JSON",
            id="html-content-type",
        ),
        pytest.param(
            "<html><body>Bad gateway</body></html>",
            {"content-type": "text/plain"},
            "an HTML page, not JSON",
            id="html-tag",
        ),
        pytest.param(
            "<HTML><BODY>Bad gateway</BODY></HTML>", {}, "an HTML page, not JSON", id="upper-case"
        ),
        pytest.param(
            " \n <!DOCTYPE html><p>x</p>",
            {},
            "an HTML page, not JSON",
            id="doctype-after-whitespace",
        ),
        pytest.param(" \n ", {}, "an empty body", id="blank"),
        pytest.param("oops", {}, "a body that is not a GraphQL JSON object", id="text"),
        pytest.param("[1, 2]", {}, "a body that is not a GraphQL JSON object", id="json-array"),
        pytest.param('{"errors": []}', {}, "JSON without a data object", id="json-without-data"),
    ],
)
def test_a_body_that_is_not_graphql_is_named_and_quoted(
    body: str, headers: dict[str, str], what: str
) -> None:
    error = failure(200, body, **headers)
    assert type(error) is MalformedResponseError
    assert (
        error.message == f"GetMessage: Volt answered HTTP 200 with {what}: {body_excerpt(body)!r}"
    )
    assert (error.body, error.operation) == (body_excerpt(body), GET)
    assert error.response is not None
    assert error.response.text == body


@pytest.mark.parametrize(
    "response",
    [
        {"text": "<html>down</html>"},
        {"json": {"hello": "world"}},
        {"json": {"errors": [{"message": "no"}], "data": None}},
        {"status_code": 503, "text": "maintenance"},
    ],
    ids=["not-json", "no-data", "graphql-errors", "status"],
)
def test_an_error_from_the_client_keeps_the_answer_readable(
    httpx_mock: HTTPXMock, response: dict[str, object]
) -> None:
    # The executor reads the body itself and closes the stream; the error still shows it.
    error = sent(httpx_mock, **{"status_code": 200, **response})
    assert error.response is not None
    expected = response.get("text")
    if expected is None:
        assert error.response.json() == response["json"]
    else:
        assert error.response.text == expected


# -- GraphQL errors of any shape ----------------------------------------------------------


@pytest.mark.parametrize(
    ("errors", "messages"),
    [
        pytest.param({"message": "one object"}, ["one object"], id="an-object-not-a-list"),
        pytest.param("just text", ["just text"], id="a-string"),
        pytest.param(["first", 2, {"message": "third"}], ["first", "2", "third"], id="mixed"),
        pytest.param([{"path": ["x"]}, {"message": ""}], ["(no message)"] * 2, id="no-message"),
    ],
)
def test_every_graphql_error_entry_is_kept_whatever_its_shape(
    errors: object, messages: list[str]
) -> None:
    error = failure(200, {"errors": errors, "data": None})
    assert isinstance(error, GraphQLError)
    assert error.messages == messages


def test_a_graphql_errors_path_and_locations_keep_only_what_is_well_formed() -> None:
    entry = {
        "message": "no",
        "path": ["messages", 0, None, 1.5, "id"],
        "locations": [{"line": 1, "column": 2}, "junk", {"line": 3}],
        "extensions": {"code": "FORBIDDEN"},
    }
    error = failure(200, {"errors": [entry, {"message": "x", "path": "a.b", "extensions": 5}]})
    assert isinstance(error, GraphQLError)
    first, second = error.errors
    assert first.path == ("messages", 0, "id")
    assert first.locations == ({"line": 1, "column": 2}, {"line": 3})
    assert first.code == "FORBIDDEN"
    assert (second.path, second.locations, dict(second.extensions)) == (None, None, {})


# -- transport failures -------------------------------------------------------------------


def test_a_connection_failure_names_the_exception_and_quotes_it() -> None:
    error = transport_error(httpx.ConnectError("refused"), GET, httpx.URL(URL))
    assert type(error) is VoltConnectionError
    assert (
        error.message
        == f"GetMessage: could not complete the request to {URL}: ConnectError: refused"
    )
    assert error.request_sent is False


def test_a_timeout_of_no_known_phase_counts_as_a_read_timeout() -> None:
    error = transport_error(httpx.TimeoutException("slow"), GET, httpx.URL(URL))
    assert isinstance(error, VoltTimeoutError)
    assert (error.phase, error.request_sent) == ("read", True)
    assert error.message == f"GetMessage: read timeout talking to {URL} (slow)"


def test_the_token_is_blanked_out_of_what_httpx_says() -> None:
    auth = BearerAuth("secret-token-0123456789")
    exc = httpx.ReadError("peer said: Bearer secret-token-0123456789")
    error = transport_error(exc, GET, httpx.URL(URL), auth)
    assert "secret-token-0123456789" not in error.message
    assert error.message.startswith(
        f"GetMessage: could not complete the request to {URL}: ReadError: peer said: Bearer "
    )
    plain = transport_error(httpx.ReadError("reset by peer"), GET, httpx.URL(URL), auth)
    assert (
        plain.message
        == f"GetMessage: could not complete the request to {URL}: ReadError: reset by peer"
    )


def test_a_deadline_cut_during_the_exchange_may_have_reached_volt() -> None:
    request = httpx.Request("POST", URL)
    error = deadline_error("CreateMessage", 60.0, request)
    assert (error.phase, error.request_sent, error.request) == ("deadline", True, request)
    assert error.message == (
        "CreateMessage: the call's deadline of 60s ran out during the exchange with Volt "
        "(the server was too slow to answer in full)"
    )


# -- Retry-After --------------------------------------------------------------------------


def test_retry_after_as_an_http_date_counts_from_now() -> None:
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 90, usegmt=True)
    assert parse_retry_after(date, now=now) == 90.0
    assert parse_retry_after(date, now=now + 100) == 0.0  # a date in the past: at once


def test_retry_after_in_seconds_needs_no_clock() -> None:
    assert parse_retry_after(" 7 ", now=0.0) == 7.0
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("") is None
