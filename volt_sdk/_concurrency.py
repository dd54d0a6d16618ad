"""Waiting and counting time, in pairs: the blocking one and its async twin.

The blocking client and executor are generated from their async sources by
swapping names (``codegen/unasync.py``): ``async_sleep`` becomes ``sleep``,
``async_semaphore`` becomes ``semaphore``. Keeping each pair here is what lets a
table of names be enough.

Every wait and every clock reading of the SDK goes through this module by
attribute (``_concurrency.sleep(...)``, never ``from ... import sleep``), so a
test replaces time in one place (``tests/conftest.py``).

asyncio is imported inside the async halves only: the blocking client never
needs it, and importing it is a tenth of ``from volt_sdk import Volt``.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "async_semaphore",
    "async_sleep",
    "monotonic",
    "semaphore",
    "sleep",
    "wall_clock",
]

#: Seconds on a clock that never goes back: deadlines, rates, backoff.
monotonic = time.monotonic
#: UNIX seconds: when a send began (compared with Volt's timestamps).
wall_clock = time.time


def sleep(seconds: float) -> None:
    """Block the calling thread for ``seconds``."""
    time.sleep(seconds)


async def async_sleep(seconds: float) -> None:
    """Suspend the calling task for ``seconds``."""
    import asyncio

    await asyncio.sleep(seconds)


def semaphore(limit: int) -> threading.BoundedSemaphore:
    """A cap of ``limit`` concurrent holders, shared by threads."""
    return threading.BoundedSemaphore(limit)


def async_semaphore(limit: int) -> asyncio.BoundedSemaphore:
    """A cap of ``limit`` concurrent holders, shared by the tasks of one event loop."""
    import asyncio

    return asyncio.BoundedSemaphore(limit)
