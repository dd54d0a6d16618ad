"""The delivery rules of ``_wire/_retry.py``, pinned value by value.

What may have reached Volt (the rule that keeps a send from being duplicated),
the backoff's growth, and the token bucket's arithmetic, read on the fake clock.
"""

from __future__ import annotations

import random

import httpx
import pytest

from tests.clock import FakeClock
from volt_sdk._errors import (
    APIStatusError,
    AuthenticationError,
    GraphQLError,
    GraphQLErrorDetail,
    MalformedResponseError,
    RateLimitError,
    VoltConnectionError,
    VoltError,
    VoltTimeoutError,
)
from volt_sdk._wire._retry import RetryPolicy, TokenBucket, may_have_reached_volt


def status_error(status: int) -> APIStatusError:
    return APIStatusError(f"HTTP {status}", response=httpx.Response(status))


@pytest.fixture
def ceilings(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The upper bounds the backoff draws its full-jitter wait under, each returned as the wait."""
    drawn: list[float] = []

    def uniform(low: float, high: float) -> float:
        assert low == 0.0
        drawn.append(high)
        return high

    monkeypatch.setattr(random, "uniform", uniform)
    return drawn


# -- may the failed request have been carried out? --------------------------------------


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504, 599])
def test_a_timeout_status_or_a_5xx_may_have_reached_volt(status: int) -> None:
    # 408: Volt's side gave up waiting, possibly after it had read the whole request.
    assert may_have_reached_volt(status_error(status)) is True


@pytest.mark.parametrize("status", [400, 404, 407, 409, 429, 499])
def test_any_other_4xx_is_a_refusal_that_did_not_run(status: int) -> None:
    assert may_have_reached_volt(status_error(status)) is False


def test_a_status_error_without_a_status_leaves_the_outcome_open() -> None:
    assert may_have_reached_volt(APIStatusError("no response")) is True


def test_refused_credentials_and_graphql_errors_did_not_run() -> None:
    assert may_have_reached_volt(AuthenticationError("no", response=httpx.Response(401))) is False
    graphql = GraphQLError([GraphQLErrorDetail(message="no")], response=httpx.Response(200))
    assert may_have_reached_volt(graphql) is False


def test_a_garbled_answer_may_have_reached_volt() -> None:
    assert may_have_reached_volt(MalformedResponseError("<html>", response=httpx.Response(200)))


def test_a_transport_failure_may_have_reached_volt_exactly_when_the_request_was_sent() -> None:
    assert may_have_reached_volt(VoltTimeoutError("read", request_sent=True)) is True
    assert may_have_reached_volt(VoltConnectionError("refused", request_sent=False)) is False


# -- what is retried ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "query", "mutation"),
    [
        (RateLimitError("429", response=httpx.Response(429)), True, True),
        (VoltConnectionError("refused", request_sent=False), True, True),
        (VoltTimeoutError("read", request_sent=True), True, False),
        (status_error(408), False, False),
        (status_error(502), True, False),
        (status_error(503), True, False),
        (status_error(504), True, False),
        (status_error(500), False, False),
        (MalformedResponseError("<html>", response=httpx.Response(200)), False, False),
    ],
    ids=["429", "not-sent", "sent", "408", "502", "503", "504", "500", "garbled"],
)
def test_what_is_retried_for_a_query_and_for_a_send(
    error: VoltError, query: bool, mutation: bool
) -> None:
    policy = RetryPolicy()
    assert policy.should_retry(error, is_mutation=False, retries_done=0) is query
    assert policy.should_retry(error, is_mutation=True, retries_done=0) is mutation


def test_retries_stop_once_max_retries_are_done() -> None:
    error = VoltConnectionError("refused", request_sent=False)
    policy = RetryPolicy(max_retries=2)
    assert policy.should_retry(error, is_mutation=True, retries_done=1) is True
    assert policy.should_retry(error, is_mutation=True, retries_done=2) is False
    never = RetryPolicy(max_retries=0)
    assert never.should_retry(error, is_mutation=False, retries_done=0) is False


# -- how long a retry waits ---------------------------------------------------------------


def test_the_backoff_ceiling_doubles_from_half_a_second_up_to_eight(
    ceilings: list[float],
) -> None:
    policy = RetryPolicy()
    error = status_error(503)
    waits = [policy.delay(error, retries_done) for retries_done in range(7)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert waits == ceilings  # full jitter: the wait is drawn under the ceiling


def test_the_backoff_follows_its_base_and_cap(ceilings: list[float]) -> None:
    policy = RetryPolicy(backoff_base=0.25, backoff_max=1.5)
    for retries_done in range(4):
        policy.delay(status_error(503), retries_done)
    assert ceilings == [0.25, 0.5, 1.0, 1.5]


def test_retry_after_is_waited_as_sent_up_to_its_cap(ceilings: list[float]) -> None:
    policy = RetryPolicy(retry_after_max=30.0)

    def limited(seconds: float | None) -> RateLimitError:
        return RateLimitError("429", response=httpx.Response(429), retry_after=seconds)

    assert policy.delay(limited(3.0), 0) == 3.0
    assert policy.delay(limited(30.0), 0) == 30.0
    assert policy.delay(limited(31.0), 0) == 30.0
    assert ceilings == []
    # Without Retry-After, a 429 backs off like any other failure.
    assert policy.delay(limited(None), 1) == 1.0
    assert ceilings == [1.0]


# -- the token bucket ---------------------------------------------------------------------


def test_a_rate_must_be_positive() -> None:
    for rate in (0, -1, float("nan")):
        with pytest.raises(ValueError, match=r"^rate must be positive$"):
            TokenBucket(rate)


def test_the_burst_defaults_to_the_rate_and_is_at_least_one_token(fake_clock: FakeClock) -> None:
    assert TokenBucket(5).burst == 5.0
    assert TokenBucket(2, burst=7).burst == 7.0
    assert TokenBucket(0.5).burst == 1.0
    assert TokenBucket(4, burst=0).burst == 1.0


def test_a_full_bucket_lets_its_burst_go_at_once_then_spaces_sends_by_one_over_the_rate(
    fake_clock: FakeClock,
) -> None:
    bucket = TokenBucket(4, burst=3)
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    # The clock stands still: each later send waits one more quarter second.
    assert [bucket.reserve() for _ in range(3)] == [0.25, 0.5, 0.75]


def test_tokens_come_back_at_the_rate_as_time_passes(fake_clock: FakeClock) -> None:
    bucket = TokenBucket(4, burst=2)
    bucket.reserve()
    bucket.reserve()
    fake_clock.advance(0.375)  # 1.5 tokens back
    assert bucket.reserve() == 0.0  # half a token is left
    assert bucket.reserve() == 0.125  # the other half comes in 1/8 s
    fake_clock.advance(10.0)  # an idle period refills up to the burst, no further
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.25]


def test_a_slow_rate_spaces_sends_by_seconds(fake_clock: FakeClock) -> None:
    bucket = TokenBucket(0.5)  # one message every two seconds
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == 2.0
    fake_clock.advance(1.0)
    assert bucket.reserve() == 3.0  # the queue moved up by the second that passed
