"""``wait_for_status``: polling a message until its status is awaited, on both clients.

The wire is pytest-httpx; time is the ``fake_clock`` fixture's, so no test
sleeps and the schedule of pauses is read exactly.
"""

from __future__ import annotations

import inspect
import json
import logging
import math
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock
from typing_extensions import assert_type

from tests.clock import FakeClock
from tests.payloads import URL, message_data
from volt_sdk import (
    APIStatusError,
    AsyncVolt,
    AuthenticationError,
    GraphQLError,
    MalformedResponseError,
    Message,
    NotFoundError,
    RateLimitError,
    ValidationError,
    Volt,
    VoltConnectionError,
    VoltError,
    WaitTimeoutError,
    _concurrency,
)
from volt_sdk._wire._request import DEADLINE_MARGIN

pytestmark = pytest.mark.anyio

Client = Volt | AsyncVolt


@pytest.fixture(params=[Volt, AsyncVolt])
def volt(request: pytest.FixtureRequest) -> Client:
    """Each client, without retries of its own: every failure of a poll shows."""
    client: Client = request.param(max_retries=0)
    return client


async def wait(volt: Client, message_id: Any = "msg_1", **options: Any) -> Message:
    """``volt.wait_for_status(...)``, awaited when the client is async; the client closed after."""
    try:
        result = volt.wait_for_status(message_id, **options)
        message: Message = await result if inspect.isawaitable(result) else result
    finally:
        closed = volt.close()
        if inspect.isawaitable(closed):
            await closed
    return message


def status(httpx_mock: HTTPXMock, value: str | None, **kwargs: Any) -> None:
    """One poll's answer: message ``msg_1`` with this status."""
    httpx_mock.add_response(
        url=URL, method="POST", json={"data": {"message": message_data(status=value)}}, **kwargs
    )


def polls(httpx_mock: HTTPXMock) -> list[tuple[str, dict[str, Any]]]:
    bodies = [json.loads(request.content) for request in httpx_mock.get_requests()]
    return [(body["operationName"], body["variables"]) for body in bodies]


# -- what it returns ------------------------------------------------------------------------


async def test_it_returns_the_message_once_its_status_is_final(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, volt: Client
) -> None:
    for value in ("queued", "sent", "delivered"):
        status(httpx_mock, value)

    message = await wait(volt)

    assert isinstance(message, Message)
    assert message.status == "delivered"
    assert polls(httpx_mock) == [("GetMessage", {"id": "msg_1"})] * 3
    assert fake_clock.sleeps == pytest.approx([0.2, 0.3, 0.45])


@pytest.mark.parametrize("final", ["failed", "undelivered"])
async def test_a_failed_or_undelivered_message_is_final_too(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, volt: Client, final: str
) -> None:
    status(httpx_mock, final)

    assert (await wait(volt)).status == final


async def test_statuses_are_compared_case_insensitively(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, volt: Client
) -> None:
    status(httpx_mock, "queued")
    status(httpx_mock, "DELIVERED")

    assert (await wait(volt)).status == "DELIVERED"


async def test_it_waits_for_the_statuses_given_in_until(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, volt: Client
) -> None:
    status(httpx_mock, "queued")
    status(httpx_mock, "sent")  # not final, but what was asked for

    assert (await wait(volt, until=["Sent"])).status == "sent"
    assert len(httpx_mock.get_requests()) == 2


async def test_a_message_without_status_is_not_final(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, volt: Client
) -> None:
    status(httpx_mock, None)
    status(httpx_mock, "delivered")

    assert (await wait(volt)).status == "delivered"


@pytest.mark.parametrize(
    ("interval", "pauses"),
    [
        (1.0, [0.2, 0.3, 0.45, 0.675, 1.0, 1.0]),
        (5.0, [0.2, 0.3, 0.45, 0.675, 1.0125, 1.51875]),
        (0.1, [0.1] * 6),
    ],
    ids=["backs-off-to-the-interval", "longer-interval", "interval-under-the-first-pause"],
)
async def test_the_pauses_start_short_and_grow_by_half_up_to_the_interval(
    httpx_mock: HTTPXMock,
    fake_clock: FakeClock,
    volt: Client,
    interval: float,
    pauses: list[float],
) -> None:
    for _ in range(5):
        status(httpx_mock, "queued")
    status(httpx_mock, "delivered")

    await wait(volt, interval=interval)

    assert fake_clock.sleeps == pytest.approx(pauses)


