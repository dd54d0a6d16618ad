"""The decisions ``_wire/_request.py`` makes before and between attempts, on the fake clock.

Each attempt's timeout is the configured one cut to what is left of the
deadline, phase by phase; no attempt starts, no rate-limit wait and no retry
pause runs once the deadline would be reached, to the exact instant.
"""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.clock import FakeClock
from tests.payloads import TOKEN, URL
from volt_sdk._config import ClientConfig
from volt_sdk._errors import RateLimitError, VoltConnectionError, VoltTimeoutError
from volt_sdk._wire._request import Operation, Wire
from volt_sdk._wire._retry import RetryPolicy, TokenBucket

SEND = Operation("mutation CreateMessage { x }", "CreateMessage", rate_limited=True)
QUERY = Operation("query GetMessage { x }", "GetMessage", rate_limited=False)
DEFAULT = httpx.Timeout(10.0, read=30.0)


def wire(
    timeout: httpx.Timeout | None = DEFAULT,
    *,
    deadline: float = 60.0,
    max_retries: int = 2,
    rate: float | None = None,
) -> Wire:
    config = ClientConfig(
        token=TOKEN,
        base_url=URL,
        timeout=DEFAULT,
        default_region=None,
        strict_numbers=False,
        user_agent="volt-sdk-tests",
    )
    policy = RetryPolicy(max_retries=max_retries, deadline=deadline)
    return Wire(config, timeout, policy, TokenBucket(rate) if rate is not None else None)


def phases(timeout: httpx.Timeout) -> tuple[float | None, ...]:
    return (timeout.connect, timeout.read, timeout.write, timeout.pool)


# -- the deadline -------------------------------------------------------------------------


def test_a_call_must_be_over_its_deadline_after_it_starts(fake_clock: FakeClock) -> None:
    assert wire(deadline=12.5).deadline_at() == fake_clock.monotonic() + 12.5


def test_an_attempt_starts_while_any_time_is_left(fake_clock: FakeClock) -> None:
    w = wire(deadline=60.0)
    deadline_at = w.deadline_at()
    fake_clock.advance(59.75)
    assert phases(w.attempt_timeout(QUERY, deadline_at, DEFAULT)) == (0.25, 0.25, 0.25, 0.25)


@pytest.mark.parametrize("late", [0.0, 0.5], ids=["at-the-deadline", "past-it"])
def test_no_attempt_starts_at_or_after_the_deadline(fake_clock: FakeClock, late: float) -> None:
    w = wire(deadline=60.0)
    deadline_at = w.deadline_at()
    fake_clock.advance(60.0 + late)
    with pytest.raises(VoltTimeoutError) as caught:
        w.attempt_timeout(QUERY, deadline_at, DEFAULT)
    error = caught.value
    assert (error.phase, error.request_sent) == ("deadline", False)
    assert error.message == (
        "GetMessage: the call's deadline of 60s ran out before another attempt could start"
    )


# -- each attempt's timeout ---------------------------------------------------------------


def test_the_configured_timeout_applies_while_the_deadline_is_further(
    fake_clock: FakeClock,
) -> None:
    configured = httpx.Timeout(5.0)
    w = wire(configured)
    # The client's own timeout (an http_client the caller passed) is only the fallback.
    assert w.attempt_timeout(QUERY, w.deadline_at(), httpx.Timeout(9.0)) is configured


def test_without_a_configured_timeout_the_http_clients_own_applies(
    fake_clock: FakeClock,
) -> None:
    own = httpx.Timeout(9.0)
    w = wire(None)
    assert w.attempt_timeout(QUERY, w.deadline_at(), own) is own


def test_a_timeout_whose_longest_phase_ends_on_the_deadline_is_kept(
    fake_clock: FakeClock,
) -> None:
    w = wire(httpx.Timeout(1.0, read=2.0), deadline=2.0)
    assert phases(w.attempt_timeout(QUERY, w.deadline_at(), DEFAULT)) == (1.0, 2.0, 1.0, 1.0)


@pytest.mark.parametrize(
    ("configured", "cut"),
    [
        # Only the phases longer than the 2 s left are cut; the others keep their value.
        (httpx.Timeout(connect=0.5, read=10.0, write=0.75, pool=0.25), (0.5, 2.0, 0.75, 0.25)),
        (httpx.Timeout(connect=10.0, read=0.5, write=30.0, pool=5.0), (2.0, 0.5, 2.0, 2.0)),
        # An unbounded phase (an http_client of the caller's) is bounded by the deadline.
        (httpx.Timeout(connect=1.0, read=None, write=0.5, pool=None), (1.0, 2.0, 0.5, 2.0)),
        (httpx.Timeout(None), (2.0, 2.0, 2.0, 2.0)),
    ],
    ids=["read-cut", "all-but-read-cut", "unbounded-phases", "unbounded"],
)
def test_each_phase_longer_than_what_is_left_is_cut_to_it(
    fake_clock: FakeClock, configured: httpx.Timeout, cut: tuple[float, ...]
) -> None:
    w = wire(None, deadline=60.0)
    deadline_at = w.deadline_at()
    fake_clock.advance(58.0)
    assert phases(w.attempt_timeout(QUERY, deadline_at, configured)) == cut


