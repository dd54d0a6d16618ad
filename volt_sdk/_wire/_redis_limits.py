"""A rate limit and a concurrency cap shared through Redis: one for a whole fleet.

Each decision is one Lua script, so it is atomic however many processes ask at
once, and reads Redis's own clock (``TIME``), so the hosts' clocks never enter
it: a host whose clock is minutes off gets the same answer as the others. The
only time a client measures itself is the wait it is told to sleep, a short
interval on its own monotonic clock.

Rate: GCRA (the "generic cell rate algorithm", a token bucket kept as one
number). The key holds the *theoretical arrival time* (TAT) of the next
message in microseconds of Redis time; a message may go at ``TAT - burst *
interval``. Reserving moves the TAT on by ``count * interval`` and tells the
caller how long to wait; a wait of ``max_wait`` or more takes nothing. The key
expires once the bucket is full again, so an idle limit leaves nothing behind.

Concurrency: a sorted set of leases scored by their expiry (milliseconds of
Redis time). Taking a slot first drops the expired leases (a crashed process's
slots come back when its leases expire), then adds one if fewer than ``limit``
remain. Releasing removes the lease. The set itself expires with its last lease.

A limiter's methods are thin: all but the round trips to Redis is its core
(``_redis_core``), and the round trips are written once, as async code
(``_async_redis_limits``), whose blocking twin ``_sync_redis_limits`` is
generated. redis-py is imported when a limiter is built, never by ``import volt_sdk``.
"""

from __future__ import annotations

from volt_sdk._errors import ConfigurationError

from . import _async_redis_limits, _sync_redis_limits
from ._limits import check_burst, check_rate
from ._redis_core import RateCore, SlotsCore
from ._redis_link import OnUnavailable, RedisLink, check_common, unavailable_policy

__all__ = ["RedisConcurrencyLimiter", "RedisRateLimiter"]


class RedisRateLimiter:
    """Messages per second for a whole fleet, kept in Redis (``max_rate=``).

    Every process that builds one with the same ``name`` and Redis shares one
    limit of ``rate`` messages per second, of which ``burst`` may go at once
    after an idle period::

        from volt_sdk import Volt
        from volt_sdk.limits import RedisRateLimiter

        limiter = RedisRateLimiter("redis://localhost:6379/0", rate=10, name="volt:acme")
        volt = Volt(max_rate=limiter)   # in each of the fleet's processes

    Needs the ``redis`` extra (``pip install 'volt-sdk[redis]'``).

    Args:
        url: the Redis URL (``redis://``, ``rediss://``, ``unix://``); or give ``client``.
        rate: messages per second across the fleet.
        burst: messages that may go at once after an idle period (default 1:
            evenly spaced sends, which is what Volt's per-second limit wants).
        name: the limit's name; its key is ``volt_sdk:rate:<name>``.
        client: a ``redis.Redis`` (for :class:`~volt_sdk.Volt`) or
            ``redis.asyncio.Redis`` (for :class:`~volt_sdk.AsyncVolt`) instead of a URL.
        on_unavailable: when Redis does not answer, ``"fail"`` (default) raises
            :class:`~volt_sdk.LimiterUnavailableError` before anything is sent;
            ``"local"`` logs one WARNING and limits this process alone to ``rate``
            until Redis answers again (it is asked again every 5 s).
        timeout: seconds to connect to and hear from Redis (default 1).

    Raises:
        ConfigurationError: redis-py is not installed, or an argument is out of range.
    """

    __slots__ = ("_core",)

    def __init__(
        self,
        url: str | None = None,
        *,
        rate: float,
        burst: float | None = None,
        name: str = "default",
        client: object = None,
        on_unavailable: OnUnavailable = "fail",
        timeout: float = 1.0,
    ) -> None:
        check_common(name, on_unavailable, timeout)
        checked_rate = check_rate(rate)
        checked_burst = check_burst(burst) or 1.0
        link = RedisLink(url, client, float(timeout))
        fallback = unavailable_policy(on_unavailable, f"RedisRateLimiter({name!r})")
        self._core = RateCore(f"volt_sdk:rate:{name}", link, fallback, checked_rate, checked_burst)

    @property
    def rate(self) -> float:
        """Messages per second across the fleet."""
        return self._core.rate

    @property
    def burst(self) -> float:
        """Messages that may go at once after an idle period."""
        return self._core.burst

    def reserve(self, count: int, max_wait: float, *, _now_us: int | None = None) -> float | None:
        """Take ``count`` now; the seconds to wait before sending, or ``None`` (nothing taken).

        Raises:
            LimiterUnavailableError: Redis did not answer (``on_unavailable="fail"``).
        """
        return _sync_redis_limits.reserve(self._core, count, max_wait, _now_us)

    async def areserve(
        self, count: int, max_wait: float, *, _now_us: int | None = None
    ) -> float | None:
        """:meth:`reserve` for :class:`~volt_sdk.AsyncVolt`."""
        return await _async_redis_limits.areserve(self._core, count, max_wait, _now_us)

    def close(self) -> None:
        """Close the blocking connections to Redis this limiter opened (not a ``client`` given)."""
        self._core.link.close()

    async def aclose(self) -> None:
        """Close the async connections to Redis this limiter opened (not a ``client`` given)."""
        await self._core.link.aclose()

    def __repr__(self) -> str:
        core = self._core
        return f"{core.fallback.label[:-1]}, rate={core.rate:g}, burst={core.burst:g})"


