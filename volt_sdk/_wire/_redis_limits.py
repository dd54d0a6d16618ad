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

redis-py is imported when a limiter is built, never by ``import volt_sdk``.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from volt_sdk import _concurrency
from volt_sdk._errors import ConfigurationError

from ._limits import LocalSlots, check_burst, check_rate
from ._redis_link import OnUnavailable, RedisLink, check_common, logger, unavailable_policy
from ._retry import TokenBucket

__all__ = ["RATE_SCRIPT", "SLOTS_SCRIPT", "RedisConcurrencyLimiter", "RedisRateLimiter"]

# ARGV: interval (us per message), burst (messages), count, max_wait (us), now (us, or "" for TIME).
# Returns {granted (1/0), wait (us)}.
RATE_SCRIPT: Final = """
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local max_wait = tonumber(ARGV[4])
local now
if ARGV[5] ~= '' then
  now = tonumber(ARGV[5])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + count * interval
local wait = new_tat - burst * interval - now
if wait < 0 then wait = 0 end
if wait > 0 and wait >= max_wait then
  return {0, math.ceil(wait)}
end
local ttl = math.ceil((new_tat - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', ttl)
return {1, math.ceil(wait)}
"""

# ARGV: limit, lease id, hold (ms), now (ms, or "" for TIME). Returns 1 (taken) or 0.
SLOTS_SCRIPT: Final = """
local limit = tonumber(ARGV[1])
local hold = tonumber(ARGV[3])
local now
if ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= limit then
  return 0
end
redis.call('ZADD', KEYS[1], now + hold, ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(last[2]) - now) + 1000)
return 1
"""

