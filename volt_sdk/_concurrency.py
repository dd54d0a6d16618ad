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
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Final, TypeVar

if TYPE_CHECKING:
    import asyncio

_T = TypeVar("_T")

__all__ = [
    "DEADLINE",
    "Deadline",
    "DeadlineExceededError",
    "async_offload",
    "async_semaphore",
    "async_sleep",
    "cut_by_deadline",
    "cut_to_deadline",
    "deadline",
    "monotonic",
    "offload",
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


def offload(inline: bool, function: Callable[..., _T], *args: object) -> _T:
    """``function(*args)``: a blocking call (a store's), made on the calling thread."""
    return function(*args)


async def async_offload(inline: bool, function: Callable[..., _T], *args: object) -> _T:
    """``function(*args)`` in a worker thread, so the loop never waits on it; ``inline``
    (an in-memory store: nothing to wait on) calls it right here."""
    if inline:
        return function(*args)
    import asyncio

    return await asyncio.to_thread(function, *args)


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
    """The wall-clock bound of a ``deadline()`` block ran out."""


#: The monotonic time the current request must end by, or None. Set by
#: :func:`deadline`; read through :func:`cut_to_deadline` by the network layer
#: of the clients' transports, which cuts every socket operation to it, so that
#: a server that trickles bytes cannot hold a call past it.
DEADLINE: Final[contextvars.ContextVar[float | None]] = contextvars.ContextVar(
    "volt_sdk_deadline", default=None
)


class Deadline:
    """``with deadline(at):`` the I/O inside ends by ``at`` (monotonic seconds).

    Enforced by the network layer of the clients' own transports
    (``volt_sdk._wire._async_deadline`` and its blocking twin): every connect,
    read and write of the request's connection is cut to what is left
    (:func:`cut_to_deadline`), and :class:`DeadlineExceededError` is raised once
    nothing is. The same in a thread and in a task: the deadline is a context
    variable, and httpx does a request's I/O in the caller's thread or task.
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


def deadline(at: float) -> Deadline:
    """See :class:`Deadline`."""
    return Deadline(at)


def cut_to_deadline(timeout: float | None) -> float | None:
    """``timeout``, cut to what is left of the current deadline (when one is set)."""
    at = DEADLINE.get()
    if at is None:
        return timeout
    left = at - monotonic()
    if left <= 0:
        raise DeadlineExceededError
    return left if timeout is None else min(timeout, left)


def cut_by_deadline(timeout: float | None, cut: float | None) -> bool:
    """Whether the deadline, not the phase's own ``timeout``, set the wait ``cut``."""
    return cut is not None and (timeout is None or cut < timeout)
