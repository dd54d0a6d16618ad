"""When to retry, how long to wait, and how fast to send: the delivery rules.

One depth: the executors (``_async_executor`` and its blocking twin) apply these
rules to every attempt of every operation; nothing above them retries.

What is retried (also in the README):

==========================  ======================  ================================
Failure                     Query                   Mutation (``createMessage``, ...)
==========================  ======================  ================================
connection refused, DNS     retried                 retried: nothing reached Volt
connect timeout             retried                 retried: nothing reached Volt
pool timeout                retried                 retried: nothing left the client
HTTP 429                    retried (Retry-After)   retried: Volt refused it unread
read / write timeout        retried                 **not retried**: it may have run
connection dropped          retried                 **not retried**: it may have run
HTTP 502 / 503 / 504        retried                 **not retried**: it may have run
HTTP 500, other statuses    not retried             not retried
GraphQL errors, 401 / 403   not retried             not retried
==========================  ======================  ================================

A retry waits ``Retry-After`` when Volt sent one (capped), else a "full jitter"
exponential backoff. No attempt starts after the call's deadline, and no wait
runs past it.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Final

from volt_sdk import _concurrency
from volt_sdk._errors import (
    APIStatusError,
    MalformedResponseError,
    RateLimitError,
    TransportError,
    VoltError,
)

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_RETRIES",
    "RetryPolicy",
    "TokenBucket",
    "may_have_reached_volt",
]

DEFAULT_MAX_RETRIES: Final = 2
"""Retries after the first attempt, when the delivery rules allow one (``max_retries``)."""
DEFAULT_DEADLINE: Final = 60.0
"""Seconds one call may take across all its attempts and waits (``deadline``).

An OTP that arrives two minutes late is worse than an error the caller can act on.
"""

_RETRYABLE_QUERY_STATUSES: Final = frozenset({429, 502, 503, 504})


def may_have_reached_volt(error: VoltError) -> bool:
    """Whether the failed request may have been carried out by Volt.

    False when it surely was not: the connection was never made, the request
    never left the pool, or Volt answered that it refused it (a 4xx status such
    as 429, or GraphQL errors). True for what leaves the outcome open: a
    timeout or a dropped connection after sending, a 5xx, a garbled answer.
    """
    if isinstance(error, TransportError):
        return error.request_sent
    if isinstance(error, APIStatusError):
        status = error.status_code
        return status is None or status >= 500 or status == 408
    return isinstance(error, MalformedResponseError)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a client retries. ``max_retries`` counts retries, not attempts."""

    max_retries: int = DEFAULT_MAX_RETRIES
    deadline: float = DEFAULT_DEADLINE
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    retry_after_max: float = 30.0

    def should_retry(self, error: VoltError, *, is_mutation: bool, retries_done: int) -> bool:
        if retries_done >= self.max_retries:
            return False
        if is_mutation:
            # Only what surely did not run, and may work on a second try.
            return isinstance(error, RateLimitError) or (
                isinstance(error, TransportError) and not error.request_sent
            )
        if isinstance(error, TransportError):
            return True
        return isinstance(error, APIStatusError) and error.status_code in _RETRYABLE_QUERY_STATUSES

    def delay(self, error: VoltError, retries_done: int) -> float:
        """Seconds to wait before retry number ``retries_done + 1``."""
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            return min(error.retry_after, self.retry_after_max)
        ceiling = min(self.backoff_max, self.backoff_base * (2**retries_done))
        return random.uniform(0.0, ceiling)


class TokenBucket:
    """Messages per second, shared by every task and thread of one client.

    ``reserve()`` takes a token now and says how long to wait before using it,
    so waiters are served in order and the long-run rate never exceeds
    ``rate``; ``burst`` tokens may go at once after an idle period.
    """

    __slots__ = ("_last", "_lock", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: float | None = None) -> None:
        if not rate > 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.burst = max(1.0, float(burst if burst is not None else rate))
        self._tokens = self.burst
        self._last = _concurrency.monotonic()
        self._lock = threading.Lock()

    def reserve(self, count: int = 1) -> float:
        """Take ``count`` tokens now; the seconds to wait before using them."""
        with self._lock:
            now = _concurrency.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= count
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate
