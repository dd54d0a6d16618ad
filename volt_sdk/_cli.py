"""The ``volt`` command line: a thin layer over :class:`volt_sdk.Volt`.

Commands::

    volt send --to N --from N [--body TEXT | --body-file PATH | -] [--escapes]
              [--media URL ...] [--passthrough S] [--wait [--wait-timeout SECONDS]]
    volt send-bulk RECIPIENTS.csv --from N (--template TEXT | --template-file PATH)
                   [--media URL ...] [--key-column COLUMN] [--journal PATH [--resume]]
                   [--rate PER_SECOND] [--concurrency N] [--dry-run]
    volt message get ID
    volt conversation --to N --from N [--before CURSOR] [--all]
    volt contact get --phone N --primary-phone N
    volt contact upsert --phone N --account-phone N --name NAME (--blocked | --not-blocked)
                        [--field KEY=VALUE ...]
    volt list get --primary-phone N --name NAME
    volt list upsert --primary-phone N --name NAME [--source-list NAME] [--name-search TERM]
    volt list add --primary-phone N --name NAME PHONE [PHONE ...]
    volt webhook list
    volt webhook register --url URL [--primary-phone N] [--event TYPE ...]
    volt webhook delete ID
    volt sandbox [--host H] [--port P] [--db PATH] [--token T] [--number N ...] [--pace S]
                 [--fault-seed N] [--fault-latency S] [--fault-jitter S] [--fault-429 P]
                 [--fault-retry-after S] [--fault-5xx P] [--fault-drop P] [--fault-malformed P]
    volt --version

Every command but ``sandbox`` takes ``--json`` (print what Volt returned, as one
JSON document; ``send-bulk``: one JSON object per line), ``--token`` (else
``VOLT_API_TOKEN``), ``--base-url`` (else ``VOLT_API_URL``), ``--region`` and
``--timeout``.

Exit codes: 0 success; 1 an API or transport error, a message that failed or was
not delivered (``send-bulk``: any row failed or unknown), or ``--wait`` giving
up; 2 bad arguments, input refused before sending, or configuration (no token,
bad URL); 130 interrupted (Ctrl-C).

This module imports only the standard library at load time, and the
``volt_sdk`` package imports its client lazily: httpx, pydantic and the
generated client are loaded by the command that needs them, so ``volt --help``
starts in tens of milliseconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, NamedTuple, NoReturn, TextIO

from ._version import __version__

if TYPE_CHECKING:
    from . import (
        BulkResult,
        Contact,
        ContactList,
        ConversationPage,
        Message,
        Volt,
        VoltError,
        Webhook,
    )

__all__ = ["main"]

# --wait: poll every 0.2 s at first, backing off to 1 s, until a final status.
POLL_FIRST = 0.2
POLL_MAX = 1.0
POLL_BACKOFF = 1.5
WAIT_TIMEOUT = 60.0
FINAL_STATUSES = frozenset({"delivered", "failed", "undelivered"})
FAILED_STATUSES = frozenset({"failed", "undelivered"})

# Replaced in tests, so --wait runs without waiting.
_sleep: Callable[[float], None] = time.sleep
_monotonic: Callable[[], float] = time.monotonic

# The top-level packages of the sandbox extra: a missing one means the extra is not installed.
_SANDBOX_EXTRA = frozenset({"ariadne", "graphql", "uvicorn", "httptools", "uvloop", "starlette"})
SANDBOX_EXTRA_MISSING = 'the sandbox needs the sandbox extra: pip install "volt-sdk[sandbox]"'

# The sandbox's FaultConfig fields and the flags that set them.
_FAULT_FLAGS = {
    "seed": "--fault-seed",
    "latency": "--fault-latency",
    "latency_jitter": "--fault-jitter",
    "rate_429": "--fault-429",
    "retry_after": "--fault-retry-after",
    "rate_5xx": "--fault-5xx",
    "rate_drop": "--fault-drop",
    "rate_malformed": "--fault-malformed",
}

# What a client argument is called on this command line, to rewrite error messages.
_FLAGS = {
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


class _UsageError(Exception):
    """Bad arguments: one line on stderr, exit 2."""


class _CommandError(Exception):
    """A command ends with a message on stderr and this exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line (``volt: ...``), not usage plus a message."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see '{self.prog} --help')")


# -- output -----------------------------------------------------------------


class _Output:
    """Writes results: aligned ``key: value`` lines for people, or one JSON document."""

    def __init__(self, *, as_json: bool) -> None:
        self.as_json = as_json
        self.colour = (
            sys.stdout.isatty()
            and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb"
        )

    def line(self, text: str = "") -> None:
        print(text)

    def json(self, document: object) -> None:
        import json

        print(json.dumps(document, indent=2, ensure_ascii=False))

    def json_line(self, document: object) -> None:
        """One JSON document on one line (JSON Lines), flushed so that a reader sees it now."""
        import json

        print(json.dumps(document, ensure_ascii=False), flush=True)

    def fields(self, rows: Sequence[tuple[str, str]], indent: str = "") -> None:
        """Aligned ``key: value`` lines; a value with newlines continues under itself."""
        if not rows:
            return
        width = max(len(key) for key, _ in rows) + 1
        for key, value in rows:
            first, *rest = value.split("\n")
            print(f"{indent}{key + ':':<{width}} {first}".rstrip())
            for more in rest:
                print(f"{indent}{'':<{width}} {more}".rstrip())

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
        for row in (header, *rows):
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
            print("  ".join(cells).rstrip())

    def status(self, status: str | None) -> str:
        text = status or "(none)"
        if not self.colour or status is None:
            return text
        low = status.lower()
        colour = "32" if low == "delivered" else "31" if low in FAILED_STATUSES else "33"
        return f"\033[{colour}m{text}\033[0m"


def _dump(model: Any) -> Any:
    """The object as Volt returned it: field names as on the wire, values as JSON."""
    return model.model_dump(mode="json", by_alias=True)


def _when(raw: str | None) -> str | None:
    """A timestamp for people: parsed when possible, else the raw value."""
    if raw is None:
        return None
    from . import parse_timestamp

    parsed = parse_timestamp(raw)
    if parsed is None:
        return raw
    return parsed.isoformat(sep=" ", timespec="milliseconds" if parsed.microsecond else "seconds")


def _rows(*pairs: tuple[str, str | None]) -> list[tuple[str, str]]:
    """The pairs whose value is set."""
    return [(key, value) for key, value in pairs if value is not None]


