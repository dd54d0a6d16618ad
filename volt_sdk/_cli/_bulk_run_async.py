"""``send-bulk``'s run over aiohttp: every planned row through the ``send_many`` of
``AsyncVolt(http_client=AioHttpClient())``, under ``asyncio.run``, each outcome to the
report. The rows and outcomes are ``_bulk_rows``'s, as for the blocking run.

Ctrl-C (or SIGTERM), caught by the event loop: the first cancels the task that
reads ``send_many``, whose driver then stops as for any cancelled task (nothing
more leaves, the requests in flight get their grace, the rest ends ``unknown``)
and journals every last outcome. A stopped asynchronous ``send_many`` hands
nothing out any more (docs/bulk.md, "Stopping a run"): the journal holds those
outcomes. So this run always has one (``--journal``, or a temporary one of its
own, deleted at the end), and after the stop it reads back from it the outcome of
every row it handed to ``send_many`` and got no result for: the summary says what
the journal says, as on the blocking run. A second signal exits at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator
from typing import TYPE_CHECKING, Any

from volt_sdk import _concurrency

from ._bulk_plan import BulkPlan
from ._bulk_report import BulkReport, Outcome
from ._bulk_rows import Rows, exit_at_once, send_options

if TYPE_CHECKING:
    import httpx

    from volt_sdk import AsyncVolt, BulkResult

__all__ = ["send_rows_async"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def send_rows_async(
    volt: AsyncVolt,
    http_client: httpx.AsyncClient,
    plan: BulkPlan,
    args: argparse.Namespace,
    report: BulkReport,
) -> None:
    """Send every row through ``AsyncVolt.send_many``; close ``http_client`` at the end."""
    import shutil
    import tempfile

    scratch: str | None = None
    journal: str | None = args.journal
    if journal is None:
        try:
            scratch = tempfile.mkdtemp(prefix="volt-send-bulk-")
            journal = os.path.join(scratch, "run.journal")
        except OSError:  # nowhere to write one: the last outcomes of a stop go unread
            scratch = None
    try:
        rows = Rows(plan, args.from_, report, track=journal is not None)
        options = send_options(args, journal=journal)
        asyncio.run(_run(volt, http_client, rows, options, journal, scratch))
    except KeyboardInterrupt:  # Ctrl-C just before the loop's handlers, or just after
        report.interrupted = True
    finally:
        report.progress.clear()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


async def _run(
    volt: AsyncVolt,
    http_client: httpx.AsyncClient,
    rows: Rows,
    options: dict[str, Any],
    journal: str | None,
    scratch: str | None,
) -> None:
    """Read ``send_many`` in a task of its own, which the first signal cancels."""
    loop = asyncio.get_running_loop()
    report = rows.report
    reader = loop.create_task(_read(volt, rows, options, journal))

    def first_signal() -> None:
        report.interrupted = True
        reader.cancel()  # nothing once it is over

    def second_signal() -> None:
        if scratch is not None:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)
        exit_at_once()

    with _signals_stop_the_run(loop, first_signal, second_signal):
        try:
            await asyncio.wait({reader})
        finally:
            await volt.close()
            await http_client.aclose()  # the connections, and aiohttp's session
    if not reader.cancelled():  # cancelled before it started: nothing was sent
        reader.result()  # what it raised (a refused run, a closed stdout, ...)


async def _read(volt: AsyncVolt, rows: Rows, options: dict[str, Any], journal: str | None) -> None:
    from volt_sdk import VoltError

    report = rows.report
    started = _concurrency.wall_clock()  # the journal's clock
    results: AsyncIterator[BulkResult] | None = None
    stopped = False
    try:
        results = volt.send_many(rows.messages(), **options)
        async for result in results:
            rows.take(result)
            if report.interrupted:
                # Signalled, yet send_many goes on: the cancellation was lost on the
                # way (asyncio.wait_for can drop one before Python 3.12). Closing it
                # stops it as the cancellation would have (below, in ``finally``).
                stopped = True
                break
        else:
            rows.finish()
    except asyncio.CancelledError:
        # The first signal: send_many stopped (its driver ran its stop when the
        # cancellation reached it) and journaled what it did not hand out.
        stopped = True
    except VoltError as exc:
        rows.stopped_by(exc)
    finally:
        if isinstance(results, AsyncGenerator):
            # At once when it is over; else it stops here (a signal, a closed stdout).
            await results.aclose()
    if stopped:
        uncancel = getattr(asyncio.current_task(), "uncancel", None)  # Python 3.11+
        if uncancel is not None:
            uncancel()  # this task goes on: it reports, nothing more
        if journal is not None and rows.unsettled:
            for done in _journaled(journal, rows, started):
                rows.add(done)


def _journaled(journal: str, rows: Rows, started: float) -> list[Outcome]:
    """The outcomes the stopped run journaled for the rows it gave no result for.

    Read from the journal after ``send_many`` closed it. A row still ``pending``
    was never sent: it stays not done.
    """
    from volt_sdk._bulk._ledger import journaled_rows

    unsettled = rows.unsettled or {}
    journaled = journaled_rows(journal, (key for key, _ in unsettled.values()))
    found: list[Outcome] = []
    for position in sorted(unsettled):
        key, to = unsettled[position]
        row = journaled.get(key)
        if row is None or row.state == "pending":
            continue
        status = "unknown" if row.state == "sending" else row.state
        found.append(
            Outcome(
                rows.row_index(position),
                key,
                to,
                status,
                row.message_id,
                row.reason,
                # Settled by an earlier run, and not handed out before the stop.
                resumed=status in ("sent", "failed") and row.updated_at < started,
                reconciled=row.reconciled,
                attempts=row.attempts,
            )
        )
    for position in sorted(unsettled):
        del unsettled[position]
    return found


@contextlib.contextmanager
def _signals_stop_the_run(
    loop: asyncio.AbstractEventLoop, first: Callable[[], None], again: Callable[[], None]
) -> Generator[None, None, None]:
    """SIGINT or SIGTERM calls ``first`` in the loop; a second one calls ``again``."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = 0

    def on_signal() -> None:
        nonlocal received
        received += 1
        if received > 1:
            again()
            return
        first()

    def from_handler(signum: int, frame: object) -> None:
        loop.call_soon_threadsafe(on_signal)

    previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    in_loop: list[signal.Signals] = []
    try:
        for sig in _SIGNALS:
            try:
                loop.add_signal_handler(sig, on_signal)
                in_loop.append(sig)
            except NotImplementedError:  # an event loop without it (Windows)
                signal.signal(sig, from_handler)
        yield
    finally:
        for sig in in_loop:
            loop.remove_signal_handler(sig)
        for sig, handler in previous.items():
            if handler is not None:  # None: not set from Python, nothing to restore
                signal.signal(sig, handler)
