"""How error messages quote what they were given: bounded, one line, never a flood."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "BODY_EXCERPT_CHARS",
    "MAX_MESSAGE_CHARS",
    "body_excerpt",
    "bounded",
    "bounded_join",
    "describe_value",
    "quote_value",
]

# How much of an unexpected body an error message quotes.
BODY_EXCERPT_CHARS = 200
# The longest text of an error: a server's 5 MB error message is kept whole on
# the error's attributes, not in every log line and traceback that shows it.
MAX_MESSAGE_CHARS = 1000


def bounded(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text``, cut to ``limit`` characters with a note of how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def bounded_join(parts: Iterable[str], separator: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``separator.join(parts)``, cut like :func:`bounded`, without joining what is cut."""
    taken: list[str] = []
    length = 0
    more = 0
    for part in parts:
        if length > limit:
            more += 1
            continue
        taken.append(part)
        length += len(part) + len(separator)
    text = bounded(separator.join(taken), limit)
    return f"{text} (and {more} more)" if more else text


def body_excerpt(text: str, limit: int = BODY_EXCERPT_CHARS) -> str:
    """One line, at most ``limit`` characters, of a response body for an error message."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def quote_value(value: object, limit: int = 40) -> str:
    """``repr`` of ``value`` cut to about ``limit`` characters: huge input cannot flood a log."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}…"
    text = repr(value)
    return text if len(text) <= limit + 2 else text[: limit + 1] + "…"


def describe_value(value: object, limit: int = 40) -> str:
    """``None``, or the type name and quoted value: ``int 15555550123``."""
    return "None" if value is None else f"{type(value).__name__} {quote_value(value, limit)}"
