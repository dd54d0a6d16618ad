"""What both runs of ``send-bulk`` share: the planned rows as ``send_many``'s input, each
result as a row's outcome for the report, and how a refused run or a second signal ends.

The blocking run (``_bulk_run``, ``Volt`` and threads) and the asynchronous one
(``_bulk_run_async``, ``AsyncVolt`` over aiohttp) differ only in how they drive
``send_many`` and catch the signals; everything a row becomes is decided here.
"""

from __future__ import annotations

import argparse
import bisect
import os
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._bulk_plan import BulkPlan, Refusal
from ._bulk_report import BulkReport, Outcome
from ._errors import CommandError, explain

if TYPE_CHECKING:
    from volt_sdk import BulkResult, OutgoingMessage, VoltError

__all__ = ["AGAIN", "Rows", "exit_at_once", "outcome", "send_options"]

#: What a second Ctrl-C (or SIGTERM) says before the process exits with 130.
AGAIN = b"volt: interrupted again: exiting now, without waiting for the run\n"


def exit_at_once() -> None:
    """The second signal: say so and exit 130, without waiting for anything."""
    os.write(2, AGAIN)
    os._exit(130)


def send_options(args: argparse.Namespace, *, journal: str | None = None) -> dict[str, Any]:
    """``send_many``'s options from the command line (``journal``: one of the run's own)."""
    options: dict[str, Any] = {}
    if args.concurrency is not None:
        options["concurrency"] = args.concurrency
    if args.rate is not None:
        options["rate"] = args.rate
    if args.journal is not None or journal is not None:
        options["journal"] = args.journal if args.journal is not None else journal
    if getattr(args, "suppression", None) is not None:
        from volt_sdk._stores import SQLiteSuppressionList

        options["suppression"] = SQLiteSuppressionList(args.suppression)
    return options


class Rows:
    """The planned rows as ``send_many``'s input, and each result as an outcome in the report.

    Rows refused here never reach ``send_many``, so its positions skip them: they
    are reported in file order, before the next result. With ``track``, the rows
    handed to ``send_many`` that have no outcome yet are kept (``unsettled``,
    position -> key and number), for a run that must read their outcomes elsewhere.
    """

    def __init__(
        self, plan: BulkPlan, sender: str, report: BulkReport, *, track: bool = False
    ) -> None:
        self.plan = plan
        self.sender = sender
        self.report = report
        # Where the gap between send_many's position and the row grows, (position, gap)
        # is noted: one pair per run of refused rows, not one per row.
        self.starts: list[int] = [0]
        self.gaps: list[int] = [0]
        self.refused: deque[Outcome] = deque()
        self.unsettled: dict[int, tuple[str, str]] | None = {} if track else None

    def messages(self) -> Iterator[OutgoingMessage]:
        """``send_many``'s input: one message per row that is not refused here."""
        from volt_sdk import OutgoingMessage

        plan = self.plan
        unsettled = self.unsettled
        position = 0
        for index, row in enumerate(plan.rows()):
            draft = plan.draft(index, row)
            if isinstance(draft, Refusal):
                self.refused.append(
                    Outcome(index, draft.key, draft.to, "failed", None, draft.reason)
                )
                continue
            if index - position != self.gaps[-1]:
                self.gaps.append(index - position)  # before starts: a reader sees both or neither
                self.starts.append(position)
            if unsettled is not None:
                unsettled[position] = (draft.key, draft.to)
            yield OutgoingMessage(
                to=draft.to, from_=self.sender, body=draft.body, media=plan.media, key=draft.key
            )
            position += 1

    def row_index(self, position: int) -> int:
        """The CSV row of ``send_many``'s item number ``position``."""
        return position + self.gaps[bisect.bisect_right(self.starts, position) - 1]

    def take(self, result: BulkResult) -> None:
        """One result of ``send_many``: the refused rows before it, then its row."""
        if self.unsettled is not None:
            self.unsettled.pop(result.index, None)
        self.add(outcome(result, self.row_index(result.index)))

    def add(self, done: Outcome) -> None:
        """A row's outcome, after the refused rows that precede it."""
        while self.refused:
            self.report.add(self.refused.popleft())
        self.report.add(done)

    def finish(self) -> None:
        """The run went to its end: the refused rows after the last result."""
        while self.refused:
            self.report.add(self.refused.popleft())

    def stopped_by(self, exc: VoltError) -> None:
        """``send_many`` raised: refused before this run sent anything (a changed file, a
        journal in use, ...) is exit 2; after, the run stopped (the summary says why)."""
        mismatch = self.journal_mismatch(exc)
        if not self.report.sent_now:
            if mismatch is not None:
                raise CommandError(mismatch, 2) from None
            raise exc
        self.report.stopped = mismatch or explain(exc)

    def journal_mismatch(self, exc: VoltError) -> str | None:
        """A row that differs from what the journal recorded, said in terms of the CSV file."""
        from volt_sdk import ValidationError

        if not isinstance(exc, ValidationError) or exc.reason != "journal_mismatch":
            return None
        position = exc.argument.removeprefix("messages[").removesuffix("]")
        row = f"row {self.row_index(int(position))}" if position.isdigit() else "a row"
        return (
            f"--resume: {row} (key {exc.value!r}) is not what the journal recorded for it: "
            "the file changed since the journal was written, and the row was not sent. "
            "Restore the file, or start again with a new --journal"
        )


def outcome(result: BulkResult, index: int) -> Outcome:
    """The report's outcome of ``send_many``'s ``result`` for CSV row ``index``."""
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