async def test_on_status_hears_of_each_status_once_as_it_changes(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, volt: Client
) -> None:
    for value in ("queued", "queued", "sent", "sent", "sent", "delivered"):
        status(httpx_mock, value)
    heard: list[str | None] = []

    def hear(message: Message) -> None:
        heard.append(message.status)

    await wait(volt, on_status=hear)

    assert heard == ["queued", "sent", "delivered"]


# -- failures of a poll ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "error", "pauses"),
    [
        ({"status_code": 503, "text": "busy"}, APIStatusError, [0.2, 0.3]),
        ({"status_code": 429, "headers": {"Retry-After": "2"}}, RateLimitError, [0.2, 2.0]),
        ({"status_code": 200, "text": "<html>cut"}, MalformedResponseError, [0.2, 0.3]),
        (httpx.ConnectError("refused"), VoltConnectionError, [0.2, 0.3]),
    ],
    ids=["5xx", "429-waits-retry-after", "garbled", "network"],
)
async def test_a_passing_failure_is_reported_and_polled_again(
    httpx_mock: HTTPXMock,
    fake_clock: FakeClock,
    volt: Client,
    caplog: pytest.LogCaptureFixture,
    failure: dict[str, Any] | Exception,
    error: type[VoltError],
    pauses: list[float],
) -> None:
    if isinstance(failure, Exception):
        httpx_mock.add_exception(failure, url=URL)
    else:
        httpx_mock.add_response(url=URL, method="POST", **failure)
    status(httpx_mock, "delivered")
    retried: list[VoltError] = []

    with caplog.at_level(logging.INFO, logger="volt_sdk"):
        message = await wait(volt, on_retry=retried.append)

    assert message.status == "delivered"
    assert len(retried) == 1
    assert isinstance(retried[0], error)
    assert fake_clock.sleeps == pytest.approx(pauses)
    (logged,) = [r for r in caplog.records if "polling again" in r.getMessage()]
    assert logged.levelno == logging.INFO
    assert logged.getMessage().startswith("wait_for_status msg_1: GetMessage")


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"json": {"data": {"message": None}}}, NotFoundError),
        ({"status_code": 401, "text": "Unauthorized"}, AuthenticationError),
        ({"json": {"errors": [{"message": "no"}], "data": None}}, GraphQLError),
        ({"status_code": 400, "text": "bad request"}, APIStatusError),
    ],
    ids=["not-found", "401", "graphql-errors", "400"],
)
async def test_a_refusal_ends_the_wait_at_once(
    httpx_mock: HTTPXMock,
    fake_clock: FakeClock,
    volt: Client,
    answer: dict[str, Any],
    error: type[VoltError],
) -> None:
    httpx_mock.add_response(url=URL, method="POST", **answer)
    retried: list[VoltError] = []

    with pytest.raises(error):
        await wait(volt, on_retry=retried.append)

    assert len(httpx_mock.get_requests()) == 1
    assert retried == []


async def test_an_interrupt_in_a_callback_passes_through_untouched(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, volt: Client
) -> None:
    status(httpx_mock, "queued")

    def interrupt(message: Message) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await wait(volt, on_status=interrupt)


# -- time -----------------------------------------------------------------------------------


async def test_the_timeout_raises_with_the_last_message_and_the_last_failure(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, volt: Client
) -> None:
    for _ in range(3):
        status(httpx_mock, "sent")
    httpx_mock.add_response(url=URL, method="POST", status_code=503, text="busy")

    with pytest.raises(WaitTimeoutError) as info:
        await wait(volt, timeout=1.0)

    error = info.value
    assert sum(fake_clock.sleeps) == pytest.approx(1.0)  # the last pause ends at the timeout
    assert len(httpx_mock.get_requests()) == 4  # and one last look is taken then
    assert error.message_id == "msg_1"
    assert error.last is not None
    assert error.last.status == "sent"
    assert isinstance(error.last_error, APIStatusError)
    assert error.timeout == 1.0
    assert error.until == ("delivered", "failed", "undelivered")
    assert str(error).startswith("message msg_1 is still sent after 1s; waited for delivered")


async def test_a_successful_poll_clears_the_last_failure_and_none_may_succeed(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, volt: Client
) -> None:
    httpx_mock.add_response(url=URL, method="POST", status_code=503, text="busy")
    status(httpx_mock, "sent")

    with pytest.raises(WaitTimeoutError) as info:
        await wait(volt, timeout=0.5, until=("delivered",))

    assert info.value.last_error is None
    assert info.value.last is not None


