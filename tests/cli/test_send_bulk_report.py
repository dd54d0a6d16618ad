"""``volt send-bulk``'s progress on stderr and its summary, fed outcomes directly; time is the
``fake_clock`` fixture's.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import pytest

from tests.clock import FakeClock
from volt_sdk._cli._bulk_report import BulkReport, Outcome
from volt_sdk._cli._errors import CommandError
from volt_sdk._cli._output import Output

from .bulk import fields, phone


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def outcome(index: int, status: str = "sent", *, resumed: bool = False, **kwargs: Any) -> Any:
    """A row's outcome; one send attempt unless resumed from a journal."""
    reason = None if status == "sent" else f"reason {index}"
    attempts = kwargs.pop("attempts", 0 if resumed else 1)
    return Outcome(
        index, f"#{index}", phone(index), status, f"msg_{index}", reason,
        resumed=resumed, attempts=attempts, **kwargs,
    )  # fmt: skip


def add_all(report: Any, outcomes: Iterable[Any], clock: FakeClock, step: float = 0.5) -> None:
    for item in outcomes:
        clock.advance(step)
        report.add(item)


def test_progress_off_a_terminal_is_one_line_every_tenth_of_the_rows(
    fake_clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = io.StringIO()
    report = BulkReport(Output(as_json=False), total=40, journal=None, stream=stream)

    add_all(report, [outcome(i, "failed" if i == 5 else "sent") for i in range(40)], fake_clock)

    lines = stream.getvalue().splitlines()
    assert len(lines) == 10  # every 4 rows
    assert lines[0] == "4/40  10%  sent 4  failed 0  unknown 0  2.0/s  ETA 0:18"
    assert lines[-1] == "40/40 100%  sent 39  failed 1  unknown 0  2.0/s  ETA 0:00"
    assert "\r" not in stream.getvalue()
    assert capsys.readouterr().out == ""  # nothing on stdout until the summary


def test_progress_off_a_terminal_is_at_least_every_500_rows(fake_clock: FakeClock) -> None:
    stream = io.StringIO()
    report = BulkReport(Output(as_json=False), total=20_000, journal=None, stream=stream)

    add_all(report, (outcome(i) for i in range(1_500)), fake_clock, step=0.001)

    assert [line.split()[0] for line in stream.getvalue().splitlines()] == [
        "500/20000", "1000/20000", "1500/20000",
    ]  # fmt: skip


def test_progress_on_a_terminal_is_one_line_redrawn_in_place_with_a_bar(
    fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = Terminal()
    report = BulkReport(Output(as_json=False), total=4, journal=None, stream=terminal)

    add_all(report, [outcome(0), outcome(1), outcome(2, "unknown"), outcome(3)], fake_clock)

    frames = terminal.getvalue().split("\r")[1:]
    assert len(frames) == 4
    assert frames[1] == (
        "[###############---------------] 2/4  50%  sent 2  failed 0  unknown 0  2.0/s  ETA 0:01"
    )
    assert frames[-1].startswith("[##############################] 4/4 100%  sent 3  failed 0")
    assert "\033[" not in terminal.getvalue()  # NO_COLOR
    report.progress.clear()
    assert terminal.getvalue().endswith("\r" + " " * len(frames[-1]) + "\r")


def test_progress_on_a_terminal_is_coloured_unless_no_color(
    fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    terminal = Terminal()
    report = BulkReport(Output(as_json=False), total=2, journal=None, stream=terminal)

    add_all(report, [outcome(0), outcome(1, "failed")], fake_clock)

    assert "\033[32msent 1\033[0m" in terminal.getvalue()
    assert "\033[31mfailed 1\033[0m" in terminal.getvalue()


def test_progress_on_a_terminal_is_redrawn_at_most_ten_times_a_second(
    fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = Terminal()
    report = BulkReport(Output(as_json=False), total=1000, journal=None, stream=terminal)

    add_all(report, (outcome(i) for i in range(1000)), fake_clock, step=0.001)  # one second

    frames = terminal.getvalue().split("\r")[1:]
    assert 10 <= len(frames) <= 12  # and the last one, 1000/1000, is always drawn
    assert frames[-1].split("] ")[1].startswith("1000/1000 100%")


def test_the_summary_counts_every_status_and_lists_the_rows_not_sent(
    fake_clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    report = BulkReport(Output(as_json=False), total=6, journal="run.journal", stream=io.StringIO())
    add_all(
        report,
        [
            outcome(0, resumed=True),
            outcome(1, resumed=True, status="failed"),
            outcome(2, reconciled=True),
            outcome(3),
            outcome(4, "unknown"),
            outcome(5),
        ],
        fake_clock,
    )

    code = report.finish()

    assert code == 1
    out = capsys.readouterr().out
    summary, listed, journal = out.split("\n\n")
    assert fields(summary) == {
        "sent": "4",
        "of which reconciled": "1",
        "resumed from the journal": "2",
        "failed": "1",
        "unknown": "1",
        "total": "6",
        "elapsed": "3.0 s",
        "messages/second": "1.3",  # the 4 rows of this run, in 3 seconds
    }
    assert [line.split(maxsplit=3) for line in listed.splitlines()] == [
        ["not", "sent", "(1", "failed, 1 unknown):"],
        ["KEY", "TO", "STATUS", "REASON"],
        ["#1", phone(1), "failed", "reason 1"],
        ["#4", phone(4), "unknown", "reason 4"],
    ]
    assert journal == (
        "journal: run.journal (to resume, run the same command with --resume; "
        "rows it settled are not sent again)\n"
    )


def test_the_summary_lists_at_most_20_rows_not_sent_then_how_many_more(
    fake_clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    report = BulkReport(Output(as_json=False), total=30, journal=None, stream=io.StringIO())
    add_all(report, (outcome(i, "failed") for i in range(30)), fake_clock)

    assert report.finish() == 1

    out = capsys.readouterr().out
    listed = out.split("not sent (30 failed, 0 unknown):\n")[1].splitlines()
    assert len(listed) == 1 + 20 + 1
    assert listed[-1] == "... and 10 more"
    assert "resumed" not in out  # no journal, nothing to resume from
    assert "journal" not in out


def test_a_run_where_every_row_was_sent_exits_0(fake_clock: FakeClock) -> None:
    report = BulkReport(Output(as_json=True), total=2, journal=None, stream=None)
    add_all(report, [outcome(0), outcome(1, resumed=True)], fake_clock)

    assert report.finish() == 0


def test_an_interrupted_run_exits_130_and_says_how_to_resume(
    fake_clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    report = BulkReport(
        Output(as_json=False), total=10, journal="run.journal", stream=io.StringIO()
    )
    add_all(report, [outcome(0), outcome(1)], fake_clock)
    report.interrupted = True

    with pytest.raises(CommandError) as raised:
        report.finish()

    assert raised.value.code == 130
    assert str(raised.value) == (
        "interrupted after 2 of 10 rows; to resume safely, run the same command with --resume "
        "(journal: run.journal)"
    )
    assert fields(capsys.readouterr().out)["not done"] == "8"
