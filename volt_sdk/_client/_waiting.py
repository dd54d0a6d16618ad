"""The rules of ``wait_for_status``, apart from its I/O.

Both clients' ``wait_for_status`` (``_async_messages.py`` and its generated
twin) only sleep and poll. What is waited for, how long each pause lasts, which
failure of a poll is passing, what each poll may take and when the wait gives up
are decided here, once, by a :class:`Waiting`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Final, cast

from volt_sdk._config import is_finite_number
from volt_sdk._errors import (
    APIStatusError,
    MalformedResponseError,
    RateLimitError,
    TransportError,
    ValidationError,
    VoltError,
    WaitTimeoutError,
)
from volt_sdk._text import quote_value
from volt_sdk._wire._request import logger

if TYPE_CHECKING:
    from volt_sdk._models import Message

__all__ = ["FINAL_STATUSES", "Waiting", "is_passing", "normalize_status"]

#: The statuses ``wait_for_status`` waits for by default. Provisional: Volt
#: documents no list of statuses; these final states are inferred [INF]
#: (docs/volt-api.md, "Message status").
FINAL_STATUSES: Final[tuple[str, ...]] = ("delivered", "failed", "undelivered")

# The first pause is short (a message is often final within a second), then each
# is 1.5 times the one before, up to the caller's ``interval``.
FIRST_PAUSE: Final = 0.2
BACKOFF: Final = 1.5
# The least a poll made at (or past) the end of the wait may take: the wait
# looks one last time, and so ends at most this long after its ``timeout``.
LAST_POLL: Final = 1.0


def normalize_status(status: str | None) -> str:
    """``status`` as compared with ``until``: case-insensitive, None as ``""``."""
    return (status or "").lower()


def is_passing(error: VoltError) -> bool:
    """Whether a failed poll may be tried again: a rate limit, a 5xx, the network,
    a garbled answer. Anything else (not found, a refused token, GraphQL errors) is
    an answer that polling again would not change."""
    if isinstance(error, RateLimitError):
        return True
    if isinstance(error, APIStatusError):
        return (error.status_code or 0) >= 500
    return isinstance(error, (TransportError, MalformedResponseError))


def _check_until(until: object) -> tuple[str, ...]:
    if isinstance(until, str) or not isinstance(until, Iterable):
        got = "a single str" if isinstance(until, str) else type(until).__name__
        raise ValidationError(
            f'until: expected a collection of statuses, such as ("delivered", "failed"), got {got}',
            argument="until",
            value=until,
            reason="not_a_list",
        )
    items = cast("Iterable[object]", until)
    given = tuple(items)
    if not given:
        raise ValidationError(
            "until: must name at least one status", argument="until", value=items, reason="empty"
        )
    statuses: list[str] = []
    for index, status in enumerate(given):
        argument = f"until[{index}]"
        if not isinstance(status, str):
            raise ValidationError(
                f"{argument}: expected a str, got {type(status).__name__}",
                argument=argument,
                value=status,
                reason="not_a_string",
            )
        if not status.strip():
            raise ValidationError(
                f"{argument}: must not be empty", argument=argument, value=status, reason="empty"
            )
        statuses.append(status)
    return tuple(statuses)


def _check_seconds(value: object, argument: str) -> float:
    if not is_finite_number(value) or value <= 0:
        raise ValidationError(
            f"{argument}: expected a positive number of seconds, got {quote_value(value)}",
            argument=argument,
            value=value,
            reason="out_of_range",
        )
    return float(value)


def _check_callback(value: object, argument: str) -> None:
    if value is not None and not callable(value):
        raise ValidationError(
            f"{argument}: expected a callable or None, got {type(value).__name__}",
            argument=argument,
            value=value,
            reason="wrong_type",
        )


class Waiting:
    """One wait for a message's status: its schedule, what it saw, when it ends.

    The arguments are checked when it is made (a :class:`ValidationError` naming
    the bad one), so nothing is sent for a wait that cannot run.
    """

    __slots__ = (
        "_delay",
        "_ends_at",
        "_interval",
        "_last",
        "_last_error",
        "_message_id",
        "_on_retry",
        "_on_status",
        "_targets",
        "_timeout",
        "_until",
    )

    def __init__(
        self,
        message_id: str,
        *,
        until: object,
        timeout: object,
        interval: object,
        on_status: Callable[[Message], object] | None,
        on_retry: Callable[[VoltError], object] | None,
        now: float,
    ) -> None:
        self._until = _check_until(until)
        self._timeout = _check_seconds(timeout, "timeout")
        self._interval = _check_seconds(interval, "interval")
        _check_callback(on_status, "on_status")
        _check_callback(on_retry, "on_retry")
        self._message_id = message_id
        self._targets = frozenset(normalize_status(s) for s in self._until)
        self._on_status = on_status
        self._on_retry = on_retry
        self._ends_at = now + self._timeout
        self._delay = min(FIRST_PAUSE, self._interval)
        self._last: Message | None = None
        self._last_error: VoltError | None = None

    def pause(self, now: float) -> float | None:
        """Seconds to sleep before the next poll, or None: the time is up."""
        left = self._ends_at - now
        if left <= 0:
            return None
        pause = min(self._delay, left)
        self._delay = min(self._delay * BACKOFF, self._interval)
        return pause

    def poll_deadline(self, now: float, client_deadline: float) -> float:
        """The deadline of the next poll: the client's, cut to what is left of the wait
        (but never below ``LAST_POLL``, or ``timeout`` if shorter: a last look)."""
        floor = min(LAST_POLL, self._timeout)
        return min(client_deadline, max(self._ends_at - now, floor))

    def seen(self, message: Message) -> bool:
        """Take a poll's message (``on_status`` hears of a new status); True when it is awaited."""
        previous = self._last
        self._last = message
        self._last_error = None
        if self._on_status is not None and (previous is None or previous.status != message.status):
            self._on_status(message)
        return normalize_status(message.status) in self._targets

    def failed(self, error: VoltError) -> None:
        """Take a passing failure of a poll: logged, told to ``on_retry``, and a rate
        limit's ``retry_after`` is waited before the next poll."""
        self._last_error = error
        if isinstance(error, RateLimitError) and error.retry_after:
            self._delay = max(self._delay, error.retry_after)
        logger.info("wait_for_status %s: %s; polling again", self._message_id, error.message)
        if self._on_retry is not None:
            self._on_retry(error)

    def timed_out(self) -> WaitTimeoutError:
        """The error that ends a wait that ran out of time."""
        return WaitTimeoutError(
            message_id=self._message_id,
            last=self._last,
            timeout=self._timeout,
            until=self._until,
            last_error=self._last_error,
        )
