"""Typed webhook events, from what little is known of Volt's payloads.

[GUESS] Volt does not document its webhook payload. The shape read here is the
most plausible one, consistent with the one integration seen in the wild (a
GoHighLevel bridge reading ``body.payload.{text, type, event_type, to_number,
from_number, direction}``)::

    {"id": "evt_...", "event_type": "message.sent", "created_at": "2024-...Z",
     "payload": {"id": "msg_...", "event_type": "message.sent", "type": "sms",
                 "text": "Hi", "to_number": "+1...", "from_number": "+1...",
                 "direction": "outbound", "status": "sent", "error_code": null,
                 "media": [], "passthrough": null, "sent_at": "...", "confirmed_at": null}}

Every model accepts extra fields and missing ones. The event type is read from
the top-level ``event_type``, else from ``payload.event_type``; ``MESSAGE_SENT``
(the GraphQL enum's spelling) counts as ``message.sent``. A type nobody knows
becomes an :class:`UnknownEvent` carrying the raw document, never an error.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Final, cast

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._errors import WebhookParseError

__all__ = [
    "EVENT_TYPES",
    "MessageEvent",
    "MessageFinalizedEvent",
    "MessagePayload",
    "MessageReceivedEvent",
    "MessageSentEvent",
    "TestEvent",
    "UnknownEvent",
    "WebhookEvent",
    "event_from_json",
]


class MessagePayload(BaseModel):
    """[GUESS] The message an event is about. Every field may be missing; extra ones are kept.

    ``text`` is read from ``text`` or, failing that, ``body``.
    """

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    id: str | None = None
    """The message id, as ``Message.id`` in the GraphQL API."""
    text: str | None = Field(default=None, validation_alias=AliasChoices("text", "body"))
    """The message text."""
    type: str | None = None
    """``sms`` or ``mms`` (the sandbox's reading of the bridge's ``type``)."""
    to_number: str | None = None
    """The recipient's number."""
    from_number: str | None = None
    """The sender's number."""
    direction: str | None = None
    """``outbound`` (sent by the organization) or ``inbound`` (received by it)."""
    status: str | None = None
    """As ``Message.status``: ``sent``, ``delivered``, ``failed``, ``received``, ..."""
    status_description: str | None = None
    """As ``Message.status_description``: the status in words."""
    error_code: int | str | None = None
    """Volt's error code of a failed message (docs/volt-api.md, Errors); int or str as sent."""
    media: list[str] = Field(default_factory=list)
    """The media URLs (empty for an SMS, or when none were sent)."""
    passthrough: str | None = None
    """The value given to ``createMessage(passthrough:)``, echoed back [GUESS]."""
    created_at: str | None = None
    """When the message was created, as sent."""
    sent_at: str | None = None
    """When the message was sent, as sent."""
    confirmed_at: str | None = None
    """When the carrier confirmed the final status, as sent."""

    @field_validator("media", mode="before")
    @classmethod
    def _no_media(cls, value: object) -> object:
        return [] if value is None else value


class WebhookEvent(BaseModel):
    """The base class of every event :func:`parse_event` returns.

    Use ``isinstance`` (or ``match``) on the subclasses: :class:`MessageSentEvent`,
    :class:`MessageFinalizedEvent`, :class:`MessageReceivedEvent`,
    :class:`TestEvent`, :class:`UnknownEvent`.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    event_type: str
    """The type as sent (``message.sent``, ...)."""
    id: str | None = None
    """The event's id [GUESS]: the same event delivered twice has the same id."""
    created_at: str | None = None
    """When the event happened [GUESS]."""
    raw: dict[str, Any] = Field(default_factory=dict, exclude=True, repr=False)
    """The whole JSON document as received."""


class MessageEvent(WebhookEvent):
    """An event about one message; ``payload`` is the message."""

    payload: MessagePayload = Field(default_factory=MessagePayload)
    """The message the event is about."""


class MessageSentEvent(MessageEvent):
    """A message left Volt for the carrier (``message.sent``)."""

    TYPE: ClassVar[str] = "message.sent"
    """The ``event_type`` of this class of events."""


class MessageFinalizedEvent(MessageEvent):
    """A sent message reached its final status: delivered or failed (``message.finalized``)."""

    TYPE: ClassVar[str] = "message.finalized"
    """The ``event_type`` of this class of events."""


class MessageReceivedEvent(MessageEvent):
    """One of the organization's numbers received a message (``message.received``)."""

    TYPE: ClassVar[str] = "message.received"
    """The ``event_type`` of this class of events."""


class TestEvent(WebhookEvent):
    """[GUESS] The test request Volt sends when a webhook is registered (``webhook.test``)."""

    __test__: ClassVar[bool] = False  # not a pytest test class, despite its name
    TYPE: ClassVar[str] = "webhook.test"
    """The ``event_type`` of this class of events."""
    payload: dict[str, Any] = Field(default_factory=dict)
    """The payload as sent (its shape is not known)."""


class UnknownEvent(WebhookEvent):
    """An event of a type this version does not know; ``payload`` is left as sent."""

    payload: Any = None
    """The payload as sent, unparsed."""


_BY_TYPE: Final[dict[str, type[WebhookEvent]]] = {
    cls.TYPE: cls
    for cls in (MessageSentEvent, MessageFinalizedEvent, MessageReceivedEvent, TestEvent)
}

EVENT_TYPES: Final = frozenset(_BY_TYPE)
"""The event types parsed into their own class; any other becomes an :class:`UnknownEvent`."""


def _normalized(event_type: str) -> str:
    """``MESSAGE_SENT`` and ``Message.Sent`` read as ``message.sent``."""
    return event_type.strip().lower().replace("_", ".")


def _event_type(document: dict[str, Any]) -> str | None:
    value: object = document.get("event_type")
    if not isinstance(value, str):
        payload: object = document.get("payload")
        if isinstance(payload, dict):
            value = cast("dict[str, object]", payload).get("event_type")
    return value if isinstance(value, str) else None


def event_from_json(body: bytes | str) -> WebhookEvent:
    """The typed event in a body **already verified** (see :func:`parse_event`).

    Raises :class:`WebhookParseError` when the body is not JSON, not an object,
    has no ``event_type``, or a known event's fields have the wrong types.
    """
    try:
        document: object = json.loads(body)
    except (ValueError, RecursionError) as exc:
        # UnicodeDecodeError is a ValueError; RecursionError: absurdly deep nesting.
        raise WebhookParseError(f"the webhook body is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise WebhookParseError(
            f"the webhook body is JSON {type(document).__name__}, not an object"
        )
    data = cast("dict[str, Any]", document)
    event_type = _event_type(data)
    if event_type is None:
        raise WebhookParseError("the webhook body has no 'event_type' string")
    cls = _BY_TYPE.get(_normalized(event_type), UnknownEvent)
    fields = {k: v for k, v in data.items() if k != "raw"}
    fields["event_type"] = event_type
    try:
        return cls.model_validate({**fields, "raw": data})
    except ValidationError as exc:
        if cls is UnknownEvent:
            # An unknown type is never an error: keep what can be kept.
            return UnknownEvent(event_type=event_type, payload=data.get("payload"), raw=data)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise WebhookParseError(
            f"the webhook body is not a valid {event_type!r} event: {problems}"
        ) from None
