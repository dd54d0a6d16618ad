"""Where ``volt`` writes: aligned ``key: value`` lines, tables or JSON, and whether to colour."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from ._errors import safe_print

__all__ = ["FAILED_STATUSES", "Output", "isatty", "one_line", "paint", "use_colour"]

FAILED_STATUSES = frozenset({"failed", "undelivered"})


def isatty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):
        return False


def use_colour(stream: object) -> bool:
    """Colour on a terminal, unless ``NO_COLOR`` is set or the terminal is dumb."""
    return isatty(stream) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def paint(text: str, colour: str) -> str:
    return f"\033[{colour}m{text}\033[0m"


def one_line(text: str | None, limit: int = 60) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Output:
    """Writes results: aligned ``key: value`` lines for people, or one JSON document."""

    def __init__(self, *, as_json: bool) -> None:
        self.as_json = as_json
        self.colour = use_colour(sys.stdout)

    def line(self, text: str = "") -> None:
        # What Volt returns may hold text stdout cannot encode (a lone surrogate):
        # printed escaped, never a traceback.
        safe_print(text, sys.stdout)

    def json(self, document: object) -> None:
        import json

        safe_print(json.dumps(document, indent=2, ensure_ascii=False), sys.stdout)

    def json_line(self, document: object) -> None:
        """One JSON document on one line (JSON Lines), flushed so that a reader sees it now."""
        import json

        safe_print(json.dumps(document, ensure_ascii=False), sys.stdout, flush=True)

    def fields(self, rows: Sequence[tuple[str, str]], indent: str = "") -> None:
        """Aligned ``key: value`` lines; a value with newlines continues under itself."""
        if not rows:
            return
        width = max(len(key) for key, _ in rows) + 1
        for key, value in rows:
            first, *rest = value.split("\n")
            self.line(f"{indent}{key + ':':<{width}} {first}".rstrip())
            for more in rest:
                self.line(f"{indent}{'':<{width}} {more}".rstrip())

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
        for row in (header, *rows):
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
            self.line("  ".join(cells).rstrip())

    def status(self, status: str | None) -> str:
        text = status or "(none)"
        if not self.colour or status is None:
            return text
        low = status.lower()
        return paint(text, "32" if low == "delivered" else "31" if low in FAILED_STATUSES else "33")
