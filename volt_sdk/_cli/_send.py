"""``volt send``: one SMS or MMS, and with ``--wait``, following it until its status is final."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from volt_sdk import _concurrency

from ._arguments import positive_seconds, read_text
from ._client_options import client_options, make_client
from ._errors import CommandError, UsageError, exit_code, explain
from ._output import FAILED_STATUSES, Output
from ._parser import add_leaf
from ._printers import dump, message_rows

if TYPE_CHECKING:
    from volt_sdk import Message, Volt, VoltError

    from ._parser import Commands

__all__ = ["register"]

# --wait: Volt.wait_for_status, polling every 0.2 s at first, backing off to 1 s, until
# one of the statuses --help names (the command's own contract, whatever the SDK's default).
POLL_MAX = 1.0
WAIT_TIMEOUT = 60.0
FINAL_STATUSES = ("delivered", *sorted(FAILED_STATUSES))


def register(commands: Commands) -> None:
    send = add_leaf(commands, "send", _send, "send one SMS or MMS", parents=client_options())
    send.add_argument("--to", required=True, metavar="N", help="the recipient's number")
    send.add_argument(
        "--from", dest="from_", required=True, metavar="N", help="one of your Volt numbers"
    )
    body = send.add_mutually_exclusive_group()
    body.add_argument(
        "--body", metavar="TEXT", help="the text, sent verbatim (--body=TEXT if it starts with -)"
    )
    body.add_argument("--body-file", metavar="PATH", help="read the text from a file ('-': stdin)")
    body.add_argument(
        "stdin", nargs="?", choices=["-"], metavar="-", help="read the text from stdin"
    )
    send.add_argument(
        "--escapes",
        action="store_true",
        help=r"turn the two characters \n into a newline (and \t, \\) in the text",
    )
    send.add_argument(
        "--media", action="extend", nargs="+", metavar="URL", help="public http(s) URL (MMS)"
    )
    send.add_argument("--passthrough", metavar="S", help="an opaque value stored with the message")
    send.add_argument(
        "--wait", action="store_true", help="poll until delivered, failed or undelivered"
    )
    send.add_argument(
        "--wait-timeout",
        type=positive_seconds,
        metavar="SECONDS",
        help=f"give up waiting after this long (default: {WAIT_TIMEOUT:g})",
    )


def _unescape(text: str) -> str:
    import re

    table = {"n": "\n", "t": "\t", "\\": "\\"}
    return re.sub(r"\\([nt\\])", lambda m: table[m.group(1)], text)


def _body(args: argparse.Namespace) -> str:
    if args.body is not None:
        body: str = args.body
    elif args.body_file is not None:
        body = read_text(args.body_file)
    elif args.stdin is not None:
        body = read_text("-")
    else:
        body = ""
    return _unescape(body) if args.escapes else body


def _send(args: argparse.Namespace, out: Output) -> int:
    from volt_sdk import VoltError

    if args.wait_timeout is not None and not args.wait:
        raise UsageError("--wait-timeout needs --wait (see 'volt send --help')")
    body = _body(args)
    with make_client(args) as volt:
        message = volt.send_message(
            to=args.to,
            from_=args.from_,
            body=body,
            media=args.media,
            passthrough=args.passthrough,
        )
        if not out.as_json:
            out.fields(message_rows(message, out))
        if not args.wait:
            if out.as_json:
                out.json(dump(message))
            return 0
        timeout = WAIT_TIMEOUT if args.wait_timeout is None else args.wait_timeout
        try:
            message, finished = _wait(volt, message, timeout, out)
        except KeyboardInterrupt:
            raise CommandError(
                f"interrupted while waiting; message {message.id} was sent", 130
            ) from None
        except VoltError as exc:
            # Say which message: it was sent, and only following it failed.
            raise CommandError(
                f"message {message.id} was sent, but following it failed: {explain(exc)}",
                exit_code(exc),
            ) from None
    if out.as_json:
        out.json(dump(message))
    else:
        final = {"status", "sent at", "confirmed at", "error"}
        out.line()
        out.fields([row for row in message_rows(message, out) if row[0] in final])
    if not finished:
        raise CommandError(
            f"stopped waiting after {timeout:g} s: message {message.id} is still "
            f"{message.status or '(no status)'} (follow it with: volt message get {message.id})"
        )
    status = (message.status or "").lower()
    if status in FAILED_STATUSES:
        error = message.error
        why = f": {error.code} {error.description}" if error else ""
        raise CommandError(f"message {message.id} was not delivered ({status}){why}")
    return 0


def _wait(volt: Volt, message: Message, timeout: float, out: Output) -> tuple[Message, bool]:
    """Follow ``message`` with ``wait_for_status`` until its status is final or ``timeout``
    passes, printing each change; the last message seen, and whether its status is final.

    A poll that fails for a passing reason (rate limit, 5xx, network, a cut body)
    is reported on stderr and made again: reading a message is safe to repeat.
    """
    from datetime import datetime

    from volt_sdk import WaitTimeoutError

    stream = sys.stderr if out.as_json else sys.stdout
    start = _concurrency.monotonic()
    shown = message.status

    def report(current: Message) -> None:
        nonlocal shown
        shown = current.status
        now = datetime.fromtimestamp(_concurrency.wall_clock()).strftime("%H:%M:%S.%f")[:-3]
        elapsed = _concurrency.monotonic() - start
        note = f" ({current.status_description})" if current.status_description else ""
        status = out.status(current.status) if stream is sys.stdout else current.status
        print(f"  {now}  {f'+{elapsed:.1f}s':>6}  {status}{note}", file=stream, flush=True)

    def changed(current: Message) -> None:
        # The first poll often repeats the status the send returned: shown already.
        if current.status != shown:
            report(current)

    def retrying(exc: VoltError) -> None:
        print(f"volt: {explain(exc)}; polling again", file=sys.stderr)

    if stream is sys.stdout:
        print(file=stream)
    print(f"waiting for delivery of {message.id} (up to {timeout:g} s):", file=stream)
    report(message)
    if (message.status or "").lower() in FINAL_STATUSES:
        return message, True
    # No retries inside a poll: each passing failure is reported, then polled again.
    poller = volt.with_options(max_retries=0)
    try:
        final = poller.wait_for_status(
            message.id,
            until=FINAL_STATUSES,
            timeout=timeout,
            interval=POLL_MAX,
            on_status=changed,
            on_retry=retrying,
        )
    except WaitTimeoutError as exc:
        return exc.last or message, False
    return final, True
