"""A message's lifecycle: how it ends (magic numbers, blocked contacts) and where it stands.

Its status is computed from its stored timestamps when it is read, so no timer
runs for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from volt_sdk._error_codes import ERROR_CODES

from ._values import MESSAGE_PREFIX, iso_timestamp, make_id
from ._views import MessageView

__all__ = [
    "BLOCKED_CODE",
    "DELIVERED",
    "DESCRIPTIONS",
    "FAILED",
    "MAGIC_NUMBERS",
    "QUEUED",
    "RECEIVED",
    "SENT",
    "MagicOutcome",
    "message_view",
]


@dataclass(frozen=True)
class MagicOutcome:
    """What a magic destination number does to a message sent to it."""

    error_code: int
    """The ``Message.errorCode`` the message ends with (docs/volt-api.md, Errors)."""
    description: str
    """Its ``statusDescription``, from Volt's error-code table."""
    status: str = "failed"
    """The final ``status``."""


def _magic(code: int) -> MagicOutcome:
    return MagicOutcome(code, ERROR_CODES[code].description)


MAGIC_NUMBERS: Final[Mapping[str, MagicOutcome]] = MappingProxyType(
    {
        "+15005550001": _magic(402),  # client: invalid "to" number
        "+15005550002": _magic(501),  # phone number: destination not routable
        "+15005550003": _magic(503),  # phone number: on a DNC list / opted out
        "+15005550004": _magic(601),  # volumetric: messaging rate limit exceeded
        "+15005550005": _magic(701),  # spam: blocked as spam by Volt
        "+15005550006": _magic(801),  # carrier: temporarily rejected by the carrier
        "+15005550009": _magic(901),  # system: internal Volt error
    }
)
"""Destination numbers whose messages end ``failed`` with a given error code.

Every one is a *possible* North American number (area code 500), so the client's
own checks let it through; everything else ends ``delivered``. Read-only.
"""

# Message lifecycle: `queued` until sentAt, `sent` until confirmedAt, then final.
QUEUED: Final = "queued"
SENT: Final = "sent"
DELIVERED: Final = "delivered"
FAILED: Final = "failed"
RECEIVED: Final = "received"
DESCRIPTIONS: Final = {
    QUEUED: "accepted, queued for sending",
    SENT: "sent to the carrier, waiting for confirmation",
    DELIVERED: "delivered to the handset",
    RECEIVED: "received from the contact",
}
# A contact with blocked=true gets what an opted-out number gets.
BLOCKED_CODE: Final = 503


def message_view(row: tuple[Any, ...], now: float) -> MessageView:
    """The message of a ``messages`` row (``MESSAGE_COLUMNS``) as it stands at ``now``."""
    (seq, inbound, to_number, from_number, body, media, passthrough, final, code,
     created_at, sent_at, confirmed_at, wave_seq) = row  # fmt: skip
    sent: str | None
    confirmed: str | None
    description: str | None
    if inbound:
        status, sent, confirmed, code = RECEIVED, iso_timestamp(sent_at), None, None
        description = DESCRIPTIONS[RECEIVED]
    elif confirmed_at <= created_at or now >= confirmed_at:
        # Final. pace 0 stores confirmed_at == created_at: final however the
        # wall clock moves.
        status, sent, confirmed = final, iso_timestamp(sent_at), iso_timestamp(confirmed_at)
        description = ERROR_CODES[code].description if code is not None else DESCRIPTIONS[final]
    elif now >= sent_at:
        status, sent, confirmed, code = SENT, iso_timestamp(sent_at), None, None
        description = DESCRIPTIONS[SENT]
    else:
        status, sent, confirmed, code = QUEUED, None, None, None
        description = DESCRIPTIONS[QUEUED]
    return MessageView(
        id=make_id(MESSAGE_PREFIX, seq),
        to_number=to_number,
        from_number=from_number,
        status=status,
        status_description=description,
        media=json.loads(media),
        body=body,
        sent_at=sent,
        confirmed_at=confirmed,
        error_code=code,
        passthrough=passthrough,
        created_at=iso_timestamp(created_at),
        account_phone=to_number if inbound else from_number,
        other_phone=from_number if inbound else to_number,
        wave_seq=wave_seq,
    )
