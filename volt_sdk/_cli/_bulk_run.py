"""``send-bulk``'s run: every planned row through ``Volt.send_many``, each outcome to the report.

Ctrl-C (or SIGTERM) stops the run: ``send_many`` sends nothing more, gives the
requests in flight a short grace, and hands back every last outcome, so the
summary says what the journal says. A second Ctrl-C exits at once.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import threading
from collections.abc import Callable, Generator, Iterator
from types import FrameType
from typing import TYPE_CHECKING, Any, cast

from ._bulk_plan import BulkPlan, Refusal
from ._bulk_report import BulkReport, Outcome
from ._errors import CommandError, explain

if TYPE_CHECKING:
    from volt_sdk import BulkResult, Volt, VoltError

__all__ = ["send_rows"]


def send_rows(volt: Volt, plan: BulkPlan, args: argparse.Namespace, report: BulkReport) -> None:
    """Send every row through ``Volt.send_many``, reporting each outcome as it comes."""
    import bisect
    from collections import deque

    from volt_sdk import OutgoingMessage, VoltError

    # Rows refused here never reach send_many, so its positions skip them. Where the
    # gap between its position and the row grows, (position, gap) is noted: one pair
    # per run of refused rows, not one per row.
    starts: list[int] = [0]
    gaps: list[int] = [0]
    refused: deque[Outcome] = deque()

    def messages() -> Iterator[OutgoingMessage]:
        position = 0
        for index, row in enumerate(plan.rows()):
            draft = plan.draft(index, row)
            if isinstance(draft, Refusal):
                refused.append(Outcome(index, draft.key, draft.to, "failed", None, draft.reason))
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

    def take(result: BulkResult) -> None:
        while refused:
            report.add(refused.popleft())
        report.add(_outcome(result, row_index(result.index)))

    results: Iterator[BulkResult] | None = None
    try:
        with _signals_stop_the_run():
            results = volt.send_many(messages(), **options)
            try:
                for result in results:
                    take(result)
            except KeyboardInterrupt:
                report.interrupted = True
                _last_results(results, take)
        if not report.interrupted:
            while refused:
                report.add(refused.popleft())
    except KeyboardInterrupt:
        report.interrupted = True
    except VoltError as exc:
        # Refused before this run sent anything (a changed file, a journal in use, ...): exit 2.
        mismatch = _journal_mismatch(exc, row_index)
        if not report.sent_now:
            if mismatch is not None:
                raise CommandError(mismatch, 2) from None
            raise
        report.stopped = mismatch or explain(exc)
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
            os.write(2, b"volt: interrupted again: exiting now, without waiting for the run\n")
            os._exit(130)
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


def _journal_mismatch(exc: VoltError, row_index: Callable[[int], int]) -> str | None:
    """A row that differs from what the journal recorded, said in terms of the CSV file."""
    from volt_sdk import ValidationError

    if not isinstance(exc, ValidationError) or exc.reason != "journal_mismatch":
        return None
    position = exc.argument.removeprefix("messages[").removesuffix("]")
    row = f"row {row_index(int(position))}" if position.isdigit() else "a row"
    return (
        f"--resume: {row} (key {exc.value!r}) is not what the journal recorded for it: "
        "the file changed since the journal was written, and the row was not sent. "
        "Restore the file, or start again with a new --journal"
    )


def _outcome(result: BulkResult, index: int) -> Outcome:
    reason = result.reason
    if reason is None and result.error is not None:
        reason = explain(result.error)
    return Outcome(
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
