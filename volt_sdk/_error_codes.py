"""Volt's numeric message error codes, and what each one means.

The table comes from Volt's "Volt Connect API Error Codes" page (see
docs/volt-api.md, Errors); descriptions are paraphrased from it. That page is written for
the Volt Connect API: reading the GraphQL ``Message.errorCode`` field with the
same table is an inference, although the codes and the field line up. The
field's own type is unconfirmed (Int or String), so :func:`lookup_error_code`
accepts both.

Codes are grouped by hundreds: 1xx account, 4xx client, 5xx phone number,
6xx volumetric, 7xx spam / content, 8xx carrier / handset, 9xx system.
``temporary`` is a judgement from the page's wording: a code is temporary when
the page says so, or when the condition it names passes on its own (rate limits,
expiries, a downstream outage, an internal error). Invalid input, permanent
blocks, opt-outs and unroutable destinations are not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Final

__all__ = ["ERROR_CODES", "ErrorCategory", "MessageErrorCode", "lookup_error_code"]


class ErrorCategory(str, Enum):
    """The class of a Volt error code, from its hundreds digit."""

    ACCOUNT = "account"
    CLIENT = "client"
    PHONE_NUMBER = "phone_number"
    VOLUMETRIC = "volumetric"
    SPAM = "spam"
    CARRIER = "carrier"
    SYSTEM = "system"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class MessageErrorCode:
    """One Volt message error code.

    ``temporary`` means a later retry of the same message may succeed. ``known``
    is False for a code that is not in Volt's published table; its category is
    then read from its hundreds digit.
    """

    code: int
    """The code, as in ``Message.error_code``."""
    category: ErrorCategory
    """What the code is about, from its hundreds digit (account, carrier, spam...)."""
    description: str
    """What Volt's table says the code means."""
    temporary: bool
    """Whether a later retry of the same message may succeed."""
    known: bool = True
    """Whether the code is in Volt's published table."""


_BY_HUNDREDS: Final[Mapping[int, ErrorCategory]] = MappingProxyType(
    {
        1: ErrorCategory.ACCOUNT,
        4: ErrorCategory.CLIENT,
        5: ErrorCategory.PHONE_NUMBER,
        6: ErrorCategory.VOLUMETRIC,
        7: ErrorCategory.SPAM,
        8: ErrorCategory.CARRIER,
        9: ErrorCategory.SYSTEM,
    }
)

# Longer digit strings are not Volt codes, and int() of a huge one raises
# (Python's integer string conversion limit) or costs time for nothing.
_MAX_CODE_DIGITS: Final = 9


def _table(*rows: tuple[int, str, bool]) -> Mapping[int, MessageErrorCode]:
    return MappingProxyType(
        {
            code: MessageErrorCode(code, _BY_HUNDREDS[code // 100], description, temporary)
            for code, description, temporary in rows
        }
    )


ERROR_CODES: Final[Mapping[int, MessageErrorCode]] = _table(
    (101, "account temporarily disabled", True),
    (102, "feature not enabled for this account", False),
    (103, "invalid 'from' number", False),
    (104, "account temporarily blocked", True),
    (199, "account permanently disabled", False),
    (401, "invalid message body", False),
    (402, "invalid 'to' number", False),
    (403, "invalid combination of message arguments", False),
    (406, "invalid message type", False),
    (407, "invalid media type", False),
    (501, "destination number not routable", False),
    (503, "destination is on a do-not-contact list or has opted out", False),
    (601, "Volt messaging rate limit exceeded", True),
    (602, "Volt API rate limit exceeded", True),
    (603, "AT&T sending limit exceeded (temporary)", True),
    (701, "blocked as spam by Volt (permanent)", False),
    (702, "blocked as spam downstream (temporary)", True),
    (703, "blocked as spam downstream (permanent)", False),
    # 704 and 706 are spam-class codes the page does not call temporary, unlike
    # their neighbours 702 and 705; resending the same content would most likely
    # meet the same rejection, so neither is retryable. A transient carrier
    # refusal has its own code, 801.
    (704, "rejected by the destination carrier", False),
    (705, "blocked as spam by Volt (temporary)", True),
    (706, "undeliverable, possibly blocked as spam by the carrier", False),
    (801, "temporarily rejected by the destination carrier", True),
    (802, "expired: the handset may be out of range", True),
    (803, "expired: the destination message center may be overloaded", True),
    (804, "downstream provider unavailable", True),
    (901, "internal Volt error", True),
)
"""Every code of Volt's published table, by number. Read-only."""


def lookup_error_code(code: int | str | None) -> MessageErrorCode | None:
    """Describe a ``Message.errorCode`` value; never raises.

    Takes an ``int`` or a string of ASCII digits (surrounding whitespace
    ignored), because the field's type is unconfirmed. Returns None when there
    is no code: ``None``, an empty or non-numeric string, a ``bool``, a
    negative number or one longer than any Volt code. A number not in
    :data:`ERROR_CODES` gives a ``MessageErrorCode`` with ``known=False``, its
    category read from the hundreds digit, and ``temporary=False``.
    """
    number: int
    # bool is an int subclass, and True is not error code 1.
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        number = code
    elif isinstance(code, str):
        text = code.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > _MAX_CODE_DIGITS:
            return None
        number = int(text)
    else:
        return None
    if not 0 <= number < 10**_MAX_CODE_DIGITS:
        return None

    known = ERROR_CODES.get(number)
    if known is not None:
        return known
    # Only three-digit codes have a hundreds digit that means a category.
    hundreds = number // 100 if 100 <= number <= 999 else 0
    category = _BY_HUNDREDS.get(hundreds, ErrorCategory.UNKNOWN)
    return MessageErrorCode(
        number, category, f"unknown Volt error code {number}", temporary=False, known=False
    )
