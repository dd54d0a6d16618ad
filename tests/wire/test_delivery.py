"""Retries, deadlines, rate limits and uncertain sends, at the httpx seam.

The rules (README, "Delivery"): queries are retried on connection errors,
timeouts, 429, 502, 503 and 504; a mutation only when its request surely never
reached Volt; a send that may have reached Volt raises MessageOutcomeUnknownError.
"""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests.clock import FakeClock
from tests.payloads import FROM, TO, message_data
from volt_sdk import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_RETRIES,
    APIStatusError,
    AsyncVolt,
    AuthenticationError,
    ConfigurationError,
    GraphQLError,
    MessageOutcomeUnknownError,
    RateLimitError,
    Volt,
    VoltConnectionError,
    VoltTimeoutError,
    _concurrency,
)
from volt_sdk._wire import _retry

SEND = {"data": {"createMessage": message_data()}}
GET = {"data": {"message": message_data()}}


@pytest.fixture
def sleeps(fake_clock: FakeClock) -> list[float]:
    """The waits the client asks for, recorded instead of slept."""
    return fake_clock.sleeps


def fail_once(httpx_mock: HTTPXMock, failure: object) -> None:
    """Answer the next request with ``failure``: an httpx exception, or response fields."""
    if isinstance(failure, Exception):
        httpx_mock.add_exception(failure)
    else:
        httpx_mock.add_response(**failure)  # type: ignore[arg-type]


def count(httpx_mock: HTTPXMock) -> int:
    return len(httpx_mock.get_requests())


def test_the_defaults_are_two_retries_and_a_sixty_second_deadline() -> None:
    assert (DEFAULT_MAX_RETRIES, DEFAULT_DEADLINE) == (2, 60.0)


# -- queries --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        {"status_code": 429},
        {"status_code": 502},
        {"status_code": 503},
        {"status_code": 504},
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed"),
    ],
    ids=["429", "502", "503", "504", "connect", "read-timeout", "dropped"],
)
def test_a_query_is_retried_after_a_passing_failure(
    httpx_mock: HTTPXMock, sleeps: list[float], failure: object
) -> None:
    fail_once(httpx_mock, failure)
    httpx_mock.add_response(json=GET)
    with Volt() as volt:
        assert volt.get_message("msg_1").id == "msg_1"
    assert count(httpx_mock) == 2
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= 0.5  # full jitter under the first backoff step


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500])
def test_a_query_is_not_retried_after_an_answer_that_will_not_change(
    httpx_mock: HTTPXMock, sleeps: list[float], status: int
) -> None:
    httpx_mock.add_response(status_code=status)
    with Volt() as volt, pytest.raises(APIStatusError):
        volt.get_message("msg_1")
    assert count(httpx_mock) == 1
    assert sleeps == []


def test_graphql_errors_are_not_retried(httpx_mock: HTTPXMock, sleeps: list[float]) -> None:
    httpx_mock.add_response(json={"data": None, "errors": [{"message": "no"}]})
    with Volt() as volt, pytest.raises(GraphQLError):
        volt.get_message("msg_1")
    assert count(httpx_mock) == 1


