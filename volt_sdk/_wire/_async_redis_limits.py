"""The calls of the Redis limiters to Redis, for :class:`~volt_sdk.AsyncVolt`.

Written once, as async code (``_async_redis_limits.py``); the blocking twin
(``_sync_redis_limits.py``) is generated from it by ``codegen/unasync.py``. Each
call takes the core of a limiter (``_redis_core``), which holds all but the round
trip to Redis: the limiters of ``_redis_limits`` call one half or the other.
"""

from __future__ import annotations

import uuid
from typing import Final

from volt_sdk import _concurrency

from ._redis_core import RATE_SCRIPT, SLOTS_SCRIPT, RateCore, SlotsCore

__all__ = ["aacquire", "arelease", "areserve", "atry_acquire"]

# A request waiting for a slot asks Redis again after this long, doubled each time up to the most.
_POLL_FIRST: Final = 0.005
_POLL_MAX: Final = 0.05


async def areserve(core: RateCore, count: int, max_wait: float, now_us: int | None) -> float | None:
    """Take ``count`` now; the seconds to wait before sending, or ``None`` (nothing taken)."""
    if not core.fallback.use_redis():
        return core.local_reserve(None, count, max_wait)
    try:
        script = core.link.script(core.link.for_loop(), RATE_SCRIPT)
        reply = await script(keys=[core.key], args=core.args(count, max_wait, now_us))
    except core.link.errors as error:
        return core.local_reserve(error, count, max_wait)
    return core.answer(reply)


async def atry_acquire(core: SlotsCore, hold: float, now_ms: int | None) -> object | None:
    """A lease now, or ``None`` when every slot is taken (never waits)."""
    if not core.fallback.use_redis():
        return core.local_take(None)
    lease = uuid.uuid4().hex
    try:
        script = core.link.script(core.link.for_loop(), SLOTS_SCRIPT)
        taken = await script(keys=[core.key], args=core.args(lease, hold, now_ms))
    except core.link.errors as error:
        return core.local_take(error)
    return core.answer(lease, taken)


async def aacquire(core: SlotsCore, wait: float, hold: float) -> object | None:
    """A slot's lease, or ``None`` after ``wait`` seconds without one."""
    end = _concurrency.monotonic() + wait
    pause = _POLL_FIRST
    while True:
        lease = await atry_acquire(core, hold, None)
        left = end - _concurrency.monotonic()
        if lease is not None or left <= 0:
            return lease
        await _concurrency.async_sleep(min(pause, left))
        pause = min(pause * 2, _POLL_MAX)


async def arelease(core: SlotsCore, lease: object) -> None:
    """Give back the slot of ``lease``; a Redis error is logged (the lease expires anyway)."""
    if core.release_local(lease):
        return
    try:
        await core.link.for_loop().zrem(core.key, str(lease))
    except core.link.errors as error:
        core.release_failed(error)
