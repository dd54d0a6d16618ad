"""``send-bulk``'s progress on stderr: one line redrawn on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
from typing import TextIO

from volt_sdk import _concurrency

from ._output import isatty, paint, use_colour

__all__ = ["Progress"]

# Without a terminal, a progress line every 10% of the rows, and at least every this many.
PROGRESS_EVERY = 500
# On a terminal, the progress line is redrawn at most this often (seconds).
PROGRESS_REDRAW = 0.1


def _clock(seconds: float) -> str:
    """``m:ss`` or ``h:mm:ss``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


class Progress:
    """``send-bulk``'s progress on stderr.

    On a terminal: one line, redrawn in place (``\\r``) at most every
    ``PROGRESS_REDRAW`` seconds, with a bar sized to the terminal. Elsewhere (a
    log, a pipe): one plain line every 10% of the rows, and at least every
    ``PROGRESS_EVERY`` rows, so that logs stay readable.
    """

    def __init__(self, total: int, start: float, stream: TextIO | None = None) -> None:
        self.total = total
        self.start = start
        self.stream = sys.stderr if stream is None else stream
        self.tty = isatty(self.stream)
        self.colour = use_colour(self.stream)
        self.every = max(1, min(PROGRESS_EVERY, -(-total // 10)))
        self.width = 0  # of the line on the terminal now; 0: none is shown
        self.drawn_at = float("-inf")

    def parts(
        self, done: int, sent: int, failed: int, unknown: int, attempted: int
    ) -> list[tuple[str, str]]:
        """The line's parts and their colours: counts, rate and ETA.

        ``attempted`` counts the rows this run sent a request for: the rate and the
        ETA are theirs (rows resumed from a journal, or refused, take no time).
        """
        elapsed = _concurrency.monotonic() - self.start
        rate = attempted / elapsed if elapsed > 0 else 0.0
        left = max(self.total - done, 0)
        eta = _clock(left / rate) if rate > 0 else ("0:00" if not left else "--:--")
        percent = 100 * done // self.total if self.total else 100
        return [
            (f"{done}/{self.total} {percent:>3}%", ""),
            (f"sent {sent}", "32" if sent else ""),
            (f"failed {failed}", "31" if failed else ""),
            (f"unknown {unknown}", "33" if unknown else ""),
            (f"{rate:.1f}/s", ""),
            (f"ETA {eta}", ""),
        ]

    def update(self, done: int, sent: int, failed: int, unknown: int, attempted: int) -> None:
        last = done == self.total
        if not self.tty:
            if done % self.every == 0 or last:
                text = "  ".join(
                    text for text, _ in self.parts(done, sent, failed, unknown, attempted)
                )
                print(text, file=self.stream, flush=True)
            return
        now = _concurrency.monotonic()
        if self.width and not last and now - self.drawn_at < PROGRESS_REDRAW:
            return
        self.drawn_at = now
        self.draw(done, self.parts(done, sent, failed, unknown, attempted))

    def draw(self, done: int, parts: list[tuple[str, str]]) -> None:
        import shutil

        columns = shutil.get_terminal_size((80, 24)).columns - 1  # the last column wraps
        plain = "  ".join(text for text, _ in parts)
        bar_width = min(30, columns - len(plain) - 3)
        bar = ""
        if bar_width >= 10:
            filled = bar_width * min(done, self.total) // self.total if self.total else bar_width
            bar = "[" + "#" * filled + "-" * (bar_width - filled) + "] "
        visible = len(bar) + len(plain)
        if visible > columns:
            text = plain[:columns]
            visible = len(text)
        elif self.colour:
            text = bar + "  ".join(paint(t, c) if c else t for t, c in parts)
        else:
            text = bar + plain
        padding = " " * max(self.width - visible, 0)
        self.stream.write(f"\r{text}{padding}")
        self.stream.flush()
        self.width = visible

    def clear(self) -> None:
        """Take the line off the terminal (before anything else is printed there)."""
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0
