"""``send-bulk``'s report: what became of each row, counted as it comes, and the summary."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from volt_sdk import _concurrency

from ._bulk_progress import Progress
from ._errors import CommandError
from ._output import Output, isatty, one_line, paint

__all__ = ["BULK_LISTED", "BulkReport", "Outcome"]

# At most this many failed or unknown rows (or rows a dry run refuses) are listed, and kept.
BULK_LISTED = 20


class Outcome:
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
        self.status = status  # sent, failed, suppressed or unknown
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


class BulkReport:
    """Counts the outcomes of a ``send-bulk`` run, shows its progress, and sums it up."""

    def __init__(
        self, out: Output, *, total: int, journal: str | None, stream: TextIO | None = None
    ) -> None:
        self.out = out
        self.total = total
        self.journal = journal
        self.start = _concurrency.monotonic()
        self.progress = Progress(total, self.start, stream)
        # JSON lines on the terminal that shows the progress: clear it before each one.
        self.share_terminal = self.progress.tty and out.as_json and isatty(sys.stdout)
        self.done = self.sent = self.failed = self.unknown = self.suppressed = 0
        self.reconciled = self.resumed = 0
        self.sent_now = 0  # rows this run sent, or may have sent (unknown)
        self.attempted = 0  # rows this run sent a request for: the rate is theirs
        self.listed: list[Outcome] = []
        self.unlisted = 0
        self.interrupted = False
        self.stopped: str | None = None

    def add(self, outcome: Outcome) -> None:
        self.done += 1
        self.resumed += outcome.resumed
        self.sent_now += not outcome.resumed and outcome.status in ("sent", "unknown")
        # Rows resumed from the journal, or refused before sending, take no time.
        self.attempted += not outcome.resumed and outcome.attempts > 0
        if outcome.status == "sent":
            self.sent += 1
            self.reconciled += outcome.reconciled
        else:
            if outcome.status == "failed":
                self.failed += 1
            elif outcome.status == "suppressed":
                self.suppressed += 1
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
        elapsed = _concurrency.monotonic() - self.start
        return {
            "sent": self.sent,
            "reconciled": self.reconciled,
            "resumed": self.resumed,
            "failed": self.failed,
            "suppressed": self.suppressed,
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
            raise CommandError(f"interrupted after {self.done} of {self.total} rows{then}", 130)
        if self.stopped is not None:
            then = f"; to resume, {resume}" if resume else ""
            raise CommandError(
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
        if self.suppressed:
            rows.append(("suppressed (opted out)", str(self.suppressed)))
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
            opted_out = f", {self.suppressed} suppressed" if self.suppressed else ""
            out.line(f"not sent ({self.failed} failed, {self.unknown} unknown{opted_out}):")
            out.table(
                ("KEY", "TO", "STATUS", "REASON"),
                [
                    (o.key, o.to or "-", o.status, one_line(o.reason, 120))
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
        return paint(text, colour) if count and self.out.colour else text
