"""The options of one ``send_many`` call, checked at the call, before anything runs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from volt_sdk._config import is_finite_number
from volt_sdk._errors import ConfigurationError, ValidationError
from volt_sdk._wire._limits import LEASE_SLACK, shared_limiter
from volt_sdk._wire._retry import DEFAULT_DEADLINE

if TYPE_CHECKING:
    from volt_sdk._stores import SuppressionList
    from volt_sdk._wire._limits import ConcurrencyLimiter, RateLimiter

__all__ = ["MAX_CONCURRENCY", "BulkLimits", "BulkOptions", "check_options"]

MAX_CONCURRENCY: Final = 1024
_CONCURRENCY: Final = f"an int from 1 to {MAX_CONCURRENCY} or a ConcurrencyLimiter"


@dataclass(frozen=True, slots=True)
class BulkLimits:
    """The shared limiters one run asks before each send, on top of the client's own."""

    rate: RateLimiter | None
    slots: ConcurrencyLimiter | None
    hold: float  # seconds a slot's lease outlives a crashed process


@dataclass(frozen=True, slots=True)
class BulkOptions:
    """The checked options of one ``send_many`` call."""

    concurrency: int
    rate: float | None
    journal: str | None
    reconcile_after: float
    max_attempts: int
    suppression: SuppressionList | None = None
    limits: BulkLimits | None = None


def check_options(
    *,
    concurrency: int | ConcurrencyLimiter,
    rate: float | RateLimiter | None,
    journal: str | os.PathLike[str] | None,
    reconcile_after: float,
    max_attempts: int,
    suppression: SuppressionList | None = None,
    deadline: float = DEFAULT_DEADLINE,
    client_limiters: tuple[object, ...] = (),
) -> BulkOptions:
    """The options, or a :class:`ValidationError` naming the bad one (before anything runs).

    A limiter for ``rate`` or ``concurrency`` is asked before each send of the run
    (a slot held for ``deadline`` plus a margin at most), unless it is one the
    client asks already (``client_limiters``): a limit is never taken twice.
    """
    rate_limiter: RateLimiter | None = _limiter(rate, "max_rate")
    slots: ConcurrencyLimiter | None = _limiter(concurrency, "max_concurrency")
    limits = None
    if rate_limiter is not None or slots is not None:
        if slots is not None:
            concurrency = min(slots.limit, MAX_CONCURRENCY)  # the run's own window
        if rate_limiter is not None:
            rate = None
        own = [id(each) for each in client_limiters]
        limits = BulkLimits(
            rate=None if id(rate_limiter) in own else rate_limiter,
            slots=None if id(slots) in own else slots,
            hold=deadline + LEASE_SLACK,
        )
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        raise _option_error("concurrency", concurrency, _CONCURRENCY)
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise _option_error("concurrency", concurrency, _CONCURRENCY)
    if rate is not None and not (is_finite_number(rate) and rate > 0):
        raise _option_error(
            "rate", rate, "None, a positive number of messages per second or a RateLimiter"
        )
    if not (is_finite_number(reconcile_after) and reconcile_after >= 0):
        raise _option_error("reconcile_after", reconcile_after, "a number of seconds >= 0")
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
        raise _option_error("max_attempts", max_attempts, "an int >= 1")
    path: str | None = None
    if journal is not None:
        if not isinstance(journal, (str, os.PathLike)):
            raise _option_error("journal", journal, "None or a file path")
        path = os.fspath(journal)
        if not path or path == ":memory:":
            raise _option_error("journal", journal, "a file path")
    return BulkOptions(
        concurrency=concurrency,
        rate=None if rate is None else float(rate),
        journal=path,
        reconcile_after=float(reconcile_after),
        max_attempts=max_attempts,
        suppression=suppression,
        limits=None if limits is None or (limits.rate is None and limits.slots is None) else limits,
    )


def _limiter(value: object, option: str) -> Any:
    """The limiter given, or None: a number (or anything else) is for the checks below."""
    try:
        return shared_limiter(value, option)
    except ConfigurationError:
        return None  # not a limiter: refused below, naming the argument


def _option_error(argument: str, value: object, expected: str) -> ValidationError:
    return ValidationError(
        f"{argument}: expected {expected}, got {value!r}",
        argument=argument,
        value=value,
        reason="bad_option",
    )
