"""How the sandbox's values look: ids, timestamps, phone numbers, media URLs.

And the GraphQL error every refusal of a value is.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any, Final

from graphql import GraphQLError

__all__ = [
    "ACCOUNT_PREFIX",
    "CONTACT_PREFIX",
    "LIST_PREFIX",
    "MESSAGE_PREFIX",
    "URL",
    "WAVE_PREFIX",
    "WEBHOOK_PREFIX",
    "check_media",
    "check_phone",
    "error",
    "is_e164",
    "iso_timestamp",
    "make_id",
    "seq_of",
]

# 7 to 15 digits: E.164 has no other floor, and Niue numbers (+683 and four digits)
# are real and possible for the client.
_E164: Final = re.compile(r"\+[1-9][0-9]{6,14}")
URL: Final = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)

# Prefixes of ids; the number is zero-padded so that ids sort in creation order.
MESSAGE_PREFIX: Final = "msg_"
CONTACT_PREFIX: Final = "ct_"
LIST_PREFIX: Final = "lst_"
WAVE_PREFIX: Final = "wave_"
WEBHOOK_PREFIX: Final = "wh_"
ACCOUNT_PREFIX: Final = "acct_"


def iso_timestamp(t: float) -> str:
    """Epoch seconds as ISO 8601 UTC with milliseconds: ``2024-05-01T12:00:00.250Z``."""
    millis = int(t * 1000)
    seconds, millis = divmod(millis, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def make_id(prefix: str, seq: int) -> str:
    """The id of row ``seq`` of the table that ``prefix`` names."""
    return f"{prefix}{seq:012d}"


def seq_of(identifier: str, prefix: str) -> int | None:
    """The row an id names, or None when it is not an id with ``prefix``."""
    if identifier.startswith(prefix):
        digits = identifier[len(prefix) :]
        if digits.isdigit() and len(digits) <= 18:
            return int(digits)
    return None


def error(message: str, code: str = "BAD_USER_INPUT", **extensions: Any) -> GraphQLError:
    """A GraphQL error with a short ``extensions.code`` (a sandbox choice, see docs/sandbox.md)."""
    return GraphQLError(message, extensions={"code": code, **extensions})


def is_e164(value: object) -> bool:
    """True for a string like ``+15555550123``: a ``+``, then 8 to 15 digits, the first not 0."""
    return isinstance(value, str) and _E164.fullmatch(value) is not None


def check_phone(value: str, argument: str) -> str:
    """``value``, or the error that refuses it as ``argument``'s phone number."""
    if not is_e164(value):
        raise error(
            f"{argument}: {value!r} is not an E.164 phone number "
            "(a '+', then 8 to 15 digits, the first not 0)",
            argument=argument,
        )
    return value


def check_media(media: Sequence[str] | None) -> list[str]:
    """The media URLs as a list, or the error that refuses the first that is not http(s)."""
    urls = list(media or ())
    for index, url in enumerate(urls):
        if not URL.fullmatch(url):
            raise error(
                f"media[{index}]: {url!r} is not an absolute http(s) URL",
                argument=f"media[{index}]",
            )
    return urls