def _message_rows(message: Message, out: _Output) -> list[tuple[str, str]]:
    from . import message_segments

    segments = None
    if message.body:
        info = message_segments(message.body)
        segments = f"{info.segments} ({info.encoding}, {info.characters} characters)"
    status = out.status(message.status)
    if message.status_description:
        status += f" ({message.status_description})"
    error = message.error
    return _rows(
        ("id", message.id),
        ("status", status),
        ("from -> to", f"{message.from_number or '?'} -> {message.to_number or '?'}"),
        ("segments", segments),
        ("media", "\n".join(message.media) if message.media else None),
        ("sent at", _when(message.sent_at)),
        ("confirmed at", _when(message.confirmed_at)),
        ("error", f"{error.code} ({error.category.value}): {error.description}" if error else None),
        ("body", message.body or None),
    )


def _print_message(message: Message, out: _Output) -> None:
    if out.as_json:
        out.json(_dump(message))
    else:
        out.fields(_message_rows(message, out))


def _print_contact(contact: Contact, out: _Output) -> None:
    if out.as_json:
        out.json(_dump(contact))
        return
    account = contact.account
    fields = [f for f in contact.custom_fields or () if f is not None]
    lists = [lst.name or lst.id for lst in contact.lists or () if lst is not None]
    out.fields(
        _rows(
            ("id", contact.id),
            ("name", contact.name),
            ("phone", contact.phone_number),
            ("mapped number", contact.mapped_number),
            ("blocked", None if contact.blocked is None else "yes" if contact.blocked else "no"),
            (
                "account",
                f"{account.name or account.id} ({account.primary_phone})" if account else None,
            ),
            ("fields", "\n".join(f"{f.key} = {f.value}" for f in fields) if fields else None),
            ("lists", ", ".join(lists) if lists else None),
            ("created at", _when(contact.created_at)),
            ("updated at", _when(contact.last_updated_at)),
        )
    )


def _print_list(contact_list: ContactList, out: _Output) -> None:
    if out.as_json:
        out.json(_dump(contact_list))
        return
    out.fields(
        _rows(
            ("id", contact_list.id),
            ("name", contact_list.name),
            ("size", None if contact_list.size is None else str(contact_list.size)),
            ("created by", contact_list.created_by),
            ("source list", contact_list.query_source_list_name),
            ("name search", contact_list.query_name_search_term),
            ("created at", _when(contact_list.created_at)),
            ("updated at", _when(contact_list.last_updated_at)),
        )
    )


def _events(webhook: Webhook) -> str:
    events = [e.value for e in webhook.event_types or () if e is not None]
    return ", ".join(events) if events else "all events"


def _print_webhook(webhook: Webhook, out: _Output) -> None:
    if out.as_json:
        out.json(_dump(webhook))
        return
    out.fields(
        _rows(
            ("id", webhook.id),
            ("url", webhook.url),
            ("number", webhook.primary_phone or "all numbers"),
            ("events", _events(webhook)),
            ("created at", _when(webhook.created_at)),
            ("updated at", _when(webhook.last_updated_at)),
        )
    )


def _one_line(text: str | None, limit: int = 60) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _conversation_table(messages: Sequence[Message], out: _Output) -> None:
    out.table(
        ("ID", "SENT", "FROM -> TO", "STATUS", "BODY"),
        [
            (
                m.id,
                _when(m.sent_at) or "-",
                f"{m.from_number or '?'} -> {m.to_number or '?'}",
                m.status or "-",
                _one_line(m.body),
            )
            for m in messages
        ],
    )


# -- the client -------------------------------------------------------------


def _client(args: argparse.Namespace) -> Volt:
    token = args.token if args.token is not None else os.environ.get("VOLT_API_TOKEN")
    if not token or not token.strip():
        raise _UsageError(
            "no API token: set VOLT_API_TOKEN or pass --token "
            "(Volt: Settings > Developers, or ask api@textvolt.com)"
        )
    from . import NOT_GIVEN, Volt

    return Volt(
        token=token,
        base_url=args.base_url,
        timeout=NOT_GIVEN if args.timeout is None else args.timeout,
        default_region=args.region,
    )


def _explain(exc: VoltError) -> str:
    """The error's message, naming this command line's flags instead of Python arguments."""
    message = str(exc)
    head, sep, tail = message.partition(": ")
    flag = _FLAGS.get(head.split("[", 1)[0]) if sep else None
    return f"{flag}: {tail}" if flag else message


# -- commands ---------------------------------------------------------------


def _unescape(text: str) -> str:
    import re

    table = {"n": "\n", "t": "\t", "\\": "\\"}
    return re.sub(r"\\([nt\\])", lambda m: table[m.group(1)], text)


def _read_text(path: str, what: str = "the body") -> str:
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
        raise _UsageError(f"cannot read {what} from {where}: {reason}") from None
    if text.endswith("\r\n"):
        return text[:-2]
    return text.removesuffix("\n")


def _body(args: argparse.Namespace) -> str:
    if args.body is not None:
        body: str = args.body
    elif args.body_file is not None:
        body = _read_text(args.body_file)
    elif args.stdin is not None:
        body = _read_text("-")
    else:
        body = ""
    return _unescape(body) if args.escapes else body


def _send(args: argparse.Namespace, out: _Output) -> int:
    from . import VoltError

    if args.wait_timeout is not None and not args.wait:
        raise _UsageError("--wait-timeout needs --wait (see 'volt send --help')")
    body = _body(args)
    with _client(args) as volt:
        message = volt.send_message(
            to=args.to,
            from_=args.from_,
            body=body,
            media=args.media,
            passthrough=args.passthrough,
        )
        if not out.as_json:
            out.fields(_message_rows(message, out))
        if not args.wait:
            if out.as_json:
                out.json(_dump(message))
            return 0
        timeout = WAIT_TIMEOUT if args.wait_timeout is None else args.wait_timeout
        try:
            message, finished = _wait(volt, message, timeout, out)
        except KeyboardInterrupt:
            raise _CommandError(
                f"interrupted while waiting; message {message.id} was sent", 130
            ) from None
        except VoltError as exc:
            # Say which message: it was sent, and only following it failed.
            raise _CommandError(
                f"message {message.id} was sent, but following it failed: {_explain(exc)}",
                _exit_code(exc),
            ) from None
    if out.as_json:
        out.json(_dump(message))
    else:
        final = {"status", "sent at", "confirmed at", "error"}
        out.line()
        out.fields([row for row in _message_rows(message, out) if row[0] in final])
    if not finished:
        raise _CommandError(
            f"stopped waiting after {timeout:g} s: message {message.id} is still "
            f"{message.status or '(no status)'} (follow it with: volt message get {message.id})"
        )
    status = (message.status or "").lower()
    if status in FAILED_STATUSES:
        error = message.error
        why = f": {error.code} {error.description}" if error else ""
        raise _CommandError(f"message {message.id} was not delivered ({status}){why}")
    return 0


