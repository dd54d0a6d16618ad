"""The public values of ``send_many``: the item that goes in, the result that comes out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

# Imported at run time, not under TYPE_CHECKING: ``typing.get_type_hints(BulkResult)`` resolves.
from volt_sdk._errors import ValidationError, VoltError
from volt_sdk._models import Message

__all__ = ["BulkResult", "BulkStatus", "OutgoingMessage", "duplicate_key_error"]

BulkStatus = Literal["sent", "failed", "suppressed", "unknown"]
"""The outcome of one item of ``send_many``: ``"sent"``, ``"failed"``, ``"suppressed"``
or ``"unknown"``."""
BulkStatus.__doc__ = (
    'The outcome of one item of ``send_many``: "sent", "failed", "suppressed" or "unknown".'
)


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message for :meth:`AsyncVolt.send_many` / :meth:`Volt.send_many`.

    ``to``, ``from_``, ``body`` and ``media`` are those of ``send_message``.
    ``key`` is the recipient's identity in the journal (a customer id, a row
    id): it must be unique within the input and stable across runs. Default:
    ``"#<index>"``, the item's position in the input, which is only stable if
    the input keeps its order between runs.
    """

    to: str
    """The recipient's number, as ``send_message`` takes it."""
    from_: str
    """The sender: one of the organization's Volt numbers."""
    body: str = ""
    """The text (may be empty when ``media`` is given)."""
    media: Sequence[str] | None = None
    """URLs of media to attach (MMS)."""
    key: str | None = None
    """The recipient's identity in the journal; default ``"#<index>"``."""


@dataclass(frozen=True, slots=True)
class BulkResult:
    """The outcome of one item of ``send_many``.

    Attributes:
        index: the item's position in the input (0-based).
        key: its key (``OutgoingMessage.key``, else ``"#<index>"``).
        request: the item as given.
        status: ``"sent"``, ``"failed"`` (surely not sent), ``"suppressed"``
            (the recipient opted out; not sent, see ``error``) or ``"unknown"``
            (may or may not have been sent; see ``reason``).
        message_id: the message's id, when sent.
        message: the message, when sent (or found) in this run; None when only
            the journal knows it.
        error: the last error, when failed or unknown in this run.
        reason: one line saying why, when failed or unknown.
        attempts: send attempts made for it, over all runs.
        resumed: its outcome was recorded by an earlier run; nothing was sent now.
        reconciled: "sent" was established by finding the message in the
            conversation after an uncertain attempt.
    """

    index: int
    key: str
    request: OutgoingMessage
    status: BulkStatus
    message_id: str | None
    message: Message | None
    error: VoltError | None
    reason: str | None
    attempts: int
    resumed: bool
    reconciled: bool


def duplicate_key_error(key: str) -> ValidationError:
    """The refusal of an item whose key an earlier item of the input took (sent or refused)."""
    return ValidationError(
        f"key: duplicate key {key!r}: an earlier item of this input has it; not sent",
        argument="key",
        value=key,
        reason="duplicate_key",
    )