def test_an_unbounded_phase_is_bounded_even_when_the_others_are_short(
    fake_clock: FakeClock,
) -> None:
    w = wire(None, deadline=60.0)
    # The longest bounded phase is 1 s, far under the 60 s left; the read is unbounded.
    timeout = w.attempt_timeout(QUERY, w.deadline_at(), httpx.Timeout(1.0, read=None))
    assert phases(timeout) == (1.0, 60.0, 1.0, 1.0)


def test_a_new_timeout_is_measured_again(fake_clock: FakeClock) -> None:
    w = wire(None, deadline=10.0)
    deadline_at = w.deadline_at()
    assert phases(w.attempt_timeout(QUERY, deadline_at, httpx.Timeout(5.0))) == (5.0,) * 4
    assert phases(w.attempt_timeout(QUERY, deadline_at, httpx.Timeout(20.0))) == (10.0,) * 4


# -- the rate limit -----------------------------------------------------------------------


def test_only_rate_limited_operations_wait_for_the_rate(fake_clock: FakeClock) -> None:
    w = wire(rate=1.0)
    deadline_at = w.deadline_at()
    assert [w.rate_wait(QUERY, deadline_at) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert [w.rate_wait(SEND, deadline_at) for _ in range(3)] == [0.0, 1.0, 2.0]
    assert wire(rate=None).rate_wait(SEND, deadline_at) == 0.0


def test_a_rate_wait_that_ends_just_before_the_deadline_is_waited(fake_clock: FakeClock) -> None:
    w = wire(rate=1.0, deadline=1.5)
    deadline_at = w.deadline_at()
    assert w.rate_wait(SEND, deadline_at) == 0.0
    assert w.rate_wait(SEND, deadline_at) == 1.0


@pytest.mark.parametrize("deadline", [1.0, 0.5], ids=["ends-on-the-deadline", "ends-past-it"])
def test_a_rate_wait_that_reaches_the_deadline_is_refused_before_sending(
    fake_clock: FakeClock, deadline: float
) -> None:
    w = wire(rate=1.0, deadline=deadline)
    deadline_at = w.deadline_at()
    w.rate_wait(SEND, deadline_at)
    with pytest.raises(VoltTimeoutError) as caught:
        w.rate_wait(SEND, deadline_at)  # would wait 1 s
    error = caught.value
    assert (error.phase, error.request_sent) == ("deadline", False)
    assert error.message == (
        "CreateMessage: the client's rate limit (1/s) would delay this past the call's "
        f"deadline of {deadline:g}s"
    )


# -- the pause before a retry -------------------------------------------------------------


def limited(seconds: float) -> RateLimitError:
    return RateLimitError("HTTP 429", response=httpx.Response(429), retry_after=seconds)


def test_a_pause_that_ends_just_before_the_deadline_is_taken(fake_clock: FakeClock) -> None:
    w = wire(deadline=5.0)
    assert w.retry_pause(limited(4.75), QUERY, 0, w.deadline_at()) == 4.75


@pytest.mark.parametrize("pause", [5.0, 6.0], ids=["ends-on-the-deadline", "ends-past-it"])
def test_a_pause_that_reaches_the_deadline_gives_up(fake_clock: FakeClock, pause: float) -> None:
    w = wire(deadline=5.0)
    assert w.retry_pause(limited(pause), QUERY, 0, w.deadline_at()) is None


def test_no_pause_once_the_retries_are_spent_or_for_what_is_not_retried(
    fake_clock: FakeClock,
) -> None:
    w = wire(max_retries=1)
    deadline_at = w.deadline_at()
    assert w.retry_pause(limited(1.0), QUERY, 1, deadline_at) is None
    sent = VoltConnectionError("dropped", request_sent=True)
    assert w.retry_pause(sent, SEND, 0, deadline_at) is None
    assert w.retry_pause(sent, QUERY, 0, deadline_at) is not None


def test_each_retry_is_logged_with_its_number_wait_and_cause(
    fake_clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    w = wire(max_retries=3)
    deadline_at = w.deadline_at()
    with caplog.at_level(logging.INFO, logger="volt_sdk"):
        w.retry_pause(limited(1.5), SEND, 0, deadline_at)
        w.retry_pause(limited(0.25), QUERY, 2, deadline_at)
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            "volt_sdk",
            logging.INFO,
            "CreateMessage: retry 1 of 3 in 1.50s after RateLimitError: HTTP 429, Retry-After 1.5s",
        ),
        (
            "volt_sdk",
            logging.INFO,
            "GetMessage: retry 3 of 3 in 0.25s after RateLimitError: HTTP 429, Retry-After 0.25s",
        ),
    ]


def test_a_retried_error_is_logged_without_the_operation_name_its_message_starts_with(
    fake_clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    # The line names the operation once: the error's own "GetMessage: " prefix goes.
    w = wire(max_retries=2)
    dropped = VoltConnectionError("GetMessage: connection reset", request_sent=False)
    with caplog.at_level(logging.INFO, logger="volt_sdk"):
        pause = w.retry_pause(dropped, QUERY, 0, w.deadline_at())
    assert pause is not None
    (record,) = caplog.records
    assert record.getMessage() == (
        f"GetMessage: retry 1 of 2 in {pause:.2f}s after VoltConnectionError: connection reset"
    )
