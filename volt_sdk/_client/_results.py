"""What a response becomes: the model, or the right :class:`VoltError`.

Shared by both clients: a lookup that found nothing raises :class:`NotFoundError`,
a mutation that answered null without an error raises
:class:`MalformedResponseError`, a send that may have reached Volt raises
:class:`MessageOutcomeUnknownError`.
"""

from __future__ import annotations

from types import TracebackType
from typing import Final, TypeVar

import pydantic

from volt_sdk._errors import (
    MalformedResponseError,
    MessageOutcomeUnknownError,
    NotFoundError,
    VoltError,
)

from ._arguments import CreateMessageArgs

__all__ = ["RESPONSE_SHAPE", "found", "outcome_unknown", "returned"]

_T = TypeVar("_T")


class _ResponseShape:
    """Turns a pydantic error on a response into a MalformedResponseError."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(exc, pydantic.ValidationError):
            problems = exc.errors()
            where = ".".join(str(p) for p in problems[0]["loc"]) if problems else "?"
            what = problems[0]["msg"] if problems else "?"
            raise MalformedResponseError(
                f"{exc.title}: the response does not match the schema the client was "
                f"generated from ({len(problems)} problem(s); first at {where}: {what})",
                operation=exc.title,
            ) from None


RESPONSE_SHAPE: Final = _ResponseShape()
"""``with RESPONSE_SHAPE:`` around a generated call: a response of the wrong shape
becomes a :class:`MalformedResponseError`, never a raw pydantic error."""


def found(value: _T | None, resource: str, operation: str, **lookup: object) -> _T:
    """``value``, or :class:`NotFoundError` when Volt answered null for a lookup."""
    if value is None:
        raise NotFoundError(resource, lookup, operation=operation)
    return value


def returned(value: _T | None, operation: str, field: str) -> _T:
    """``value``, or :class:`MalformedResponseError` when a mutation answered null."""
    if value is None:
        raise MalformedResponseError(
            f"{operation}: Volt returned null for {field} without an error",
            operation=operation,
        )
    return value


def outcome_unknown(
    args: CreateMessageArgs, started: float, error: VoltError
) -> MessageOutcomeUnknownError:
    """The error for a send whose request may have reached Volt (``error`` is its cause)."""
    media = args["media"]
    return MessageOutcomeUnknownError(
        to=args["to"],
        from_=args["from_"],
        body=args["body"],
        media=media if isinstance(media, list) else (),
        passthrough=args["passthrough"],
        started_at=started,
        cause=error,
    )
