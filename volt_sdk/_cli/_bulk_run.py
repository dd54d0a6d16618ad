"""``send-bulk``'s run: every planned row through ``Volt.send_many``, each outcome to the report."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

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
    results: Iterator[BulkResult] | None = None
    try:
        results = volt.send_many(messages(), **options)
        for result in results:
            while refused:
                report.add(refused.popleft())
            report.add(_outcome(result, row_index(result.index)))
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
