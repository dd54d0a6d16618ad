"""What an event tells the stores: an opt-out or opt-in, or an outbound message.

Pure functions from a parsed event to the write the receiver makes (it runs the
write as a step of its flow). [GUESS] Volt's payloads are undocumented: the fields
read are those of :class:`MessagePayload`; an event without them records nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from volt_sdk import _concurrency
from volt_sdk._errors import ValidationError
from volt_sdk._phone import normalize_phone
from volt_sdk._stores import DeliveryRecord, KeywordKind, classify_keyword
from volt_sdk._timestamps import parse_timestamp

from ._events import (
    MessageEvent,
    MessageFinalizedEvent,
    MessageReceivedEvent,
    MessageSentEvent,
    WebhookEvent,
)

__all__ = ["SuppressionChange", "delivery_record", "keyword_set", "suppression_change"]


class SuppressionChange(NamedTuple):
    """The arguments of :meth:`SuppressionList.record` an inbound keyword gives."""

    kind: KeywordKind
    number: str
    at: float
    keyword: str
    sender: str | None


def keyword_set(words: Iterable[str], argument: str) -> frozenset[str]:
    """``words`` as :func:`classify_keyword` compares them: upper case, no surrounding space."""
    if isinstance(words, str):
        raise TypeError(f"{argument}: expected a collection of words, got a single str")
    found = frozenset(word.strip().upper() for word in words)
    if "" in found:
        raise ValueError(f"{argument}: a keyword cannot be empty")
    return found


def number(raw: str | None) -> str:
    """E.164 when the number reads as one (as the client checks it), else the text stripped."""
    if raw is None:
        return ""
    try:
        return normalize_phone(raw)
    except ValidationError:
        return raw.strip()


def event_time(event: MessageEvent, *fields: str) -> float:
    """The first readable of the payload's ``fields``, then the event's ``created_at``, then now."""
    for value in (*(getattr(event.payload, name) for name in fields), event.created_at):
        when = parse_timestamp(value)
        if when is not None:
            return when.timestamp()
    return _concurrency.wall_clock()


def suppression_change(
    event: WebhookEvent, opt_out: frozenset[str], opt_in: frozenset[str]
) -> SuppressionChange | None:
    """The opt-out or opt-in an inbound message asks for, or None."""
    if not isinstance(event, MessageReceivedEvent):
        return None
    payload = event.payload
    found = classify_keyword(payload.text, opt_out=opt_out, opt_in=opt_in)
    sender = number(payload.from_number)
    if found is None or not sender:
        return None
    kind, keyword = found
    to = number(payload.to_number)
    return SuppressionChange(
        kind, sender, event_time(event, "created_at", "sent_at"), keyword, to or None
    )


def delivery_record(event: WebhookEvent) -> DeliveryRecord | None:
    """The outbound message a ``message.sent`` or ``message.finalized`` event tells of, or None."""
    if not isinstance(event, (MessageSentEvent, MessageFinalizedEvent)):
        return None
    payload = event.payload
    if not payload.id:
        return None
    return DeliveryRecord(
        id=payload.id,
        to=number(payload.to_number),
        from_=number(payload.from_number),
        body=payload.text or "",
        media=tuple(payload.media),
        passthrough=payload.passthrough,
        at=event_time(event, "sent_at", "created_at"),
        status=payload.status,
    )