class RedisConcurrencyLimiter:
    """Requests in flight at once for a whole fleet, kept in Redis (``max_concurrency=``).

    Every process that builds one with the same ``name`` and Redis shares
    ``limit`` slots. Each request holds a lease on one while it is in flight
    and gives it back when it ends, however it ends; the lease of a process
    that died expires after its call's deadline (plus a few seconds)::

        from volt_sdk import Volt
        from volt_sdk.limits import RedisConcurrencyLimiter

        cap = RedisConcurrencyLimiter("redis://localhost:6379/0", limit=3, name="volt:acme")
        volt = Volt(max_concurrency=cap)

    A request waiting for a slot asks Redis again every 5 to 50 ms; waiters are
    not served in order. Needs the ``redis`` extra.

    Args:
        url: the Redis URL; or give ``client``.
        limit: requests in flight at once across the fleet.
        name: the cap's name; its key is ``volt_sdk:slots:<name>``.
        client: a ``redis.Redis`` or ``redis.asyncio.Redis`` instead of a URL.
        on_unavailable: when Redis does not answer, ``"fail"`` (default) raises
            :class:`~volt_sdk.LimiterUnavailableError` before anything is sent;
            ``"local"`` logs one WARNING and caps this process alone at ``limit``
            until Redis answers again (it is asked again every 5 s).
        timeout: seconds to connect to and hear from Redis (default 1).

    Raises:
        ConfigurationError: redis-py is not installed, or an argument is out of range.
    """

    __slots__ = ("_core",)

    def __init__(
        self,
        url: str | None = None,
        *,
        limit: int,
        name: str = "default",
        client: object = None,
        on_unavailable: OnUnavailable = "fail",
        timeout: float = 1.0,
    ) -> None:
        check_common(name, on_unavailable, timeout)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ConfigurationError(f"limit: expected a whole number >= 1, got {limit!r}")
        link = RedisLink(url, client, float(timeout))
        fallback = unavailable_policy(on_unavailable, f"RedisConcurrencyLimiter({name!r})")
        self._core = SlotsCore(f"volt_sdk:slots:{name}", link, fallback, limit)

    @property
    def limit(self) -> int:
        """Requests in flight at once across the fleet."""
        return self._core.limit

    def try_acquire(self, hold: float, *, _now_ms: int | None = None) -> object | None:
        """A lease now, or ``None`` when every slot is taken (never waits)."""
        return _sync_redis_limits.try_acquire(self._core, hold, _now_ms)

    async def atry_acquire(self, hold: float, *, _now_ms: int | None = None) -> object | None:
        """:meth:`try_acquire` for :class:`~volt_sdk.AsyncVolt`."""
        return await _async_redis_limits.atry_acquire(self._core, hold, _now_ms)

    def acquire(self, wait: float, hold: float) -> object | None:
        """A slot's lease, or ``None`` after ``wait`` seconds without one.

        Raises:
            LimiterUnavailableError: Redis did not answer (``on_unavailable="fail"``).
        """
        return _sync_redis_limits.acquire(self._core, wait, hold)

    async def aacquire(self, wait: float, hold: float) -> object | None:
        """:meth:`acquire` for :class:`~volt_sdk.AsyncVolt`."""
        return await _async_redis_limits.aacquire(self._core, wait, hold)

    def release(self, lease: object) -> None:
        """Give back the slot of ``lease``; a Redis error is logged (the lease expires anyway)."""
        _sync_redis_limits.release(self._core, lease)

    async def arelease(self, lease: object) -> None:
        """:meth:`release` for :class:`~volt_sdk.AsyncVolt`."""
        await _async_redis_limits.arelease(self._core, lease)

    def close(self) -> None:
        """Close the blocking connections to Redis this limiter opened (not a ``client`` given)."""
        self._core.link.close()

    async def aclose(self) -> None:
        """Close the async connections to Redis this limiter opened (not a ``client`` given)."""
        await self._core.link.aclose()

    def __repr__(self) -> str:
        return f"{self._core.fallback.label[:-1]}, limit={self._core.limit})"
