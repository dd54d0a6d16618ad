"""The ``volt_sdk`` loggers: phone numbers masked in every record, and ``VOLT_LOG``.

Every logger of the package comes from :func:`package_logger`, which puts
:data:`MASK` on it. A logger's filters run only for records created on that
very logger (a record from ``volt_sdk.sandbox`` that propagates to
``volt_sdk``'s handlers skips ``volt_sdk``'s filters), so the filter sits on
each logger that logs, not only on the parent: whatever handlers the user
configured (their own, pytest's ``caplog``, or the one ``VOLT_LOG`` installs),
a phone number reaches them with all but its last four digits masked.

A logger's filters run after its level check, so masking costs nothing while
the level is off. The SDK never logs a token or a request or response body;
the retry line names its cause with :func:`error_summary`, which quotes none
of Volt's answer (that could echo what was sent).

``VOLT_LOG=info|debug`` (read once, when the first client of the process is
built) gives the ``volt_sdk`` logger a stderr handler and that level, without
code, as ``OPENAI_LOG`` does for openai-python (which configures the root
logger instead; this leaves the root logger alone).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Final

from volt_sdk._errors import APIStatusError, RateLimitError, VoltError
from volt_sdk._redact import mask_phone_numbers

__all__ = [
    "ENV_VARIABLE",
    "HANDLER_NAME",
    "LEVELS",
    "MASK",
    "MaskPhoneNumbers",
    "error_summary",
    "package_logger",
    "setup_from_env",
]

#: The environment variable read by :func:`setup_from_env`.
ENV_VARIABLE: Final = "VOLT_LOG"
#: Its accepted values (any case).
LEVELS: Final = {"info": logging.INFO, "debug": logging.DEBUG}
#: The name of the handler ``VOLT_LOG`` installs, to find it again.
HANDLER_NAME: Final = "volt_sdk.VOLT_LOG"
#: The line ``VOLT_LOG`` writes: time, level, logger, message.
FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# The longest cause a retry line quotes: a line stays one readable line.
_SUMMARY_CHARS: Final = 160


class MaskPhoneNumbers(logging.Filter):
    """Masks every phone number in a record's message and traceback, in place.

    The record is rewritten (not copied): every handler that sees it, the
    user's too, gets the masked text. Rewriting twice changes nothing.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit: still show (masked) what was meant
            message = f"{record.msg!s} {record.args!r}"
        # Arguments folded in: no handler can format the raw ones again.
        record.msg = mask_phone_numbers(message)
        record.args = ()
        if record.exc_info and record.exc_info[0] is not None:
            # Formatted once, masked, and cached where Formatter.format looks
            # first; the exception object is dropped so that no formatter
            # renders it unmasked.
            if not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = mask_phone_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_phone_numbers(record.stack_info)
        return True


#: The filter on every logger of the package (one instance: ``addFilter`` skips a repeat).
MASK: Final = MaskPhoneNumbers()


def package_logger(name: str = "volt_sdk") -> logging.Logger:
    """The logger ``name`` (``volt_sdk`` or a child of it), masking phone numbers.

    Every module of the package gets its logger here, never from
    ``logging.getLogger`` (a test checks), so that no logger logs unmasked.
    """
    if name != "volt_sdk" and not name.startswith("volt_sdk."):
        raise ValueError(f"not a volt_sdk logger: {name!r}")
    logger = logging.getLogger(name)
    logger.addFilter(MASK)
    return logger


def error_summary(error: VoltError, operation: str | None = None) -> str:
    """What a log line says of ``error``: its type and, masked and cut, what happened.

    A status error is named by its HTTP status alone: its message quotes Volt's
    answer, which may echo the request (a number, a message body). The message
    of another error loses its ``"<operation>: "`` prefix (the line names it).
    """
    kind = type(error).__name__
    if isinstance(error, APIStatusError):
        summary = f"{kind}: HTTP {error.status_code}"
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            summary += f", Retry-After {error.retry_after:g}s"
        return summary
    text = error.message
    if operation and text.startswith(f"{operation}: "):
        text = text[len(operation) + 2 :]
    text = " ".join(mask_phone_numbers(text).split())
    if len(text) > _SUMMARY_CHARS:
        text = text[: _SUMMARY_CHARS - 1] + "…"
    return f"{kind}: {text}"


_setup_lock = threading.Lock()
_setup_done = False


def setup_from_env() -> None:
    """Apply ``VOLT_LOG`` once per process (the clients call this when built).

    ``info`` or ``debug`` (any case): a stderr handler on the ``volt_sdk``
    logger (never a second one) and that level. Unset or empty: nothing
    changes, levels set in code included. Anything else: one warning line on
    stderr, and nothing changes. Later calls, and later changes of the
    variable, do nothing.
    """
    global _setup_done
    if _setup_done:  # every client construction after the first: one global read
        return
    with _setup_lock:
        if _setup_done:
            return
        _setup_done = True
        _apply(os.environ.get(ENV_VARIABLE, ""))


def _apply(value: str) -> None:
    choice = value.strip().lower()
    if not choice:
        return
    level = LEVELS.get(choice)
    if level is None:
        # Not a warnings.warn: that can be filtered away, or raised as an error.
        sys.stderr.write(
            f"volt_sdk: {ENV_VARIABLE}={value[:40]!r} ignored; expected one of: "
            f"{', '.join(LEVELS)}\n"
        )
        return
    logger = package_logger()
    if not any(h.get_name() == HANDLER_NAME for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(HANDLER_NAME)
        handler.setFormatter(logging.Formatter(FORMAT))
        # Also on the handler: a record of a volt_sdk.* logger made outside
        # the package (without MASK) is masked on its way out too.
        handler.addFilter(MASK)
        logger.addHandler(handler)
    logger.setLevel(level)
