"""How a ``volt`` command fails: one line on stderr and an exit code. The codes: 0
success; 1 an API or transport error, a message that failed or was not delivered
(``send-bulk``: any row failed or unknown), or ``--wait`` giving up; 2 bad
arguments, input refused before sending, or configuration (no token, bad URL);
130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from volt_sdk import VoltError

__all__ = ["CommandError", "UsageError", "exit_code", "explain", "fail", "safe_print"]

# What a client argument is called on this command line, to rewrite error messages.
FLAGS = {
    "to": "--to",
    "from_": "--from",
    "body": "--body",
    "media": "--media",
    "passthrough": "--passthrough",
    "before": "--before",
    "id": "ID",
    "phone_number": "--phone",
    "account_phone": "--account-phone",
    "primary_phone": "--primary-phone",
    "name": "--name",
    "list_name": "--name",
    "phone_numbers": "PHONE",
    "custom_fields": "--field",
    "custom_fields key": "--field KEY",
    "source_list_name": "--source-list",
    "name_search_term": "--name-search",
    "url": "--url",
    "event_types": "--event",
    "token": "--token",
    "base_url": "--base-url",
    "default_region": "--region",
    "timeout": "--timeout",
    "concurrency": "--concurrency",
    "rate": "--rate",
    "journal": "--journal",
}


class UsageError(Exception):
    """Bad arguments: one line on stderr, exit 2."""


class CommandError(Exception):
    """A command ends with a message on stderr and this exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def explain(exc: VoltError) -> str:
    """The error's message, naming this command line's flags instead of Python arguments."""
    message = str(exc)
    head, sep, tail = message.partition(": ")
    flag = FLAGS.get(head.split("[", 1)[0]) if sep else None
    return f"{flag}: {tail}" if flag else message


def exit_code(exc: VoltError) -> int:
    from volt_sdk import ConfigurationError, ValidationError

    return 2 if isinstance(exc, (ConfigurationError, ValidationError)) else 1


def fail(message: str) -> None:
    safe_print(f"volt: {message}", sys.stderr)


def safe_print(text: str, stream: TextIO, *, flush: bool = False) -> None:
    """Print ``text``; what ``stream`` cannot encode (a lone surrogate, or a character
    outside its encoding) is written escaped, ``\\udce9``, rather than failing."""
    try:
        print(text, file=stream, flush=flush)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        escaped = text.encode(encoding, "backslashreplace").decode(encoding)
        print(escaped, file=stream, flush=flush)