async def test_a_wait_where_no_poll_succeeds_has_no_last_message(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, volt: Client
) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"), url=URL, is_reusable=True)

    with pytest.raises(WaitTimeoutError) as info:
        await wait(volt, timeout=0.5)

    assert info.value.last is None
    assert isinstance(info.value.last_error, VoltConnectionError)


@pytest.mark.parametrize(
    ("client_deadline", "expected"),
    [
        # Polls at 0.2, 0.5, 0.95, 1.625 and 2.5 s of a 2.5 s wait: each may take what is
        # left, but never less than a second (the last one looks after the time is up).
        (60.0, [2.3, 2.0, 1.55, 1.0, 1.0]),
        (1.5, [1.5, 1.5, 1.5, 1.0, 1.0]),  # and never more than the client's own deadline
    ],
    ids=["cut-to-what-is-left", "client-deadline-shorter"],
)
async def test_each_poll_may_take_only_what_is_left_of_the_wait(
    httpx_mock: HTTPXMock,
    fake_clock: FakeClock,
    client_deadline: float,
    expected: list[float],
) -> None:
    deadlines: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        at = _concurrency.DEADLINE.get()
        assert at is not None
        deadlines.append(at - DEADLINE_MARGIN - fake_clock.now)
        return httpx.Response(200, json={"data": {"message": message_data(status="sent")}})

    httpx_mock.add_callback(answer, url=URL, is_reusable=True)

    for client_class in (Volt, AsyncVolt):
        deadlines.clear()
        fake_clock.sleeps.clear()
        volt = client_class(max_retries=0, deadline=client_deadline)
        with pytest.raises(WaitTimeoutError):
            await wait(volt, timeout=2.5)
        assert deadlines == pytest.approx(expected), client_class.__name__


# -- arguments ------------------------------------------------------------------------------

BAD_ARGUMENTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("empty id", {"message_id": "  "}, "message_id", "empty"),
    ("int id", {"message_id": 123}, "message_id", "not_a_string"),
    ("until a str", {"until": "delivered"}, "until", "not_a_list"),
    ("until empty", {"until": ()}, "until", "empty"),
    ("until not iterable", {"until": 3}, "until", "not_a_list"),
    ("until holding an empty str", {"until": ["delivered", " "]}, "until[1]", "empty"),
    ("until holding an int", {"until": [1]}, "until[0]", "not_a_string"),
    ("zero timeout", {"timeout": 0}, "timeout", "out_of_range"),
    ("negative timeout", {"timeout": -1.0}, "timeout", "out_of_range"),
    ("infinite timeout", {"timeout": math.inf}, "timeout", "out_of_range"),
    ("nan timeout", {"timeout": math.nan}, "timeout", "out_of_range"),
    ("bool timeout", {"timeout": True}, "timeout", "out_of_range"),
    ("str interval", {"interval": "1"}, "interval", "out_of_range"),
    ("zero interval", {"interval": 0.0}, "interval", "out_of_range"),
    ("on_status not callable", {"on_status": "print"}, "on_status", "wrong_type"),
    ("on_retry not callable", {"on_retry": 1}, "on_retry", "wrong_type"),
]


@pytest.mark.parametrize(
    ("options", "argument", "reason"),
    [case[1:] for case in BAD_ARGUMENTS],
    ids=[case[0] for case in BAD_ARGUMENTS],
)
async def test_a_bad_argument_is_refused_before_any_request(
    httpx_mock: HTTPXMock,
    fake_clock: FakeClock,
    volt: Client,
    options: dict[str, Any],
    argument: str,
    reason: str,
) -> None:
    with pytest.raises(ValidationError) as info:
        await wait(volt, **options)

    assert (info.value.argument, info.value.reason) == (argument, reason)
    assert str(info.value).startswith(f"{argument}: ")
    assert httpx_mock.get_requests() == []
    assert fake_clock.sleeps == []


# -- types ----------------------------------------------------------------------------------


def typed_usage(volt: Volt, heard: Callable[[Message], None]) -> None:
    """Never run: what a type checker must accept (and refuse) of the public signature."""
    assert_type(volt.wait_for_status("msg_1"), Message)
    assert_type(
        volt.wait_for_status(
            "msg_1", until={"delivered"}, timeout=30, interval=0.5, on_status=heard, on_retry=print
        ),
        Message,
    )
    volt.wait_for_status("msg_1", time_out=30)  # type: ignore[call-arg]


async def typed_async_usage(volt: AsyncVolt) -> None:
    """Never run: the async client's coroutine gives the same Message."""
    assert_type(await volt.wait_for_status("msg_1", until=("sent",)), Message)
