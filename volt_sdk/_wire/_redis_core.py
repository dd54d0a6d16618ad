"""All of a Redis limiter (``_redis_limits``) but its round trips to Redis.

The Lua scripts, and per limiter a core: its key, its link to Redis, its fallback,
and every step before and after a call to Redis. The calls themselves are written
once, as async code (``_async_redis_limits.py``); their blocking twin
(``_sync_redis_limits.py``) is generated from it by ``codegen/unasync.py``. Both
take a core, so the two halves of a limiter share one state.
"""

from __future__ import annotations

from typing import Any, Final

from ._limits import LocalSlots
from ._redis_link import Fallback, RedisLink, logger
from ._retry import TokenBucket

__all__ = ["LOCAL_LEASE", "RATE_SCRIPT", "SLOTS_SCRIPT", "RateCore", "SlotsCore"]

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

LOCAL_LEASE: Final = object()
"""The lease of a slot taken from the per-process fallback."""


class RateCore:
    """A ``RedisRateLimiter``'s state and the steps around its call of :data:`RATE_SCRIPT`."""

    __slots__ = ("burst", "fallback", "interval", "key", "link", "local", "rate")

    def __init__(
        self, key: str, link: RedisLink, fallback: Fallback, rate: float, burst: float
    ) -> None:
        self.key = key
        self.link = link
        self.fallback = fallback
        self.rate = rate
        self.burst = burst
        self.interval = 1_000_000 / rate
        self.local = TokenBucket(rate, burst)

    def args(self, count: int, max_wait: float, now_us: int | None) -> list[object]:
        """The script's ARGV."""
        wait_us = max_wait * 1_000_000 if max_wait < 1e12 else 1e18
        return [self.interval, self.burst, count, wait_us, "" if now_us is None else now_us]

    def answer(self, reply: Any) -> float | None:
        """Redis answered ``reply``: the seconds to wait, or ``None`` (nothing taken)."""
        self.fallback.answered()
        granted, wait_us = int(reply[0]), int(reply[1])
        return wait_us / 1_000_000 if granted else None

    def local_reserve(
        self, error: BaseException | None, count: int, max_wait: float
    ) -> float | None:
        """Reserve in this process: Redis is not asked now, or did not answer (``error``)."""
        if error is not None:
            self.fallback.unavailable(error, self.link.where, f"{self.rate:g}/s")
        wait = self.local.reserve(count)
        return None if wait and wait >= max_wait else wait


class SlotsCore:
    """A ``RedisConcurrencyLimiter``'s state and the steps around its calls to Redis."""

    __slots__ = ("fallback", "key", "limit", "link", "local")

    def __init__(self, key: str, link: RedisLink, fallback: Fallback, limit: int) -> None:
        self.key = key
        self.link = link
        self.fallback = fallback
        self.limit = limit
        self.local = LocalSlots(limit)

    def args(self, lease: str, hold: float, now_ms: int | None) -> list[object]:
        """:data:`SLOTS_SCRIPT`'s ARGV."""
        return [self.limit, lease, max(1, round(hold * 1000)), "" if now_ms is None else now_ms]

    def answer(self, lease: str, taken: Any) -> object | None:
        """Redis answered ``taken``: ``lease``, or ``None`` (every slot is taken)."""
        self.fallback.answered()
        return lease if int(taken) else None

    def local_take(self, error: BaseException | None) -> object | None:
        """A slot of this process: Redis is not asked now, or did not answer (``error``)."""
        if error is not None:
            self.fallback.unavailable(error, self.link.where, f"{self.limit} in flight")
        return LOCAL_LEASE if self.local.try_take() else None

    def release_local(self, lease: object) -> bool:
        """Give back ``lease`` if it is a slot of this process; whether it was."""
        if lease is not LOCAL_LEASE:
            return False
        self.local.give_back()
        return True

    def release_failed(self, error: BaseException) -> None:
        """Redis did not take a lease back: logged, since the lease expires anyway."""
        logger.warning("%s: could not release a lease (%s); it expires", self.fallback.label, error)
