"""One rate limit and one concurrency cap for a whole fleet of processes.

``max_rate`` and ``max_concurrency`` (of :class:`~volt_sdk.Volt` and
:class:`~volt_sdk.AsyncVolt`) take a number, a limit of that one client, or a
limiter from this module, a limit shared by everyone who holds it::

    from volt_sdk import Volt
    from volt_sdk.limits import RedisConcurrencyLimiter, RedisRateLimiter

    REDIS = "redis://localhost:6379/0"
    volt = Volt(
        max_rate=RedisRateLimiter(REDIS, rate=10, name="volt:acme"),
        max_concurrency=RedisConcurrencyLimiter(REDIS, limit=4, name="volt:acme"),
    )

Ten web workers built like this send 10 messages per second between them, not
100. The guide: ``docs/limits.md``. Importing this module does not import redis;
building a Redis limiter does (the ``redis`` extra).
"""

from __future__ import annotations

from ._errors import LimiterUnavailableError
from ._wire._limits import ConcurrencyLimiter, LocalRateLimiter, RateLimiter
from ._wire._redis_limits import RedisConcurrencyLimiter, RedisRateLimiter

__all__ = [
    "ConcurrencyLimiter",
    "LimiterUnavailableError",
    "LocalRateLimiter",
    "RateLimiter",
    "RedisConcurrencyLimiter",
    "RedisRateLimiter",
]
