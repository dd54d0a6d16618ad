"""The ``volt`` command line: a thin layer over :class:`volt_sdk.Volt`.

Commands::

    volt send --to N --from N [--body TEXT | --body-file PATH | -] [--escapes]
              [--media URL ...] [--passthrough S] [--wait [--wait-timeout SECONDS]]
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
JSON document), ``--token`` (else ``VOLT_API_TOKEN``), ``--base-url`` (else
``VOLT_API_URL``), ``--region`` and ``--timeout``.

Exit codes: 0 success; 1 an API or transport error, a message that failed or was
not delivered, or ``--wait`` giving up; 2 bad arguments, input refused before
sending, or configuration (no token, bad URL); 130 interrupted (Ctrl-C).

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
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from ._version import __version__

if TYPE_CHECKING:
    from . import Contact, ContactList, ConversationPage, Message, Volt, VoltError, Webhook

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


def _read_text(path: str) -> str:
    """A body from a file or stdin (``-``), without the one newline that ends a file."""
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as file:
                text = file.read()
    except (OSError, UnicodeDecodeError) as exc:
        where = "stdin" if path == "-" else repr(path)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise _UsageError(f"cannot read the body from {where}: {reason}") from None
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


def _positive(text: str) -> float:
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


def _port(text: str) -> int:
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
        "--timeout", type=_positive, metavar="SECONDS", help="per request (default: 30)"
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
        type=_positive,
        metavar="SECONDS",
        help=f"give up waiting after this long (default: {WAIT_TIMEOUT:g})",
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
        "--port", type=_port, default=8765, help="default: 8765; 0 picks a free port"
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