def _is_final(message: Message) -> bool:
    return (message.status or "").lower() in FINAL_STATUSES


def _wait(volt: Volt, message: Message, timeout: float, out: _Output) -> tuple[Message, bool]:
    """Poll ``message`` until its status is final or ``timeout`` passes; print each change.

    Returns the last message seen and whether its status is final. A poll that
    fails for a passing reason (rate limit, 5xx, network, a cut body) is reported and retried:
    reading a message is safe to repeat.
    """
    from datetime import datetime

    from . import APIStatusError, MalformedResponseError, RateLimitError, TransportError

    stream = sys.stderr if out.as_json else sys.stdout
    start = _monotonic()
    deadline = start + timeout

    def report(current: Message) -> None:
        now = datetime.now().strftime("%H:%M:%S.%f")[:-3]
        elapsed = _monotonic() - start
        note = f" ({current.status_description})" if current.status_description else ""
        status = out.status(current.status) if stream is sys.stdout else current.status
        print(f"  {now}  {f'+{elapsed:.1f}s':>6}  {status}{note}", file=stream, flush=True)

    # This loop polls and backs off itself, reporting each passing failure: the
    # client's own retries would only hide them.
    poller = volt.with_options(max_retries=0)
    if stream is sys.stdout:
        print(file=stream)
    print(f"waiting for delivery of {message.id} (up to {timeout:g} s):", file=stream)
    report(message)
    interval = POLL_FIRST
    while not _is_final(message):
        left = deadline - _monotonic()
        if left <= 0:
            return message, False
        _sleep(min(interval, left))
        interval = min(interval * POLL_BACKOFF, POLL_MAX)
        try:
            current = poller.get_message(message.id)
        except (TransportError, APIStatusError, MalformedResponseError) as exc:
            passing = not isinstance(exc, APIStatusError) or (
                isinstance(exc, RateLimitError) or (exc.status_code or 0) >= 500
            )
            if not passing:
                raise
            if isinstance(exc, RateLimitError) and exc.retry_after:
                interval = max(interval, exc.retry_after)
            print(f"volt: {_explain(exc)}; polling again", file=sys.stderr)
            continue
        if current.status != message.status:
            report(current)
        message = current
    return message, True


def _message_get(args: argparse.Namespace, out: _Output) -> int:
    with _client(args) as volt:
        _print_message(volt.get_message(args.id), out)
    return 0


def _conversation(args: argparse.Namespace, out: _Output) -> int:
    with _client(args) as volt:
        if args.all:
            messages: list[Message] = list(
                volt.iter_conversation(to=args.to, from_=args.from_, before=args.before)
            )
            if out.as_json:
                out.json([_dump(m) for m in messages])
            elif messages:
                _conversation_table(messages, out)
                out.line(f"\n{len(messages)} message(s)")
            else:
                out.line("no messages")
            return 0
        page: ConversationPage = volt.get_conversation(
            to=args.to, from_=args.from_, before=args.before
        )
    if out.as_json:
        out.json(_dump(page))
        return 0
    page_messages = list(page.messages or ())
    total = page.page_info.total_items if page.page_info else None
    if not page_messages:
        out.line("no messages")
        return 0
    _conversation_table(page_messages, out)
    summary = f"\n{len(page_messages)} message(s) on this page"
    if total is not None:
        summary += f", {total} in all"
    out.line(summary)
    if total is None or total > len(page_messages):
        out.line(f"older: --before {page_messages[-1].id}  (or --all)")
    return 0


