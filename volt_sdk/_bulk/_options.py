"""The options of one ``send_many`` call, checked at the call, before anything runs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from volt_sdk._config import is_finite_number
from volt_sdk._errors import ValidationError

if TYPE_CHECKING:
    from volt_sdk._stores import SuppressionList

__all__ = ["MAX_CONCURRENCY", "BulkOptions", "check_options"]

MAX_CONCURRENCY: Final = 1024


@dataclass(frozen=True, slots=True)
class BulkOptions:
    """The checked options of one ``send_many`` call."""

    concurrency: int
    rate: float | None
    journal: str | None
    reconcile_after: float
    max_attempts: int
    suppression: SuppressionList | None = None


def check_options(
    *,
    concurrency: int,
    rate: float | None,
    journal: str | os.PathLike[str] | None,
    reconcile_after: float,
    max_attempts: int,
    suppression: SuppressionList | None = None,
) -> BulkOptions:
    """The options, or a :class:`ValidationError` naming the bad one (before anything runs)."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        raise _option_error("concurrency", concurrency, f"an int from 1 to {MAX_CONCURRENCY}")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise _option_error("concurrency", concurrency, f"an int from 1 to {MAX_CONCURRENCY}")
    if rate is not None and not (is_finite_number(rate) and rate > 0):
        raise _option_error("rate", rate, "None or a positive number of messages per second")
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
    )


def _option_error(argument: str, value: object, expected: str) -> ValidationError:
    return ValidationError(
        f"{argument}: expected {expected}, got {value!r}",
        argument=argument,
        value=value,
        reason="bad_option",
    )