def test_retries_stop_after_max_retries_with_the_last_error(
    httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(status_code=503, is_reusable=True)
    with Volt(max_retries=3) as volt, pytest.raises(APIStatusError) as info:
        volt.get_message("msg_1")
    assert info.value.status_code == 503
    assert count(httpx_mock) == 4
    # Exponential ceilings: 0.5, 1, 2 seconds.
    assert [s <= c for s, c in zip(sleeps, [0.5, 1.0, 2.0], strict=True)] == [True] * 3


def test_retry_after_in_seconds_is_honoured(httpx_mock: HTTPXMock, sleeps: list[float]) -> None:
    httpx_mock.add_response(status_code=429, headers={"Retry-After": "3"})
    httpx_mock.add_response(json=GET)
    with Volt() as volt:
        volt.get_message("msg_1")
    assert sleeps == [3.0]


def test_retry_after_as_an_http_date_is_honoured_up_to_a_cap(
    httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(
        status_code=429, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}
    )
    httpx_mock.add_response(json=GET)
    with Volt(deadline=120) as volt:
        volt.get_message("msg_1")
    assert sleeps == [30.0]


def test_no_wait_runs_past_the_deadline(httpx_mock: HTTPXMock, sleeps: list[float]) -> None:
    httpx_mock.add_response(status_code=429, headers={"Retry-After": "20"})
    with Volt(deadline=5) as volt, pytest.raises(RateLimitError):
        volt.get_message("msg_1")
    assert sleeps == []
    assert count(httpx_mock) == 1


def test_no_attempt_starts_after_the_deadline(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch, fake_clock: FakeClock
) -> None:
    def slow_sleep(seconds: float) -> None:
        fake_clock.advance(0.3)  # the wait overran what was asked for

    monkeypatch.setattr(_concurrency, "sleep", slow_sleep)
    monkeypatch.setattr(_retry.RetryPolicy, "delay", lambda self, error, n: 0.01)
    httpx_mock.add_response(status_code=503, is_reusable=True)
    with Volt(deadline=0.25, max_retries=5) as volt, pytest.raises(VoltTimeoutError) as info:
        volt.get_message("msg_1")
    assert info.value.phase == "deadline"
    assert count(httpx_mock) == 1


def test_each_attempt_timeout_is_cut_to_what_is_left_of_the_deadline(
    httpx_mock: HTTPXMock, fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(json=GET)
    with Volt(timeout=30, deadline=2) as volt:
        volt.get_message("msg_1")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.extensions["timeout"] == {"connect": 2.0, "read": 2.0, "write": 2.0, "pool": 2.0}


def test_with_options_changes_retries_for_some_calls_only(
    httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(status_code=503)
    httpx_mock.add_response(status_code=503)
    httpx_mock.add_response(json=GET)
    with Volt() as volt:
        with pytest.raises(APIStatusError):
            volt.with_options(max_retries=0).get_message("msg_1")
        assert volt.get_message("msg_1").id == "msg_1"  # the original still retries
    assert count(httpx_mock) == 3


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("max_retries", -1),
        ("max_retries", 1.5),
        ("deadline", 0),
        ("max_rate", 0),
        ("max_concurrency", 0),
    ],
)
def test_impossible_delivery_options_are_refused(option: str, value: object) -> None:
    with pytest.raises(ConfigurationError, match=option):
        Volt(**{option: value})  # type: ignore[arg-type]


# -- mutations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [{"status_code": 429}, httpx.ConnectError("refused"), httpx.ConnectTimeout("slow connect")],
    ids=["429", "refused", "connect-timeout"],
)
def test_a_send_is_retried_only_when_it_surely_never_reached_volt(
    httpx_mock: HTTPXMock, sleeps: list[float], failure: object
) -> None:
    fail_once(httpx_mock, failure)
    httpx_mock.add_response(json=SEND)
    with Volt() as volt:
        assert volt.send_message(to=TO, from_=FROM, body="hi").id == "msg_1"
    first, second = (json.loads(r.content) for r in httpx_mock.get_requests())
    assert first == second  # the same request, with the same client reference


@pytest.mark.parametrize(
    ("failure", "cause"),
    [
        ({"status_code": 502}, APIStatusError),
        ({"status_code": 503}, APIStatusError),
        ({"status_code": 500}, APIStatusError),
        ({"status_code": 200, "text": "<html>oops"}, Exception),
        (httpx.ReadTimeout("slow"), VoltTimeoutError),
        (httpx.WriteTimeout("slow"), VoltTimeoutError),
        (httpx.RemoteProtocolError("peer closed"), VoltConnectionError),
        (httpx.ReadError("reset"), VoltConnectionError),
    ],
    ids=["502", "503", "500", "garbled", "read-timeout", "write-timeout", "dropped", "reset"],
)
def test_a_send_that_may_have_reached_volt_is_never_retried_and_its_outcome_is_unknown(
    httpx_mock: HTTPXMock, fake_clock: FakeClock, failure: object, cause: type[Exception]
) -> None:
    sleeps = fake_clock.sleeps
    fail_once(httpx_mock, failure)
    with Volt() as volt, pytest.raises(MessageOutcomeUnknownError) as info:
        volt.send_message(to=TO, from_=FROM, body="hi", media=["https://e.com/a.png"])
    unknown = info.value
    assert count(httpx_mock) == 1
    assert sleeps == []
    assert isinstance(unknown.cause, cause)
    assert unknown.__cause__ is unknown.cause
    assert (unknown.to, unknown.from_, unknown.body, unknown.media) == (
        TO,
        FROM,
        "hi",
        ("https://e.com/a.png",),
    )
    sent = json.loads(httpx_mock.get_requests()[0].content)["variables"]
    assert unknown.passthrough == sent["passthrough"]
    assert unknown.started_at == fake_clock.wall_clock()  # when the attempt began
    assert "do not resend blindly" in str(unknown)


@pytest.mark.parametrize("status", [400, 401, 403])
def test_a_send_refused_by_volt_is_a_plain_error_not_an_unknown_outcome(
    httpx_mock: HTTPXMock, status: int
) -> None:
    httpx_mock.add_response(status_code=status)
    with Volt() as volt, pytest.raises(APIStatusError) as info:
        volt.send_message(to=TO, from_=FROM, body="hi")
    assert not isinstance(info.value, MessageOutcomeUnknownError)
    if status != 400:
        assert isinstance(info.value, AuthenticationError)


