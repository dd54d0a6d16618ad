"""``on_attempt`` hooks: told of every attempt, with what the client decided next,
on both clients; a hook never changes what a call does."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests.clock import FakeClock
from tests.payloads import FROM, TO, URL, message_data
from volt_sdk import (
    APIStatusError,
    AsyncVolt,
    Attempt,
    ConfigurationError,
    MessageOutcomeUnknownError,
    RateLimitError,
    Volt,
    VoltConnectionError,
    VoltTimeoutError,
)

from .both import CLIENTS, close, resolve

pytestmark = pytest.mark.anyio

SENT = {"data": {"createMessage": message_data()}}


async def send(client_class: type[Volt] | type[AsyncVolt], **options: Any) -> Any:
    client = client_class(**options)
    try:
        return await resolve(client.send_message(to=TO, from_=FROM, body="Hello"))
    finally:
        await close(client)


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_send_answered_at_once_is_one_attempt_that_returns(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt], fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=URL, json=SENT, headers={"x-request-id": "req_1"})
    seen: list[Attempt] = []
    message = await send(client_class, on_attempt=[seen.append])
    assert message.id == "msg_1"
    (attempt,) = seen
    assert attempt.operation == "CreateMessage"
    assert attempt.operation_type == "mutation"
    assert attempt.number == 1
    assert attempt.decision == "return"
    assert attempt.error is None
    assert attempt.retry_in is None
    assert attempt.request is not None
    assert attempt.request.method == "POST"
    assert str(attempt.request.url) == URL
    assert attempt.response is not None
    assert attempt.response.status_code == 200
    assert attempt.response.json() == SENT  # the body is there to read
    assert attempt.request_id == "req_1"
    assert attempt.elapsed == 0.0  # the injected clock did not move


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_429_then_success_is_a_retry_then_a_return(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt], fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=URL, status_code=429, headers={"retry-after": "2"}, json={})
    httpx_mock.add_response(url=URL, json=SENT)
    seen: list[Attempt] = []
    await send(client_class, on_attempt=[seen.append])
    assert [(a.number, a.decision, a.retry_in) for a in seen] == [
        (1, "retry", 2.0),
        (2, "return", None),
    ]
    assert isinstance(seen[0].error, RateLimitError)
    assert seen[0].response is not None
    assert seen[0].response.status_code == 429


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_an_ambiguous_send_is_one_attempt_that_raises(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt], fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=URL, status_code=503, text="busy")
    seen: list[Attempt] = []
    with pytest.raises(MessageOutcomeUnknownError):
        await send(client_class, on_attempt=[seen.append])
    (attempt,) = seen
    assert attempt.decision == "raise"
    assert isinstance(attempt.error, APIStatusError)
    assert attempt.error.status_code == 503


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_connection_never_made_has_no_response(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt], fake_clock: FakeClock
) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"))
    httpx_mock.add_response(url=URL, json=SENT)
    seen: list[Attempt] = []
    await send(client_class, on_attempt=[seen.append])
    assert [a.decision for a in seen] == ["retry", "return"]
    assert seen[0].response is None
    assert isinstance(seen[0].error, VoltConnectionError)
    assert seen[0].retry_in is not None


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_hook_that_raises_is_logged_and_changes_nothing(
    httpx_mock: HTTPXMock,
    client_class: type[Volt] | type[AsyncVolt],
    fake_clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    httpx_mock.add_response(url=URL, json=SENT)
    after: list[Attempt] = []

    def broken(attempt: Attempt) -> None:
        raise RuntimeError(f"oops for {TO}")

    with caplog.at_level(logging.WARNING, logger="volt_sdk"):
        message = await send(client_class, on_attempt=[broken, after.append])
    assert message.id == "msg_1"  # returned as if no hook had failed
    assert len(after) == 1  # the next hook still ran
    (record,) = [r for r in caplog.records if "on_attempt hook" in r.getMessage()]
    assert "RuntimeError" in record.getMessage()
    assert TO not in record.getMessage()  # the number is masked
    assert "0145" in record.getMessage()


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_call_refused_before_any_request_reports_no_attempt(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt], fake_clock: FakeClock
) -> None:
    seen: list[Attempt] = []
    client = client_class(max_rate=0.1, deadline=5, on_attempt=[seen.append])
    try:
        httpx_mock.add_response(url=URL, json=SENT)
        for number in range(2):  # the second waits 10 s for the rate limit: past the deadline
            try:
                await resolve(client.send_message(to=TO, from_=FROM, body="Hello"))
            except VoltTimeoutError:
                assert number == 1
    finally:
        await close(client)
    assert [a.decision for a in seen] == ["return"]


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_single_callable_is_taken_and_copies_keep_the_hooks(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt], fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=URL, json=SENT)
    seen: list[Attempt] = []
    client = client_class(on_attempt=seen.append)  # type: ignore[arg-type]
    try:
        await resolve(client.with_options(max_retries=0).send_message(to=TO, from_=FROM, body="Hi"))
    finally:
        await close(client)
    assert len(seen) == 1


@pytest.mark.parametrize("client_class", CLIENTS)
@pytest.mark.parametrize(
    ("hooks", "named"),
    [(["not callable"], "on_attempt[0]"), ("abc", "on_attempt"), (3, "on_attempt")],
)
def test_hooks_that_are_not_callables_are_refused_naming_the_option(
    client_class: type[Volt] | type[AsyncVolt], hooks: Any, named: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        client_class(on_attempt=hooks)
    assert str(caught.value).startswith(f"{named}: expected")


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_token_callable_that_fails_reports_no_attempt(
    httpx_mock: HTTPXMock, client_class: type[Volt] | type[AsyncVolt], fake_clock: FakeClock
) -> None:
    seen: list[Attempt] = []

    def token() -> str:
        raise RuntimeError("vault down")

    with pytest.raises(ConfigurationError):
        await send(client_class, token=token, on_attempt=[seen.append])
    assert seen == []
    assert httpx_mock.get_requests() == []
