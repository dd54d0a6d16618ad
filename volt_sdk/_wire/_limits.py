"""Limits a client may share with other processes: the protocols and the local one.

``max_rate`` and ``max_concurrency`` take a number (a limit of this client,
as before) or a limiter object (a limit shared by whoever holds one with the
same name: several clients of one process, or a fleet through Redis). The
executors ask a limiter before every attempt, so a limiter sees each attempt
that may be sent, retries included, and nothing else.

A limiter has a blocking and an async half of each call (``reserve`` /
``areserve``, ``acquire`` / ``aacquire``, ``release`` / ``arelease``): the
blocking client calls the first, the async client the second
(``codegen/unasync.py`` turns one into the other). Waiting is the executor's
business for the rate (it sleeps the returned seconds, which a deadline or a
cancellation cuts short) and the limiter's for the concurrency cap (it polls,
through ``_concurrency``, until ``wait`` runs out).
"""

from __future__ import annotations

import threading
from typing import Any, Protocol, runtime_checkable

from volt_sdk import _concurrency
from volt_sdk._config import is_finite_number
from volt_sdk._errors import ConfigurationError, VoltTimeoutError

from ._retry import TokenBucket

__all__ = [
    "ConcurrencyLimiter",
    "LocalRateLimiter",
    "RateLimiter",
    "check_burst",
    "check_rate",
    "granted_wait",
    "no_slot_error",
    "shared_limiter",
    "slot_times",
]

# Seconds a lease outlives the call that holds it: a crashed process's leases
# free their slots this long after its calls' deadlines would have run out.
LEASE_SLACK = 2.0


@runtime_checkable
class RateLimiter(Protocol):
    """Messages per second, shared by whoever holds the limiter (``max_rate=``).

    ``reserve(count, max_wait)`` takes ``count`` messages' worth of the rate now
    and returns the seconds to wait before sending them, or ``None``, taking
    nothing, when that wait would be ``max_wait`` seconds or more (the call's
    deadline would pass first). ``areserve`` is the same for the async client.
    Both raise :class:`~volt_sdk.LimiterUnavailableError` when the limit cannot
    be asked and the limiter fails closed.
    """

    @property
    def rate(self) -> float:
        """Messages per second."""
        ...

    def reserve(self, count: int, max_wait: float) -> float | None:
        """Take ``count`` now; the seconds to wait before sending, or ``None``."""
        ...

    async def areserve(self, count: int, max_wait: float) -> float | None:
        """:meth:`reserve` for the async client."""
        ...


@runtime_checkable
class ConcurrencyLimiter(Protocol):
    """Requests in flight at once, shared by whoever holds the limiter (``max_concurrency=``).

    ``acquire(wait, hold)`` takes a slot, waiting at most ``wait`` seconds for
    one, and returns a lease to give back to ``release``, or ``None`` when no
    slot freed in time. A lease that is never released (its process died)
    expires ``hold`` seconds after it was taken. ``aacquire`` and ``arelease``
    are the same for the async client.
    """

    @property
    def limit(self) -> int:
        """Requests in flight at once."""
        ...

    def acquire(self, wait: float, hold: float) -> object | None:
        """A slot's lease, or ``None`` after ``wait`` seconds without one."""
        ...

    async def aacquire(self, wait: float, hold: float) -> object | None:
        """:meth:`acquire` for the async client."""
        ...

    def release(self, lease: object) -> None:
        """Give back the slot of ``lease`` (from :meth:`acquire`)."""
        ...

    async def arelease(self, lease: object) -> None:
        """:meth:`release` for the async client."""
        ...