def test_a_send_that_surely_never_left_is_a_plain_error_once_retries_run_out(
    httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"), is_reusable=True)
    with Volt() as volt, pytest.raises(VoltConnectionError) as info:
        volt.send_message(to=TO, from_=FROM, body="hi")
    assert info.value.request_sent is False
    assert count(httpx_mock) == 3


def test_a_caller_passthrough_is_sent_as_given_and_kept_on_an_unknown_outcome(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(status_code=504)
    with Volt() as volt, pytest.raises(MessageOutcomeUnknownError) as info:
        volt.send_message(to=TO, from_=FROM, body="hi", passthrough="order-42")
    assert info.value.passthrough == "order-42"


def test_every_send_gets_its_own_client_reference(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=SEND, is_reusable=True)
    with Volt() as volt:
        for _ in range(3):
            volt.send_message(to=TO, from_=FROM, body="hi")
    references = {
        json.loads(r.content)["variables"]["passthrough"] for r in httpx_mock.get_requests()
    }
    assert len(references) == 3


# -- reconciliation ---------------------------------------------------------------------


def _unknown(started_at: float, body: str = "hi") -> MessageOutcomeUnknownError:
    return MessageOutcomeUnknownError(
        to=TO,
        from_=FROM,
        body=body,
        media=(),
        passthrough="vsdk-000000000000-1",
        started_at=started_at,
        cause=VoltConnectionError("dropped"),
    )


def _page(*messages: dict[str, object]) -> dict[str, object]:
    return {"data": {"conversation": {"messages": list(messages), "pageInfo": {"totalItems": 100}}}}


def test_reconcile_finds_the_matching_message_sent_since_the_attempt(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(
        json=_page(
            message_data(id="m3", body="other", sentAt="2030-01-01T00:00:10Z"),
            message_data(id="m2", body="hi", sentAt="2030-01-01T00:00:05Z"),
        )
    )
    with Volt() as volt:
        found = volt.reconcile_message(_unknown(started_at=1893456000.0))  # 2030-01-01T00:00:00Z
    assert found is not None
    assert found.id == "m2"


def test_reconcile_skips_messages_already_accounted_for(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        json=_page(
            message_data(id="m2", body="hi", sentAt="2030-01-01T00:00:05Z"),
            message_data(id="m1", body="hi", sentAt="2030-01-01T00:00:01Z"),
        )
    )
    with Volt() as volt:
        found = volt.reconcile_message(_unknown(1893456000.0), exclude_ids={"m2"})
    assert found is not None
    assert found.id == "m1"


def test_reconcile_counts_a_still_queued_message_as_sent(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=_page(message_data(id="m9", body="hi", sentAt=None)))
    with Volt() as volt:
        found = volt.reconcile_message(_unknown(1893456000.0))
    assert found is not None


def test_reconcile_stops_at_messages_older_than_the_attempt_and_says_not_found(
    httpx_mock: HTTPXMock,
) -> None:
    # An identical message from an hour before the attempt is not this one.
    httpx_mock.add_response(
        json=_page(message_data(id="m1", body="hi", sentAt="2029-12-31T23:00:00Z"))
    )
    with Volt() as volt:
        assert volt.reconcile_message(_unknown(1893456000.0)) is None
    assert count(httpx_mock) == 1


@pytest.mark.anyio
async def test_the_async_client_reconciles_the_same_way(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=_page(message_data(id="m2", body="hi", sentAt=None)))
    async with AsyncVolt() as volt:
        found = await volt.reconcile_message(_unknown(1893456000.0))
    assert found is not None
    assert found.id == "m2"


# -- rate and concurrency ---------------------------------------------------------------


def test_the_rate_limit_spaces_sends_and_is_shared_by_threads(
    httpx_mock: HTTPXMock, fake_clock: FakeClock
) -> None:
    fake_clock.advance_on_sleep = False  # the threads reserve their turns at one instant
    sleeps = fake_clock.sleeps
    httpx_mock.add_response(json=SEND, is_reusable=True)
    # One message a second, so that scheduling noise (milliseconds) cannot refill a token.
    with Volt(max_rate=1) as volt:
        threads = [
            threading.Thread(
                target=volt.send_message, kwargs={"to": TO, "from_": FROM, "body": "x"}
            )
            for _ in range(6)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert count(httpx_mock) == 6
    # The first goes at once; each later one waits its turn: about 1, 2, 3, 4, 5 s.
    assert sorted(round(w) for w in sleeps) == [1, 2, 3, 4, 5]


def test_the_rate_limit_counts_sends_only(httpx_mock: HTTPXMock, sleeps: list[float]) -> None:
    httpx_mock.add_response(json=GET, is_reusable=True)
    with Volt(max_rate=1) as volt:
        for _ in range(5):
            volt.get_message("msg_1")
    assert sleeps == []


@pytest.mark.anyio
async def test_the_concurrency_cap_bounds_requests_in_flight(httpx_mock: HTTPXMock) -> None:
    in_flight = 0
    peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0)  # let the other calls pile up at the cap
        in_flight -= 1
        return httpx.Response(200, json=GET)

    httpx_mock.add_callback(slow, is_reusable=True)
    async with AsyncVolt(max_concurrency=3) as volt:
        await asyncio.gather(*(volt.get_message("msg_1") for _ in range(12)))
        clone = volt.with_options(max_retries=0)  # shares the cap
        await asyncio.gather(
            *(volt.get_message("msg_1") for _ in range(6)),
            *(clone.get_message("msg_1") for _ in range(6)),
        )
    assert peak == 3
