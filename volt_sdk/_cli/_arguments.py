"""What ``volt`` accepts as an argument: the value types its options share (each refuses a
value with :class:`argparse.ArgumentTypeError`), and the text a file argument names.
"""

from __future__ import annotations

import argparse
import sys

from ._errors import UsageError

__all__ = [
    "PATH_METAVARS",
    "count",
    "non_negative",
    "port_number",
    "positive_seconds",
    "probability",
    "rate",
    "read_text",
    "utf8_problem",
]

# Arguments shown with these metavars name files: a POSIX path is bytes, and one that is not
# UTF-8 is still a path to open (Python hands it back to the OS as the same bytes).
PATH_METAVARS = frozenset({"PATH", "DIR", "RECIPIENTS.csv", "OLD", "NEW"})


def utf8_problem(text: str) -> str | None:
    """Why ``text`` is not UTF-8 text, or None.

    Python keeps a byte that is not UTF-8 (in ``sys.argv``, or in stdin under the C
    locale) as a lone surrogate, ``'caf\\udce9'`` for ``b'caf\\xe9'``: text that cannot be
    encoded, so it cannot be sent, nor printed as it is.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        what = (
            f"byte 0x{code - 0xDC00:02x}"
            if 0xDC80 <= code <= 0xDCFF
            else f"U+{code:04X} (half of a UTF-16 pair)"
        )
        return f"{what} at position {exc.start} is not UTF-8"
    return None


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def probability(text: str) -> float:
    value = non_negative(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"expected a probability from 0 to 1, got {text!r}")
    return value


def rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected messages per second, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number per second, got {text!r}")
    return value


def count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1, got {text!r}")
    return int(text)


def port_number(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {text!r}")
    return int(text)


def read_text(path: str, what: str = "the body") -> str:
    """A text from a file or stdin (``-``), without the one newline that ends a file."""
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as file:
                text = file.read()
    except (OSError, UnicodeDecodeError) as exc:
        where = "stdin" if path == "-" else repr(path)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"cannot read {what} from {where}: {reason}") from None
    problem = utf8_problem(text)
    if problem is not None:
        where = "stdin" if path == "-" else repr(path)
        raise UsageError(f"cannot read {what} from {where}: {problem}") from None
    if text.endswith("\r\n"):
        return text[:-2]
    return text.removesuffix("\n")