class LocalRateLimiter:
    """A token bucket in this process: what ``max_rate=<number>`` builds.

    ``rate`` messages per second, ``burst`` of them at once after an idle period
    (default: ``rate``, at least 1). One instance given to several clients of
    one process gives them one limit; it limits nothing across processes (for
    that: :class:`RedisRateLimiter`)::

        from volt_sdk import Volt
        from volt_sdk.limits import LocalRateLimiter

        limiter = LocalRateLimiter(10)
        volt = Volt(max_rate=limiter)
        marketing = Volt(max_rate=limiter)  # 10/s between them

    Args:
        rate: messages per second, a positive number.
        burst: messages that may go at once after an idle period. Default: ``rate``.

    Raises:
        ConfigurationError: a rate or burst that is not a positive number.
    """

    __slots__ = ("_bucket",)

    def __init__(self, rate: float, *, burst: float | None = None) -> None:
        self._bucket = TokenBucket(check_rate(rate), check_burst(burst))

    @property
    def rate(self) -> float:
        """Messages per second."""
        return self._bucket.rate

    @property
    def burst(self) -> float:
        """Messages that may go at once after an idle period."""
        return self._bucket.burst

    def reserve(self, count: int, max_wait: float) -> float | None:
        """Take ``count`` now; the seconds to wait before sending, or ``None``.

        Like ``max_rate=<number>``, what a refused call took is not given back.
        """
        wait = self._bucket.reserve(count)
        return None if wait and wait >= max_wait else wait

    async def areserve(self, count: int, max_wait: float) -> float | None:
        """:meth:`reserve` for the async client (it never waits on I/O)."""
        return self.reserve(count, max_wait)

    def __repr__(self) -> str:
        return f"LocalRateLimiter({self.rate:g}, burst={self.burst:g})"


class LocalSlots:
    """A cap on requests in flight in this process, taken without blocking (fallback use)."""

    __slots__ = ("_held", "_lock", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._held = 0
        self._lock = threading.Lock()

    def try_take(self) -> bool:
        with self._lock:
            if self._held >= self.limit:
                return False
            self._held += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self._held = max(0, self._held - 1)


def shared_limiter(value: object, option: str) -> Any:
    """``value`` when it is a limiter object (``max_rate``, ``max_concurrency``), else None.

    A number or None is left to the client's own checks; anything else is refused here,
    naming what the option takes.
    """
    shape = ("rate", "reserve", "areserve") if option == "max_rate" else _SLOT_METHODS
    if all(hasattr(value, name) for name in shape):
        return value
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return None
    if option == "max_rate":
        expected = "a positive number of messages per second, a RateLimiter"
    else:
        expected = "a whole number >= 1, a ConcurrencyLimiter"
    raise ConfigurationError(
        f"{option}: expected {expected} (volt_sdk.limits) or None, got {value!r}"
    )


_SLOT_METHODS = ("limit", "acquire", "aacquire", "release", "arelease")


def check_rate(rate: object) -> float:
    """``rate`` as a float, or a ConfigurationError naming it."""
    if isinstance(rate, bool) or not is_finite_number(rate) or not rate > 0:
        raise ConfigurationError(
            f"rate: expected a positive number of messages per second, got {rate!r}"
        )
    return float(rate)


def check_burst(burst: object) -> float | None:
    """``burst`` as a float (or None), or a ConfigurationError naming it."""
    if burst is None:
        return None
    if isinstance(burst, bool) or not is_finite_number(burst) or not burst >= 1:
        raise ConfigurationError(
            f"burst: expected a number of messages >= 1 or None, got {burst!r}"
        )
    return float(burst)


def granted_wait(op_name: str, granted: float | None, rate: float, deadline: float) -> float:
    """The wait a limiter granted, or the deadline error when it refused (nothing sent)."""
    if granted is None:
        raise VoltTimeoutError(
            f"{op_name}: the shared rate limit ({rate:g}/s) would delay this past "
            f"the call's deadline of {deadline:g}s",
            phase="deadline",
            request_sent=False,
        )
    return granted


def slot_times(deadline_at: float, margin: float) -> tuple[float, float]:
    """(seconds to wait for a slot, seconds its lease lives) for a call due at ``deadline_at``."""
    left = max(0.0, deadline_at - _concurrency.monotonic())
    return left, left + margin + LEASE_SLACK


def no_slot_error(op_name: str, limit: int, deadline: float) -> VoltTimeoutError:
    """The error of a call that found no free slot before its deadline (nothing sent)."""
    return VoltTimeoutError(
        f"{op_name}: no slot of the shared concurrency cap ({limit} in flight) "
        f"freed before the call's deadline of {deadline:g}s",
        phase="deadline",
        request_sent=False,
    )
