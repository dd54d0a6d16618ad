"""The opt-out and opt-in keywords of an inbound text, as US carriers and CTIA define them."""

from __future__ import annotations

import re
from typing import Final, Literal, TypeAlias

__all__ = ["OPT_IN_KEYWORDS", "OPT_OUT_KEYWORDS", "KeywordKind", "classify_keyword"]

OPT_OUT_KEYWORDS: Final = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
"""Texts that opt a recipient out of every message from the organization (CTIA's list)."""
OPT_IN_KEYWORDS: Final = frozenset({"START", "UNSTOP"})
"""Texts that opt a recipient back in."""

KeywordKind: TypeAlias = Literal["opt_out", "opt_in"]
"""What a keyword does: ``"opt_out"`` or ``"opt_in"``."""

# Surrounding space and trailing punctuation are not part of the word: "Stop." is STOP.
_TRIM: Final = re.compile(r"^[\s\"'“”‘’]+|[\s.!?\"'“”‘’]+$")
# A keyword with room for its padding; anything longer is a sentence, never scanned.
_LONGEST: Final = 64


def classify_keyword(
    text: object,
    *,
    opt_out: frozenset[str] = OPT_OUT_KEYWORDS,
    opt_in: frozenset[str] = OPT_IN_KEYWORDS,
) -> tuple[KeywordKind, str] | None:
    """``("opt_out", "STOP")``, ``("opt_in", "START")``, or None for any other text.

    The whole text must be the keyword, in any case, with surrounding space,
    quotes and trailing punctuation ignored: ``"stop"`` and ``" Stop! "`` opt
    out; ``"don't stop"`` and ``"stop it"`` do not (that is a sentence, not a
    request; carriers read it the same way). Not a string: None.
    """
    if not isinstance(text, str) or len(text) > _LONGEST:
        return None
    word = _TRIM.sub("", text).upper()
    if word in opt_out:
        return "opt_out", word
    if word in opt_in:
        return "opt_in", word
    return None
