"""Hand-written helpers mixed into the generated models.

The ``@mixin`` directives in ``queries/operations/fragments.graphql`` make the
generated fragment models inherit these classes. They hold no state and no I/O:
only derived, never-raising accessors over fields the models already have.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ._error_codes import MessageErrorCode, lookup_error_code
from ._timestamps import parse_timestamp

__all__ = ["MessageMixin", "TimestampsMixin", "WaveMixin"]


class TimestampsMixin:
    """``created_at_datetime`` / ``last_updated_at_datetime`` for models that have them."""

    if TYPE_CHECKING:
        created_at: str | None
        last_updated_at: str | None

    @property
    def created_at_datetime(self) -> datetime | None:
        """``created_at`` parsed (``None`` when absent or unparseable)."""
        return parse_timestamp(self.created_at)

    @property
    def last_updated_at_datetime(self) -> datetime | None:
        """``last_updated_at`` parsed (``None`` when absent or unparseable)."""
        return parse_timestamp(self.last_updated_at)


class MessageMixin:
    """Parsed timestamps and the error-code lookup of a message."""

    if TYPE_CHECKING:
        sent_at: str | None
        confirmed_at: str | None
        error_code: int | None

    @property
    def sent_at_datetime(self) -> datetime | None:
        """``sent_at`` parsed (``None`` when absent or unparseable)."""
        return parse_timestamp(self.sent_at)

    @property
    def confirmed_at_datetime(self) -> datetime | None:
        """``confirmed_at`` parsed (``None`` when absent or unparseable)."""
        return parse_timestamp(self.confirmed_at)

    @property
    def error(self) -> MessageErrorCode | None:
        """What ``error_code`` means, from Volt's error-code table; ``None`` without a code.

        An unknown code still gives a value (``known`` is false) with its category
        taken from the hundreds digit.
        """
        return lookup_error_code(self.error_code)


class WaveMixin:
    """Parsed ``scheduled_time`` of a wave."""

    if TYPE_CHECKING:
        scheduled_time: str | None

    @property
    def scheduled_time_datetime(self) -> datetime | None:
        """``scheduled_time`` parsed (``None`` when absent or unparseable)."""
        return parse_timestamp(self.scheduled_time)
