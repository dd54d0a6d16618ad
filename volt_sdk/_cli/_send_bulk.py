"""``volt send-bulk``: one message per row of a CSV file, or with ``--dry-run``, a check of each."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from ._arguments import count, rate
from ._bulk_plan import Admission, BulkPlan, Refusal, plan
from ._bulk_report import BULK_LISTED, BulkReport
from ._bulk_run import send_rows
from ._client_options import client_options, make_async_client, make_client
from ._errors import CommandError, UsageError
from ._extras import AIOHTTP, needs
from ._output import Output, one_line
from ._parser import add_leaf

if TYPE_CHECKING:
    from volt_sdk import AioHttpClient

    from ._parser import Commands

__all__ = ["TRANSPORT_VARIABLE", "register"]

#: Chooses the connections of a run: auto (the default), aiohttp or httpx.
TRANSPORT_VARIABLE: Final = "VOLT_BULK_TRANSPORT"


def register(commands: Commands) -> None:
    bulk = add_leaf(
        commands,
        "send-bulk",
        _send_bulk,
        "send one message per row of a CSV file",
        parents=client_options(),
        epilog="Exit codes: 0 every row sent; 1 a row failed or its outcome is unknown; "
        "2 a problem found before sending (nothing was sent); 130 interrupted. "
        "Connections: aiohttp's when it is installed (the aiohttp extra: far less CPU at "
        f"high concurrency), else httpx's; {TRANSPORT_VARIABLE}=httpx or =aiohttp chooses "
        "(default: auto). Output, journal and exit codes are the same either way.",
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
        "--rate", type=rate, metavar="PER_SECOND", help="at most this many messages a second"
    )
    bulk.add_argument(
        "--suppression",
        metavar="PATH",
        help="an SQLite suppression list (as the webhook kit's SQLiteSuppressionList writes "
        "it): rows to numbers that opted out are reported suppressed, never sent",
    )
    bulk.add_argument(
        "--concurrency", type=count, metavar="N", help="messages in flight at once (default: 8)"
    )
    bulk.add_argument(
        "--dry-run",
        action="store_true",
        help="check every row and count its segments; send nothing (no token needed)",
    )


def _send_bulk(args: argparse.Namespace, out: Output) -> int:
    checked = plan(args)
    if args.dry_run:
        return _dry_run(checked, args, out)
    aiohttp_client = _aiohttp_client()
    if aiohttp_client is not None:
        from ._bulk_run_async import send_rows_async

        http_client = aiohttp_client()
        volt = make_async_client(args, http_client)
        report = BulkReport(out, total=checked.count(), journal=args.journal)
        send_rows_async(volt, http_client, checked, args, report)  # closes both
        return report.finish()
    with make_client(args) as blocking:
        report = BulkReport(out, total=checked.count(), journal=args.journal)
        send_rows(blocking, checked, args, report)
    return report.finish()


def _aiohttp_client() -> type[AioHttpClient] | None:
    """``AioHttpClient`` when the run goes over aiohttp (``AsyncVolt``), None for httpx's own
    connections (``Volt``, threads): ``$VOLT_BULK_TRANSPORT``, by default aiohttp when it
    imports. Which one is logged at DEBUG (logger ``volt_sdk.cli``)."""
    # Here: ``volt`` starts without logging; the package's loggers mask numbers.
    from volt_sdk._logs import package_logger

    logger = package_logger("volt_sdk.cli")
    given = os.environ.get(TRANSPORT_VARIABLE, "")
    chosen = given.strip().lower() or "auto"
    if chosen not in ("auto", "aiohttp", "httpx"):
        raise UsageError(f"${TRANSPORT_VARIABLE}: expected auto, aiohttp or httpx, got {given!r}")
    client: type[AioHttpClient] | None = None
    if chosen != "httpx" and _in_event_loop():
        # Called from async code (main() in a notebook, say): asyncio.run cannot nest.
        if chosen == "aiohttp":
            raise UsageError(
                f"{TRANSPORT_VARIABLE}=aiohttp: an event loop is already running in this thread"
            )
        logger.debug("send-bulk: an event loop is running here")
    elif chosen == "aiohttp":
        with needs(AIOHTTP):  # a missing extra is one line, exit 2
            client = _import_aiohttp_client()
    elif chosen == "auto":
        try:
            client = _import_aiohttp_client()
        except (ImportError, AttributeError) as exc:  # not installed, or too old
            logger.debug("send-bulk: no aiohttp (%s)", exc)
    logger.debug(
        "send-bulk: transport %s",
        "httpx (Volt, threads)" if client is None else "aiohttp (AsyncVolt, AioHttpClient)",
    )
    return client


def _in_event_loop() -> bool:
    if "asyncio" not in sys.modules:
        return False  # nothing runs a loop: no need to import it to ask
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _import_aiohttp_client() -> type[AioHttpClient]:
    import importlib

    importlib.import_module("aiohttp")  # the extra's package: ModuleNotFoundError without it
    from volt_sdk import AioHttpClient

    return AioHttpClient


def _dry_run(checked: BulkPlan, args: argparse.Namespace, out: Output) -> int:
    """Check and count every row; send nothing. Exit 0 when no row is refused, else 2.

    A row is refused here exactly when the real run would refuse it (Admission), and
    shown ``suppressed`` exactly when the real run would be (``--suppression``: the
    list as it stands now), which is not a refusal.
    """
    from volt_sdk import message_segments

    # As the real run does before sending: a file that does not read is refused before
    # any row is shown.
    checked.count()
    admission = Admission(region=args.region, media=checked.media)
    opted_out = _suppression_of(args)
    messages = segments = ucs2 = suppressed = 0
    refused: list[tuple[str, str, str]] = []
    unlisted = 0
    if not out.as_json:
        out.line(f"{'KEY':<6} {'TO':<16} {'SEGMENTS':>8}  ENCODING")
    for index, row in enumerate(checked.rows()):
        messages += 1
        draft = checked.draft(index, row)
        info = None
        reason: str | None
        skipped: str | None = None
        if isinstance(draft, Refusal):
            key, to, reason = draft
        else:
            key = draft.key
            to, reason = admission.check(draft)
            info = message_segments(draft.body)
            if reason is None and opted_out is not None and to:
                skipped = opted_out(to)
        if skipped is not None:
            suppressed += 1
        elif reason is not None:
            if len(refused) < BULK_LISTED:
                refused.append((key, to or "-", reason))
            else:
                unlisted += 1
        elif info is not None:
            segments += info.segments
            ucs2 += info.encoding == "UCS-2"
        if out.as_json:
            line: dict[str, object] = {
                "index": index,
                "key": key,
                "to": to,
                "sendable": reason is None and skipped is None,
                "segments": None if info is None else info.segments,
                "encoding": None if info is None else info.encoding,
                "characters": None if info is None else info.characters,
                "reason": reason if skipped is None else skipped,
            }
            if opted_out is not None:
                line["suppressed"] = skipped is not None
            out.json_line(line)
        elif skipped is not None:
            out.line(f"{key:<6} {to:<16} {'-':>8}  suppressed: {one_line(skipped, 120)}")
        elif reason is not None:
            out.line(f"{key:<6} {to or '-':<16} {'-':>8}  refused: {one_line(reason, 120)}")
        elif info is not None:
            out.line(f"{key:<6} {to:<16} {info.segments:>8}  {info.encoding}")
    refused_count = len(refused) + unlisted
    if out.as_json:
        summary: dict[str, object] = {
            "messages": messages,
            "sendable": messages - refused_count - suppressed,
            "refused": refused_count,
            "segments": segments,
            "ucs2": ucs2,
        }
        if opted_out is not None:
            summary["suppressed"] = suppressed
        out.json_line({"summary": summary})
    else:
        out.line()
        fields = [
            ("messages", str(messages)),
            ("segments", str(segments)),
            ("UCS-2", f"{ucs2} message(s)"),
            ("refused", str(refused_count)),
        ]
        if opted_out is not None:
            fields.append(("suppressed (opted out)", str(suppressed)))
        out.fields(fields)
        if refused:
            out.line()
            out.line("rows that would be refused:")
            out.table(("KEY", "TO", "REASON"), [(k, t, one_line(r, 120)) for k, t, r in refused])
            if unlisted:
                out.line(f"... and {unlisted} more")
    if refused_count:
        raise CommandError(
            f"{refused_count} of {messages} rows would be refused; nothing was sent", 2
        )
    return 0


def _suppression_of(args: argparse.Namespace) -> Callable[[str], str | None] | None:
    """With ``--suppression``: the refusal of a number that opted out, as the run says it."""
    if getattr(args, "suppression", None) is None:
        return None
    from volt_sdk._client._stores import refusal
    from volt_sdk._stores import SQLiteSuppressionList

    stops = SQLiteSuppressionList(args.suppression)

    def check(to: str) -> str | None:
        refused = refusal(stops, to)
        return None if refused is None else refused.message

    return check
