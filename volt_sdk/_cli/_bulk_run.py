"""``send-bulk``'s blocking run: every planned row through ``Volt.send_many`` (threads),
each outcome to the report. The run over aiohttp is ``_bulk_run_async``; what they
share (the rows, the outcomes, a refused run) is ``_bulk_rows``.

Ctrl-C (or SIGTERM) stops the run: ``send_many`` sends nothing more, gives the
requests in flight a short grace, and hands back every last outcome, so the
summary says what the journal says. A second Ctrl-C exits at once.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Callable, Generator, Iterator
from types import FrameType
from typing import TYPE_CHECKING, cast

from ._bulk_plan import BulkPlan
from ._bulk_report import BulkReport
from ._bulk_rows import Rows, exit_at_once, send_options

if TYPE_CHECKING:
    from volt_sdk import BulkResult, Volt

__all__ = ["send_rows"]


def send_rows(volt: Volt, plan: BulkPlan, args: argparse.Namespace, report: BulkReport) -> None:
    """Send every row through ``Volt.send_many``, reporting each outcome as it comes."""
    from volt_sdk import VoltError

    rows = Rows(plan, args.from_, report)
    results: Iterator[BulkResult] | None = None
    try:
        with _signals_stop_the_run():
            results = volt.send_many(rows.messages(), **send_options(args))
            try:
                for result in results:
                    rows.take(result)
            except KeyboardInterrupt:
                report.interrupted = True
                _last_results(results, rows.take)
        if not report.interrupted:
            rows.finish()
    except KeyboardInterrupt:
        report.interrupted = True
    except VoltError as exc:
        rows.stopped_by(exc)
    finally:
        report.progress.clear()
        if isinstance(results, Generator):
            results.close()  # send_many settles what is in flight and closes its journal


@contextlib.contextmanager
def _signals_stop_the_run() -> Generator[None, None, None]:
    """SIGINT or SIGTERM stops the run (a KeyboardInterrupt); a second one exits at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = 0

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal received
        received += 1
        if received > 1:
            exit_at_once()
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _last_results(results: Iterator[BulkResult], take: Callable[[BulkResult], None]) -> None:
    """After Ctrl-C, the outcomes ``send_many`` still has to hand out.

    When the interrupt reached ``send_many`` itself, it handed them out before
    letting it through, and is over. When it reached this side (between two
    results), it is thrown in: ``send_many`` stops and hands them out now.
    """
    import inspect

    if not isinstance(results, Generator):
        return
    generator = cast("Generator[BulkResult, None, None]", results)
    if inspect.getgeneratorstate(generator) == inspect.GEN_CLOSED:
        return
    try:
        result = generator.throw(KeyboardInterrupt())
        while True:
            take(result)
            result = next(generator)
    except (KeyboardInterrupt, StopIteration):
        return
