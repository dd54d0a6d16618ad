"""What the store's reads return.

Attribute names are the snake_case forms of the GraphQL fields (``to_number``
for ``toNumber``): ariadne's name conversion resolves the fields from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "AccountView",
    "ContactView",
    "ListView",
    "MessageView",
    "OrganizationView",
    "OutboxMessage",
    "WaveView",
    "WebhookView",
]


@dataclass(slots=True)
class OrganizationView:
    """The one organization of the sandbox."""

    id: str
    company_name: str
    domain: str
    size: str
    industry: str
    created_at: str
    last_updated_at: str
    is_on_free_trial: bool
    is_active: bool


@dataclass(slots=True)
class AccountView:
    """One of the organization's numbers (Volt calls it an account)."""

    id: str
    name: str
    primary_phone: str
    created_by: str
    call_forwarding_number: str | None
    location: str | None
    created_at: str
    last_updated_at: str


@dataclass(slots=True)
class MessageView:
    """A message as it stands at one moment."""

    id: str
    to_number: str
    from_number: str
    status: str
    status_description: str | None
    media: list[str]
    body: str
    sent_at: str | None
    confirmed_at: str | None
    error_code: int | None
    passthrough: str | None
    created_at: str
    account_phone: str
    other_phone: str
    wave_seq: int | None
    legacy_id: str | None = None


@dataclass(slots=True)
class ContactView:
    """A contact of one account."""

    seq: int
    id: str
    account_phone: str
    phone_number: str
    name: str | None
    mapped_number: str
    blocked: bool
    custom_fields: list[dict[str, str | None]]
    created_at: str
    last_updated_at: str


@dataclass(slots=True)
class ListView:
    """A contact list; ``size`` counts its members when it was read."""

    seq: int
    id: str
    account_phone: str
    name: str
    created_by: str
    size: int
    query_source_list_name: str | None
    query_name_search_term: str | None
    created_at: str
    last_updated_at: str


@dataclass(slots=True)
class WaveView:
    """A wave (bulk send), as stored."""

    id: str
    name: str
    type: str | None
    body: str
    media: list[str]
    sent_by: str | None
    scheduled_time: str | None
    total_messages: int
    total_messages_delivered: int
    total_messages_failed: int
    account_phone: str | None
    list_seqs: list[int]


@dataclass(slots=True)
class WebhookView:
    """A registered webhook."""

    id: str
    url: str
    primary_phone: str | None
    event_types: list[str] | None
    created_at: str
    last_updated_at: str


@dataclass(frozen=True)
class OutboxMessage:
    """A message accepted by ``createMessage``, as :meth:`Sandbox.outbox` lists it.

    ``status`` and ``error_code`` are those of the moment ``outbox()`` was called
    (``queued``/``sent`` while a paced message is under way).
    """

    id: str
    """The sandbox's id of the message (``msg_...``)."""
    to_number: str
    """The recipient's number."""
    from_number: str
    """The sender's number."""
    body: str
    """The text."""
    media: tuple[str, ...]
    """The media URLs (empty for an SMS)."""
    passthrough: str | None
    """The ``passthrough`` value sent with the message, if any."""
    status: str
    """The status at the moment ``outbox()`` was called."""
    error_code: int | None
    """The error code, once the message failed."""
    created_at: str
    """When the sandbox accepted the message (ISO 8601 UTC)."""

    def to_json(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict (``media`` as a list)."""
        return {
            "id": self.id,
            "to_number": self.to_number,
            "from_number": self.from_number,
            "body": self.body,
            "media": list(self.media),
            "passthrough": self.passthrough,
            "status": self.status,
            "error_code": self.error_code,
            "created_at": self.created_at,
        }