_POLL_FIRST = 0.005
_POLL_MAX = 0.05


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

    __slots__ = ("_burst", "_fallback", "_interval", "_key", "_link", "_local", "_rate")

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
        self._rate = check_rate(rate)
        self._burst = check_burst(burst) or 1.0
        self._interval = 1_000_000 / self._rate
        self._key = f"volt_sdk:rate:{name}"
        self._link = RedisLink(url, client, float(timeout))
        self._fallback = unavailable_policy(on_unavailable, f"RedisRateLimiter({name!r})")
        self._local = TokenBucket(self._rate, self._burst)

    @property
    def rate(self) -> float:
        """Messages per second across the fleet."""
        return self._rate

    @property
    def burst(self) -> float:
        """Messages that may go at once after an idle period."""
        return self._burst

    def _args(self, count: int, max_wait: float, now_us: int | None) -> list[object]:
        wait_us = max_wait * 1_000_000 if max_wait < 1e12 else 1e18
        return [self._interval, self._burst, count, wait_us, "" if now_us is None else now_us]

    def _answer(self, reply: Any) -> float | None:
        granted, wait_us = int(reply[0]), int(reply[1])
        return wait_us / 1_000_000 if granted else None

    def _local_reserve(
        self, error: BaseException | None, count: int, max_wait: float
    ) -> float | None:
        if error is not None:
            self._fallback.unavailable(error, self._link.where, f"{self._rate:g}/s")
        wait = self._local.reserve(count)
        return None if wait and wait >= max_wait else wait

    def reserve(self, count: int, max_wait: float, *, _now_us: int | None = None) -> float | None:
        """Take ``count`` now; the seconds to wait before sending, or ``None`` (nothing taken).

        Raises:
            LimiterUnavailableError: Redis did not answer (``on_unavailable="fail"``).
        """
        if not self._fallback.use_redis():
            return self._local_reserve(None, count, max_wait)
        try:
            script = self._link.script(self._link.blocking(), RATE_SCRIPT)
            reply = script(keys=[self._key], args=self._args(count, max_wait, _now_us))
        except self._link.errors as error:
            return self._local_reserve(error, count, max_wait)
        self._fallback.answered()
        return self._answer(reply)

    async def areserve(
        self, count: int, max_wait: float, *, _now_us: int | None = None
    ) -> float | None:
        """:meth:`reserve` for :class:`~volt_sdk.AsyncVolt`."""
        if not self._fallback.use_redis():
            return self._local_reserve(None, count, max_wait)
        try:
            script = self._link.script(self._link.for_loop(), RATE_SCRIPT)
            reply = await script(keys=[self._key], args=self._args(count, max_wait, _now_us))
        except self._link.errors as error:
            return self._local_reserve(error, count, max_wait)
        self._fallback.answered()
        return self._answer(reply)

    def close(self) -> None:
        """Close the blocking connections to Redis this limiter opened (not a ``client`` given)."""
        self._link.close()

    async def aclose(self) -> None:
        """Close the async connections to Redis this limiter opened (not a ``client`` given)."""
        await self._link.aclose()

    def __repr__(self) -> str:
        return f"{self._fallback.label[:-1]}, rate={self._rate:g}, burst={self._burst:g})"


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

    __slots__ = ("_fallback", "_key", "_limit", "_link", "_local")

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
        self._limit = limit
        self._key = f"volt_sdk:slots:{name}"
        self._link = RedisLink(url, client, float(timeout))
        self._fallback = unavailable_policy(on_unavailable, f"RedisConcurrencyLimiter({name!r})")
        self._local = LocalSlots(limit)

    @property
    def limit(self) -> int:
        """Requests in flight at once across the fleet."""
        return self._limit

    def _args(self, lease: str, hold: float, now_ms: int | None) -> list[object]:
        return [self._limit, lease, max(1, round(hold * 1000)), "" if now_ms is None else now_ms]

    def _local_take(self, error: BaseException | None) -> object | None:
        if error is not None:
            self._fallback.unavailable(error, self._link.where, f"{self._limit} in flight")
        return _LOCAL if self._local.try_take() else None

    def try_acquire(self, hold: float, *, _now_ms: int | None = None) -> object | None:
        """A lease now, or ``None`` when every slot is taken (never waits)."""
        if not self._fallback.use_redis():
            return self._local_take(None)
        lease = uuid.uuid4().hex
        try:
            script = self._link.script(self._link.blocking(), SLOTS_SCRIPT)
            taken = script(keys=[self._key], args=self._args(lease, hold, _now_ms))
        except self._link.errors as error:
            return self._local_take(error)
        self._fallback.answered()
        return lease if int(taken) else None

    async def atry_acquire(self, hold: float, *, _now_ms: int | None = None) -> object | None:
        """:meth:`try_acquire` for :class:`~volt_sdk.AsyncVolt`."""
        if not self._fallback.use_redis():
            return self._local_take(None)
        lease = uuid.uuid4().hex
        try:
            script = self._link.script(self._link.for_loop(), SLOTS_SCRIPT)
            taken = await script(keys=[self._key], args=self._args(lease, hold, _now_ms))
        except self._link.errors as error:
            return self._local_take(error)
        self._fallback.answered()
        return lease if int(taken) else None

    def acquire(self, wait: float, hold: float) -> object | None:
        """A slot's lease, or ``None`` after ``wait`` seconds without one.

        Raises:
            LimiterUnavailableError: Redis did not answer (``on_unavailable="fail"``).
        """
        end = _concurrency.monotonic() + wait
        pause = _POLL_FIRST
        while True:
            lease = self.try_acquire(hold)
            left = end - _concurrency.monotonic()
            if lease is not None or left <= 0:
                return lease
            _concurrency.sleep(min(pause, left))
            pause = min(pause * 2, _POLL_MAX)

    async def aacquire(self, wait: float, hold: float) -> object | None:
        """:meth:`acquire` for :class:`~volt_sdk.AsyncVolt`."""
        end = _concurrency.monotonic() + wait
        pause = _POLL_FIRST
        while True:
            lease = await self.atry_acquire(hold)
            left = end - _concurrency.monotonic()
            if lease is not None or left <= 0:
                return lease
            await _concurrency.async_sleep(min(pause, left))
            pause = min(pause * 2, _POLL_MAX)

    def release(self, lease: object) -> None:
        """Give back the slot of ``lease``; a Redis error is logged (the lease expires anyway)."""
        if lease is _LOCAL:
            self._local.give_back()
            return
        try:
            self._link.blocking().zrem(self._key, str(lease))
        except self._link.errors as error:
            logger.warning(
                "%s: could not release a lease (%s); it expires", self._fallback.label, error
            )

    async def arelease(self, lease: object) -> None:
        """:meth:`release` for :class:`~volt_sdk.AsyncVolt`."""
        if lease is _LOCAL:
            self._local.give_back()
            return
        try:
            await self._link.for_loop().zrem(self._key, str(lease))
        except self._link.errors as error:
            logger.warning(
                "%s: could not release a lease (%s); it expires", self._fallback.label, error
            )

    def close(self) -> None:
        """Close the blocking connections to Redis this limiter opened (not a ``client`` given)."""
        self._link.close()

    async def aclose(self) -> None:
        """Close the async connections to Redis this limiter opened (not a ``client`` given)."""
        await self._link.aclose()

    def __repr__(self) -> str:
        return f"{self._fallback.label[:-1]}, limit={self._limit})"


_LOCAL: Final = object()
"""The lease of a slot taken from the per-process fallback."""
