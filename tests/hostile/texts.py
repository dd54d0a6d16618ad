"""Every text an error shows, and where a token hides in them (standard library only:
the fresh-process runner ``bounded_call`` uses it too)."""

from __future__ import annotations

import traceback
from collections.abc import Iterable

__all__ = ["error_chain", "error_texts", "leaks", "token_fragments"]

#: A leak of this many characters of the token's secret part counts.
FRAGMENT = 12


def error_chain(error: BaseException) -> list[tuple[str, BaseException]]:
    """``error`` and every error chained to it (``__cause__``, ``__context__``, ``.cause``)."""
    seen: set[int] = set()
    chain: list[tuple[str, BaseException]] = []
    stack: list[tuple[str, BaseException]] = [("error", error)]
    while stack:
        where, current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        chain.append((where, current))
        cause: object = getattr(current, "cause", None)
        for name, linked in (
            ("__cause__", current.__cause__),
            ("__context__", current.__context__),
            ("cause", cause),
        ):
            if isinstance(linked, BaseException):
                stack.append((f"{where}.{name}", linked))
    return chain


def error_texts(error: BaseException) -> list[tuple[str, str]]:
    """``(where, text)``: str and repr of every chained error, and the formatted traceback."""
    texts: list[tuple[str, str]] = []
    for where, current in error_chain(error):
        texts.append((f"str({where})", str(current)))
        texts.append((f"repr({where})", repr(current)))
    texts.append(("traceback.format_exception", "".join(traceback.format_exception(error))))
    return texts


def token_fragments(token: str) -> list[str]:
    """The token, and every run of ``FRAGMENT`` characters of its secret part."""
    secret = token.split("_", 1)[-1]
    return [token, *(secret[i : i + FRAGMENT] for i in range(len(secret) - FRAGMENT + 1))]


def leaks(token: str, texts: Iterable[tuple[str, str]]) -> list[str]:
    """Where (of ``texts``) the token or a fragment of it appears."""
    fragments = token_fragments(token)
    return [where for where, text in texts if any(f in text for f in fragments)]
