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

import contextvars
import sys
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "DEADLINE",
    "AsyncDeadline",
    "Deadline",
    "DeadlineExceededError",
    "async_deadline",
    "async_semaphore",
    "async_sleep",
    "deadline",
    "monotonic",
    "semaphore",
    "sleep",
    "wait_event",
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


def wait_event(event: threading.Event, seconds: float) -> bool:
    """Block until ``event`` is set or ``seconds`` pass; True when it was set."""
    return event.wait(seconds)


def semaphore(limit: int) -> threading.BoundedSemaphore:
    """A cap of ``limit`` concurrent holders, shared by threads."""
    return threading.BoundedSemaphore(limit)


def async_semaphore(limit: int) -> asyncio.BoundedSemaphore:
    """A cap of ``limit`` concurrent holders, shared by the tasks of one event loop."""
    import asyncio

    return asyncio.BoundedSemaphore(limit)


class DeadlineExceededError(Exception):
    """The wall-clock bound of a ``deadline()`` / ``async_deadline()`` block ran out."""


#: The monotonic time the current blocking request must end by, or None. Set by
#: :func:`deadline`; read by the network layer of the blocking client
#: (``volt_sdk._wire._deadline``), which cuts every socket read to it, so that a
#: server that trickles bytes cannot hold a call past it.
DEADLINE: Final[contextvars.ContextVar[float | None]] = contextvars.ContextVar(
    "volt_sdk_deadline", default=None
)


class Deadline:
    """``with deadline(at):`` the blocking I/O inside ends by ``at`` (monotonic seconds).

    Enforced by the network layer (a blocking call cannot be interrupted from
    outside): every read and write of the request's connection is cut to what is
    left, and :class:`DeadlineExceededError` is raised once nothing is.
    """

    __slots__ = ("_at", "_token")

    def __init__(self, at: float) -> None:
        self._at = at
        self._token: contextvars.Token[float | None] | None = None

    def __enter__(self) -> None:
        self._token = DEADLINE.set(self._at)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._token is not None:
            DEADLINE.reset(self._token)


class AsyncDeadline:
    """``async with async_deadline(at):`` the awaits inside end by ``at`` (monotonic seconds).

    The task is cancelled when ``at`` comes, whatever it awaits, and
    :class:`DeadlineExceededError` is raised in its place; a cancellation from
    elsewhere passes through untouched.
    """

    __slots__ = ("_at", "_expired", "_handle", "_task")

    def __init__(self, at: float) -> None:
        self._at = at
        self._expired = False
        self._handle: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[object] | None = None

    async def __aenter__(self) -> None:
        import asyncio

        self._task = asyncio.current_task()
        if self._task is None:
            return
        loop = asyncio.get_running_loop()
        self._handle = loop.call_later(max(0.0, self._at - monotonic()), self._expire)

    def _expire(self) -> None:
        if self._task is not None and not self._task.done():
            self._expired = True
            self._task.cancel()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        import asyncio

        if self._handle is not None:
            self._handle.cancel()
        if not self._expired:
            return
        if sys.version_info >= (3, 11) and self._task is not None:
            self._task.uncancel()
        if exc_type is asyncio.CancelledError or exc_type is None:
            raise DeadlineExceededError from None


def deadline(at: float) -> Deadline:
    """See :class:`Deadline`."""
    return Deadline(at)


def async_deadline(at: float) -> AsyncDeadline:
    """See :class:`AsyncDeadline`."""
    return AsyncDeadline(at)
