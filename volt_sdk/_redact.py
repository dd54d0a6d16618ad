"""Masking what must never be shown whole: phone numbers in text and attributes.

Logs (``VOLT_LOG``), per-attempt hooks' log lines and OpenTelemetry attributes
show a phone number with all but its last four digits masked
(``+15555550145`` -> ``+*******0145``): enough to tell two recipients apart,
not enough to text them. No I/O, no state.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["mask_phone", "mask_phone_numbers"]

#: Digits shown at the end of a masked number.
VISIBLE_DIGITS: Final = 4

# A run of 7 to 15 digits (E.164 allows 15), with an optional "+", that is not
# part of a longer word or number: "+15555550145", "5555550145". Dates
# ("2026-12-01"), durations ("12.5 ms") and ids with letters are left alone.
_NUMBER: Final = re.compile(
    r"(?<![\w.+])\+?\d{7,15}(?![\w.]?\d)"
    # written for people: "+1 555 555 0145", "+44 (20) 7946-0958", "(555) 555-0145"
    r"|\+\d[\d ()-]{5,20}\d(?![\w.]?\d)"
    r"|(?<![\w.])\(\d{3}\) ?\d{3}[ -]\d{4}(?!\d)"
)


def mask_phone(number: str) -> str:
    """``number`` with all but its last four digits replaced by ``*`` (``+``, if any, kept)."""
    digits = sum(c.isdigit() for c in number)
    hidden = max(0, digits - VISIBLE_DIGITS)
    out: list[str] = []
    for c in number:
        if c.isdigit() and hidden:
            out.append("*")
            hidden -= 1
        else:
            out.append(c)
    return "".join(out)


def mask_phone_numbers(text: str) -> str:
    """``text`` with every phone-number-like run of digits masked by :func:`mask_phone`."""
    return _NUMBER.sub(lambda m: mask_phone(m.group(0)), text)