def _field(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def _contact_get(args: argparse.Namespace, out: _Output) -> int:
    with _client(args) as volt:
        contact = volt.get_contact(phone_number=args.phone, primary_phone=args.primary_phone)
    _print_contact(contact, out)
    return 0


def _contact_upsert(args: argparse.Namespace, out: _Output) -> int:
    fields: dict[str, str | None] = dict(args.fields) if args.fields else {}
    with _client(args) as volt:
        contact = volt.upsert_contact(
            phone_number=args.phone,
            account_phone=args.account_phone,
            name=args.name,
            blocked=args.blocked,
            custom_fields=fields or None,
        )
    _print_contact(contact, out)
    return 0


def _list_get(args: argparse.Namespace, out: _Output) -> int:
    with _client(args) as volt:
        contact_list = volt.get_list(primary_phone=args.primary_phone, name=args.name)
    _print_list(contact_list, out)
    return 0


def _list_upsert(args: argparse.Namespace, out: _Output) -> int:
    with _client(args) as volt:
        contact_list = volt.upsert_list(
            primary_phone=args.primary_phone,
            name=args.name,
            source_list_name=args.source_list,
            name_search_term=args.name_search,
        )
    _print_list(contact_list, out)
    return 0


def _list_add(args: argparse.Namespace, out: _Output) -> int:
    with _client(args) as volt:
        contact_list = volt.add_contacts_to_list(
            primary_phone=args.primary_phone, list_name=args.name, phone_numbers=args.phones
        )
    _print_list(contact_list, out)
    return 0


def _webhook_list(args: argparse.Namespace, out: _Output) -> int:
    with _client(args) as volt:
        webhooks = volt.list_webhooks()
    if out.as_json:
        out.json([_dump(w) for w in webhooks])
    elif not webhooks:
        out.line("no webhooks registered")
    else:
        out.table(
            ("ID", "URL", "NUMBER", "EVENTS"),
            [(w.id, w.url, w.primary_phone or "all numbers", _events(w)) for w in webhooks],
        )
    return 0


def _webhook_register(args: argparse.Namespace, out: _Output) -> int:
    with _client(args) as volt:
        webhook = volt.register_webhook(
            url=args.url, primary_phone=args.primary_phone, event_types=args.events
        )
    _print_webhook(webhook, out)
    return 0


def _webhook_delete(args: argparse.Namespace, out: _Output) -> int:
    with _client(args) as volt:
        webhook = volt.delete_webhook(args.id)
    _print_webhook(webhook, out)
    return 0


# -- send-bulk --------------------------------------------------------------

# At most this many failed or unknown rows (or rows a dry run refuses) are listed, and kept.
BULK_LISTED = 20
# Without a terminal, a progress line every 10% of the rows, and at least every this many.
PROGRESS_EVERY = 500
# On a terminal, the progress line is redrawn at most this often (seconds).
PROGRESS_REDRAW = 0.1
JOURNAL_EXISTS = "the journal exists; pass --resume to continue it, or choose another path"


class _Draft(NamedTuple):
    """A row ready to send: its key, its number and the template filled in."""

    key: str
    to: str
    body: str


class _Refusal(NamedTuple):
    """A row that cannot be sent as it is, and why."""

    key: str
    to: str
    reason: str


class _Outcome:
    """What became of one row; ``document()`` is the line ``send-bulk --json`` prints."""

    __slots__ = (
        "attempts",
        "index",
        "key",
        "message_id",
        "reason",
        "reconciled",
        "resumed",
        "status",
        "to",
    )

    def __init__(
        self,
        index: int,
        key: str,
        to: str,
        status: str,
        message_id: str | None,
        reason: str | None,
        *,
        resumed: bool = False,
        reconciled: bool = False,
        attempts: int = 0,
    ) -> None:
        self.index = index
        self.key = key
        self.to = to
        self.status = status  # sent, failed or unknown
        self.message_id = message_id
        self.reason = reason
        self.resumed = resumed
        self.reconciled = reconciled
        self.attempts = attempts

    def document(self) -> dict[str, object]:
        return {
            "index": self.index,
            "key": self.key,
            "to": self.to,
            "status": self.status,
            "message_id": self.message_id,
            "reason": self.reason,
            "resumed": self.resumed,
            "reconciled": self.reconciled,
            "attempts": self.attempts,
        }


def _template_fields(template: str, flag: str) -> list[str]:
    """The columns a ``str.format`` template names, in order of first use.

    Refuses what a CSV row cannot fill: positional fields (``{}``, ``{0}``),
    attributes and indexes (``{a.b}``, ``{a[0]}``) and fields nested in a format spec.
    """
    import string

    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise _UsageError(
            f"{flag}: not a valid template: {exc} (write {{{{ and }}}} for literal braces)"
        ) from None
    fields: list[str] = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        shown += "}"
        head = name.split(".", 1)[0].split("[", 1)[0]
        if head == "" or head.isdecimal():
            raise _UsageError(
                f"{flag}: {shown} is a positional field; name a column instead, such as {{name}}"
            )
        if head != name:
            raise _UsageError(
                f"{flag}: {shown} reads an attribute or an index; "
                f"only plain column names are filled in, such as {{{head}}}"
            )
        if spec and "{" in spec:
            raise _UsageError(f"{flag}: {shown} has a field inside its format spec")
        if name not in fields:
            fields.append(name)
    try:
        template.format_map(dict.fromkeys(fields, "x"))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise _UsageError(f"{flag}: the template cannot be filled in: {exc}") from None
    return fields


def _columns(header: Sequence[str], limit: int = 12) -> str:
    names = ", ".join(repr(name) for name in header[:limit])
    return names + (f", ... ({len(header)} in all)" if len(header) > limit else "")


def _open_csv(path: str) -> IO[str]:
    try:
        # utf-8-sig: a spreadsheet's export often starts with a byte order mark.
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise _UsageError(f"cannot read {path!r}: {exc.strerror or exc}") from None


def _csv_header(path: str) -> list[str]:
    import csv

    with _open_csv(path) as file:
        try:
            header = next(csv.reader(file), None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise _UsageError(f"{path!r}: cannot read the header row: {exc}") from None
    if not header:
        raise _UsageError(f"{path!r} is empty: expected a header row with a 'to' column")
    return header


class _BulkPlan:
    """A checked ``send-bulk``: the CSV file, the template, and how a row becomes a message."""

    def __init__(
        self,
        *,
        path: str,
        template: str,
        fields: Sequence[str],
        media: Sequence[str] | None,
        key_column: str | None,
    ) -> None:
        self.path = path
        self.template = template
        self.fields = fields
        self.media = media
        self.key_column = key_column

    def rows(self) -> Iterator[dict[str, str | None]]:
        """The data rows, read as they are needed (the file is never held in memory)."""
        import csv

        with _open_csv(self.path) as file:
            reader = csv.DictReader(file)
            try:
                yield from reader
            except (csv.Error, UnicodeDecodeError) as exc:
                raise _UsageError(f"{self.path!r}, line {reader.line_num}: {exc}") from None

    def count(self) -> int:
        """How many data rows the file has: a first pass, streaming, that also proves it reads."""
        import csv

        with _open_csv(self.path) as file:
            reader = csv.reader(file)
            try:
                next(reader, None)
                # DictReader, which reads the rows to send, skips blank lines too.
                return sum(1 for row in reader if row)
            except (csv.Error, UnicodeDecodeError) as exc:
                raise _UsageError(f"{self.path!r}, line {reader.line_num}: {exc}") from None

    def draft(self, index: int, row: dict[str, str | None]) -> _Draft | _Refusal:
        """The message for the row at ``index`` (0 is the first row after the header)."""
        to = (row.get("to") or "").strip()
        # The SDK's own default key, given here so that a row refused before sending
        # does not shift the keys of the rows after it.
        key = f"#{index}"
        if self.key_column is not None:
            key = (row.get(self.key_column) or "").strip()
            if not key:
                return _Refusal(f"#{index}", to, f"no key in the {self.key_column!r} column")
        if not to:
            return _Refusal(key, to, "no number in the 'to' column")
        missing = [name for name in self.fields if not (row.get(name) or "").strip()]
        if missing:
            names = ", ".join("{" + name + "}" for name in missing)
            return _Refusal(key, to, f"no value for {names} in this row")
        try:
            body = self.template.format_map(row)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            return _Refusal(key, to, f"the template cannot be filled in: {exc}")
        if not body.strip() and not self.media:
            return _Refusal(key, to, "the message is empty; give a text, or --media for an MMS")
        return _Draft(key, to, body)


def _bulk_plan(args: argparse.Namespace) -> _BulkPlan:
    """Check everything that can be checked before sending; any problem is exit 2."""
    if args.resume and args.journal is None:
        raise _UsageError("--resume needs --journal PATH (see 'volt send-bulk --help')")
    if args.journal is not None:
        exists = os.path.lexists(args.journal)
        if args.resume and not exists:
            raise _UsageError(
                f"--resume: the journal {args.journal!r} does not exist; "
                "leave out --resume to start a new one"
            )
        if exists and not args.resume:
            raise _UsageError(f"--journal {args.journal!r}: {JOURNAL_EXISTS}")

    if args.template is not None:
        template: str = args.template
        flag = "--template"
    else:
        template = _read_text(args.template_file, "the template")
        flag = "--template-file"
    fields = _template_fields(template, flag)
    if not template.strip() and not args.media:
        raise _UsageError(f"{flag}: the template is empty; give a text, or --media for an MMS")

    path: str = args.recipients
    header = _csv_header(path)
    if "to" not in header:
        hint = ""
        if any(name.strip().lower() == "to" for name in header):
            hint = "; column names are case and space sensitive"
        raise _UsageError(
            f"{path!r} has no 'to' column in its header row{hint} (its columns: {_columns(header)})"
        )
    missing = [name for name in fields if name not in header]
    if missing:
        names = ", ".join("{" + name + "}" for name in missing)
        raise _UsageError(
            f"{flag}: {names} {'is not a column' if len(missing) == 1 else 'are not columns'} "
            f"of {path!r} (its columns: {_columns(header)})"
        )
    key_column: str | None = args.key_column
    if key_column is not None and key_column not in header:
        raise _UsageError(
            f"--key-column: {key_column!r} is not a column of {path!r} "
            f"(its columns: {_columns(header)})"
        )
    used = {"to", *fields, *([key_column] if key_column else [])}
    doubled = sorted(name for name in used if header.count(name) > 1)
    if doubled:
        raise _UsageError(
            f"{path!r} has more than one column named {', '.join(map(repr, doubled))}"
        )

    from . import normalize_phone
    from ._message import check_http_url

    # Wrong for one row is wrong for every row: refuse them now, not once per row.
    normalize_phone(args.from_, region=args.region, argument="--from")
    for url in args.media or ():
        check_http_url(url, "--media")
    return _BulkPlan(
        path=path,
        template=template,
        fields=fields,
        media=list(args.media) if args.media else None,
        key_column=key_column,
    )


def _send_bulk(args: argparse.Namespace, out: _Output) -> int:
    plan = _bulk_plan(args)
    if args.dry_run:
        return _bulk_dry_run(plan, args, out)
    with _client(args) as volt:
        report = _BulkReport(out, total=plan.count(), journal=args.journal)
        _bulk_send(volt, plan, args, report)
    return report.finish()


def _bulk_send(volt: Volt, plan: _BulkPlan, args: argparse.Namespace, report: _BulkReport) -> None:
    """Send every row through ``Volt.send_many``, reporting each outcome as it comes."""
    import bisect
    from collections import deque

    from . import OutgoingMessage, VoltError

    # Rows refused here never reach send_many, so its positions skip them. Where the
    # gap between its position and the row grows, (position, gap) is noted: one pair
    # per run of refused rows, not one per row.
    starts: list[int] = [0]
    gaps: list[int] = [0]
    refused: deque[_Outcome] = deque()

    def messages() -> Iterator[OutgoingMessage]:
        position = 0
        for index, row in enumerate(plan.rows()):
            draft = plan.draft(index, row)
            if isinstance(draft, _Refusal):
                refused.append(_Outcome(index, draft.key, draft.to, "failed", None, draft.reason))
                continue
            if index - position != gaps[-1]:
                gaps.append(index - position)  # before starts: a reader sees both or neither
                starts.append(position)
            yield OutgoingMessage(
                to=draft.to, from_=args.from_, body=draft.body, media=plan.media, key=draft.key
            )
            position += 1

    def row_index(position: int) -> int:
        return position + gaps[bisect.bisect_right(starts, position) - 1]

    options: dict[str, Any] = {}
    if args.concurrency is not None:
        options["concurrency"] = args.concurrency
    if args.rate is not None:
        options["rate"] = args.rate
    if args.journal is not None:
        options["journal"] = args.journal
    results: Iterator[BulkResult] | None = None
    try:
        results = volt.send_many(messages(), **options)
        for result in results:
            while refused:
                report.add(refused.popleft())
            report.add(_bulk_outcome(result, row_index(result.index)))
        while refused:
            report.add(refused.popleft())
    except KeyboardInterrupt:
        report.interrupted = True
    except VoltError as exc:
        # Refused before this run sent anything (a changed file, a journal in use, ...): exit 2.
        mismatch = _journal_mismatch(exc, row_index)
        if not report.sent_now:
            if mismatch is not None:
                raise _CommandError(mismatch, 2) from None
            raise
        report.stopped = mismatch or _explain(exc)
    finally:
        report.progress.clear()
        if isinstance(results, Generator):
            results.close()  # send_many settles what is in flight and closes its journal


def _journal_mismatch(exc: VoltError, row_index: Callable[[int], int]) -> str | None:
    """A row that differs from what the journal recorded, said in terms of the CSV file."""
    from . import ValidationError

    if not isinstance(exc, ValidationError) or exc.reason != "journal_mismatch":
        return None
    position = exc.argument.removeprefix("messages[").removesuffix("]")
    row = f"row {row_index(int(position))}" if position.isdigit() else "a row"
    return (
        f"--resume: {row} (key {exc.value!r}) is not what the journal recorded for it: "
        "the file changed since the journal was written, and the row was not sent. "
        "Restore the file, or start again with a new --journal"
    )


def _bulk_outcome(result: BulkResult, index: int) -> _Outcome:
    reason = result.reason
    if reason is None and result.error is not None:
        reason = _explain(result.error)
    return _Outcome(
        index=index,
        key=result.key,
        to=result.request.to,
        status=result.status,
        message_id=result.message_id,
        reason=reason,
        resumed=result.resumed,
        reconciled=result.reconciled,
        attempts=result.attempts,
    )


def _isatty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):
        return False


def _colour_allowed() -> bool:
    return not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _clock(seconds: float) -> str:
    """``m:ss`` or ``h:mm:ss``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


class _Progress:
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
        self.tty = _isatty(self.stream)
        self.colour = self.tty and _colour_allowed()
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
        elapsed = _monotonic() - self.start
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
        now = _monotonic()
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
            text = bar + "  ".join(f"\033[{c}m{t}\033[0m" if c else t for t, c in parts)
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


class _BulkReport:
    """Counts the outcomes of a ``send-bulk`` run, shows its progress, and sums it up."""

    def __init__(
        self, out: _Output, *, total: int, journal: str | None, stream: TextIO | None = None
    ) -> None:
        self.out = out
        self.total = total
        self.journal = journal
        self.start = _monotonic()
        self.progress = _Progress(total, self.start, stream)
        # JSON lines on the terminal that shows the progress: clear it before each one.
        self.share_terminal = self.progress.tty and out.as_json and _isatty(sys.stdout)
        self.done = self.sent = self.failed = self.unknown = 0
        self.reconciled = self.resumed = 0
        self.sent_now = 0  # rows this run sent, or may have sent (unknown)
        self.attempted = 0  # rows this run sent a request for: the rate is theirs
        self.listed: list[_Outcome] = []
        self.unlisted = 0
        self.interrupted = False
        self.stopped: str | None = None

    def add(self, outcome: _Outcome) -> None:
        self.done += 1
        self.resumed += outcome.resumed
        self.sent_now += not outcome.resumed and outcome.status != "failed"
        # Rows resumed from the journal, or refused before sending, take no time.
        self.attempted += not outcome.resumed and outcome.attempts > 0
        if outcome.status == "sent":
            self.sent += 1
            self.reconciled += outcome.reconciled
        else:
            if outcome.status == "failed":
                self.failed += 1
            else:
                self.unknown += 1
            if len(self.listed) < BULK_LISTED:
                self.listed.append(outcome)
            else:
                self.unlisted += 1
        if self.out.as_json:
            if self.share_terminal:
                self.progress.clear()
            self.out.json_line(outcome.document())
        self.progress.update(self.done, self.sent, self.failed, self.unknown, self.attempted)

    def summary(self) -> dict[str, Any]:
        elapsed = _monotonic() - self.start
        return {
            "sent": self.sent,
            "reconciled": self.reconciled,
            "resumed": self.resumed,
            "failed": self.failed,
            "unknown": self.unknown,
            "not_done": max(self.total - self.done, 0),
            "total": self.total,
            "elapsed": round(elapsed, 3),
            "per_second": round(self.attempted / elapsed, 1) if elapsed > 0 else None,
            "journal": self.journal,
            "interrupted": self.interrupted,
        }

    def finish(self) -> int:
        """Print the summary; return the exit code, or raise for a run that stopped early."""
        summary = self.summary()
        if self.out.as_json:
            self.out.json_line({"summary": summary})
        else:
            self.print_summary(summary)
        resume = (
            f"run the same command with --resume (journal: {self.journal})"
            if self.journal
            else None
        )
        if self.interrupted:
            then = f"; to resume safely, {resume}" if resume else " (without --journal)"
            raise _CommandError(f"interrupted after {self.done} of {self.total} rows{then}", 130)
        if self.stopped is not None:
            then = f"; to resume, {resume}" if resume else ""
            raise _CommandError(
                f"stopped after {self.done} of {self.total} rows: {self.stopped}{then}"
            )
        return 1 if self.failed or self.unknown else 0

    def print_summary(self, summary: dict[str, Any]) -> None:
        out = self.out
        per_second = summary["per_second"]
        rows = [
            ("sent", str(self.sent)),
            ("  of which reconciled", str(self.reconciled)),
            ("resumed from the journal", str(self.resumed)),
            ("failed", self._paint(self.failed, "31")),
            ("unknown", self._paint(self.unknown, "33")),
        ]
        if summary["not_done"]:
            rows.append(("not done", str(summary["not_done"])))
        rows += [
            ("total", str(self.total)),
            ("elapsed", f"{summary['elapsed']:.1f} s"),
            ("messages/second", "-" if per_second is None else f"{per_second:.1f}"),
        ]
        if not self.journal:
            del rows[2]
        out.fields(rows)
        if self.listed:
            out.line()
            out.line(f"not sent ({self.failed} failed, {self.unknown} unknown):")
            out.table(
                ("KEY", "TO", "STATUS", "REASON"),
                [
                    (o.key, o.to or "-", o.status, _one_line(o.reason, 120))
                    for o in sorted(self.listed, key=lambda o: o.index)
                ],
            )
            if self.unlisted:
                out.line(f"... and {self.unlisted} more")
        if self.journal and not self.interrupted:
            out.line()
            out.line(
                f"journal: {self.journal} (to resume, run the same command with --resume; "
                "rows it settled are not sent again)"
            )

    def _paint(self, count: int, colour: str) -> str:
        text = str(count)
        return f"\033[{colour}m{text}\033[0m" if count and self.out.colour else text


def _bulk_dry_run(plan: _BulkPlan, args: argparse.Namespace, out: _Output) -> int:
    """Check and count every row; send nothing. Exit 0 when every row is sendable, else 2."""
    from . import ValidationError, message_segments, normalize_phone

    messages = segments = ucs2 = 0
    refused: list[tuple[str, str, str]] = []
    unlisted = 0
    if not out.as_json:
        out.line(f"{'KEY':<6} {'TO':<16} {'SEGMENTS':>8}  ENCODING")
    for index, row in enumerate(plan.rows()):
        messages += 1
        draft = plan.draft(index, row)
        info = None
        if isinstance(draft, _Refusal):
            key, to, reason = draft
        else:
            key, to, reason = draft.key, draft.to, None
            try:
                to = normalize_phone(draft.to, region=args.region, argument="to")
            except ValidationError as exc:
                reason = str(exc)
            info = message_segments(draft.body)
        if reason is not None:
            if len(refused) < BULK_LISTED:
                refused.append((key, to or "-", reason))
            else:
                unlisted += 1
        elif info is not None:
            segments += info.segments
            ucs2 += info.encoding == "UCS-2"
        if out.as_json:
            out.json_line(
                {
                    "index": index,
                    "key": key,
                    "to": to,
                    "sendable": reason is None,
                    "segments": None if info is None else info.segments,
                    "encoding": None if info is None else info.encoding,
                    "characters": None if info is None else info.characters,
                    "reason": reason,
                }
            )
        elif reason is not None:
            out.line(f"{key:<6} {to or '-':<16} {'-':>8}  refused: {_one_line(reason, 120)}")
        elif info is not None:
            out.line(f"{key:<6} {to:<16} {info.segments:>8}  {info.encoding}")
    count = len(refused) + unlisted
    if out.as_json:
        out.json_line(
            {
                "summary": {
                    "messages": messages,
                    "sendable": messages - count,
                    "refused": count,
                    "segments": segments,
                    "ucs2": ucs2,
                }
            }
        )
    else:
        out.line()
        out.fields(
            [
                ("messages", str(messages)),
                ("segments", str(segments)),
                ("UCS-2", f"{ucs2} message(s)"),
                ("refused", str(count)),
            ]
        )
        if refused:
            out.line()
            out.line("rows that would be refused:")
            out.table(("KEY", "TO", "REASON"), [(k, t, _one_line(r, 120)) for k, t, r in refused])
            if unlisted:
                out.line(f"... and {unlisted} more")
    if count:
        raise _CommandError(f"{count} of {messages} rows would be refused; nothing was sent", 2)
    return 0


# -- sandbox ----------------------------------------------------------------


def _missing_extra(exc: ImportError) -> bool:
    return isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] in _SANDBOX_EXTRA


def _sandbox(args: argparse.Namespace, out: _Output) -> int:
    try:
        from .sandbox import DEFAULT_NUMBERS, DEFAULT_TOKEN, FaultConfig, serve
    except ImportError as exc:
        if _missing_extra(exc):
            raise _CommandError(SANDBOX_EXTRA_MISSING, 2) from None
        raise

    from . import normalize_phone

    token: str = args.sandbox_token or DEFAULT_TOKEN
    numbers = (
        [normalize_phone(n, argument="--number") for n in args.numbers]
        if args.numbers
        else list(DEFAULT_NUMBERS)
    )
    values = {
        field: getattr(args, flag[2:].replace("-", "_")) for field, flag in _FAULT_FLAGS.items()
    }
    given = {field: value for field, value in values.items() if value is not None}
    try:
        faults = FaultConfig(**given) if given else None
    except (TypeError, ValueError) as exc:
        head, sep, tail = str(exc).partition(": ")
        flag = _FAULT_FLAGS.get(head) if sep else None
        raise _UsageError(f"{flag}: {tail}" if flag else f"fault options: {exc}") from None

    def on_ready(url: str) -> None:
        import shlex

        out.line("Volt sandbox ready (Ctrl-C to stop)")
        rows = [("GraphQL URL", url), ("token", token), ("numbers", ", ".join(numbers))]
        if given:
            rows.append(("faults", ", ".join(f"{k}={v}" for k, v in given.items())))
        out.fields(rows, indent="  ")
        out.line()
        out.line(f"export VOLT_API_URL={shlex.quote(url)}")
        out.line(f"export VOLT_API_TOKEN={shlex.quote(token)}")
        sys.stdout.flush()

    options: dict[str, Any] = {}
    if args.pace is not None:
        options["pace"] = args.pace
    try:
        serve(
            host=args.host,
            port=args.port,
            db=args.db,
            token=token,
            numbers=numbers,
            faults=faults,
            on_ready=on_ready,
            **options,
        )
    except ImportError as exc:
        # A sandbox that imports its server lazily finds the extra missing only now.
        if _missing_extra(exc):
            raise _CommandError(SANDBOX_EXTRA_MISSING, 2) from None
        raise
    return 0


# -- the parser -------------------------------------------------------------


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _probability(text: str) -> float:
    value = _non_negative(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"expected a probability from 0 to 1, got {text!r}")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected messages per second, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number per second, got {text!r}")
    return value


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1, got {text!r}")
    return int(text)


def port_number(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {text!r}")
    return int(text)


def _client_options() -> argparse.ArgumentParser:
    parent = _Parser(add_help=False)
    group = parent.add_argument_group("client options")
    group.add_argument(
        "--json", action="store_true", help="print what Volt returned, as one JSON document"
    )
    group.add_argument("--token", help="API token (default: $VOLT_API_TOKEN, which ps cannot see)")
    group.add_argument(
        "--base-url", metavar="URL", help="GraphQL endpoint (default: $VOLT_API_URL, else Volt's)"
    )
    group.add_argument(
        "--region",
        metavar="CC",
        help="read numbers without +country code as numbers of this region (e.g. US)",
    )
    group.add_argument(
        "--timeout", type=positive_seconds, metavar="SECONDS", help="per request (default: 30)"
    )
    return parent


Handler = Callable[[argparse.Namespace, _Output], int]


def _group(commands: Any, name: str, help_text: str) -> Any:
    """A command with subcommands; without one, it says which exist."""
    parser = commands.add_parser(name, help=help_text, description=help_text)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    parser.set_defaults(handler=None, parser=parser, choices=sub.choices)
    return sub


def _leaf(commands: Any, name: str, handler: Handler, help_text: str, **kwargs: Any) -> Any:
    parser = commands.add_parser(name, help=help_text, description=help_text, **kwargs)
    parser.set_defaults(handler=handler, parser=parser)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The whole ``volt`` command tree."""
    parser = _Parser(
        prog="volt",
        description="Send and read SMS/MMS with the Volt (formerly Respond Flow) API.",
        epilog="Run 'volt COMMAND --help' for a command's options. "
        "Token: $VOLT_API_TOKEN; endpoint: $VOLT_API_URL.",
    )
    parser.add_argument("--version", action="version", version=f"volt-sdk {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    parser.set_defaults(handler=None, parser=parser, choices=commands.choices)
    client = [_client_options()]

    send = _leaf(commands, "send", _send, "send one SMS or MMS", parents=client)
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

    bulk = _leaf(
        commands,
        "send-bulk",
        _send_bulk,
        "send one message per row of a CSV file",
        parents=client,
        epilog="Exit codes: 0 every row sent; 1 a row failed or its outcome is unknown; "
        "2 a problem found before sending (nothing was sent); 130 interrupted.",
    )
    bulk.add_argument(
        "recipients",
        metavar="RECIPIENTS.csv",
        help="a header row, a 'to' column and the columns the template names",
    )
    bulk.add_argument(
        "--from", dest="from_", required=True, metavar="N", help="one of your Volt numbers"
    )
    template = bulk.add_mutually_exclusive_group(required=True)
    template.add_argument(
        "--template",
        metavar="TEXT",
        help="the text; {column} becomes the row's value ({{ and }} for braces)",
    )
    template.add_argument(
        "--template-file", metavar="PATH", help="read the template from a file ('-': stdin)"
    )
    bulk.add_argument(
        "--media",
        action="extend",
        nargs="+",
        metavar="URL",
        help="public http(s) URL sent with every message (MMS)",
    )
    bulk.add_argument(
        "--key-column",
        metavar="COLUMN",
        help="the column that names each row, unique and stable between runs "
        "(default: its position, #0 for the first)",
    )
    bulk.add_argument(
        "--journal",
        metavar="PATH",
        help="record every row's outcome here, so that a stopped run resumes without "
        "sending twice (a new file, unless --resume)",
    )
    bulk.add_argument(
        "--resume", action="store_true", help="continue the run recorded in --journal"
    )
    bulk.add_argument(
        "--rate", type=_rate, metavar="PER_SECOND", help="at most this many messages a second"
    )
    bulk.add_argument(
        "--concurrency", type=_count, metavar="N", help="messages in flight at once (default: 8)"
    )
    bulk.add_argument(
        "--dry-run",
        action="store_true",
        help="check every row and count its segments; send nothing (no token needed)",
    )

    message = _group(commands, "message", "read messages")
    get = _leaf(message, "get", _message_get, "show one message", parents=client)
    get.add_argument("id", metavar="ID")

    conversation = _leaf(
        commands, "conversation", _conversation, "list a conversation", parents=client
    )
    conversation.add_argument("--to", required=True, metavar="N", help="the other party")
    conversation.add_argument(
        "--from", dest="from_", required=True, metavar="N", help="your Volt number"
    )
    conversation.add_argument("--before", metavar="CURSOR", help="the page before this cursor")
    conversation.add_argument("--all", action="store_true", help="every page, oldest last")

    contact = _group(commands, "contact", "read and write contacts")
    contact_get = _leaf(contact, "get", _contact_get, "show one contact", parents=client)
    contact_get.add_argument("--phone", required=True, metavar="N", help="the contact's number")
    contact_get.add_argument("--primary-phone", required=True, metavar="N", help="your Volt number")
    upsert = _leaf(contact, "upsert", _contact_upsert, "create or update a contact", parents=client)
    upsert.add_argument("--phone", required=True, metavar="N", help="the contact's number")
    upsert.add_argument("--account-phone", required=True, metavar="N", help="your Volt number")
    upsert.add_argument("--name", required=True, metavar="NAME")
    blocked = upsert.add_mutually_exclusive_group(required=True)
    # Required on purpose: a default would silently unblock someone who asked not to be texted.
    blocked.add_argument("--blocked", dest="blocked", action="store_true", default=None)
    blocked.add_argument("--not-blocked", dest="blocked", action="store_false")
    upsert.add_argument(
        "--field",
        dest="fields",
        action="append",
        type=_field,
        metavar="KEY=VALUE",
        help="a custom field (repeatable)",
    )

    lists = _group(commands, "list", "read and write contact lists")
    list_get = _leaf(lists, "get", _list_get, "show one list", parents=client)
    list_get.add_argument("--primary-phone", required=True, metavar="N", help="your Volt number")
    list_get.add_argument("--name", required=True, metavar="NAME")
    list_upsert = _leaf(lists, "upsert", _list_upsert, "create or update a list", parents=client)
    list_upsert.add_argument("--primary-phone", required=True, metavar="N", help="your Volt number")
    list_upsert.add_argument("--name", required=True, metavar="NAME")
    list_upsert.add_argument("--source-list", metavar="NAME", help="build from this list")
    list_upsert.add_argument("--name-search", metavar="TERM", help="keep contacts matching TERM")
    list_add = _leaf(lists, "add", _list_add, "add contacts to a list", parents=client)
    list_add.add_argument("--primary-phone", required=True, metavar="N", help="your Volt number")
    list_add.add_argument("--name", required=True, metavar="NAME", help="the list")
    list_add.add_argument("phones", nargs="+", metavar="PHONE")

    webhook = _group(commands, "webhook", "manage webhooks")
    _leaf(webhook, "list", _webhook_list, "list the webhooks", parents=client)
    register = _leaf(webhook, "register", _webhook_register, "register a URL", parents=client)
    register.add_argument("--url", required=True, metavar="URL")
    register.add_argument(
        "--primary-phone", metavar="N", help="only this Volt number (default: all)"
    )
    register.add_argument(
        "--event",
        dest="events",
        action="extend",
        nargs="+",
        metavar="TYPE",
        help="e.g. MESSAGE_SENT (default: every event)",
    )
    delete = _leaf(webhook, "delete", _webhook_delete, "delete a webhook", parents=client)
    delete.add_argument("id", metavar="ID")

    sandbox = _leaf(commands, "sandbox", _sandbox, "run a local Volt-compatible sandbox")
    sandbox.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    sandbox.add_argument(
        "--port", type=port_number, default=8765, help="default: 8765; 0 picks a free port"
    )
    sandbox.add_argument("--db", metavar="PATH", help="keep the data in this file")
    sandbox.add_argument("--token", dest="sandbox_token", metavar="TOKEN", help="API token")
    sandbox.add_argument(
        "--number",
        dest="numbers",
        action="extend",
        nargs="+",
        metavar="N",
        help="the organization's numbers",
    )
    sandbox.add_argument(
        "--pace", type=_non_negative, metavar="SECONDS", help="time between status changes"
    )
    faults = sandbox.add_argument_group("fault injection")
    faults.add_argument("--fault-seed", type=int, metavar="N", help="random seed")
    faults.add_argument("--fault-latency", type=_non_negative, metavar="S", help="added latency")
    faults.add_argument("--fault-jitter", type=_non_negative, metavar="S", help="latency jitter")
    faults.add_argument("--fault-429", type=_probability, metavar="P", help="rate of 429s")
    faults.add_argument(
        "--fault-retry-after", type=_non_negative, metavar="S", help="Retry-After of a 429"
    )
    faults.add_argument("--fault-5xx", type=_probability, metavar="P", help="rate of 5xx")
    faults.add_argument(
        "--fault-drop", type=_probability, metavar="P", help="rate of dropped connections"
    )
    faults.add_argument(
        "--fault-malformed", type=_probability, metavar="P", help="rate of malformed bodies"
    )
    # Commands kept in their own modules (standard library only at load time).
    from . import _cli_schema, _cli_webhooks

    _cli_webhooks.register(webhook, _leaf, client)
    _cli_schema.register(commands, _group, _leaf, client)
    return parser


# -- main -------------------------------------------------------------------


def _exit_code(exc: VoltError) -> int:
    from . import ConfigurationError, ValidationError

    return 2 if isinstance(exc, (ConfigurationError, ValidationError)) else 1


def _fail(message: str) -> None:
    print(f"volt: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run ``volt`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.handler is None:
            names = ", ".join(args.choices)
            raise _UsageError(f"missing command: {names} (see '{args.parser.prog} --help')")
        out = _Output(as_json=getattr(args, "json", False))
        handler: Handler = args.handler
        return handler(args, out)
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    except _UsageError as exc:
        _fail(str(exc))
        return 2
    except _CommandError as exc:
        _fail(str(exc))
        return exc.code
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (volt ... | head): nothing more to say, and nowhere to say it.
        _quiet_stdout()
        return 1
    except Exception as exc:
        from . import VoltError

        if isinstance(exc, VoltError):
            _fail(_explain(exc))
            return _exit_code(exc)
        raise


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
